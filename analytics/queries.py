"""Every question the dashboard asks of the warehouse, answered in DuckDB with bound parameters.

Pages call these functions and display what they return: small aggregated frames,
never the whole projects table. One cached read-only connection, a cursor per
query; results cached per question and filter value, and dropped when the
warehouse file changes (a rebuild is picked up without restarting the server).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import streamlit as st

from analytics.filters import Filters
from etl.tabular import DETAIL_ROWS  # noqa: F401  (the pages say up to which size a table keeps its text)

ROOT = Path(__file__).resolve().parent.parent


class WarehouseMissing(Exception):
    pass


def warehouse_path() -> Path:
    return Path(os.environ.get("ESS_WAREHOUSE", ROOT / "data" / "warehouse.duckdb"))


def _stamp(path: Path) -> str:
    st_ = path.stat()
    return f"{st_.st_ino}-{st_.st_mtime_ns}-{st_.st_size}"


def _snapshot(path: Path, stamp: str) -> Path:
    """A name of its own for this build of the warehouse (a hard link, else a copy).

    DuckDB keeps one database instance per file name in a process: after a rebuild is renamed over
    the same path, a new connect() would still see the old data. Each build gets its own name, so
    open sessions keep reading the build they started with and new queries see the new one."""
    snaps = path.parent / ".snapshots"
    snaps.mkdir(exist_ok=True)
    snap = snaps / f"{path.stem}-{stamp}{path.suffix}"
    if not snap.exists():
        tmp = snaps / f".{snap.name}.{os.getpid()}.tmp"
        try:
            os.link(path, tmp)
        except OSError:
            import shutil

            shutil.copy2(path, tmp)
        os.replace(tmp, snap)
    for old in snaps.glob(f"{path.stem}-*{path.suffix}"):
        if old != snap:
            old.unlink(missing_ok=True)  # open connections keep their file until they close
    return snap


@st.cache_resource(show_spinner=False, max_entries=4)
def _connect(path: str, stamp: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(_snapshot(Path(path), stamp)), read_only=True)
    con.execute("SET enable_progress_bar = false")
    # Explicit limits: the app shares a 2-core machine with its users' other work.
    con.execute(f"SET threads = {int(os.environ.get('ESS_DUCKDB_THREADS', 2))}")
    con.execute(f"SET memory_limit = '{os.environ.get('ESS_DUCKDB_MEMORY', '2GB')}'")
    return con


_current: dict[str, tuple[str, str]] = {}


def connection() -> duckdb.DuckDBPyConnection:
    path = warehouse_path()
    if not path.exists():
        raise WarehouseMissing(str(path))
    key = (str(path), _stamp(path))
    if _current.get("key") not in (None, key):
        st.cache_data.clear()  # answers about another file, or an earlier build of this one, are stale
        _connect.clear()  # sessions still holding a cursor keep their connection until they drop it
    _current["key"] = key
    return _connect(*key)


def _df(sql: str, params: list | None = None) -> pd.DataFrame:
    cur = connection().cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def _filtered(f: Filters) -> tuple[str, list]:
    """A CTE ``fp`` of the filtered projects (rows of the read-side ``facts`` table) and its parameters."""
    where, params = f.where("f")
    return f"WITH fp AS (SELECT * FROM facts f WHERE {where})", params


def _link(f: Filters, table: str) -> tuple[str, list]:
    """Rows of a read-side link table (``fact_regions`` …) for the filtered projects, as ``FROM … x WHERE …``:
    filtered in place when the filters allow, else restricted to the filtered facts."""
    if not f.needs_facts():
        where, params = f.where("x")
        return f"FROM {table} x WHERE {where}", params
    where, params = f.where("f")
    return f"FROM {table} x WHERE x.pk IN (SELECT pk FROM facts f WHERE {where})", params


TOP_GROUPS = 8  # charts by programme show the largest programmes and group the rest


_cache = st.cache_data(show_spinner=False, max_entries=512)


# -- reference lists ---------------------------------------------------------------------------------------
@_cache
def programmes() -> pd.DataFrame:
    return _df("SELECT programme_id, prog_no, name, kind, year, funder, n_projects, "
               "(SELECT count(*) FROM fact_issues q WHERE q.pk IS NULL AND q.issue_programme_id = d.programme_id) "
               "AS n_programme_issues FROM dim_programmes d ORDER BY prog_no")


@_cache
def regions() -> pd.DataFrame:
    return _df("SELECT region_code, name FROM regions ORDER BY name")


@_cache
def departments() -> pd.DataFrame:
    return _df("SELECT d.department_code, d.name, d.region_code FROM departments d ORDER BY d.department_code")


@_cache
def themes() -> pd.DataFrame:
    return _df("SELECT theme_no, theme_id, label_fr, label_en FROM dim_themes ORDER BY label_fr")


@_cache
def ranges() -> dict:
    """Portfolio-wide figures, computed by the build (build_info)."""
    info = dict(_df("SELECT key, value FROM build_info").itertuples(index=False))
    year = int((info.get("built_at") or "2000")[:4])
    return {"n": int(info["n_projects"]), "budget_max": float(info["budget_max"]), "budget_min": float(info["budget_min"]),
            "year_min": int(info["year_min"] or year), "year_max": int(info["year_max"] or year),
            "built_at": info.get("built_at"),
            "band_lo": float(info["budget_band_lo"]), "band_width": float(info["budget_band_width"]),
            "bands": int(info["budget_bands"])}


# -- counts and key figures ---------------------------------------------------------------------------------
@_cache
def summary(f: Filters) -> dict:
    cte, params = _filtered(f)
    row = _df(f"{cte} SELECT count(*) AS n, count(*) FILTER (WHERE budget_eur IS NULL) AS no_budget, "
              f"(SELECT count(*) FROM facts) AS total FROM fp", params).iloc[0]
    return {k: int(row[k]) for k in ("n", "no_budget", "total")}


@_cache
def kpis(f: Filters) -> dict:
    cte, params = _filtered(f)
    row = _df(f"""{cte}
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


def _programme_where(f: Filters, column: str) -> tuple[str, list]:
    """Programme-level questions follow the programme filter only."""
    if not f.programmes:
        return "TRUE", []
    return f"{column} IN ({', '.join('?' * len(f.programmes))})", list(f.programmes)


@_cache
def funnels(f: Filters) -> pd.DataFrame:
    where, params = _programme_where(f, "programme_id")
    return _df(f"SELECT programme_id, name, year, applications, admissible, preselected, laureates, supported "
               f"FROM programmes WHERE {where} AND (applications IS NOT NULL OR admissible IS NOT NULL "
               f"OR preselected IS NOT NULL) ORDER BY year, name", params)


@_cache
def envelope_reconciliation(f: Filters) -> pd.DataFrame:
    where, params = _programme_where(f, "g.programme_id")
    return _df(f"""
        SELECT g.programme_id, g.name, g.envelope_eur,
               sum(p.grant_amount_eur) AS grants_eur,
               count(p.grant_amount_eur) AS n_grants,
               sum(p.grant_amount_eur) - g.envelope_eur AS gap_eur,
               abs(sum(p.grant_amount_eur) - g.envelope_eur) <= g.envelope_eur * 0.001 AS within_tolerance
        FROM programmes g JOIN facts p USING (programme_id)
        WHERE {where} AND g.envelope_eur IS NOT NULL AND p.status IN ('laureate', 'funded')
        GROUP BY g.programme_id, g.name, g.envelope_eur HAVING count(p.grant_amount_eur) > 0 ORDER BY g.name""", params)


@_cache
def by_programme_status(f: Filters) -> pd.DataFrame:
    cte, params = _filtered(f)
    return _df(f"""{cte}, g AS (SELECT prog_no, status, count(*) AS n FROM fp GROUP BY ALL),
        top AS (SELECT prog_no FROM g GROUP BY 1 ORDER BY sum(n) DESC, 1 LIMIT ?)
        SELECT CASE WHEN g.prog_no IN (SELECT prog_no FROM top) THEN d.name ELSE ? END AS programme,
               status, sum(n)::BIGINT AS n FROM g JOIN dim_programmes d USING (prog_no)
        GROUP BY ALL ORDER BY max(n) DESC, 1, 2""", params + [TOP_GROUPS * 2, OTHERS])


# -- budgets ------------------------------------------------------------------------------------------------
_BUDGET = "budget_eur"
OTHERS = "…"  # the group of the smaller programmes (labelled by the page)


@_cache
def top_programmes(f: Filters) -> tuple[int, ...]:
    """The TOP_GROUPS programmes with the most budgets in the selection (their ``prog_no``)."""
    cte, params = _filtered(f)
    d = _df(f"{cte} SELECT prog_no FROM fp WHERE {_BUDGET} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
            params + [TOP_GROUPS])
    return tuple(int(x) for x in d["prog_no"])


def _group_col(f: Filters, group: str) -> tuple[str, list]:
    """The grouping column (status, or the programme number with -1 for the smaller programmes) and its parameters."""
    if group != "programme":
        return "status", []
    top = top_programmes(f)
    if not top:
        return "-1", []
    return f"CASE WHEN prog_no IN ({', '.join('?' * len(top))}) THEN prog_no ELSE -1 END", list(top)


def _group_names(d: pd.DataFrame, group: str) -> pd.DataFrame:
    """Programme numbers back to names (the smaller programmes are OTHERS)."""
    if group == "programme" and len(d):
        progs = programmes()
        names = dict(zip(progs["prog_no"], progs["name"]))
        d["grp"] = [names.get(int(g), OTHERS) if int(g) >= 0 else OTHERS for g in d["grp"]]
    return d


@_cache
def budget_bands(f: Filters, group: str) -> pd.DataFrame:
    """Per group and fine log10 band (``facts.budget_band``; -1 holds the zero budgets): count, total, min and max.
    One grouped pass on small integers, from which the histogram and the quartiles are drawn."""
    col, gparams = _group_col(f, group)
    cte, params = _filtered(f)
    return _df(f"""{cte} SELECT {col} AS grp, budget_band AS band, count(*) AS n, sum({_BUDGET}) AS total,
                         min({_BUDGET}) AS min, max({_BUDGET}) AS max
                  FROM fp WHERE {_BUDGET} IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""", params + gparams)


HISTOGRAM_BINS = 24  # a divisor of the build's fine bands (etl.pipeline.BUDGET_BANDS = 2400)


def _log_bins(rng: dict) -> tuple[int, float, float]:
    """The histogram's log bins: fine bands per bin, and the first bin's start and the bins' width (log10 €)."""
    per = rng["bands"] // HISTOGRAM_BINS
    return per, rng["band_lo"], rng["band_width"] * per


def _bin_edges(d: pd.DataFrame, col: str, lo: float, width: float, log: bool = True) -> pd.DataFrame:
    """``x0``/``x1`` (the bins' edges on the axis) and ``lo_eur``/``hi_eur`` (in euros) of the bin numbers in ``col``."""
    d["x0"] = lo + d[col] * width
    d["x1"] = d["x0"] + width
    d["lo_eur"], d["hi_eur"] = (10 ** d["x0"], 10 ** d["x1"]) if log else (d["x0"], d["x1"])
    return d


@_cache
def budget_histogram(f: Filters, log: bool, group: str) -> pd.DataFrame:
    """Counts per budget bin and group. The bins span the whole portfolio's budgets (equal width on a log10 or
    linear scale), so they stay the same from one filter to another. On the log scale they merge the build's fine
    bands (``budget_bands``); on the linear scale they are computed in SQL in one pass."""
    rng = ranges()
    if not rng["budget_min"] or not rng["budget_max"]:
        return pd.DataFrame(columns=["grp", "bin", "n", "x0", "x1", "lo_eur", "hi_eur"])
    if log:
        per, lo, width = _log_bins(rng)
        b = budget_bands(f, group)
        b = b[b["band"] >= 0]
        d = b.assign(bin=b["band"] // per).groupby(["grp", "bin"], as_index=False)["n"].sum().sort_values(["bin", "grp"])
    else:
        lo, width = 0.0, max(rng["budget_max"] / HISTOGRAM_BINS, 1e-9)
        col, gparams = _group_col(f, group)
        cte, params = _filtered(f)
        d = _df(f"""{cte}
            SELECT {col} AS grp, least(floor({_BUDGET} / ?), ? - 1)::INTEGER AS bin, count(*) AS n
            FROM fp WHERE {_BUDGET} > 0 GROUP BY 1, 2 ORDER BY 2, 1""", params + gparams + [width, HISTOGRAM_BINS])
    d = _group_names(d.reset_index(drop=True), group)
    d["bin"] = d["bin"].astype(int)
    return _bin_edges(d, "bin", lo, width, log)[["grp", "bin", "n", "x0", "x1", "lo_eur", "hi_eur"]]


EXACT_QUANTILES = 200_000  # above this many budgets, quartiles are read from the fine log bands (within 0.6 %)


def quartiles_are_approximate(f: Filters) -> bool:
    return summary(f)["n"] - summary(f)["no_budget"] > EXACT_QUANTILES


def band_error() -> float:
    """The largest relative error of a quartile read from the fine bands: the ratio of a band's bounds, minus one."""
    return 10 ** ranges()["band_width"] - 1


def _band_quantile(b: pd.DataFrame, q: float, lo: float, width: float) -> float:
    """Quantile ``q`` (continuous, like quantile_cont) of the budgets counted in bands ``b`` (sorted): the rank is
    found exactly, the value interpolated on the log scale inside its band and kept within the group's min and max."""
    counts = b["n"].to_numpy(dtype="int64")
    cum = counts.cumsum()
    rank = q * (int(cum[-1]) - 1)
    i = int(np.searchsorted(cum, rank, side="right"))  # the first band whose cumulated count passes the rank
    if i >= len(cum):
        return float(b["max"].iloc[-1])
    band = int(b["band"].iloc[i])
    if band < 0:
        return 0.0
    frac = (rank - (cum[i - 1] if i else 0) + 0.5) / counts[i]
    v = 10 ** (lo + (band + frac) * width)
    return float(min(max(v, float(b["min"].iloc[i])), float(b["max"].iloc[i])))


@_cache
def budget_quartiles(f: Filters, group: str) -> pd.DataFrame:
    cols = ["grp", "n", "min", "q1", "median", "q3", "max", "total"]
    if not quartiles_are_approximate(f):
        col, gparams = _group_col(f, group)
        cte, params = _filtered(f)
        d = _df(f"""{cte}
            SELECT grp, n, min, q[1] AS q1, q[2] AS median, q[3] AS q3, max, total FROM (
                SELECT {col} AS grp, count(*) AS n, min({_BUDGET}) AS min,
                       quantile_cont({_BUDGET}, [0.25, 0.5, 0.75]) AS q, max({_BUDGET}) AS max, sum({_BUDGET}) AS total
                FROM fp WHERE {_BUDGET} IS NOT NULL GROUP BY 1) ORDER BY median DESC""", params + gparams)
        return _group_names(d, group)[cols]
    rng, rows = ranges(), []
    for grp, b in budget_bands(f, group).groupby("grp", sort=False):
        b = b.sort_values("band")
        qs = [_band_quantile(b, q, rng["band_lo"], rng["band_width"]) for q in (0.25, 0.5, 0.75)]
        rows.append([grp, int(b["n"].sum()), b["min"].min(), *qs, b["max"].max(), b["total"].sum()])
    d = pd.DataFrame(rows, columns=cols).sort_values("median", ascending=False).reset_index(drop=True)
    return _group_names(d, group)


@_cache
def largest_projects(f: Filters, n: int = 10) -> pd.DataFrame:
    cte, params = _filtered(f)
    return _df(f"""{cte}, keys AS (SELECT pk FROM fp WHERE {_BUDGET} IS NOT NULL ORDER BY pk LIMIT ?)
        SELECT project_id, title, lead_org, programme_name AS programme, status, {_BUDGET} AS budget_eur,
               budget_kind, fse_amount_eur, grant_amount_eur
        FROM facts WHERE pk IN (SELECT pk FROM keys) ORDER BY pk""", params + [n])


SCATTER_MAX = 2000  # above this many laureates, the grant/budget chart counts them per cell instead of one point each
SHARE_BINS = 20     # grant shares of 5 %; the last bin holds the grants of 100 % of the budget and more


@_cache
def grant_budget_cells(f: Filters) -> pd.DataFrame:
    """Laureates with a grant and a budget, counted per budget bin (the histogram's log bins, from the build's
    fine bands) and grant share bin: ``n`` in all tells whether to draw them one by one."""
    per, lo, width = _log_bins(ranges())
    cte, params = _filtered(f)
    d = _df(f"""{cte} SELECT budget_band // ? AS bx,
                           least(floor(grant_amount_eur::DOUBLE / total_budget_eur::DOUBLE * ?), ?)::INTEGER AS sy, count(*) AS n
                    FROM fp WHERE grant_amount_eur IS NOT NULL AND total_budget_eur > 0 AND status = 'laureate'
                    GROUP BY 1, 2 ORDER BY 1, 2""", params + [per, SHARE_BINS, SHARE_BINS])
    d = _bin_edges(d, "bx", lo, width)
    d["share_lo"] = d["sy"] / SHARE_BINS
    d["share_hi"] = (d["sy"] + 1) / SHARE_BINS
    return d


@_cache
def grant_vs_budget(f: Filters, limit: int = SCATTER_MAX) -> pd.DataFrame:
    """Laureates' grants against their budgets, the largest budgets first: their keys from a top-N on pk, then
    the few columns the chart shows for those rows."""
    cte, params = _filtered(f)
    return _df(f"""{cte}, keys AS (SELECT pk FROM fp WHERE grant_amount_eur IS NOT NULL AND total_budget_eur > 0
                                    AND status = 'laureate' ORDER BY pk LIMIT ?)
        SELECT title, grant_amount_eur, total_budget_eur, grant_kind, grant_amount_eur / total_budget_eur AS grant_share
        FROM facts WHERE pk IN (SELECT pk FROM keys) ORDER BY pk""", params + [limit])


# -- FSE ----------------------------------------------------------------------------------------------------
FSE_FLAGGED_SHARE = 4  # at most a quarter of the plotted FSE projects are flagged ones


@_cache
def fse_projects(f: Filters, limit: int = 2000) -> pd.DataFrame:
    """The FSE projects to plot: the flagged ones first (a quarter of ``limit`` at most, so that a portfolio with
    thousands of them still shows its consistent projects), then the largest. Only the columns the page shows:
    the rows are spread over the whole table, and each string column read for them costs a scan of it."""
    where, params = f.where("f")
    cap = max(limit // FSE_FLAGGED_SHARE, 1)

    def part(k: int, flagged: str) -> str:  # the flagged (k = 0) or consistent (k = 1) projects, largest first
        return (f"SELECT * FROM (SELECT pk, {k} AS k, total_budget_eur IS NULL AS nob FROM facts f WHERE {where} "
                f"AND fse_amount_eur IS NOT NULL AND {flagged} ORDER BY nob, pk LIMIT ?)")

    return _df(f"""WITH keys AS ({part(0, "fse_flags <> ''")} UNION ALL {part(1, "fse_flags = ''")}
                            ORDER BY k, nob, pk LIMIT ?)
        SELECT f.title, f.fse_code, f.total_budget_eur, f.fse_amount_eur,
               f.total_budget_eur - f.fse_amount_eur AS other_eur, f.fse_rate_stated, f.fse_rate_computed,
               f.fse_flags AS flags
        FROM facts f WHERE f.pk IN (SELECT pk FROM keys)
        ORDER BY f.fse_flags = '', f.total_budget_eur IS NULL, f.pk""", params + [cap] + params + [limit, limit])


@_cache
def fse_summary(f: Filters) -> dict:
    """Totals over every FSE project of the selection (the charts may show a sample of them)."""
    cte, params = _filtered(f)
    row = _df(f"""{cte} SELECT count(*) AS n, sum(fse_amount_eur) AS fse, sum(total_budget_eur) AS budget,
                            count(*) FILTER (WHERE fse_flags <> '') AS flagged
                     FROM fp WHERE fse_amount_eur IS NOT NULL""", params).iloc[0]
    return {k: (0 if pd.isna(v) else float(v)) for k, v in row.items()}


@_cache
def cofinancers(f: Filters) -> pd.DataFrame:
    link, params = _link(f, "fact_cofinancers")
    return _df(f"SELECT x.name, count(*) AS n_projects {link} AND x.first_mention GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200",
               params)


# -- map ----------------------------------------------------------------------------------------------------
@_cache
def map_regions(f: Filters) -> pd.DataFrame:
    """Per region: projects placed there (a multi-region project in each), amounts split equally between regions."""
    link, params = _link(f, "fact_regions")
    return _df(f"""WITH
        agg AS (SELECT x.region_no, count(*) AS n, sum(x.total_budget_eur / x.n_regions) AS budget_eur,
                       sum(x.fse_amount_eur / x.n_regions) AS fse_eur, sum(x.grant_amount_eur / x.n_regions) AS grant_eur,
                       count(*) FILTER (WHERE x.n_regions > 1) AS n_multi
                {link} GROUP BY 1)
        SELECT g.region_code, g.name, coalesce(a.n, 0) AS n, coalesce(a.budget_eur, 0) AS budget_eur,
               coalesce(a.fse_eur, 0) AS fse_eur, coalesce(a.grant_eur, 0) AS grant_eur, coalesce(a.n_multi, 0) AS n_multi
        FROM dim_regions g LEFT JOIN agg a USING (region_no) ORDER BY g.region_code""", params)


@_cache
def map_departments(f: Filters) -> pd.DataFrame:
    link, params = _link(f, "fact_departments")
    return _df(f"""WITH
        agg AS (SELECT x.dept_no, count(*) AS n, sum(x.total_budget_eur / x.n_departments) AS budget_eur,
                       sum(x.fse_amount_eur / x.n_departments) AS fse_eur,
                       sum(x.grant_amount_eur / x.n_departments) AS grant_eur {link} GROUP BY 1)
        SELECT g.department_code, g.name, g.region_code, coalesce(a.n, 0) AS n, coalesce(a.budget_eur, 0) AS budget_eur,
               coalesce(a.fse_eur, 0) AS fse_eur, coalesce(a.grant_eur, 0) AS grant_eur
        FROM dim_departments g LEFT JOIN agg a USING (dept_no) ORDER BY g.department_code""", params)


@_cache
def off_map(f: Filters) -> pd.DataFrame:
    """The projects a region map does not show as one project in one place: national and unplaced ones (shown
    beside the map, not dropped), and multi-region ones (counted in each of their regions), in one pass."""
    cte, params = _filtered(f)
    return _df(f"""{cte}
        SELECT coalesce(scope, 'none') AS scope, * EXCLUDE (scope) FROM (
            SELECT scope, count(*) AS n, coalesce(sum(total_budget_eur), 0) AS budget_eur,
                   coalesce(sum(fse_amount_eur), 0) AS fse_eur, coalesce(sum(grant_amount_eur), 0) AS grant_eur,
                   array_to_string(min(title, 20), ' ; ') AS titles
            FROM fp WHERE scope IS NULL OR scope IN ('national', 'multi-region') GROUP BY 1) ORDER BY 1""", params)


# -- themes -------------------------------------------------------------------------------------------------
@_cache
def _theme_programme_sums(f: Filters) -> pd.DataFrame:
    """Per theme and programme (integers): projects and amounts, in one pass over the theme rows. The totals per
    theme and the treemap by programme are both drawn from it."""
    link, params = _link(f, "fact_themes")
    return _df(f"""SELECT x.theme_no, x.prog_no, count(*) AS n, coalesce(sum(x.total_budget_eur), 0) AS budget_eur,
                          coalesce(sum(x.grant_amount_eur), 0) AS grant_eur, coalesce(sum(x.fse_amount_eur), 0) AS fse_eur
                   {link} GROUP BY 1, 2""", params)


@_cache
def theme_totals(f: Filters) -> pd.DataFrame:
    sums = _theme_programme_sums(f).drop(columns="prog_no").groupby("theme_no", as_index=False).sum()
    d = themes().merge(sums, on="theme_no").sort_values(["n", "label_fr"], ascending=[False, True])
    return d[["theme_id", "label_fr", "label_en", "n", "budget_eur", "grant_eur", "fse_eur"]].reset_index(drop=True)


@_cache
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


@_cache
def theme_region(f: Filters) -> pd.DataFrame:
    """Projects per theme and region. The theme rows are grouped by their project's region mask first (a few
    hundred distinct masks), then each group is counted in every region of its mask."""
    link, params = _link(f, "fact_themes")
    return _df(f"""
        SELECT t.label_fr, t.label_en, g.name AS region, a.n
        FROM (SELECT m.theme_no, g.region_no, sum(m.n)::BIGINT AS n
              FROM (SELECT x.theme_no, x.region_mask, count(*) AS n {link} GROUP BY 1, 2) m
              JOIN dim_regions g ON (m.region_mask >> g.region_no) & 1 = 1 GROUP BY 1, 2) a
        JOIN dim_themes t USING (theme_no) JOIN dim_regions g USING (region_no) ORDER BY 1, 3""", params)


@_cache
def distinct_themed(f: Filters) -> dict:
    cte, params = _filtered(f)
    row = _df(f"{cte} SELECT count(*) FILTER (WHERE n_themes > 0) AS n, coalesce(sum(n_themes), 0) AS a FROM fp",
              params).iloc[0]
    return {"n": int(row["n"]), "a": int(row["a"])}


# -- projects -----------------------------------------------------------------------------------------------
SORTABLE = {"title": "title", "budget": _BUDGET, "fse": "fse_amount_eur", "start": "start_date",
            "programme": "programme_name", "status": "status"}


@_cache
def projects_page(f: Filters, sort: str = "budget", descending: bool = True, page: int = 1,
                  page_size: int = 25) -> pd.DataFrame:
    cte, params = _filtered(f)
    order = SORTABLE.get(sort, SORTABLE["budget"])
    direction = "DESC" if descending else "ASC"
    tie = "pk" if sort not in ("title", "programme", "status") else "title, pk"  # no string compares when not needed
    by = f"{order} {direction} NULLS LAST, {tie}"
    if order == _BUDGET and descending:
        by = "pk"  # pk is the rank by budget, largest first (etl.pipeline.build_facts)
    return _df(f"""{cte}
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


@_cache
def project_options(f: Filters, limit: int = 500) -> pd.DataFrame:
    cte, params = _filtered(f)
    # the picker lists the projects in the table's default order (largest budgets first)
    return _df(f"{cte}, keys AS (SELECT pk FROM fp ORDER BY pk LIMIT ?) "
               f"SELECT project_id, pk, title FROM facts WHERE pk IN (SELECT pk FROM keys) ORDER BY pk", params + [limit])


@_cache
def project_detail(project_id: str, pk: int) -> dict[str, pd.DataFrame]:
    """Everything about one project: the read-side tables by ``pk`` (one integer column scanned), the small
    source tables by ``project_id``."""
    p, k = [project_id], [int(pk)]
    project = _df("SELECT * EXCLUDE (search_text) FROM projects WHERE pk = ?", k)  # one integer column scanned
    project = project[project["project_id"] == project_id]  # a pk from an older build names another project
    for table, no, cols in (("places", "place_no", ["location_raw", "postcode", "city", "geo_method", "geo_evidence"]),
                            ("tag_sets", "tag_set_no", ["tags"])):  # its place and tags, by their numbers
        key = project[no].iloc[0] if len(project) else None
        found = _df(f"SELECT {', '.join(cols)} FROM {table} WHERE {no} = ?", [int(key)]) if pd.notna(key) else None
        project = project.assign(**{c: found[c].iloc[0] if found is not None and len(found) else None for c in cols})
    out = {
        "project": project,
        "regions": _df("SELECT region_code, name FROM dim_regions WHERE (? >> region_no) & 1 = 1 ORDER BY 1",
                       [int(project["region_mask"].iloc[0]) if len(project) else 0]),  # the project's region mask
        "departments": _df("SELECT g.department_code, g.name FROM fact_departments d JOIN dim_departments g "
                           "USING (dept_no) WHERE pk = ? ORDER BY 1", k),
        "themes": _df("SELECT t.label_fr, t.label_en, x.rule FROM fact_themes x JOIN dim_themes t USING (theme_no) "
                      "WHERE pk = ? ORDER BY 1", k),
        "partners": _df("SELECT name FROM partners WHERE project_id = ? ORDER BY position", p),
        "cofinancers": _df("SELECT name FROM fact_cofinancers WHERE pk = ? ORDER BY position", k),
        "key_figures": _df("SELECT text, amount_eur, source_line FROM key_figures WHERE project_id = ? "
                           "ORDER BY position", p),
        "sources": _df("SELECT field, raw_value, source_line FROM field_sources WHERE project_id = ? "
                       "ORDER BY source_line, field", p),
        "issues": _df("SELECT rule, severity, message, \"values\", source_line FROM fact_issues "
                      "WHERE pk = ? ORDER BY severity, rule", k),
        "excerpt": pd.DataFrame(columns=["line_no", "text"]),
    }
    if not project.empty:
        row = project.iloc[0]
        out["excerpt"] = _df("SELECT line_no, text FROM source_lines WHERE source_file = ? AND line_no BETWEEN ? AND ? "
                             "ORDER BY line_no", [row["source_file"], int(row["source_line_start"]),
                                                  int(row["source_line_end"])])
    return out


# -- quality ------------------------------------------------------------------------------------------------
def _issue_scope(f: Filters) -> tuple[str, list]:
    """Issues of the filtered projects, plus programme-level issues of the programmes they belong to."""
    link, params = _link(f, "fact_issues")
    if f.is_empty():
        return "WITH qi AS (SELECT * FROM fact_issues)", []
    # the filtered projects are scanned for their programmes only when some programme has issues of its own
    flagged = [int(n) for n in programmes().query("n_programme_issues > 0")["prog_no"]]
    head, hparams, scope = "WITH", [], "q.issue_programme_id IS NULL"
    if flagged:
        (progs, hparams), marks = _filtered(f), ", ".join("?" * len(flagged))
        head = f"{progs},"
        scope += (f" OR q.issue_programme_id IN (SELECT programme_id FROM dim_programmes "
                  f"WHERE prog_no IN (SELECT prog_no FROM fp WHERE prog_no IN ({marks})))")
    return (f"{head} qi AS (SELECT x.* {link} UNION ALL "
            f"SELECT q.* FROM fact_issues q WHERE q.pk IS NULL AND ({scope}))"), hparams + params + flagged


@_cache
def issues_by_rule(f: Filters) -> pd.DataFrame:
    cte, params = _issue_scope(f)
    return _df(f"{cte} SELECT rule, severity, count(*) AS n FROM qi GROUP BY rule, severity "
               f"ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, n DESC, rule", params)


@_cache
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
    return _df(f"""{cte}
        SELECT qi.severity, qi.rule, coalesce(qi.project_title, g.name) AS record, qi.project_id, qi.message,
               qi."values", qi.source_file, qi.source_line
        FROM (SELECT * FROM qi WHERE {where}
              ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule, issue_id LIMIT ?) qi
        LEFT JOIN programmes g ON g.programme_id = qi.issue_programme_id
        ORDER BY CASE qi.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, qi.rule, record""",
               params + extra + [limit])


@_cache
def coverage(f: Filters) -> dict:
    cte, params = _filtered(f)
    row = _df(f"""{cte}
        SELECT count(*) AS n,
               count(*) FILTER (WHERE budget_eur IS NOT NULL) AS with_budget,
               count(*) FILTER (WHERE scope IS NOT NULL) AS on_map,
               count(*) FILTER (WHERE n_themes > 0) AS themed
        FROM fp""", params).iloc[0]
    return {k: int(v) for k, v in row.items()}


@_cache
def sources() -> pd.DataFrame:
    return _df("SELECT source_file, family, n_records FROM source_documents WHERE status = 'loaded' "
               "ORDER BY source_file")


@_cache
def extraction_errors() -> dict:
    """What the build could not read, whatever the filters: error-level extraction and import issues, and the
    documents it skipped (the banner of the Overview and Data quality pages)."""
    row = _df("""SELECT count(*) FILTER (WHERE severity = 'error' AND category IN ('extraction', 'import')) AS n_errors,
                        count(DISTINCT source_file) FILTER (WHERE severity = 'error'
                                                            AND category IN ('extraction', 'import')) AS n_files
                 FROM quality_issues""").iloc[0]
    skipped = _df("SELECT count(*) AS n FROM source_documents WHERE status = 'skipped'").iloc[0]["n"]
    return {"n_errors": int(row["n_errors"]), "n_files": int(row["n_files"]), "n_skipped": int(skipped)}


@_cache
def documents() -> pd.DataFrame:
    """Every input file: its family, title, records read against those it announces, its extraction errors, or why
    it was skipped."""
    return _df("""
        SELECT d.source_file, d.title, d.family, d.status, d.n_records,
               (SELECT string_agg(c.what || ': ' || c.announced || ' / ' || c.found, ' ; ' ORDER BY c.what)
                FROM document_counts c WHERE c.source_file = d.source_file) AS announced_found,
               (SELECT count(*) FROM quality_issues q WHERE q.source_file = d.source_file AND q.severity = 'error'
                  AND q.category IN ('extraction', 'import')) AS n_errors,
               d.skip_reason
        FROM source_documents d ORDER BY d.status DESC, d.source_file""")
