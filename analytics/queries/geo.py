"""Where and what: the map (regions, departments, off-map projects) and the themes."""

from __future__ import annotations

import pandas as pd

from analytics import db
from analytics.db import cached
from analytics.filters import Filters
from analytics.queries.base import OTHERS, TOP_GROUPS, filtered, link, programmes, themes


# -- map ----------------------------------------------------------------------------------------------------
@cached
def map_regions(f: Filters) -> pd.DataFrame:
    """Per region: projects placed there (a multi-region project in each), amounts split equally between regions."""
    rows, params = link(f, "fact_regions")
    return db.df(f"""WITH
        agg AS (SELECT x.region_no, count(*) AS n, sum(x.total_budget_eur / x.n_regions) AS budget_eur,
                       sum(x.fse_amount_eur / x.n_regions) AS fse_eur, sum(x.grant_amount_eur / x.n_regions) AS grant_eur,
                       count(*) FILTER (WHERE x.n_regions > 1) AS n_multi
                {rows} GROUP BY 1)
        SELECT g.region_code, g.name, coalesce(a.n, 0) AS n, coalesce(a.budget_eur, 0) AS budget_eur,
               coalesce(a.fse_eur, 0) AS fse_eur, coalesce(a.grant_eur, 0) AS grant_eur, coalesce(a.n_multi, 0) AS n_multi
        FROM dim_regions g LEFT JOIN agg a USING (region_no) ORDER BY g.region_code""", params)


@cached
def map_departments(f: Filters) -> pd.DataFrame:
    rows, params = link(f, "fact_departments")
    return db.df(f"""WITH
        agg AS (SELECT x.dept_no, count(*) AS n, sum(x.total_budget_eur / x.n_departments) AS budget_eur,
                       sum(x.fse_amount_eur / x.n_departments) AS fse_eur,
                       sum(x.grant_amount_eur / x.n_departments) AS grant_eur {rows} GROUP BY 1)
        SELECT g.department_code, g.name, g.region_code, coalesce(a.n, 0) AS n, coalesce(a.budget_eur, 0) AS budget_eur,
               coalesce(a.fse_eur, 0) AS fse_eur, coalesce(a.grant_eur, 0) AS grant_eur
        FROM dim_departments g LEFT JOIN agg a USING (dept_no) ORDER BY g.department_code""", params)


@cached
def off_map(f: Filters) -> pd.DataFrame:
    """The projects a region map does not show as one project in one place: national and unplaced ones (shown
    beside the map, not dropped), and multi-region ones (counted in each of their regions), in one pass."""
    cte, params = filtered(f)
    return db.df(f"""{cte}
        SELECT coalesce(scope, 'none') AS scope, * EXCLUDE (scope) FROM (
            SELECT scope, count(*) AS n, sum(total_budget_eur) AS budget_eur,  -- NULL: no amount known ('–')
                   sum(fse_amount_eur) AS fse_eur, sum(grant_amount_eur) AS grant_eur,
                   array_to_string(min(title, 20), ' ; ') AS titles
            FROM fp WHERE scope IS NULL OR scope IN ('national', 'multi-region') GROUP BY 1) ORDER BY 1""", params)


# -- themes -------------------------------------------------------------------------------------------------
@cached
def _theme_programme_sums(f: Filters) -> pd.DataFrame:
    """Per theme and programme (integers): projects and amounts, in one pass over the theme rows. The totals per
    theme and the treemap by programme are both drawn from it."""
    rows, params = link(f, "fact_themes")
    return db.df(f"""SELECT x.theme_no, x.prog_no, count(*) AS n, coalesce(sum(x.total_budget_eur), 0) AS budget_eur,
                          coalesce(sum(x.grant_amount_eur), 0) AS grant_eur, coalesce(sum(x.fse_amount_eur), 0) AS fse_eur
                   {rows} GROUP BY 1, 2""", params)


@cached
def theme_totals(f: Filters) -> pd.DataFrame:
    sums = _theme_programme_sums(f).drop(columns="prog_no").groupby("theme_no", as_index=False).sum()
    d = themes().merge(sums, on="theme_no").sort_values(["n", "label_fr"], ascending=[False, True])
    return d[["theme_id", "label_fr", "label_en", "n", "budget_eur", "grant_eur", "fse_eur"]].reset_index(drop=True)


@cached
def theme_programme(f: Filters) -> pd.DataFrame:
    """Per theme, its TOP_GROUPS programmes with the most projects, the others grouped as OTHERS."""
    d = _theme_programme_sums(f)[["theme_no", "prog_no", "n"]]
    names = programmes().set_index("prog_no")["name"]
    d = d.assign(programme=d["prog_no"].map(names)).sort_values(["theme_no", "n", "programme"],
                                                               ascending=[True, False, True])
    d.loc[d.groupby("theme_no").cumcount() >= TOP_GROUPS, "programme"] = OTHERS
    d = d.groupby(["theme_no", "programme"], as_index=False, sort=False)["n"].sum()
    d = themes().merge(d, on="theme_no").sort_values(["n", "label_fr", "programme"], ascending=[False, True, True])
    return d[["label_fr", "label_en", "programme", "n"]].reset_index(drop=True)


@cached
def theme_region(f: Filters) -> pd.DataFrame:
    """Projects per theme and region. The theme rows are grouped by their project's region mask first (a few
    hundred distinct masks), then each group is counted in every region of its mask."""
    rows, params = link(f, "fact_themes")
    return db.df(f"""
        SELECT t.label_fr, t.label_en, g.name AS region, a.n
        FROM (SELECT m.theme_no, g.region_no, sum(m.n)::BIGINT AS n
              FROM (SELECT x.theme_no, x.region_mask, count(*) AS n {rows} GROUP BY 1, 2) m
              JOIN dim_regions g ON (m.region_mask >> g.region_no) & 1 = 1 GROUP BY 1, 2) a
        JOIN dim_themes t USING (theme_no) JOIN dim_regions g USING (region_no) ORDER BY 1, 3""", params)


@cached
def distinct_themed(f: Filters) -> dict:
    cte, params = filtered(f)
    row = db.df(f"{cte} SELECT count(*) FILTER (WHERE n_themes > 0) AS n, coalesce(sum(n_themes), 0) AS a FROM fp",
              params).iloc[0]
    return {"n": int(row["n"]), "a": int(row["a"])}
