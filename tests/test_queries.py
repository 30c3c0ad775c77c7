"""Exact results of the read-side queries on the real warehouse."""

import pytest

from analytics import queries as Q
from analytics.filters import Filters


@pytest.fixture(autouse=True)
def _env(app_env):
    Q.connection()  # as dashboard.py does on every run: drops answers cached for another warehouse
    yield


def test_summary_and_kpis_unfiltered():
    assert Q.summary(Filters()) == {"n": 159, "no_budget": 131, "total": 159}
    k = Q.kpis(Filters())
    assert (k["total_budget"], k["fse_amount"], k["grants"]) == (12796230, 887735, 2749229)
    assert k["median_rate"] == 0.5
    assert k["regions_covered"] == 15  # Saint-Martin, outside the 18 regions, is no longer put in Guadeloupe
    assert (k["n_national"], k["n_multi"], k["n_unplaced"]) == (3, 5, 3)


@pytest.mark.parametrize("f, n", [
    (Filters(regions=("76",)), 23),                       # Occitanie
    (Filters(regions=("76",), statuses=("funded",)), 2),  # the two FSE projects covering Occitanie and another region
    (Filters(departments=("64",)), 2),                    # Pyrénées-Atlantiques
    (Filters(themes=("mobilite",)), 6),
    (Filters(statuses=("laureate",), budget_min=1_000_000), 6),
    (Filters(search="cocagne"), 1),
    (Filters(search="ECOPOLE"), 3),                      # accent- and case-insensitive
    (Filters(search="100%"), 0),                         # % is literal, not a wildcard
    (Filters(year_from=2021, year_to=2021), 14),
    (Filters(programmes=("ptce-2015",)), 99),
    (Filters(exclude=("error",)), 158),                  # the one project with an error left out
    (Filters(exclude=("warning",)), 154),
    (Filters(exclude=("error", "warning", "info")), 149),  # every project with an issue
    (Filters(exclude=("error",), statuses=("funded",)), 13),
])
def test_filtered_counts(f, n):
    assert Q.summary(f)["n"] == n


def test_leaving_out_flagged_projects_follows_every_figure():
    """Excluding the error leaves out the FSE project whose amount exceeds its budget from the FSE list, the map,
    the themes and the link tables' sums alike; the URL carries the choice and drops an unknown severity."""
    f = Filters(exclude=("error",))
    assert len(Q.fse_projects(f)) == 13 and len(Q.fse_projects(Filters())) == 14
    assert Q.map_regions(f)["n"].sum() < Q.map_regions(Filters())["n"].sum()
    assert f.to_query() == {"excl": ["error"]}
    back, dropped = Filters.parse_query({"excl": ["error", "DROP TABLE", "info"]})
    assert back.exclude == ("error", "info") and dropped == ["excl"]


def test_fse_projects_flag_the_amount_above_budget():
    df = Q.fse_projects(Filters())
    assert len(df) == 14
    flagged = df[df["flags"] != ""]
    assert list(flagged["fse_code"]) == ["202004086"]
    assert flagged["flags"].iloc[0] == "fse_exceeds_budget, rate_mismatch"
    assert float(flagged["fse_rate_computed"].iloc[0]) == pytest.approx(1.0145)


def test_map_regions_split_multi_region_amounts_without_double_counting():
    df = Q.map_regions(Filters(programmes=("fse-2020-2021",))).set_index("region_code")
    # 159 810 € of the Occitanie + Hauts-de-France project counts 79 905 € in each
    placed_budget = 1714103 - 156073 - 66155  # minus the two national projects
    assert df["budget_eur"].sum() == pytest.approx(placed_budget)
    assert df.loc["76", "n"] == 2 and df.loc["76", "n_multi"] == 2
    assert df.loc["76", "budget_eur"] == pytest.approx(159810 / 2 + 168216 / 2)
    off = Q.off_map(Filters(programmes=("fse-2020-2021",))).set_index("scope")
    assert off.index.tolist() == ["multi-region", "national"]  # beside the map: national; counted per region: multi
    assert off.loc["national", "n"] == 2 and off.loc["multi-region", "n"] == 2
    assert off.loc["multi-region", "budget_eur"] == pytest.approx(159810 + 168216)


def test_grant_vs_budget_lists_laureates_largest_budget_first():
    df = Q.grant_vs_budget(Filters())
    assert len(df) == 14 and sorted(df["grant_kind"].value_counts().items()) == [("granted", 9), ("requested", 5)]
    assert df["total_budget_eur"].is_monotonic_decreasing
    top = df.iloc[0]
    assert (top["grant_amount_eur"], top["total_budget_eur"]) == (288600, 1361600)
    assert top["grant_share"] == pytest.approx(288600 / 1361600)
    assert Q.grant_vs_budget(Filters(), 3)["total_budget_eur"].tolist() == df["total_budget_eur"].head(3).tolist()


def test_grant_budget_cells_count_every_laureate_of_the_scatter_once():
    pts = Q.grant_vs_budget(Filters())
    cells = Q.grant_budget_cells(Filters())
    assert cells["n"].sum() == len(pts) == 14
    # the largest (1 361 600 € budget, 21 % grant) is in the budget bin around it and the 20-25 % share bin
    top = cells[(cells["lo_eur"] <= 1361600) & (cells["hi_eur"] > 1361600) & (cells["share_lo"] == 0.2)]
    assert len(top) == 1 and top["share_hi"].iloc[0] == pytest.approx(0.25)
    shares = pts["grant_share"].astype(float)
    assert sorted(cells.groupby("sy")["n"].sum().items()) == sorted(
        (shares * Q.SHARE_BINS).clip(upper=Q.SHARE_BINS).astype(int).value_counts().items())


def test_envelope_reconciliation():
    rec = Q.envelope_reconciliation(Filters()).iloc[0]
    assert (rec["envelope_eur"], rec["grants_eur"], rec["gap_eur"], bool(rec["within_tolerance"])) == (
        2750000, 2749229, -771, True)


def test_funnels():
    fun = Q.funnels(Filters()).set_index("programme_id")
    assert fun.loc["ptce-2015", ["applications", "admissible", "laureates"]].tolist() == [125, 99, 14]


def test_budget_histogram_counts_every_budget_once():
    for log in (True, False):
        h = Q.budget_histogram(Filters(), log, "status")
        assert h["n"].sum() == 28


def test_themes_count_each_project_once_in_totals():
    d = Q.distinct_themed(Filters())
    assert d["n"] == 159 and d["a"] > 159
    totals = Q.theme_totals(Filters())
    assert totals["n"].sum() == d["a"]


def test_projects_page_is_paged_and_sorted():
    page1 = Q.projects_page(Filters(), "budget", True, 1, 10)
    assert len(page1) == 10
    assert page1["budget_eur"].iloc[0] == 1361600
    page16 = Q.projects_page(Filters(), "budget", True, 16, 10)
    assert len(page16) == 9


def test_projects_list_and_detail_name_every_region_of_a_multi_region_project():
    pid = "fse-2020-2021-202003945"  # Hauts-de-France and Occitanie in the FSE document
    page = Q.projects_page(Filters(), "budget", True, 1, 200).set_index("project_id")
    assert page.loc[pid, "regions"] == "Hauts-de-France, Occitanie"
    assert page["regions"].isna().sum() == 6  # national (3) and unplaced (3) projects
    pk = int(Q.project_options(Filters(programmes=("fse-2020-2021",))).set_index("project_id").loc[pid, "pk"])
    d = Q.project_detail(pid, pk)
    assert d["regions"].values.tolist() == [["32", "Hauts-de-France"], ["76", "Occitanie"]]


def test_project_detail_has_sources_and_excerpt():
    opts = Q.project_options(Filters(search="monnaie locale"))
    pk = int(opts.set_index("project_id").loc["fse-2020-2021-202004086", "pk"])
    d = Q.project_detail("fse-2020-2021-202004086", pk)
    assert d["project"]["total_budget_eur"].iloc[0] == 61523
    assert set(d["issues"]["rule"]) == {"fse_exceeds_budget", "rate_mismatch"}
    src = d["sources"].set_index("field")
    assert src.loc["fse_amount", "raw_value"] == "62 414 € (50%)" and src.loc["fse_amount", "source_line"] == 341
    assert "62 414 € (50%)" in d["excerpt"]["text"].tolist()
    p = d["project"].iloc[0]  # its place and tags, from places and tag_sets
    assert (p["location_raw"], p["geo_method"], p["tags"]) == ("Communauté d'agglomération du Pays Basque", "epci", None)


def test_project_detail_has_its_place_and_tags():
    opts = Q.project_options(Filters(search="triveo"))
    pid = "ptce-2015-l-ptce-triveo-1aca18"
    p = Q.project_detail(pid, int(opts.set_index("project_id").loc[pid, "pk"]))["project"].iloc[0]
    assert (p["location_raw"], p["postcode"], p["city"], p["geo_method"], p["geo_evidence"], p["tags"]) == (
        "Haut Bugey", "01460", "Brion", "postcode", "postcode 01460 = Brion", "RECYCLAGE | EMPLOI")


def test_quality_scope_and_coverage():
    by_rule = Q.issues_by_rule(Filters()).set_index("rule")["n"]
    assert by_rule["fse_exceeds_budget"] == 1
    assert Q.coverage(Filters()) == {"n": 159, "with_budget": 28, "on_map": 156, "themed": 159, "with_total": 28,
                                     "fse": 14, "fse_budget": 14, "grant": 14, "grant_budget": 14, "with_issue": 10}
    assert Q.issues_by_rule(Filters(regions=("32",))).empty or "fse_exceeds_budget" not in set(
        Q.issues_by_rule(Filters(regions=("32",)))["rule"])


def test_missing_warehouse_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("ESS_WAREHOUSE", str(tmp_path / "none.duckdb"))
    with pytest.raises(Q.WarehouseMissing):
        Q.connection()


def test_quartiles_read_from_the_budget_bands_stay_within_the_stated_error(monkeypatch):
    exact = Q.budget_quartiles(Filters(), "status").set_index("grp")
    from analytics.queries import budgets

    monkeypatch.setattr(budgets, "EXACT_QUANTILES", 0)  # as above 200,000 budgets
    Q.budget_quartiles.clear()
    banded = Q.budget_quartiles(Filters(), "status").set_index("grp")
    assert Q.quartiles_are_approximate(Filters())
    err = Q.band_error()
    assert 0 < err < 0.01
    assert sorted(banded.index) == sorted(exact.index)
    for grp, row in exact.iterrows():
        b = banded.loc[grp]
        assert (b["n"], b["min"], b["max"], b["total"]) == (row["n"], row["min"], row["max"], row["total"])
        assert b["min"] <= b["q1"] <= b["median"] <= b["q3"] <= b["max"]
    Q.budget_quartiles.clear()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_band_quantile_is_within_one_band_of_the_exact_quantile(seed):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    values = np.round(10 ** rng.normal(5, 0.8, 20_000), 2)
    lo, bands = np.log10(values.min()), 2400
    width = (np.log10(values.max()) - lo) / bands
    band = np.minimum(np.floor((np.log10(values) - lo) / width), bands - 1).astype(int)
    b = (pd.DataFrame({"band": band, "v": values}).groupby("band")["v"].agg(n="count", min="min", max="max")
         .reset_index().sort_values("band"))
    err = 10 ** width - 1
    for q in (0.25, 0.5, 0.75):
        exact = float(np.quantile(values, q))
        assert abs(Q._band_quantile(b, q, lo, width) - exact) <= exact * err


def test_largest_first_lists_follow_the_budgets():
    top = Q.largest_projects(Filters(), 10)
    assert list(top["budget_eur"]) == sorted(top["budget_eur"], reverse=True)
    assert top["budget_eur"].iloc[0] == 1361600
    fse = Q.fse_projects(Filters())
    assert fse["flags"].iloc[0] != ""  # the inconsistent project first
    rest = fse[fse["flags"] == ""]["total_budget_eur"].tolist()
    assert rest == sorted(rest, reverse=True) and len(fse) == 14
    page = Q.projects_page(Filters(), "budget", False, 1, 5)
    assert list(page["budget_eur"]) == sorted(page["budget_eur"])


def test_programme_issues_follow_the_filtered_projects(tmp_path, raw_copy, monkeypatch):
    """A programme's own issue (here its envelope against its grants) is listed when the filters keep one of its
    projects, whichever filter does it, and left out when they keep none."""
    doc = raw_copy / "001_6583b7b1693e3b80.txt"
    text = doc.read_text(encoding="utf-8")
    assert "enveloppe globale de 2.75 millions" in text
    doc.write_text(text.replace("enveloppe globale de 2.75 millions", "enveloppe globale de 9.75 millions"),
                   encoding="utf-8")
    from etl.build import build

    db = tmp_path / "wh.duckdb"
    build(raw_copy, db)
    monkeypatch.setenv("ESS_WAREHOUSE", str(db))
    Q.connection()
    assert Q.programmes().set_index("programme_id")["n_programme_issues"].to_dict()["ptce-2015"] == 1

    def envelope(f):
        return Q.issues_by_rule(f).set_index("rule")["n"].get("envelope_mismatch", 0)

    assert envelope(Filters()) == 1
    assert envelope(Filters(programmes=("ptce-2015",))) == 1
    assert envelope(Filters(statuses=("laureate",))) == 1     # the PTCE laureates
    assert envelope(Filters(programmes=("fse-2020-2021",))) == 0
    assert envelope(Filters(statuses=("funded",))) == 0      # the FSE projects: none of the PTCE
    listed = Q.issues_list(Filters(regions=("76",)), ("envelope_mismatch",))
    assert listed["message"].str.startswith("grants add up to 2 749 229").tolist() == [True]


def test_organisations_count_the_esf_a_document_gives_as_eu_funds():
    """A document's ESF amount is an EU fund: the 14 FSE projects' 887 735 € rank their organisations (an
    operation's EU contribution, when given, is taken instead, never both)."""
    orgs = Q.organisations(Filters(), "", 200)
    assert orgs["eu_eur"].sum() == pytest.approx(887735)
    assert (orgs["eu_eur"].fillna(0) >= orgs["fse_eur"].fillna(0)).all()
    top = Q.organisations(Filters(programmes=("fse-2020-2021",)), "", 5)
    assert top["eu_eur"].notna().all() and list(top["eu_eur"]) == sorted(top["eu_eur"], reverse=True)
