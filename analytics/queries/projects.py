"""The projects: a page of the table, the picker, and everything about one project."""

from __future__ import annotations

import pandas as pd

from analytics import db
from analytics.db import cached
from analytics.filters import Filters
from analytics.queries.base import _BUDGET, filtered

# -- projects -----------------------------------------------------------------------------------------------
SORTABLE = {"title": "title", "budget": _BUDGET, "fse": "fse_amount_eur", "start": "start_date",
            "programme": "programme_name", "status": "status"}


@cached
def projects_page(f: Filters, sort: str = "budget", descending: bool = True, page: int = 1,
                  page_size: int = 25) -> pd.DataFrame:
    cte, params = filtered(f)
    order = SORTABLE.get(sort, SORTABLE["budget"])
    direction = "DESC" if descending else "ASC"
    tie = "pk" if sort not in ("title", "programme", "status") else "title, pk"  # no string compares when not needed
    by = f"{order} {direction} NULLS LAST, {tie}"
    if order == _BUDGET and descending:
        by = "pk"  # pk is the rank by budget, largest first (etl/read_model.py)
    return db.df(f"""{cte}
        , keys AS (SELECT pk FROM fp ORDER BY {by} LIMIT ? OFFSET ?),
        page AS (SELECT pk, project_id, title, lead_org, programme_name, status, scope, {_BUDGET}, fse_amount_eur,
                        grant_amount_eur, start_date, end_date, n_issues, region_mask
                 FROM facts WHERE pk IN (SELECT pk FROM keys)),
        reg AS (SELECT p.pk, string_agg(g.name, ', ' ORDER BY g.name) AS regions  -- the regions of the page's mask
                FROM page p JOIN dim_regions g ON (p.region_mask >> g.region_no) & 1 = 1 GROUP BY 1)
        SELECT project_id, title, lead_org, programme_name AS programme, status, scope, reg.regions,
               {_BUDGET} AS budget_eur, fse_amount_eur, grant_amount_eur, start_date, end_date, n_issues
        FROM page LEFT JOIN reg USING (pk) ORDER BY {by}""",
               params + [page_size, (max(page, 1) - 1) * page_size])


@cached
def project_options(f: Filters, limit: int = 500) -> pd.DataFrame:
    cte, params = filtered(f)
    # the picker lists the projects in the table's default order (largest budgets first)
    return db.df(f"{cte}, keys AS (SELECT pk FROM fp ORDER BY pk LIMIT ?) "
               f"SELECT project_id, pk, title FROM facts WHERE pk IN (SELECT pk FROM keys) ORDER BY pk", params + [limit])


@cached
def project_detail(project_id: str, pk: int) -> dict[str, pd.DataFrame]:
    """Everything about one project: the read-side tables by ``pk`` (one integer column scanned), the small
    source tables by ``project_id``."""
    p, k = [project_id], [int(pk)]
    project = db.df("SELECT * EXCLUDE (search_text) FROM projects WHERE pk = ?", k)  # one integer column scanned
    project = project[project["project_id"] == project_id]  # a pk from an older build names another project
    for table, no, cols in (("places", "place_no", ["location_raw", "postcode", "city", "geo_method", "geo_evidence"]),
                            ("tag_sets", "tag_set_no", ["tags"])):  # its place and tags, by their numbers
        key = project[no].iloc[0] if len(project) else None
        found = db.df(f"SELECT {', '.join(cols)} FROM {table} WHERE {no} = ?", [int(key)]) if pd.notna(key) else None
        project = project.assign(**{c: found[c].iloc[0] if found is not None and len(found) else None for c in cols})
    out = {
        "project": project,
        "regions": db.df("SELECT region_code, name FROM dim_regions WHERE (? >> region_no) & 1 = 1 ORDER BY 1",
                       [int(project["region_mask"].iloc[0]) if len(project) else 0]),  # the project's region mask
        "departments": db.df("SELECT g.department_code, g.name FROM fact_departments d JOIN dim_departments g "
                           "USING (dept_no) WHERE pk = ? ORDER BY 1", k),
        "themes": db.df("SELECT t.label_fr, t.label_en, x.rule FROM fact_themes x JOIN dim_themes t USING (theme_no) "
                      "WHERE pk = ? ORDER BY 1", k),
        "partners": db.df("SELECT name FROM partners WHERE project_id = ? ORDER BY position", p),
        "cofinancers": db.df("SELECT name FROM fact_cofinancers WHERE pk = ? ORDER BY position", k),
        "key_figures": db.df("SELECT text, amount_eur, source_line FROM key_figures WHERE project_id = ? "
                           "ORDER BY position", p),
        "sources": db.df("SELECT field, raw_value, source_line FROM field_sources WHERE project_id = ? "
                       "ORDER BY source_line, field", p),
        "issues": db.df("SELECT rule, severity, message, \"values\", source_line, params FROM fact_issues "
                      "WHERE pk = ? ORDER BY severity, rule", k),
        "excerpt": pd.DataFrame(columns=["line_no", "text"]),
    }
    if not project.empty:
        row = project.iloc[0]
        out["excerpt"] = db.df("SELECT line_no, text FROM source_lines WHERE source_file = ? AND line_no BETWEEN ? AND ? "
                             "ORDER BY line_no", [row["source_file"], int(row["source_line_start"]),
                                                  int(row["source_line_end"])])
    return out


@cached
def project_by_id(project_id: str) -> pd.DataFrame:
    """One project's key and title, whatever the filters (a link to it)."""
    return db.df("SELECT project_id, pk, title FROM facts WHERE project_id = ?", [project_id])
