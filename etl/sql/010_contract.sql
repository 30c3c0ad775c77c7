-- The warehouse contract: every table a build writes, written once per build. Amounts in euros as DECIMAL, rates
-- as fractions, codes as INSEE strings ('01', '2A', '971'). Inconsistencies in the sources are not constraints:
-- they are rows of quality_issues. The keys and references of the large tables are verified set-wise after every
-- build (etl/schema.py, verify_keys); DuckDB would check declared ones row by row.

CREATE TABLE regions (
    region_code VARCHAR PRIMARY KEY,   -- INSEE region code ('84', '04')
    name        VARCHAR NOT NULL,      -- official name
    region_no   SMALLINT NOT NULL      -- the region's bit in projects.region_mask and its number in fact_regions
);

CREATE TABLE departments (
    department_code VARCHAR PRIMARY KEY,                                -- INSEE department code ('01', '2A', '971')
    name            VARCHAR NOT NULL,                                   -- official name
    region_code     VARCHAR NOT NULL REFERENCES regions (region_code),  -- its region
    dept_no         SMALLINT NOT NULL                                   -- its number in fact_departments
);

CREATE TABLE themes (
    theme_id VARCHAR PRIMARY KEY,  -- key of the reviewed taxonomy (data/reference/themes.csv)
    label_fr VARCHAR NOT NULL,     -- French label
    label_en VARCHAR NOT NULL,     -- English label
    theme_no SMALLINT NOT NULL     -- the theme's bit in projects.theme_mask and its number in fact_themes
);

CREATE TABLE programmes (
    programme_id       VARCHAR PRIMARY KEY,  -- stable key ('fse-2020-2021', 'ptce-2015', 'imp-…')
    name               VARCHAR NOT NULL,     -- the call, scheme, guide or collection as named
    funder             VARCHAR,              -- who funds it, as printed
    year               INTEGER CHECK (year IS NULL OR year BETWEEN 1900 AND 2100),  -- the call's (first) year
    kind               VARCHAR NOT NULL CHECK (kind IN ('call', 'scheme', 'guide', 'collection', 'study', 'import')),
                                             -- call, scheme, guide, collection, study or import
    envelope_eur       DECIMAL(16, 2) CHECK (envelope_eur IS NULL OR envelope_eur >= 0),  -- announced envelope
    applications       INTEGER CHECK (applications IS NULL OR applications >= 0),  -- applications received
    admissible         INTEGER CHECK (admissible IS NULL OR admissible >= 0),  -- applications found admissible
    preselected        INTEGER,              -- applications preselected
    laureates          INTEGER,              -- laureates announced (else read)
    supported          INTEGER,              -- projects supported (a foundation's call, a study's dynamics)
    eligible_announced INTEGER,              -- eligible applicants the document announces
    min_grant_eur      DECIMAL(16, 2),       -- a scheme's smallest grant
    max_grant_eur      DECIMAL(16, 2),       -- a scheme's largest grant
    rate_cap           DECIMAL(7, 4),        -- a scheme's cap on the share of eligible costs
    rate_cap_priority  DECIMAL(7, 4),        -- the cap in priority areas (rural, priority neighbourhoods)
    source_file        VARCHAR NOT NULL,     -- the file it was read from
    source_line_start  INTEGER,              -- first line it was read from
    source_line_end    INTEGER,              -- last line it was read from
    prog_no            INTEGER NOT NULL,     -- small number the read side groups on (by year, name, key)
    n_projects         BIGINT NOT NULL       -- projects loaded for it
);

-- Every input file: a document of a family or an imported table (status 'loaded'), or a document no family
-- claims (status 'skipped', with the reason; it is also a row of quality_issues).
CREATE TABLE source_documents (
    source_file VARCHAR PRIMARY KEY,  -- the file's name in its input folder
    family      VARCHAR,              -- fse_sheets, ptce_call, avise_guide, rtes_sheets, cress_slides, table; NULL if skipped
    sha256      VARCHAR NOT NULL,     -- of the file's bytes
    n_lines     INTEGER NOT NULL,     -- lines of a document, rows + 1 of a table
    n_records   INTEGER NOT NULL,     -- projects loaded from it
    status      VARCHAR NOT NULL CHECK (status IN ('loaded', 'skipped')),  -- loaded or skipped
    skip_reason VARCHAR,              -- why a skipped document was not read
    title       VARCHAR,              -- the document's own title, as printed (a table: its file name's stem)
    encoding    VARCHAR,              -- the text encoding it was read in (utf-8, cp1252, utf-16-le, xlsx, parquet…)
    profile     VARCHAR,              -- a table's format: template, eu_2014_2020, eu_2021_2027, scdl (a document: its family)
    n_rows      INTEGER,              -- a table's data rows (n_records of them loaded, the others rejected)
    modified_at TIMESTAMP             -- the file's last modification: when it was put in its folder
);

-- The lead organisations across sources: one row per SIREN (a valid one), else per name (case, accents and
-- punctuation aside). A name without SIREN joins a SIREN's organisation only when it is spelled as one of that
-- SIREN's names and as no other SIREN's (projects.org_match says which).
CREATE TABLE organisations (
    org_no     INTEGER PRIMARY KEY,  -- small number, referenced by projects.org_no
    org_id     VARCHAR NOT NULL,     -- stable key: the SIREN, else 'n-' and a hash of the folded name (URLs)
    name       VARCHAR NOT NULL,     -- the name most of its projects print
    names      VARCHAR NOT NULL,     -- every spelling, ' | '-separated
    siren      VARCHAR,              -- its SIREN, if known
    n_projects BIGINT NOT NULL       -- projects it leads
);

-- What each document announces ('les 14 lauréats', a table of contents of 13 sheets) against what was read.
CREATE TABLE document_counts (
    source_file VARCHAR NOT NULL,  -- references source_documents
    what        VARCHAR NOT NULL,  -- laureates | eligible | examples | experimentations | sheets | records
    announced   INTEGER NOT NULL,  -- the count the document prints
    found       INTEGER NOT NULL,  -- the records read for it
    source_line INTEGER,           -- where the count is printed
    raw_value   VARCHAR            -- the count as printed
);

-- The documents' text, line by line (and a small table's rows), so that every figure can be shown in its context.
CREATE TABLE source_lines (
    source_file VARCHAR NOT NULL,  -- references source_documents
    line_no     INTEGER NOT NULL,  -- 1-based line (a table's row: its number in the spreadsheet)
    text        VARCHAR NOT NULL,  -- the line as printed
    PRIMARY KEY (source_file, line_no)
);

-- Where each project is said to be, as printed, and how it was placed: one row per project of the documents,
-- one per distinct location of an imported table (a million rows share some tens of thousands of places).
CREATE TABLE places (
    place_no     INTEGER NOT NULL,  -- key, referenced by projects.place_no
    location_raw VARCHAR,           -- the location as printed
    postcode     VARCHAR,           -- the postcode of an address, as printed
    city         VARCHAR,           -- the city of an address, as printed
    geo_method   VARCHAR,           -- how it was placed: postcode, region, department, epci, commune, alias, text…
    geo_evidence VARCHAR            -- the names that placed it
);

-- The tags of a project as printed ('a | b | c'): one row per project of the documents, one per distinct cell of
-- tags of an imported table.
CREATE TABLE tag_sets (
    tag_set_no INTEGER NOT NULL,  -- key, referenced by projects.tag_set_no
    tags       VARCHAR NOT NULL   -- the tags as printed, ' | '-separated
);

-- Key project_id, references programmes: verified by verify_keys (an index of ten million strings no query uses).
CREATE TABLE projects (
    project_id        VARCHAR NOT NULL,  -- stable key ('fse-2020-2021-202003945', 'imp-<file>-<id>')
    programme_id      VARCHAR NOT NULL,  -- its programme
    -- Text of (nearly) one value per project is stored uncompressed: with a few hundred thousand distinct values
    -- per ten million rows, the dictionary compression made reading one project's value cost 5 ms (the dashboard
    -- reads them for a page of projects), and choosing it cost 0.25 s per million rows and column at each build.
    title             VARCHAR NOT NULL USING COMPRESSION uncompressed,  -- as printed
    lead_org          VARCHAR USING COMPRESSION uncompressed,  -- lead organisation, as a register would print it
    lead_org_level    VARCHAR,   -- a local authority's level: commune, epci, pays, departement, region, collectivite_statut_particulier
    status            VARCHAR NOT NULL CHECK (status IN ('funded', 'laureate', 'eligible', 'example',
                                                         'experimentation', 'initiative', 'supported')),  -- in its programme
    fse_code          VARCHAR USING COMPRESSION uncompressed,  -- ESF operation code
    start_date        DATE,      -- start of the period
    end_date          DATE,      -- end of the period
    place_no          INTEGER,   -- places.place_no: the location as printed and how it was placed
    scope             VARCHAR CHECK (scope IS NULL OR scope IN ('local', 'multi-region', 'national')),  -- NULL: not placed
    total_budget_eur  DECIMAL(16, 2) CHECK (total_budget_eur IS NULL OR total_budget_eur >= 0),  -- total budget
    budget_kind       VARCHAR CHECK (budget_kind IS NULL OR budget_kind IN ('total', 'triennial')),  -- total or three-year
    fse_amount_eur    DECIMAL(16, 2) CHECK (fse_amount_eur IS NULL OR fse_amount_eur >= 0),  -- ESF cofinancing
    fse_rate_stated   DECIMAL(7, 4),   -- ESF rate as printed, a fraction
    fse_rate_computed DECIMAL(7, 4),   -- ESF amount ÷ total budget
    grant_amount_eur  DECIMAL(16, 2) CHECK (grant_amount_eur IS NULL OR grant_amount_eur >= 0),  -- grant
    grant_kind        VARCHAR CHECK (grant_kind IS NULL OR grant_kind IN ('granted', 'requested')),  -- granted or requested
    objective         VARCHAR,   -- objective, as printed
    description       VARCHAR,   -- description or actions, as printed
    website           VARCHAR,   -- website
    n_actions         INTEGER,   -- actions announced
    part              VARCHAR,   -- the document's part (a guide's examples or experimentations)
    structure_type    VARCHAR,   -- every structure type named ('SCIC | Foncière solidaire | SCA')
    contact_name      VARCHAR,   -- the contact person printed for the project
    contact_email     VARCHAR,   -- every e-mail address of the contact, ' | '-separated, repaired where cut
    contact_phone     VARCHAR,   -- every phone number of the contact, '05 55 20 81 29' form, ' | '-separated
    lead_org_id       VARCHAR,   -- the lead organisation's SIRET or SIREN as given (digits only)
    lead_org_siren    VARCHAR,   -- its SIREN (9 digits), if its Luhn key is right (else a quality issue)
    fund              VARCHAR,   -- the European fund: FSE, FSE+, IEJ, FEDER, FTJ… (data/reference/funds.csv)
    eu_rate           DECIMAL(7, 4),   -- the Union co-financing rate, a fraction
    eu_amount_eur     DECIMAL(16, 2) CHECK (eu_amount_eur IS NULL OR eu_amount_eur >= 0),  -- the EU contribution
    eu_amount_method  VARCHAR CHECK (eu_amount_method IS NULL OR eu_amount_method IN ('given', 'total_x_rate')),
                                 -- given, or the total times the co-financing rate
    grant_total_eur   DECIMAL(16, 2),  -- a grant before it is split between beneficiaries (SCDL montant)
    grant_share       DECIMAL(7, 4),   -- this beneficiary's share of it (SCDL pourcentageSubvention)
    country           VARCHAR,   -- the country an EU operation gives
    intervention      VARCHAR,   -- an EU operation's category or type of intervention
    tag_set_no        INTEGER,   -- tag_sets.tag_set_no: the tags as printed
    source_file       VARCHAR NOT NULL,  -- the file it was read from
    source_line_start INTEGER NOT NULL,  -- first line (a table's row)
    source_line_end   INTEGER NOT NULL,  -- last line
    -- Read side, computed once every source is loaded (etl/read_model.py).
    pk                INTEGER NOT NULL,  -- the rank by budget (largest first, no budget last, ties by project_id)
    org_no            INTEGER,   -- organisations.org_no: the lead organisation across sources
    org_match         VARCHAR,   -- how: siren, name_of_siren (a name spelled as a SIREN's), name
    prog_no           INTEGER NOT NULL,  -- programmes.prog_no
    programme_name    VARCHAR,   -- programmes.name
    programme_year    INTEGER,   -- programmes.year
    programme_kind    VARCHAR,   -- programmes.kind
    budget_eur        DECIMAL(16, 2),  -- total budget, else the grant
    budget_band       SMALLINT,  -- fine log10 band of budget_eur (-1: zero); bounds in build_info
    year_from         INTEGER,   -- first year (start date, else the programme's)
    year_to           INTEGER,   -- last year (end date, else start, else the programme's)
    search_text       VARCHAR USING COMPRESSION uncompressed,  -- title and lead organisation, lower case, no accents
    n_regions         INTEGER,   -- regions it is placed in
    n_departments     INTEGER,   -- departments it is placed in
    n_themes          INTEGER,   -- themes it carries
    n_issues          INTEGER,   -- quality issues about it
    issue_mask        TINYINT,   -- severities of those issues, one bit each (common.contract.SEVERITY_BITS)
    fse_flags         VARCHAR,   -- 'fse_exceeds_budget, rate_mismatch' when the FSE figures are inconsistent
    region_mask       BIGINT,    -- bit n set: the project is in the region of regions.region_no n
    theme_mask        BIGINT,    -- the same for themes.theme_no
    CHECK (source_line_end >= source_line_start)
);

CREATE TABLE partners (
    project_id VARCHAR NOT NULL,  -- references projects
    position   INTEGER NOT NULL,  -- order in the printed list
    name       VARCHAR NOT NULL   -- partner, as printed
);

CREATE TABLE key_figures (
    project_id  VARCHAR NOT NULL,  -- references projects
    position    INTEGER NOT NULL,  -- order on the sheet
    text        VARCHAR NOT NULL,  -- the figure as printed
    amount_eur  DECIMAL(16, 2),    -- its amount in euros, if any
    source_line INTEGER,           -- where it is printed
    PRIMARY KEY (project_id, position)
);

-- Raw text of each parsed value and the line it was read from.
CREATE TABLE field_sources (
    project_id  VARCHAR NOT NULL,  -- references projects
    field       VARCHAR NOT NULL,  -- the field read (title, lead_org, total_budget…)
    raw_value   VARCHAR NOT NULL,  -- the text as printed
    source_line INTEGER NOT NULL,  -- where it is printed
    PRIMARY KEY (project_id, field)
);

CREATE TABLE programme_sources (
    programme_id VARCHAR NOT NULL,  -- references programmes (verified by verify_keys)
    field        VARCHAR NOT NULL,  -- the field read (envelope_eur, applications…)
    raw_value    VARCHAR NOT NULL,  -- the text as printed
    source_line  INTEGER NOT NULL,  -- where it is printed
    PRIMARY KEY (programme_id, field)
);

CREATE TABLE build_info (
    key   VARCHAR PRIMARY KEY,  -- built_at, input_dir, documents, n_projects, budget bands, year range…
    value VARCHAR               -- its value
);
