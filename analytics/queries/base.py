"""What every page's questions share: the filtered projects as SQL, the reference lists, the portfolio's ranges and
its key figures. Every query binds its values; a filter is SQL built by analytics.filters from its own table of
fields, never from the values a user typed."""

from __future__ import annotations

import pandas as pd

from analytics import db
from analytics.db import cached
from analytics.filters import Filters

TOP_GROUPS = 8  # charts by programme show the largest programmes and group the rest
OTHERS = "…"  # the group of the smaller programmes (labelled by the page)
_BUDGET = "budget_eur"  # the measure budgets are sorted, binned and summed on (total budget, else the grant)


def filtered(f: Filters) -> tuple[str, list]:
    """A CTE ``fp`` of the filtered projects (rows of the read-side ``facts`` table) and its parameters."""
    where, params = f.where("f")
    return f"WITH fp AS (SELECT * FROM facts f WHERE {where})", params


def link(f: Filters, table: str) -> tuple[str, list]:
    """Rows of a read-side link table (``fact_regions`` …) for the filtered projects, as ``FROM … x WHERE …``:
    filtered in place when the filters allow, else restricted to the filtered facts."""
    if not f.needs_facts():
        where, params = f.where("x")
        return f"FROM {table} x WHERE {where}", params
    where, params = f.where("f")
    return f"FROM {table} x WHERE x.pk IN (SELECT pk FROM facts f WHERE {where})", params


def programme_where(f: Filters, column: str) -> tuple[str, list]:
    """Programme-level questions follow the programme filter only."""
    if not f.programmes:
        return "TRUE", []
    return f"{column} IN ({', '.join('?' * len(f.programmes))})", list(f.programmes)


# -- reference lists ---------------------------------------------------------------------------------------
@cached
def programmes() -> pd.DataFrame:
    return db.df("SELECT programme_id, prog_no, name, kind, year, funder, n_projects, "
               "(SELECT count(*) FROM fact_issues q WHERE q.pk IS NULL AND q.issue_programme_id = d.programme_id) "
               "AS n_programme_issues FROM dim_programmes d ORDER BY prog_no")


@cached
def regions() -> pd.DataFrame:
    return db.df("SELECT region_code, name FROM regions ORDER BY name")


@cached
def departments() -> pd.DataFrame:
    return db.df("SELECT d.department_code, d.name, d.region_code FROM departments d ORDER BY d.department_code")


@cached
def themes() -> pd.DataFrame:
    return db.df("SELECT theme_no, theme_id, label_fr, label_en FROM dim_themes ORDER BY label_fr")


@cached
def ranges() -> dict:
    """Portfolio-wide figures, computed by the build (build_info)."""
    info = dict(db.df("SELECT key, value FROM build_info").itertuples(index=False))
    year = int((info.get("built_at") or "2000")[:4])
    return {"n": int(info["n_projects"]), "budget_max": float(info["budget_max"]), "budget_min": float(info["budget_min"]),
            "year_min": int(info["year_min"] or year), "year_max": int(info["year_max"] or year),
            "built_at": info.get("built_at"),
            "band_lo": float(info["budget_band_lo"]), "band_width": float(info["budget_band_width"]),
            "bands": int(info["budget_bands"])}


# -- counts and key figures ---------------------------------------------------------------------------------
@cached
def summary(f: Filters) -> dict:
    cte, params = filtered(f)
    row = db.df(f"{cte} SELECT count(*) AS n, count(*) FILTER (WHERE budget_eur IS NULL) AS no_budget, "
              f"(SELECT count(*) FROM facts) AS total FROM fp", params).iloc[0]
    return {k: int(row[k]) for k in ("n", "no_budget", "total")}


@cached
def kpis(f: Filters) -> dict:
    cte, params = filtered(f)
    row = db.df(f"""{cte}
        SELECT count(*) AS projects,
               sum(total_budget_eur) AS total_budget,
               sum(fse_amount_eur) AS fse_amount,
               avg(fse_rate_computed) AS avg_rate,
               median(fse_rate_computed) AS median_rate,
               sum(grant_amount_eur) AS grants,
               count(*) FILTER (WHERE grant_amount_eur IS NOT NULL) AS n_grants,
               count(*) FILTER (WHERE fse_amount_eur IS NOT NULL) AS n_fse,
               coalesce(bit_count(bit_or(region_mask)), 0) AS regions_covered,
               count(*) FILTER (WHERE scope = 'national') AS n_national,
               count(*) FILTER (WHERE scope = 'multi-region') AS n_multi,
               count(*) FILTER (WHERE scope IS NULL) AS n_unplaced
        FROM fp""", params).iloc[0]
    return {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}


