-- The read model: link tables on the project's integer key pk and the dimension's number, carrying the filter
-- columns and the measures of their project, so that a page filters and aggregates them without a join (a join of
-- millions of rows is what made a page slow). Written once per build by etl/read_model.py.

CREATE TABLE fact_regions (
    pk               INTEGER NOT NULL,   -- projects.pk
    region_no        SMALLINT NOT NULL,  -- regions.region_no
    prog_no          INTEGER,            -- the project's programme (projects.prog_no)
    status           VARCHAR,            -- the project's status
    budget_eur       DECIMAL(16, 2),     -- the project's budget (filters)
    year_from        INTEGER,            -- the project's first year
    year_to          INTEGER,            -- the project's last year
    region_mask      BIGINT,             -- the project's regions
    theme_mask       BIGINT,             -- the project's themes
    total_budget_eur DECIMAL(16, 2),     -- the project's total budget
    fse_amount_eur   DECIMAL(16, 2),     -- the project's ESF amount
    grant_amount_eur DECIMAL(16, 2),     -- the project's grant
    n_regions        INTEGER             -- the project's number of regions (its amounts split between them)
);

CREATE TABLE fact_departments (
    pk               INTEGER NOT NULL,   -- projects.pk
    dept_no          SMALLINT NOT NULL,  -- departments.dept_no
    prog_no          INTEGER,            -- the project's programme
    status           VARCHAR,            -- the project's status
    budget_eur       DECIMAL(16, 2),     -- the project's budget (filters)
    year_from        INTEGER,            -- the project's first year
    year_to          INTEGER,            -- the project's last year
    region_mask      BIGINT,             -- the project's regions
    theme_mask       BIGINT,             -- the project's themes
    total_budget_eur DECIMAL(16, 2),     -- the project's total budget
    fse_amount_eur   DECIMAL(16, 2),     -- the project's ESF amount
    grant_amount_eur DECIMAL(16, 2),     -- the project's grant
    n_departments    INTEGER             -- the project's number of departments (its amounts split between them)
);

CREATE TABLE fact_themes (
    pk               INTEGER NOT NULL,   -- projects.pk
    theme_no         SMALLINT NOT NULL,  -- themes.theme_no
    rule             VARCHAR NOT NULL,   -- the rule that gave the theme (tag:… or keyword:…)
    prog_no          INTEGER,            -- the project's programme
    status           VARCHAR,            -- the project's status
    budget_eur       DECIMAL(16, 2),     -- the project's budget (filters)
    year_from        INTEGER,            -- the project's first year
    year_to          INTEGER,            -- the project's last year
    region_mask      BIGINT,             -- the project's regions
    theme_mask       BIGINT,             -- the project's themes
    total_budget_eur DECIMAL(16, 2),     -- the project's total budget
    fse_amount_eur   DECIMAL(16, 2),     -- the project's ESF amount
    grant_amount_eur DECIMAL(16, 2)      -- the project's grant
);

-- Every cofinancer named, in its position (the view cofinancers is these rows).
CREATE TABLE fact_cofinancers (
    pk            INTEGER NOT NULL,  -- projects.pk
    position      INTEGER NOT NULL,  -- order in the printed list
    name          VARCHAR NOT NULL,  -- cofinancer, as printed
    first_mention BOOLEAN NOT NULL,  -- not a repeat of a name already listed for the project (a count of rows is
                                     -- a count of projects)
    prog_no       INTEGER,           -- the project's programme
    status        VARCHAR,           -- the project's status
    budget_eur    DECIMAL(16, 2),    -- the project's budget (filters)
    year_from     INTEGER,           -- the project's first year
    year_to       INTEGER,           -- the project's last year
    region_mask   BIGINT,            -- the project's regions
    theme_mask    BIGINT             -- the project's themes
);

-- Every quality issue (the view quality_issues is these rows), with its project's filter columns and title.
CREATE TABLE fact_issues (
    pk                 INTEGER,           -- projects.pk (NULL: an issue about a programme or a file)
    issue_id           INTEGER NOT NULL,  -- key
    project_id         VARCHAR,           -- the project it is about
    issue_programme_id VARCHAR,           -- the programme it is about
    rule               VARCHAR NOT NULL,  -- the rule (fse_exceeds_budget, records_missing…)
    severity           VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),  -- error, warning or info
    category           VARCHAR NOT NULL CHECK (category IN ('extraction', 'import', 'source')),
                                          -- extraction: the ETL could not read what a document holds; import: a
                                          -- table's row rejected or read with a warning; source: the source is
                                          -- inconsistent or incomplete
    message            VARCHAR NOT NULL,  -- what is wrong, in English (the command line's summary, SQL users)
    params             VARCHAR,           -- the values it is made of, a JSON object: the app words the message from
                                          -- its rule's template in the user's language (common/locales, [issue])
    "values"           VARCHAR,           -- the values involved
    field              VARCHAR,           -- the field involved
    source_file        VARCHAR,           -- where it was read
    source_line        INTEGER,           -- the line or row
    project_title      VARCHAR,           -- the project's title, for the list of issues
    prog_no            INTEGER,           -- the project's programme (filters)
    status             VARCHAR,           -- the project's status
    budget_eur         DECIMAL(16, 2),    -- the project's budget
    year_from          INTEGER,           -- the project's first year
    year_to            INTEGER,           -- the project's last year
    region_mask        BIGINT,            -- the project's regions
    theme_mask         BIGINT             -- the project's themes
);
