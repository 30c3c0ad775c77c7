"""The synthetic portfolio: deterministic, learnt from the real records, and imported through the user's path."""

import csv
import shutil

import duckdb

from etl import synth
from etl.build import build
from tests.conftest import RAW


def test_same_seed_same_file_other_seed_other_file(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    params = synth.learn()
    synth.generate(3000, a, seed=3, params=params)
    synth.generate(3000, b, seed=3, params=params)
    synth.generate(3000, c, seed=4, params=params)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_parameters_come_from_the_real_records():
    p = synth.learn()
    assert p["n_real"] == 159 and p["n_budgets"] == 28
    assert 11.5 < p["log_mu"] < 13.5  # budgets of 100 k€ to 1 M€, as in the documents
    assert abs(p["rate_mu"] - 0.5) < 0.01
    assert "MOBILITÉ" in p["tags"] and "SENSIBILISATION" in p["tags"]


def test_synthetic_rows_go_through_the_import_path(tmp_path, monkeypatch):
    raw, tables, db = tmp_path / "raw", tmp_path / "tables", tmp_path / "wh.duckdb"
    shutil.copytree(RAW, raw)
    synth.generate(5000, tables / "portfolio.csv", seed=11)
    with (tables / "portfolio.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    unreadable = sum(r["budget_total"] == "12 OOO €" for r in rows)
    national = sum(r["localisation"] == "National" and r["budget_total"] != "12 OOO €" for r in rows)
    assert 0 < unreadable < 50 and national > 0
    build([raw, tables], db, skip_invalid_rows=True)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == 159 + 5000 - unreadable
    assert con.execute("SELECT count(*) FROM quality_issues WHERE rule = 'rejected_row'").fetchone()[0] == unreadable
    assert con.execute("SELECT count(*) FROM projects WHERE source_file = 'portfolio.csv' AND scope = 'national'"
                       ).fetchone()[0] == national
    fse_over = con.execute("SELECT count(*) FROM quality_issues WHERE rule = 'fse_exceeds_budget' AND "
                           "source_file = 'portfolio.csv'").fetchone()[0]
    assert 5 < fse_over < 60  # about 1 % of the FSE rows are made inconsistent on purpose
    placed = con.execute("SELECT avg((scope IS NOT NULL)::INT) FROM projects WHERE source_file = 'portfolio.csv'"
                         ).fetchone()[0]
    assert placed > 0.99
    con.close()

    # the FSE scatter at this size: the flagged projects first, a quarter of the points at most, then the largest
    from analytics import queries as Q
    from analytics.filters import Filters

    monkeypatch.setenv("ESS_WAREHOUSE", str(db))
    df = Q.fse_projects(Filters(), 40)
    flagged = df["flags"] != ""
    assert len(df) == 40 and flagged.sum() == 40 // Q.FSE_FLAGGED_SHARE and flagged.iloc[:10].all()
    assert df.loc[~flagged, "total_budget_eur"].is_monotonic_decreasing


def test_large_table_keeps_no_text_and_the_detail_says_where_to_look(tmp_path, monkeypatch):
    """Above DETAIL_ROWS a table keeps no text nor printed values; the project page says so and names the row."""
    from streamlit.testing.v1 import AppTest

    from etl.tables import load as table_load
    from tests.conftest import ROOT

    tables, db = tmp_path / "tables", tmp_path / "wh.duckdb"
    synth.generate(1500, tables / "big.csv", seed=5)
    monkeypatch.setattr(table_load, "DETAIL_ROWS", 1000)
    build([RAW, tables], db, skip_invalid_rows=True)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM source_lines WHERE source_file = 'big.csv'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM field_sources WHERE project_id LIKE 'imp-big-%'").fetchone()[0] == 0
    pid, line = con.execute("SELECT project_id, source_line_start FROM projects WHERE pk = 1").fetchone()
    # with a table beside the documents, the fact tables still carry the projects' types (not the sources' union)
    assert con.execute("""SELECT list(DISTINCT data_type ORDER BY data_type) FROM duckdb_columns()
                          WHERE table_name LIKE 'fact_%' AND column_name IN ('budget_eur', 'total_budget_eur',
                                                                             'fse_amount_eur', 'year_to')""").fetchone()[0] \
        == ["DECIMAL(16,2)", "INTEGER"]
    con.close()
    assert pid.startswith("imp-big-")  # the largest budget is a synthetic one
    monkeypatch.setenv("ESS_WAREHOUSE", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/6_projects.py").run()
    assert not at.exception
    text = " ".join(c.value for c in at.caption).replace("\u202f", " ")
    grouped = f"{line:,}".replace(",", " ")
    # the source by its title (a table's name without its suffix; the file's name is the caption's tooltip)
    assert f"ce projet est la ligne {grouped} de big." in text
    assert f"big, ligne {grouped}" in text
