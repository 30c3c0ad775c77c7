-- Warehouse schema. Amounts in euros as DECIMAL, rates as fractions, codes as INSEE strings.
-- Inconsistencies in the sources are not constraints: they are rows of quality_issues.

CREATE TABLE regions (
    region_code VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL
);

CREATE TABLE departments (
    department_code VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    region_code     VARCHAR NOT NULL REFERENCES regions (region_code)
);

-- Every input file: a document of a family or an imported table (status 'loaded'), or a document no family
-- claims (status 'skipped', with the reason; it is also a row of quality_issues).
CREATE TABLE source_documents (
    source_file VARCHAR PRIMARY KEY,
    family      VARCHAR,           -- fse_sheets, ptce_call, avise_guide, rtes_sheets, cress_slides, table; NULL if skipped
    sha256      VARCHAR NOT NULL,  -- of the file's bytes
    n_lines     INTEGER NOT NULL,
    n_records   INTEGER NOT NULL,
    status      VARCHAR NOT NULL DEFAULT 'loaded' CHECK (status IN ('loaded', 'skipped')),
    skip_reason VARCHAR,           -- why a skipped document was not read
    title       VARCHAR,           -- the document's own title, as printed
    encoding    VARCHAR            -- the text encoding it was read in (utf-8, cp1252, utf-16-le…)
);

-- What each document announces ('les 14 lauréats', a table of contents of 13 sheets) against what was read.
CREATE TABLE document_counts (
    source_file VARCHAR NOT NULL,  -- references source_documents
    what        VARCHAR NOT NULL,  -- laureates | eligible | examples | experimentations | sheets | records
    announced   INTEGER NOT NULL,
    found       INTEGER NOT NULL,
    source_line INTEGER,           -- where the count is printed
    raw_value   VARCHAR            -- the count as printed
);

-- The documents' text, line by line, so that every figure can be shown in its context.
CREATE TABLE source_lines (
    source_file VARCHAR NOT NULL REFERENCES source_documents (source_file),
    line_no     INTEGER NOT NULL,
    text        VARCHAR NOT NULL,
    PRIMARY KEY (source_file, line_no)
);

CREATE TABLE programmes (
    programme_id       VARCHAR PRIMARY KEY,
    name               VARCHAR NOT NULL,
    funder             VARCHAR,
    year               INTEGER CHECK (year IS NULL OR year BETWEEN 1900 AND 2100),
    kind               VARCHAR NOT NULL CHECK (kind IN ('call', 'scheme', 'guide', 'collection', 'study', 'import')),
    envelope_eur       DECIMAL(16, 2) CHECK (envelope_eur IS NULL OR envelope_eur >= 0),
    applications       INTEGER CHECK (applications IS NULL OR applications >= 0),
    admissible         INTEGER CHECK (admissible IS NULL OR admissible >= 0),
    preselected        INTEGER,
    laureates          INTEGER,
    supported          INTEGER,
    eligible_announced INTEGER,
    min_grant_eur      DECIMAL(16, 2),
    max_grant_eur      DECIMAL(16, 2),
    rate_cap           DECIMAL(7, 4),
    rate_cap_priority  DECIMAL(7, 4),
    source_file        VARCHAR NOT NULL,
    source_line_start  INTEGER,
    source_line_end    INTEGER
);

-- Where each project is said to be, as printed, and how it was placed: one row per project of the documents,
-- one per distinct location of an imported table (a million rows share some tens of thousands of places).
-- Key place_no, referenced by projects.place_no: verified after every build by etl.pipeline.verify_keys.
CREATE TABLE places (
    place_no     INTEGER NOT NULL,
    location_raw VARCHAR,
    postcode     VARCHAR,
    city         VARCHAR,
    geo_method   VARCHAR,  -- how it was placed (etl.geo.Placement.method)
    geo_evidence VARCHAR
);

-- The tags of a project as printed ('a | b | c'): one row per project of the documents, one per distinct cell
-- of tags of an imported table. Key tag_set_no, referenced by projects.tag_set_no: verified by verify_keys.
CREATE TABLE tag_sets (
    tag_set_no INTEGER NOT NULL,
    tags       VARCHAR NOT NULL
);

-- Key project_id: verified after every build by etl.pipeline.verify_keys (a declared key would cost an index
-- of ten million strings that no query uses: the dashboard reads a project by pk).
CREATE TABLE projects (
    project_id        VARCHAR NOT NULL,
    programme_id      VARCHAR NOT NULL,  -- references programmes: verified by etl.pipeline.verify_keys
    -- Text of (nearly) one value per project is stored uncompressed: with a few hundred thousand distinct values
    -- per ten million rows, the dictionary compression made reading one project's value cost 5 ms (the dashboard
    -- reads them for a page of projects), and choosing it cost 0.25 s per million rows and column at each build.
    title             VARCHAR NOT NULL USING COMPRESSION uncompressed,
    lead_org          VARCHAR USING COMPRESSION uncompressed,
    lead_org_level    VARCHAR,
    status            VARCHAR NOT NULL CHECK (status IN ('funded', 'laureate', 'eligible', 'example',
                                                         'experimentation', 'initiative', 'supported')),
    fse_code          VARCHAR USING COMPRESSION uncompressed,  -- likewise
    start_date        DATE,
    end_date          DATE,
    place_no          INTEGER,   -- places.place_no: the location as printed and how it was placed
    scope             VARCHAR CHECK (scope IS NULL OR scope IN ('local', 'multi-region', 'national')),
    total_budget_eur  DECIMAL(16, 2) CHECK (total_budget_eur IS NULL OR total_budget_eur >= 0),
    budget_kind       VARCHAR CHECK (budget_kind IS NULL OR budget_kind IN ('total', 'triennial')),
    fse_amount_eur    DECIMAL(16, 2) CHECK (fse_amount_eur IS NULL OR fse_amount_eur >= 0),
    fse_rate_stated   DECIMAL(7, 4),
    fse_rate_computed DECIMAL(7, 4),
    grant_amount_eur  DECIMAL(16, 2) CHECK (grant_amount_eur IS NULL OR grant_amount_eur >= 0),
    grant_kind        VARCHAR CHECK (grant_kind IS NULL OR grant_kind IN ('granted', 'requested')),
    objective         VARCHAR,
    description       VARCHAR,
    website           VARCHAR,
    n_actions         INTEGER,
    part              VARCHAR,
    structure_type    VARCHAR,   -- every structure type named ('SCIC | Foncière solidaire | SCA')
    contact_name      VARCHAR,   -- the contact person printed for the project
    contact_email     VARCHAR,   -- every e-mail address of the contact, ' | '-separated, repaired where cut
    contact_phone     VARCHAR,   -- every phone number of the contact, '05 55 20 81 29' form, ' | '-separated
    tag_set_no        INTEGER,   -- tag_sets.tag_set_no: the tags as printed
    source_file       VARCHAR NOT NULL,
    source_line_start INTEGER NOT NULL,
    source_line_end   INTEGER NOT NULL,
    -- Read side, filled once every source is loaded (etl.pipeline.build_facts); NULL while loading.
    -- pk is the project's rank by budget (largest first, no budget last, ties by project_id).
    -- The view `facts` is this table.
    pk                INTEGER,
    prog_no           INTEGER,   -- dim_programmes.prog_no
    programme_name    VARCHAR,
    programme_year    INTEGER,
    programme_kind    VARCHAR,
    budget_eur        DECIMAL(16, 2),  -- total budget, else the grant
    budget_band       SMALLINT,  -- fine log10 band of budget_eur (-1: zero); bounds in build_info
    year_from         INTEGER,
    year_to           INTEGER,
    search_text       VARCHAR USING COMPRESSION uncompressed,  -- title and lead organisation, lower case, no accents
    n_regions         INTEGER,
    n_departments     INTEGER,
    n_themes          INTEGER,
    n_issues          INTEGER,
    fse_flags         VARCHAR,   -- 'fse_exceeds_budget, rate_mismatch' when the FSE figures are inconsistent
    region_mask       BIGINT,    -- bit n set: the project is in the region of dim_regions.region_no n
    theme_mask        BIGINT,    -- the same for dim_themes.theme_no
    CHECK (source_line_end >= source_line_start)
);

-- Key (project_id, region_code), references projects, regions: verified after every build by etl.pipeline.verify_keys.
-- (DuckDB checks declared keys row by row; on ten million rows that would cost more than the import.)
CREATE TABLE project_regions (
    project_id  VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL
);

-- Key (project_id, department_code), references projects, departments: verified after every build by etl.pipeline.verify_keys.
-- (DuckDB checks declared keys row by row; on ten million rows that would cost more than the import.)
CREATE TABLE project_departments (
    project_id      VARCHAR NOT NULL,
    department_code VARCHAR NOT NULL
);

CREATE TABLE themes (
    theme_id VARCHAR PRIMARY KEY,
    label_fr VARCHAR NOT NULL,
    label_en VARCHAR NOT NULL
);

-- Key (project_id, theme_id), references projects, themes: verified after every build by etl.pipeline.verify_keys.
-- (DuckDB checks declared keys row by row; on ten million rows that would cost more than the import.)
CREATE TABLE project_themes (
    project_id VARCHAR NOT NULL,
    theme_id   VARCHAR NOT NULL,
    rule       VARCHAR NOT NULL
);

-- Key (project_id, position), references projects: verified after every build by etl.pipeline.verify_keys.
-- (DuckDB checks declared keys row by row; on ten million rows that would cost more than the import.)
CREATE TABLE cofinancers (
    project_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    name       VARCHAR NOT NULL
);

-- Key (project_id, position), references projects: verified after every build by etl.pipeline.verify_keys.
-- (DuckDB checks declared keys row by row; on ten million rows that would cost more than the import.)
CREATE TABLE partners (
    project_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    name       VARCHAR NOT NULL
);

CREATE TABLE key_figures (
    project_id  VARCHAR NOT NULL,  -- references projects: verified by etl.pipeline.verify_keys
    position    INTEGER NOT NULL,
    text        VARCHAR NOT NULL,
    amount_eur  DECIMAL(16, 2),
    source_line INTEGER,
    PRIMARY KEY (project_id, position)
);

-- Raw text of each parsed value and the line it was read from.
CREATE TABLE field_sources (
    project_id  VARCHAR NOT NULL,  -- references projects: verified by etl.pipeline.verify_keys
    field       VARCHAR NOT NULL,
    raw_value   VARCHAR NOT NULL,
    source_line INTEGER NOT NULL,
    PRIMARY KEY (project_id, field)
);

CREATE TABLE programme_sources (
    programme_id VARCHAR NOT NULL REFERENCES programmes (programme_id),
    field        VARCHAR NOT NULL,
    raw_value    VARCHAR NOT NULL,
    source_line  INTEGER NOT NULL,
    PRIMARY KEY (programme_id, field)
);

-- Key issue_id; project_id and programme_id reference projects and programmes: verified by
-- etl.pipeline.verify_keys after every build.
CREATE TABLE quality_issues (
    issue_id     INTEGER NOT NULL,
    project_id   VARCHAR,
    programme_id VARCHAR,
    rule         VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    message      VARCHAR NOT NULL,
    "values"     VARCHAR,
    field        VARCHAR,
    source_file  VARCHAR,
    source_line  INTEGER,
    -- 'extraction': the ETL could not read what a document holds (a record or a field lost, a document skipped);
    -- 'import': a table's row rejected or read with a warning; 'source': the source is inconsistent or incomplete
    category     VARCHAR NOT NULL DEFAULT 'source' CHECK (category IN ('extraction', 'import', 'source'))
);

CREATE TABLE build_info (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- How a build uses this schema (etl.pipeline.write_warehouse): every source is first loaded into TEMP
-- copies of these tables (the staging area, spilled to disk beyond the memory limit), then the warehouse
-- file gets the same tables, filled in one pass each, with the read side:
-- * projects with its read-side columns; the view facts is projects;
-- * dim_programmes (prog_no, n_projects), dim_regions (region_no), dim_departments (dept_no),
--   dim_themes (theme_no): small integer numbers for the dimensions;
-- * fact_regions, fact_departments, fact_themes, fact_cofinancers, fact_issues: link
--   rows on pk and the dimension's number (region_no, dept_no, theme_no; fact_themes also the rule;
--   fact_cofinancers the position, name and first_mention) carrying the filter columns and measures of their
--   project, so that pages aggregate without a join (fact_issues also carries the project's title, for the
--   issue list);
-- * project_regions, project_departments, project_themes and cofinancers become views over fact_regions,
--   fact_departments, fact_themes and fact_cofinancers: the same rows, written once.
