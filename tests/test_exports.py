"""Exports: tables read back equal to the query, images render offline, the deck opens and shows the figures."""

import io
import re
import shutil
import subprocess
import threading

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation

from analytics import charts, deck, exports, maps
from analytics import queries as Q
from analytics.filters import Filters
from tests.conftest import RAW


@pytest.fixture(autouse=True)
def _env(app_env):
    Q.connection()  # as dashboard.py does on every run: drops answers cached for another warehouse
    yield


def test_csv_round_trip_with_filters_and_neutralised_formulas():
    df = Q.projects_page(Filters(regions=("76",)), "budget", True, 1, 50)
    df = pd.concat([df, pd.DataFrame([{"title": "=HYPERLINK(\"http://x\")", "lead_org": "@evil", "programme": "+1",
                                       "status": "-2"}])], ignore_index=True)
    data = exports.csv_bytes(df, "Filtres : Région : Occitanie", "Données construites le 22/11/2026", "fr")
    text = data.decode("utf-8-sig").splitlines()
    assert text[0] == "# Filtres : Région : Occitanie" and text[1] == "# Données construites le 22/11/2026"
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", skiprows=2, encoding="utf-8-sig")
    assert len(back) == 24 and list(back.columns) == list(df.columns)
    assert back["budget_eur"].iloc[:23].fillna(-1).tolist() == df["budget_eur"].iloc[:23].fillna(-1).astype(float).tolist()
    assert back.iloc[23][["title", "lead_org", "programme", "status"]].tolist() == [
        "'=HYPERLINK(\"http://x\")", "'@evil", "'+1", "'-2"]


def test_xlsx_round_trip_keeps_text_as_text():
    df = Q.fse_projects(Filters())[["title", "fse_code", "total_budget_eur", "fse_amount_eur", "flags"]]
    df = pd.concat([df, pd.DataFrame([{"title": "=1+1", "fse_code": "x", "total_budget_eur": 1.0,
                                       "fse_amount_eur": 2.0, "flags": ""}])], ignore_index=True)
    wb = load_workbook(io.BytesIO(exports.xlsx_bytes(df, "Filtres : aucun filtre", "Données du 22/11/2026")))
    ws = wb.active
    assert ws["A1"].value == "Filtres : aucun filtre" and ws["A2"].value == "Données du 22/11/2026"
    assert [c.value for c in ws[4]] == list(df.columns)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5)]
    assert len(rows) == 15
    assert sum(r[3] for r in rows[:14]) == 887735
    assert rows[14][0] == "=1+1" and ws.cell(row=19, column=1).data_type == "s"


def test_chart_images_render_offline():
    fig = maps.choropleth(Q.map_regions(Filters()), "region", "n", "fr", "Carte")
    png = exports.figure_bytes(fig, "png", width=800, height=600)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    svg = exports.figure_bytes(charts.fse_scatter(Q.fse_projects(Filters()), "fr"), "svg").decode()
    assert svg.startswith("<svg") and "Incohérence signalée" in svg


def _slides(f, lang="fr"):
    from analytics import ui

    return deck.build_slides(f, lang, ui.describe, lambda r: ui._rule_label(r, lang), lambda s: s)


def test_deck_pptx_for_current_filters():
    f = Filters(regions=("76",))
    prs = Presentation(io.BytesIO(deck.to_pptx(_slides(f))))
    texts = [re.sub("[\u202f\u00a0]", " ", " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame))
             for s in prs.slides]
    titles = [s.shapes.title.text.replace("\u202f", " ") if s.shapes.title is not None else None for s in prs.slides]
    assert titles == ["Portefeuille ESS", "Chiffres clés", "Appels : sélection et enveloppe", "Distribution des budgets",
                      "Cofinancement par le Fonds social européen", "Répartition géographique", "Répartition thématique",
                      "Principaux projets (par budget)", "Qualité des données : points d'attention", "Sources et méthode"]
    assert "Région : Occitanie" in texts[0] and "Sur la base de 23 projets sur 159" in texts[0]
    assert "23" in texts[1] and "159 810" not in texts[1] and "4 projets avec un budget, sur 23" in texts[1]
    # native, editable charts where the chart type allows; the map alone is a picture
    charts_ = [sum(1 for sh in s.shapes if sh.has_chart) for s in prs.slides]
    pictures = [sum(1 for sh in s.shapes if sh.shape_type == 13) for s in prs.slides]
    assert charts_ == [0, 0, 0, 1, 1, 0, 1, 0, 0, 0] and pictures == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    fse = next(sh for sh in prs.slides[4].shapes if sh.has_chart).chart
    assert sum(len(list(p.series[0].values)) for p in fse.plots) == 2  # the region's 2 FSE projects
    funnel = next(sh for sh in prs.slides[2].shapes if sh.has_table).table
    assert funnel.cell(0, 0).text == "Programme" and "2 750 000 €" in texts[2]
    table = next(sh for sh in prs.slides[7].shapes if sh.has_table).table
    assert table.cell(0, 0).text == "Budget" and len(table.rows) == 13  # the number sorted on first
    # every slide has speaker notes: the filters, the basis of its figures, its sources
    notes = [s.notes_slide.notes_text_frame.text for s in prs.slides]
    assert all("Région : Occitanie" in n.replace("\u202f", " ") for n in notes)
    assert "PÔLES DE COOPÉRATION" in texts[9] and "001_" not in " ".join(texts + notes)
    assert prs.core_properties.title == "Portefeuille ESS"


def test_deck_pdf_renders(tmp_path):
    pdf = deck.to_pdf(_slides(Filters(), "en"), "en")
    assert pdf[:5] == b"%PDF-"
    (tmp_path / "deck.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "deck.pdf"), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 10
    info = subprocess.run(["pdfinfo", str(tmp_path / "deck.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title: +ESS portfolio — Steering committee", info, re.M)  # not "deck.html"
    from PIL import Image

    im = Image.open(pages[5]).convert("L")  # the map slide is not blank
    assert im.size[0] > im.size[1] and len(set(im.get_flattened_data())) > 20
    from tests.conftest import ROOT

    shutil.copy(pages[0], ROOT / "test-artifacts" / "deck_page1.png") if (ROOT / "test-artifacts").is_dir() else None


def test_rebuild_while_the_app_serves(tmp_path, monkeypatch):
    """Sessions keep working during a rebuild and see the new data after it, without a restart."""
    from streamlit.testing.v1 import AppTest

    from etl import importer
    from etl.build import build
    from tests.conftest import ROOT
    from tests.test_import import GOOD_FR

    raw, imports, db = tmp_path / "raw", tmp_path / "imports", tmp_path / "wh.duckdb"
    shutil.copytree(RAW, raw)
    imports.mkdir()
    build([raw, imports], db)
    monkeypatch.setenv("ESS_WAREHOUSE", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert at.metric[0].value == "159"
    errors, seen = [], set()
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                seen.add(int(Q._df("SELECT count(*) AS n FROM projects")["n"].iloc[0]))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    th = threading.Thread(target=hammer)
    th.start()
    try:
        importer.commit(GOOD_FR.encode(), "bretagne.csv", imports_dir=imports, raw_dir=raw, db_path=db)
        for _ in range(50):
            if 162 in seen:
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        th.join()
    assert errors == []
    assert seen <= {159, 162} and 162 in seen
    at.run()
    assert not at.exception
    assert at.metric[0].value == "162"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM projects").fetchone() == (162,)


def test_exports_speak_the_users_language():
    df = Q.projects_page(Filters(regions=("76",)), "budget", True, 1, 50)
    shown, money = exports.localised(df, "fr", {"status": {"laureate": "lauréat", "funded": "financé"}})
    assert list(shown.columns)[:5] == ["Identifiant", "Titre", "Porteur", "Appel / programme", "Statut"]
    assert {"lauréat", "financé"} <= set(shown["Statut"]) and not {"laureate", "funded"} & set(shown["Statut"])
    assert money == {"Budget (€)", "Montant FSE (€)", "Subvention (€)"}
    data = exports.csv_bytes(shown.assign(Début=pd.to_datetime(["2026-03-01"] * len(shown))), "f", "d", "fr")
    assert ";01/03/2026;" in data.decode("utf-8-sig")
    en, _ = exports.localised(df, "en", {})
    assert list(en.columns)[:4] == ["Identifier", "Title", "Lead organisation", "Call / programme"]
    wb = load_workbook(io.BytesIO(exports.xlsx_bytes(shown, "f", "d", money_columns=money)))
    header = [c.value for c in wb.active[4]]
    cell = wb.active.cell(row=5, column=header.index("Budget (€)") + 1)
    assert cell.value == 643400 and "€" in cell.number_format


@pytest.mark.parametrize("lang, words", [("fr", ["Subvention", "Source", "lignes 870–926"]),
                                         ("en", ["Grant", "Source", "lines 870–926"])])
def test_project_sheet_is_one_printable_page(tmp_path, lang, words):
    """The project detail's sheet: one A4 page titled with the project, its figures and its source named by the
    document's title (never the stored file's hash name)."""
    from analytics import deck_render, sheet

    opts = Q.project_options(Filters(search="jardins du gros morne"))
    row = opts.iloc[0]
    d = Q.project_detail(row["project_id"], int(row["pk"]))
    pdf = deck_render.print_pdf(sheet.to_html(d, lang, Q.source_titles()))
    (tmp_path / "s.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(tmp_path / "s.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages: +1$", info, re.M) and "GROS MORNE" in info
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub("[\u202f\u00a0]", " ", text)
    assert all(w in text for w in words), text[:800]
    assert "288 600 €" in text or "€288,600" in text
    assert "PÔLES DE COOPÉRATION" in text and ".txt" not in text


def test_the_longest_project_sheet_still_fits_one_page(tmp_path):
    """The project whose sheet holds the most text (long description, partners, issues) prints on one page too."""
    from analytics import deck_render, sheet

    titles = Q.source_titles()
    details = [Q.project_detail(r.project_id, int(r.pk)) for r in Q.project_options(Filters()).itertuples()]
    longest = max(details, key=lambda d: len(sheet.to_html(d, "fr", titles)))
    (tmp_path / "s.pdf").write_bytes(deck_render.print_pdf(sheet.to_html(longest, "fr", titles, "Données du 30/11/2026")))
    info = subprocess.run(["pdfinfo", str(tmp_path / "s.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages: +1$", info, re.M)
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "keyword:" not in text and "tag:" not in text  # themes by name, not by the rule that gave them


def test_built_figures_are_kept_per_content():
    """The same builder on the same data gives the figure built before; other data, another figure."""
    a = Q.fse_projects(Filters())
    first = charts.fse_rates(a, "fr")
    assert charts.fse_rates(a.copy(), "fr") is first  # equal contents: the kept figure
    assert charts.fse_rates(a.head(3), "fr") is not first
    assert charts.fse_rates(a, "en") is not first
