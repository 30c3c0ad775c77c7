"""Data quality: the issues of the selection, and what the build read or could not read, file by file."""

from __future__ import annotations

import pandas as pd

from analytics import db
from analytics.db import cached
from analytics.filters import Filters
from analytics.queries.base import filtered, link, programmes


# -- quality ------------------------------------------------------------------------------------------------
def _issue_scope(f: Filters) -> tuple[str, list]:
    """Issues of the filtered projects, plus programme-level issues of the programmes they belong to."""
    rows, params = link(f, "fact_issues")
    if f.is_empty():
        return "WITH qi AS (SELECT * FROM fact_issues)", []
    # the filtered projects are scanned for their programmes only when some programme has issues of its own
    flagged = [int(n) for n in programmes().query("n_programme_issues > 0")["prog_no"]]
    head, hparams, scope = "WITH", [], "q.issue_programme_id IS NULL"
    if flagged:
        (progs, hparams), marks = filtered(f), ", ".join("?" * len(flagged))
        head = f"{progs},"
        scope += (f" OR q.issue_programme_id IN (SELECT programme_id FROM dim_programmes "
                  f"WHERE prog_no IN (SELECT prog_no FROM fp WHERE prog_no IN ({marks})))")
    return (f"{head} qi AS (SELECT x.* {rows} UNION ALL "
            f"SELECT q.* FROM fact_issues q WHERE q.pk IS NULL AND ({scope}))"), hparams + params + flagged


@cached
def issues_by_rule(f: Filters) -> pd.DataFrame:
    cte, params = _issue_scope(f)
    return db.df(f"{cte} SELECT rule, severity, count(*) AS n FROM qi GROUP BY rule, severity "
               f"ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, n DESC, rule", params)


@cached
def issues_list(f: Filters, rules: tuple[str, ...] = (), severities: tuple[str, ...] = (),
                limit: int = 1000) -> pd.DataFrame:
    cte, params = _issue_scope(f)
    cond, extra = [], []
    if rules:
        cond.append(f"qi.rule IN ({', '.join('?' * len(rules))})")
        extra += list(rules)
    if severities:
        cond.append(f"qi.severity IN ({', '.join('?' * len(severities))})")
        extra += list(severities)
    where = " AND ".join(cond) or "TRUE"
    return db.df(f"""{cte}
        SELECT qi.severity, qi.rule, coalesce(qi.project_title, g.name) AS record, qi.project_id, qi.message, qi.params,
               qi."values", qi.source_file, qi.source_line
        FROM (SELECT * FROM qi WHERE {where}
              ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule, issue_id LIMIT ?) qi
        LEFT JOIN programmes g ON g.programme_id = qi.issue_programme_id
        ORDER BY CASE qi.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, qi.rule, record""",
               params + extra + [limit])


@cached
def coverage(f: Filters) -> dict:
    """What the filtered projects carry: the counts each chart's subtitle gives ('28 avec un budget sur 159')."""
    cte, params = filtered(f)
    row = db.df(f"""{cte}
        SELECT count(*) AS n,
               count(*) FILTER (WHERE budget_eur IS NOT NULL) AS with_budget,
               count(*) FILTER (WHERE scope IS NOT NULL) AS on_map,
               count(*) FILTER (WHERE n_themes > 0) AS themed,
               count(*) FILTER (WHERE total_budget_eur IS NOT NULL) AS with_total,
               count(*) FILTER (WHERE fse_amount_eur IS NOT NULL) AS fse,
               count(*) FILTER (WHERE fse_amount_eur IS NOT NULL AND total_budget_eur IS NOT NULL) AS fse_budget,
               count(*) FILTER (WHERE grant_amount_eur IS NOT NULL) AS grant,
               count(*) FILTER (WHERE grant_amount_eur IS NOT NULL AND total_budget_eur IS NOT NULL) AS grant_budget,
               count(*) FILTER (WHERE n_issues > 0) AS with_issue
        FROM fp""", params).iloc[0]
    return {k: int(v) for k, v in row.items()}


@cached
def sources() -> pd.DataFrame:
    return db.df("SELECT source_file, family, n_records FROM source_documents WHERE status = 'loaded' "
               "ORDER BY source_file")


@cached
def extraction_errors() -> dict:
    """What the build could not read, whatever the filters: error-level extraction and import issues, and the
    documents it skipped (the banner of the Overview and Data quality pages)."""
    row = db.df("""SELECT count(*) FILTER (WHERE severity = 'error' AND category IN ('extraction', 'import')) AS n_errors,
                        count(DISTINCT source_file) FILTER (WHERE severity = 'error'
                                                            AND category IN ('extraction', 'import')) AS n_files
                 FROM quality_issues""").iloc[0]
    skipped = db.df("SELECT count(*) AS n FROM source_documents WHERE status = 'skipped'").iloc[0]["n"]
    return {"n_errors": int(row["n_errors"]), "n_files": int(row["n_files"]), "n_skipped": int(skipped)}
