-- The staging area of a build: TEMP tables of the build's connection (in memory, spilled to disk beyond the memory
-- limit), filled by the documents (etl/documents.py) and the imported tables (etl/tables/load.py), read once by
-- etl/read_model.py, which writes each warehouse table once. Not part of the warehouse file.

CREATE TEMP TABLE stage_programmes (
    programme_id       VARCHAR PRIMARY KEY,  -- programmes.programme_id
    name               VARCHAR NOT NULL,     -- programmes.name
    funder             VARCHAR,              -- programmes.funder
    year               INTEGER,              -- programmes.year
    kind               VARCHAR NOT NULL,     -- programmes.kind
    envelope_eur       DECIMAL(16, 2),       -- programmes.envelope_eur
    applications       INTEGER,              -- programmes.applications
    admissible         INTEGER,              -- programmes.admissible
    preselected        INTEGER,              -- programmes.preselected
    laureates          INTEGER,              -- programmes.laureates
    supported          INTEGER,              -- programmes.supported
    eligible_announced INTEGER,              -- programmes.eligible_announced
    min_grant_eur      DECIMAL(16, 2),       -- programmes.min_grant_eur
    max_grant_eur      DECIMAL(16, 2),       -- programmes.max_grant_eur
    rate_cap           DECIMAL(7, 4),        -- programmes.rate_cap
    rate_cap_priority  DECIMAL(7, 4),        -- programmes.rate_cap_priority
    source_file        VARCHAR NOT NULL,     -- programmes.source_file
    source_line_start  INTEGER,              -- programmes.source_line_start
    source_line_end    INTEGER               -- programmes.source_line_end
);

CREATE TEMP TABLE stage_places (
    place_no     INTEGER NOT NULL,  -- places.place_no (a document's project's own place)
    location_raw VARCHAR,           -- places.location_raw
    postcode     VARCHAR,           -- places.postcode
    city         VARCHAR,           -- places.city
    geo_method   VARCHAR,           -- places.geo_method
    geo_evidence VARCHAR            -- places.geo_evidence
);

CREATE TEMP TABLE stage_tag_sets (
    tag_set_no INTEGER NOT NULL,  -- tag_sets.tag_set_no
    tags       VARCHAR NOT NULL   -- tag_sets.tags
);

-- The documents' projects (an imported table's are the view {prefix}_projects over its checked rows).
CREATE TEMP TABLE stage_projects (
    project_id        VARCHAR NOT NULL,  -- projects.project_id
    programme_id      VARCHAR NOT NULL,  -- projects.programme_id
    title             VARCHAR NOT NULL,  -- projects.title
    lead_org          VARCHAR,           -- projects.lead_org
    lead_org_level    VARCHAR,           -- projects.lead_org_level
    status            VARCHAR NOT NULL,  -- projects.status
    fse_code          VARCHAR,           -- projects.fse_code
    start_date        DATE,              -- projects.start_date
    end_date          DATE,              -- projects.end_date
    place_no          INTEGER,           -- projects.place_no
    scope             VARCHAR,           -- projects.scope
    total_budget_eur  DECIMAL(16, 2),    -- projects.total_budget_eur
    budget_kind       VARCHAR,           -- projects.budget_kind
    fse_amount_eur    DECIMAL(16, 2),    -- projects.fse_amount_eur
    fse_rate_stated   DECIMAL(7, 4),     -- projects.fse_rate_stated
    fse_rate_computed DECIMAL(7, 4),     -- projects.fse_rate_computed
    grant_amount_eur  DECIMAL(16, 2),    -- projects.grant_amount_eur
    grant_kind        VARCHAR,           -- projects.grant_kind
    objective         VARCHAR,           -- projects.objective
    description       VARCHAR,           -- projects.description
    website           VARCHAR,           -- projects.website
    n_actions         INTEGER,           -- projects.n_actions
    part              VARCHAR,           -- projects.part
    structure_type    VARCHAR,           -- projects.structure_type
    contact_name      VARCHAR,           -- projects.contact_name
    contact_email     VARCHAR,           -- projects.contact_email
    contact_phone     VARCHAR,           -- projects.contact_phone
    lead_org_id       VARCHAR,           -- projects.lead_org_id
    lead_org_siren    VARCHAR,           -- projects.lead_org_siren
    fund              VARCHAR,           -- projects.fund
    eu_rate           DECIMAL(7, 4),     -- projects.eu_rate
    eu_amount_eur     DECIMAL(16, 2),    -- projects.eu_amount_eur
    eu_amount_method  VARCHAR,           -- projects.eu_amount_method
    grant_total_eur   DECIMAL(16, 2),    -- projects.grant_total_eur
    grant_share       DECIMAL(7, 4),     -- projects.grant_share
    country           VARCHAR,           -- projects.country
    intervention      VARCHAR,           -- projects.intervention
    tag_set_no        INTEGER,           -- projects.tag_set_no
    source_file       VARCHAR NOT NULL,  -- projects.source_file
    source_line_start INTEGER NOT NULL,  -- projects.source_line_start
    source_line_end   INTEGER NOT NULL   -- projects.source_line_end
);

CREATE TEMP TABLE stage_regions (
    project_id  VARCHAR NOT NULL,  -- a document's project
    region_code VARCHAR NOT NULL   -- a region it is placed in
);

CREATE TEMP TABLE stage_departments (
    project_id      VARCHAR NOT NULL,  -- a document's project
    department_code VARCHAR NOT NULL   -- a department it is placed in
);

CREATE TEMP TABLE stage_themes (
    project_id VARCHAR NOT NULL,  -- a document's project
    theme_id   VARCHAR NOT NULL,  -- a theme it carries
    rule       VARCHAR NOT NULL   -- the rule that gave it (tag:… or keyword:…)
);

CREATE TEMP TABLE stage_cofinancers (
    project_id VARCHAR NOT NULL,  -- a document's project
    position   INTEGER NOT NULL,  -- order in the printed list
    name       VARCHAR NOT NULL   -- cofinancer, as printed
);

CREATE TEMP TABLE stage_partners (
    project_id VARCHAR NOT NULL,  -- a document's project
    position   INTEGER NOT NULL,  -- order in the printed list
    name       VARCHAR NOT NULL   -- partner, as printed
);

CREATE TEMP TABLE stage_issues (
    issue_id     INTEGER NOT NULL,  -- quality_issues.issue_id
    project_id   VARCHAR,           -- quality_issues.project_id
    programme_id VARCHAR,           -- quality_issues.programme_id
    rule         VARCHAR NOT NULL,  -- quality_issues.rule
    severity     VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),  -- quality_issues.severity
    message      VARCHAR NOT NULL,  -- quality_issues.message
    params       VARCHAR,           -- quality_issues.params
    "values"     VARCHAR,           -- quality_issues.values
    field        VARCHAR,           -- quality_issues.field
    source_file  VARCHAR,           -- quality_issues.source_file
    source_line  INTEGER,           -- quality_issues.source_line
    category     VARCHAR NOT NULL DEFAULT 'source' CHECK (category IN ('extraction', 'import', 'source'))
                                    -- quality_issues.category
);
