"""Figure builders: DataFrame in, figure out; checked on the real query results."""

import json

import pandas as pd
import pytest

from analytics import chartkit, charts, maps
from analytics import queries as Q
from analytics.filters import Filters


@pytest.fixture(autouse=True)
def _env(app_env):
    Q.connection()  # as dashboard.py does on every run: drops answers cached for another warehouse
    yield


def test_choropleth_is_offline_and_complete():
    df = Q.map_regions(Filters())
    fig = maps.choropleth(df, "region", "n", "fr", "titre")
    trace = fig.data[0]
    assert trace.type == "choroplethmap"
    assert isinstance(trace.geojson, dict)  # our own boundaries inside the figure (images, the deck)
    assert fig.layout.map.style == "white-bg"  # no tile server
    assert len(trace.locations) == 18 and set(trace.locations) >= {"01", "02", "03", "04", "06", "94"}
    assert "http" not in json.dumps(fig.to_plotly_json()["layout"])
    assert dict(zip(trace.locations, trace.z))["76"] == 23


def test_the_app_map_names_the_boundary_file_served_by_the_app():
    """In the app a map names the local boundary file (fetched once by the browser), not a copy of its shapes."""
    fig = maps.choropleth(Q.map_departments(Filters()), "department", "n", "fr", "titre", inline=False)
    assert fig.data[0].geojson == "app/static/geo/departments.geojson"
    assert (maps.GEO_DIR.parent.parent / "static" / "geo" / "departments.geojson").is_file()
    assert len(fig.to_json()) < 60_000  # the figure without its shapes


def test_boundary_files_are_small_and_keyed_by_insee_code():
    regions, deps = maps.geojson("region"), maps.geojson("department")
    assert len(regions["features"]) == 18 and len(deps["features"]) == 101
    assert {f["properties"]["code"] for f in deps["features"]} >= {"01", "2A", "2B", "971", "976"}
    assert len(json.dumps(regions)) < 300_000 and len(json.dumps(deps)) < 1_000_000


def test_fse_scatter_marks_the_flagged_project():
    fig = charts.fse_scatter(Q.fse_projects(Filters()), "fr")
    names = [t.name.replace("\u202f", " ") for t in fig.data]
    assert names == ["50 % du budget", "Cohérent", "Incohérence signalée"]
    flagged = fig.data[2]
    assert list(flagged.x) == [61523] and list(flagged.y) == [62414]
    line = fig.data[0]
    assert line.y[1] == line.x[1] / 2


def test_funnel_keeps_each_calls_own_stages():
    fun = Q.funnels(Filters())
    ptce = next(r for r in fun.itertuples() if r.programme_id == "ptce-2015")
    fig = charts.funnel(ptce, "fr")
    assert list(fig.data[0].x) == [125, 99, 14]
    assert list(fig.data[0].y) == ["Candidatures", "Recevables", "Lauréats"]


def test_budget_histogram_and_box_from_sql_aggregates():
    h = Q.budget_histogram(Filters(), True, "programme")
    fig = charts.budget_histogram(h, True, "fr", {})
    assert sum(sum(t.y) for t in fig.data) == 28
    box = charts.budget_box(Q.budget_quartiles(Filters(), "programme"), True, "fr", {})
    assert {round(t.median[0]) for t in box.data} == {136097, 812978}


def test_grant_budget_density_is_one_heatmap_of_the_cells():
    cells = Q.grant_budget_cells(Filters())
    fig = charts.grant_budget_density(cells, "fr")
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    assert sum(fig.data[0].z) == 14 and fig.layout.yaxis.tickformat == ".0%"


def test_theme_heatmaps_by_region_and_by_call_write_their_counts():
    fig = charts.theme_heatmap(Q.theme_region(Filters()), "en")
    assert "Food & agriculture" in fig.data[0].y and fig.data[0].texttemplate == "%{z:,.0f}"
    tp = Q.theme_programme(Filters())
    hm = charts.theme_heatmap(tp, "fr", "programme", "th_by_programme")
    assert hm.data[0].type == "heatmap" and "Mobilité" in hm.data[0].y
    # names shortened at a word on the axis (never cut mid-word), whole in the hover
    full = [str(c) for c in hm.data[0].customdata[0]]
    assert all(len(x) <= 29 for x in hm.data[0].x) and max(len(x) for x in full) > 29
    assert all(s.rstrip("…") == f[:len(s.rstrip("…"))] for s, f in zip(hm.data[0].x, full))
    assert int(sum(sum(r) for r in hm.data[0].z)) == int(tp["n"].sum())


def test_theme_bars_show_counts_and_amounts():
    totals = Q.theme_totals(Filters())
    fig = charts.theme_bars(totals, "fr")
    assert [tr.type for tr in fig.data] == ["bar", "bar"]
    assert list(fig.data[0].x) == list(totals["n"][::-1])
    assert float(sum(fig.data[1].x)) == pytest.approx(float(totals["budget_eur"].fillna(0).sum()))
    assert fig.layout.xaxis.tickformat == ",d"  # whole projects only


def test_cofinancers_top_n_then_others():
    df = pd.DataFrame({"name": [f"Financeur {i}" for i in range(20)], "n_projects": [1] * 20})
    fig = charts.cofinancer_bars(df, "fr", top=12)
    assert len(fig.data[0].y) == 13 and fig.data[0].y[0].startswith("Autres") and fig.data[0].x[0] == 8


def test_english_separators():
    fig = charts.fse_rates(Q.fse_projects(Filters()), "en")
    assert fig.layout.separators == ".,"
    assert charts.fse_rates(Q.fse_projects(Filters()), "fr").layout.separators == ", "


def test_euro_axes_in_millions_beyond_ten_million():
    small = chartkit.eur_axis("fr", 9_000_000)
    assert small["tickformat"] == ",.0f" and small["ticksuffix"] == " €"
    big = chartkit.eur_axis("fr", 45_000_000)
    assert big["tickvals"] == [0, 10_000_000, 20_000_000, 30_000_000, 40_000_000, 50_000_000]
    assert [x.replace("\u00a0", " ") for x in big["ticktext"]] == ["0", "10 M€", "20 M€", "30 M€", "40 M€", "50 M€"]
    assert chartkit.eur_axis("en", 2.5e9)["ticktext"][:3] == ["0", "€0.5bn", "€1bn"]
    assert chartkit.eur_axis("fr", 2.5e9)["ticktext"][1].replace("\u00a0", " ") == "0,5 Md€"


@pytest.mark.parametrize("counts, dtick", [((3, 2, 1), 1), ((66_241, 66_102, 65_998), 20_000)])
def test_cofinancer_axis_ticks_whole_projects_about_six_ticks(counts, dtick):
    """A tick per project for a handful of them; for tens of thousands a round step (one per unit printed 66 000
    labels on top of each other), never a fraction of a project."""
    df = pd.DataFrame({"name": ["Région Bretagne", "ADEME", "Etat (ANCT)"], "n_projects": counts})
    assert charts.cofinancer_bars(df, "fr").layout.xaxis.dtick == dtick
