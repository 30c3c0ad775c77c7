"""Who receives what, and where the figures come from: the lead organisations across sources (per organisation, its
projects across calls, funders and years, and its amounts by kind and by call), and every file loaded."""

from __future__ import annotations

import pandas as pd

from analytics import db
from analytics.db import cached
from analytics.filters import Filters
from analytics.queries.base import filtered

_AMOUNTS = """count(*) AS n_projects, count(DISTINCT f.prog_no) AS n_programmes, count(DISTINCT g.funder) AS n_funders,
              min(f.year_from) AS year_from, max(f.year_to) AS year_to,
              sum(f.grant_amount_eur) AS grant_eur, sum(f.fse_amount_eur) AS fse_eur,
              sum(coalesce(f.eu_amount_eur, f.fse_amount_eur)) AS eu_eur,
              sum(f.total_budget_eur) AS budget_eur"""


@cached
def organisations(f: Filters, search: str = "", limit: int = 50) -> pd.DataFrame:
    """The organisations leading the filtered projects, those receiving the most first (grants and EU funds, then
    budgets), with their amounts; ``search``: words of their names or their SIREN. EU funds: the EU contribution of an
    operation, else the ESF amount a document gives (the ESF is an EU fund; never both, never twice)."""
    cte, params = filtered(f)
    needle = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return db.df(f"""{cte}
        SELECT o.org_id, o.name, o.siren, o.names, {_AMOUNTS}
        FROM fp f JOIN organisations o USING (org_no) LEFT JOIN programmes g USING (prog_no)
        WHERE ? = '%%' OR lower(o.names) LIKE ? ESCAPE '\\' OR o.siren LIKE ? ESCAPE '\\'
        GROUP BY ALL
        ORDER BY coalesce(sum(f.grant_amount_eur), 0) + coalesce(sum(coalesce(f.eu_amount_eur, f.fse_amount_eur)), 0) DESC,
                 coalesce(sum(f.total_budget_eur), 0) DESC, o.name LIMIT ?""", params + [needle, needle, needle, limit])


@cached
def n_organisations(f: Filters) -> int:
    cte, params = filtered(f)
    return int(db.df(f"{cte} SELECT count(DISTINCT org_no) AS n FROM fp", params)["n"].iloc[0])


@cached
def organisation(org_id: str) -> dict[str, pd.DataFrame]:
    """One organisation, whatever the filters: its names, its projects (every call, funder and year) and its amounts
    by call and funder."""
    org = db.df("SELECT org_no, org_id, name, names, siren, n_projects FROM organisations WHERE org_id = ?", [org_id])
    if org.empty:
        return {"org": org, "projects": pd.DataFrame(), "by_call": pd.DataFrame()}
    no = int(org["org_no"].iloc[0])
    projects = db.df("""SELECT f.project_id, f.pk, f.title, f.programme_name, g.funder, f.year_from, f.year_to,
                               f.status, f.budget_eur, f.grant_amount_eur, f.fse_amount_eur, f.eu_amount_eur, f.fund,
                               f.lead_org, f.org_match, f.source_file, s.title AS source_title
                        FROM facts f LEFT JOIN programmes g USING (prog_no)
                        LEFT JOIN source_documents s ON s.source_file = f.source_file
                        WHERE f.org_no = ? ORDER BY f.year_from DESC NULLS LAST, f.pk LIMIT 500""", [no])
    by_call = db.df(f"""SELECT f.programme_name AS programme, g.funder, {_AMOUNTS}
                        FROM facts f LEFT JOIN programmes g USING (prog_no) WHERE f.org_no = ?
                        GROUP BY ALL ORDER BY min(f.year_from) NULLS LAST, programme""", [no])
    return {"org": org, "projects": projects, "by_call": by_call}


@cached
def org_options(selected: tuple[str, ...] = (), limit: int = 300) -> pd.DataFrame:
    """The sidebar's organisations: those leading the most projects, and the ones already chosen."""
    return db.df("""SELECT org_id, name, siren FROM organisations
                    WHERE org_no IN (SELECT org_no FROM organisations ORDER BY n_projects DESC, name LIMIT ?)
                       OR list_contains(?, org_id)
                    ORDER BY name""", [limit, list(selected)])


@cached
def source_files() -> pd.DataFrame:
    """Every input file: its family or profile, its own title, what it holds against what it announces, when it was
    put in its folder, its SHA-256 and its issues (``n_read_errors``: those saying it could not be read whole). The
    Sources page, the Data quality page's documents and the deck's sources read it."""
    return db.df("""
        SELECT d.source_file, coalesce(d.title, d.source_file) AS title, d.family, d.profile, d.status, d.n_records,
               d.n_rows, (SELECT list({'what': c.what, 'announced': c.announced, 'found': c.found} ORDER BY c.what)
                          FROM document_counts c WHERE c.source_file = d.source_file) AS announced_found,
               d.modified_at, d.sha256, d.encoding, d.skip_reason,
               count(q.issue_id) FILTER (WHERE q.severity = 'error') AS n_errors,
               count(q.issue_id) FILTER (WHERE q.severity = 'warning') AS n_warnings,
               count(q.issue_id) FILTER (WHERE q.severity = 'info') AS n_infos,
               count(q.issue_id) FILTER (WHERE q.severity = 'error' AND q.category IN ('extraction', 'import'))
                   AS n_read_errors
        FROM source_documents d LEFT JOIN quality_issues q ON q.source_file = d.source_file
        GROUP BY ALL ORDER BY d.status DESC, d.family NULLS LAST, d.source_file""")


@cached
def source_titles() -> dict[str, str]:
    """file name -> the title the app shows for it (a document's own title; a table's name without its suffix)."""
    d = db.df("SELECT source_file, coalesce(title, source_file) AS title FROM source_documents")
    return dict(zip(d["source_file"], d["title"]))
