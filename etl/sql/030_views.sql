-- Views: the same rows under the names the contract and the read side use, written once.

CREATE VIEW facts AS SELECT * FROM projects;  -- the read side's name for projects

CREATE VIEW quality_issues AS                  -- the quality issues of the contract
SELECT issue_id,                               -- key
       project_id,                             -- the project it is about
       issue_programme_id AS programme_id,     -- the programme it is about
       rule,                                   -- the rule
       severity,                               -- error, warning or info
       message,                                -- what is wrong, in English
       params,                                 -- the values it is made of (JSON): the app words it in French or English
       "values",                               -- the values involved
       field,                                  -- the field involved
       source_file,                            -- where it was read
       source_line,                            -- the line or row
       category                                -- extraction, import or source
FROM fact_issues;

CREATE VIEW project_regions AS                 -- a project's regions
SELECT f.project_id,                           -- the project
       d.region_code                           -- a region it is placed in
FROM fact_regions x JOIN projects f USING (pk) JOIN regions d USING (region_no);

CREATE VIEW project_departments AS             -- a project's departments
SELECT f.project_id,                           -- the project
       d.department_code                       -- a department it is placed in
FROM fact_departments x JOIN projects f USING (pk) JOIN departments d USING (dept_no);

CREATE VIEW project_themes AS                  -- a project's themes
SELECT f.project_id,                           -- the project
       d.theme_id,                             -- a theme it carries
       x.rule                                  -- the rule that gave it
FROM fact_themes x JOIN projects f USING (pk) JOIN themes d USING (theme_no);

CREATE VIEW cofinancers AS                     -- a project's cofinancers, in their printed order
SELECT f.project_id,                           -- the project
       x.position,                             -- order in the printed list
       x.name                                  -- cofinancer, as printed
FROM fact_cofinancers x JOIN projects f USING (pk);

CREATE VIEW dim_programmes AS                  -- the programmes as the read side groups them
SELECT prog_no,                                -- small number
       programme_id,                           -- key
       name,                                   -- name
       kind,                                   -- call, scheme, guide, collection, study or import
       year,                                   -- year
       funder,                                 -- funder
       n_projects                              -- projects loaded
FROM programmes;

CREATE VIEW dim_regions AS                     -- the regions as the read side groups them
SELECT region_no,                              -- small number (the bit of region_mask)
       region_code,                            -- INSEE code
       name                                    -- name
FROM regions;

CREATE VIEW dim_departments AS                 -- the departments as the read side groups them
SELECT dept_no,                                -- small number
       department_code,                        -- INSEE code
       name,                                   -- name
       region_code                             -- its region
FROM departments;

CREATE VIEW dim_themes AS                      -- the themes as the read side groups them
SELECT theme_no,                               -- small number (the bit of theme_mask)
       theme_id,                               -- key
       label_fr,                               -- French label
       label_en                                -- English label
FROM themes;
