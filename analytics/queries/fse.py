"""The ESF cofinancing page's questions, and the cofinancers named."""

from __future__ import annotations

import pandas as pd

from analytics import db
from analytics.db import cached
from analytics.filters import Filters
from analytics.queries.base import filtered, link

# -- FSE ----------------------------------------------------------------------------------------------------
FSE_FLAGGED_SHARE = 4  # at most a quarter of the plotted FSE projects are flagged ones


@cached
def fse_projects(f: Filters, limit: int = 2000) -> pd.DataFrame:
    """The FSE projects to plot: the flagged ones first (a quarter of ``limit`` at most, so that a portfolio with
    thousands of them still shows its consistent projects), then the largest. Only the columns the page shows:
    the rows are spread over the whole table, and each string column read for them costs a scan of it."""
    where, params = f.where("f")
    cap = max(limit // FSE_FLAGGED_SHARE, 1)

    def part(k: int, flagged: str) -> str:  # the flagged (k = 0) or consistent (k = 1) projects, largest first
        return (f"SELECT * FROM (SELECT pk, {k} AS k, total_budget_eur IS NULL AS nob FROM facts f WHERE {where} "
                f"AND fse_amount_eur IS NOT NULL AND {flagged} ORDER BY nob, pk LIMIT ?)")

    return db.df(f"""WITH keys AS ({part(0, "fse_flags <> ''")} UNION ALL {part(1, "fse_flags = ''")}
                            ORDER BY k, nob, pk LIMIT ?)
        SELECT f.title, f.fse_code, f.total_budget_eur, f.fse_amount_eur,
               f.total_budget_eur - f.fse_amount_eur AS other_eur, f.fse_rate_stated, f.fse_rate_computed,
               f.fse_flags AS flags
        FROM facts f WHERE f.pk IN (SELECT pk FROM keys)
        ORDER BY f.fse_flags = '', f.total_budget_eur IS NULL, f.pk""", params + [cap] + params + [limit, limit])


@cached
def fse_summary(f: Filters) -> dict:
    """Totals over every FSE project of the selection (the charts may show a sample of them)."""
    cte, params = filtered(f)
    row = db.df(f"""{cte} SELECT count(*) AS n, sum(fse_amount_eur) AS fse, sum(total_budget_eur) AS budget,
                            count(*) FILTER (WHERE fse_flags <> '') AS flagged
                     FROM fp WHERE fse_amount_eur IS NOT NULL""", params).iloc[0]
    return {k: (0 if pd.isna(v) else float(v)) for k, v in row.items()}


@cached
def cofinancers(f: Filters) -> pd.DataFrame:
    rows, params = link(f, "fact_cofinancers")
    # the cofinancers cited, the most cited first, with the titles of their projects (the first few)
    return db.df(f"""SELECT c.name, c.n_projects, array_to_string(list_sort(list(p.title))[:5], ' ; ') AS projects
                     FROM (SELECT x.name, count(*) AS n_projects, list(x.pk) AS pks {rows} AND x.first_mention
                           GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200) c, unnest(c.pks) AS u(pk)
                     JOIN projects p ON p.pk = u.pk GROUP BY c.name, c.n_projects ORDER BY 2 DESC, 1""", params)
