"""Budgets and calls: the funnel of each call, grants against its envelope, budgets by band, histogram and
quartiles, the largest projects, grants against budgets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import db
from analytics.db import cached
from analytics.filters import Filters
from analytics.queries.base import _BUDGET, OTHERS, TOP_GROUPS, filtered, programme_where, programmes, ranges, summary
from common.contract import ENVELOPE_STATUSES, ENVELOPE_TOLERANCE


@cached
def funnels(f: Filters) -> pd.DataFrame:
    where, params = programme_where(f, "programme_id")
    return db.df(f"SELECT programme_id, name, year, applications, admissible, preselected, laureates, supported "
               f"FROM programmes WHERE {where} AND (applications IS NOT NULL OR admissible IS NOT NULL "
               f"OR preselected IS NOT NULL) ORDER BY year, name", params)




@cached
def envelope_reconciliation(f: Filters) -> pd.DataFrame:
    where, params = programme_where(f, "g.programme_id")
    return db.df(f"""
        SELECT g.programme_id, g.name, g.envelope_eur,
               sum(p.grant_amount_eur) AS grants_eur,
               count(p.grant_amount_eur) AS n_grants,
               sum(p.grant_amount_eur) - g.envelope_eur AS gap_eur,
               abs(sum(p.grant_amount_eur) - g.envelope_eur) <= g.envelope_eur * ? AS within_tolerance
        FROM programmes g JOIN facts p USING (programme_id)
        WHERE {where} AND g.envelope_eur IS NOT NULL AND list_contains(?, p.status)
        GROUP BY g.programme_id, g.name, g.envelope_eur HAVING count(p.grant_amount_eur) > 0 ORDER BY g.name""",
        [ENVELOPE_TOLERANCE] + params + [list(ENVELOPE_STATUSES)])




@cached
def by_programme_status(f: Filters) -> pd.DataFrame:
    cte, params = filtered(f)
    return db.df(f"""{cte}, g AS (SELECT prog_no, status, count(*) AS n FROM fp GROUP BY ALL),
        top AS (SELECT prog_no FROM g GROUP BY 1 ORDER BY sum(n) DESC, 1 LIMIT ?)
        SELECT CASE WHEN g.prog_no IN (SELECT prog_no FROM top) THEN d.name ELSE ? END AS programme,
               status, sum(n)::BIGINT AS n FROM g JOIN dim_programmes d USING (prog_no)
        GROUP BY ALL ORDER BY max(n) DESC, 1, 2""", params + [TOP_GROUPS * 2, OTHERS])


# -- budgets ------------------------------------------------------------------------------------------------


@cached
def top_programmes(f: Filters) -> tuple[int, ...]:
    """The TOP_GROUPS programmes with the most budgets in the selection (their ``prog_no``)."""
    cte, params = filtered(f)
    d = db.df(f"{cte} SELECT prog_no FROM fp WHERE {_BUDGET} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
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


@cached
def budget_bands(f: Filters, group: str) -> pd.DataFrame:
    """Per group and fine log10 band (``facts.budget_band``; -1 holds the zero budgets): count, total, min and max.
    One grouped pass on small integers, from which the histogram and the quartiles are drawn."""
    col, gparams = _group_col(f, group)
    cte, params = filtered(f)
    return db.df(f"""{cte} SELECT {col} AS grp, budget_band AS band, count(*) AS n, sum({_BUDGET}) AS total,
                         min({_BUDGET}) AS min, max({_BUDGET}) AS max
                  FROM fp WHERE {_BUDGET} IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""", params + gparams)


HISTOGRAM_BINS = 24  # a divisor of the build's fine bands (common.contract.BUDGET_BANDS = 2400)


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


@cached
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
        cte, params = filtered(f)
        d = db.df(f"""{cte}
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


@cached
def budget_quartiles(f: Filters, group: str) -> pd.DataFrame:
    cols = ["grp", "n", "min", "q1", "median", "q3", "max", "total"]
    if not quartiles_are_approximate(f):
        col, gparams = _group_col(f, group)
        cte, params = filtered(f)
        d = db.df(f"""{cte}
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


@cached
def largest_projects(f: Filters, n: int = 10) -> pd.DataFrame:
    cte, params = filtered(f)
    return db.df(f"""{cte}, keys AS (SELECT pk FROM fp WHERE {_BUDGET} IS NOT NULL ORDER BY pk LIMIT ?)
        SELECT project_id, title, lead_org, programme_name AS programme, status, {_BUDGET} AS budget_eur,
               budget_kind, fse_amount_eur, grant_amount_eur
        FROM facts WHERE pk IN (SELECT pk FROM keys) ORDER BY pk""", params + [n])


SCATTER_MAX = 2000  # above this many laureates, the grant/budget chart counts them per cell instead of one point each
SHARE_BINS = 20     # grant shares of 5 %; the last bin holds the grants of 100 % of the budget and more


@cached
def grant_budget_cells(f: Filters) -> pd.DataFrame:
    """Laureates with a grant and a budget, counted per budget bin (the histogram's log bins, from the build's
    fine bands) and grant share bin: ``n`` in all tells whether to draw them one by one."""
    per, lo, width = _log_bins(ranges())
    cte, params = filtered(f)
    d = db.df(f"""{cte} SELECT budget_band // ? AS bx,
                           least(floor(grant_amount_eur::DOUBLE / total_budget_eur::DOUBLE * ?), ?)::INTEGER AS sy, count(*) AS n
                    FROM fp WHERE grant_amount_eur IS NOT NULL AND total_budget_eur > 0 AND status = 'laureate'
                    GROUP BY 1, 2 ORDER BY 1, 2""", params + [per, SHARE_BINS, SHARE_BINS])
    d = _bin_edges(d, "bx", lo, width)
    d["share_lo"] = d["sy"] / SHARE_BINS
    d["share_hi"] = (d["sy"] + 1) / SHARE_BINS
    return d


@cached
def grant_vs_budget(f: Filters, limit: int = SCATTER_MAX) -> pd.DataFrame:
    """Laureates' grants against their budgets, the largest budgets first: their keys from a top-N on pk, then
    the few columns the chart shows for those rows."""
    cte, params = filtered(f)
    return db.df(f"""{cte}, keys AS (SELECT pk FROM fp WHERE grant_amount_eur IS NOT NULL AND total_budget_eur > 0
                                    AND status = 'laureate' ORDER BY pk LIMIT ?)
        SELECT title, grant_amount_eur, total_budget_eur, grant_kind, grant_amount_eur / total_budget_eur AS grant_share
        FROM facts WHERE pk IN (SELECT pk FROM keys) ORDER BY pk""", params + [limit])
