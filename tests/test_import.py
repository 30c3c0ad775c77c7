"""Importing spreadsheets: good files, every kind of bad file, re-imports; the warehouse never half-changes."""

import io
import shutil
from decimal import Decimal

import duckdb
import pytest
from openpyxl import Workbook

from common.import_format import template_csv
from etl import importer, schema, tables
from etl.errors import EtlError
from tests.conftest import RAW

HEADER_FR = "appel;annee;identifiant;titre;porteur;statut;localisation;budget_total;montant_fse;taux_fse;subvention;date_debut;date_fin;themes;cofinanceurs"
GOOD_FR = HEADER_FR + """
AAP ESS Bretagne 2026;2026;B-01;Recyclerie du pays de Morlaix;Association Recyclerie;lauréat;29600 Morlaix;245 300 €;;;60 000 €;01/01/2026;31/12/2027;économie circulaire|insertion;Région Bretagne|ADEME
AAP ESS Bretagne 2026;2026;B-02;Tiers-lieu du Kreiz Breizh;Asso KB;financé;Côtes-d'Armor;180 000;90 000,00;50 %;;2026-03-01;2027-02-28;tiers-lieu;
AAP ESS Bretagne 2026;2026;B-03;Monnaie locale du Trégor;La Bizh;financé;Lannion;"1 234,50 €";1 300 €;50%;;;;monnaie locale;
"""


@pytest.fixture
def site(tmp_path):
    """A fresh warehouse built from the bundled documents, with an empty imports folder."""
    raw, imports, db = tmp_path / "raw", tmp_path / "imports", tmp_path / "wh.duckdb"
    shutil.copytree(RAW, raw)
    imports.mkdir()
    from etl.build import build

    build([raw, imports], db)
    return {"imports_dir": imports, "raw_dir": raw, "db_path": db}


def count(db, where="TRUE"):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM projects WHERE {where}").fetchone()[0]


def test_good_french_csv_previews_and_loads(site):
    pv = importer.preview(GOOD_FR.encode("utf-8"), "bretagne 2026.csv")
    assert (pv.fatal, pv.n_rows, pv.n_valid, pv.rejected) == (None, 3, 3, [])
    assert pv.columns["total_budget"] == "budget_total"
    report = importer.commit(GOOD_FR.encode("utf-8"), "bretagne 2026.csv", **site)
    assert report.n_projects == 159 + 3
    with duckdb.connect(str(site["db_path"]), read_only=True) as con:
        rows = con.execute("SELECT project_id, status, total_budget_eur, fse_amount_eur, fse_rate_stated, grant_amount_eur, "
                           "grant_kind, start_date, scope FROM projects WHERE source_file = 'bretagne_2026.csv' "
                           "ORDER BY 1").fetchall()
        assert rows[0][:7] == ("imp-bretagne-2026-b-01", "laureate", Decimal("245300"), None, None, Decimal("60000"),
                               "granted")
        assert rows[1][2:5] == (Decimal("180000"), Decimal("90000.00"), Decimal("0.5"))
        assert rows[2][2:4] == (Decimal("1234.50"), Decimal("1300"))
        deps = con.execute("SELECT project_id, department_code FROM project_departments WHERE project_id LIKE 'imp-%' "
                           "ORDER BY 1").fetchall()
        assert deps == [("imp-bretagne-2026-b-01", "29"), ("imp-bretagne-2026-b-02", "22"), ("imp-bretagne-2026-b-03", "22")]
        # each distinct place and cell of tags once, numbered after the documents' ones
        assert con.execute("SELECT project_id, location_raw, postcode, city, geo_method, tags FROM projects "
                           "JOIN places USING (place_no) LEFT JOIN tag_sets USING (tag_set_no) "
                           "WHERE project_id LIKE 'imp-%' ORDER BY 1").fetchall() == [
            ("imp-bretagne-2026-b-01", "29600 Morlaix", "29600", "Morlaix", "postcode", "économie circulaire | insertion"),
            ("imp-bretagne-2026-b-02", "Côtes-d'Armor", None, None, "department", "tiers-lieu"),
            ("imp-bretagne-2026-b-03", "Lannion", None, None, "commune", "monnaie locale")]
        assert con.execute("SELECT min(place_no) FROM projects WHERE project_id LIKE 'imp-%'").fetchone()[0] > \
            con.execute("SELECT max(place_no) FROM projects WHERE project_id NOT LIKE 'imp-%'").fetchone()[0]
        themes = con.execute("SELECT theme_id, rule FROM project_themes WHERE project_id = 'imp-bretagne-2026-b-01' "
                             "ORDER BY 1").fetchall()
        assert themes == [("economie_circulaire", "tag:économie circulaire"), ("insertion_emploi", "tag:insertion")]
        # an inconsistency between valid values is a quality issue, not a rejected row
        assert con.execute("SELECT rule FROM quality_issues WHERE project_id = 'imp-bretagne-2026-b-03' ORDER BY 1"
                           ).fetchall() == [("fse_exceeds_budget",), ("rate_mismatch",)]
        assert con.execute("SELECT raw_value, source_line FROM field_sources WHERE project_id = 'imp-bretagne-2026-b-02' "
                           "AND field = 'total_budget'").fetchone() == ("budget_total = 180 000", 3)


def test_cofinancers_keep_their_order_and_a_repeated_name_counts_its_project_once(site):
    data = (HEADER_FR + "\nAAP;2026;C-01;Cantine;Asso;financé;Brest;1 000 €;;;;;;;Région Bretagne|ADEME|Région Bretagne"
            "\nAAP;2026;C-02;Garage;Asso;financé;Brest;2 000 €;;;;;;;ADEME\n").encode()
    importer.commit(data, "cof.csv", **site)
    with duckdb.connect(str(site["db_path"]), read_only=True) as con:
        assert con.execute("SELECT project_id, position, name FROM cofinancers WHERE project_id LIKE 'imp-cof-%' "
                           "ORDER BY 1, 2").fetchall() == [
            ("imp-cof-c-01", 1, "Région Bretagne"), ("imp-cof-c-01", 2, "ADEME"), ("imp-cof-c-01", 3, "Région Bretagne"),
            ("imp-cof-c-02", 1, "ADEME")]
        # what the FSE page's chart counts: projects per name
        assert con.execute("SELECT name, count(*) FROM fact_cofinancers x JOIN projects f USING (pk) "
                           "WHERE f.project_id LIKE 'imp-cof-%' AND x.first_mention GROUP BY 1 ORDER BY 1").fetchall() == [
            ("ADEME", 2), ("Région Bretagne", 1)]


def test_xlsx_with_english_columns(site):
    wb = Workbook()
    ws = wb.active
    ws.append(["call", "title", "total_budget", "fse_amount", "location", "start_date"])
    ws.append(["ESF call 2027", "Premier", 100000, 50000, "Occitanie", None])
    ws.append(["ESF call 2027", "Second", "75 000 €", 30000.5, "National", "2027-01-15"])
    buf = io.BytesIO()
    wb.save(buf)
    pv = importer.preview(buf.getvalue(), "esf.xlsx")
    assert (pv.fatal, pv.n_valid) == (None, 2)
    importer.commit(buf.getvalue(), "esf.xlsx", **site)
    with duckdb.connect(str(site["db_path"]), read_only=True) as con:
        rows = con.execute("SELECT title, total_budget_eur, fse_amount_eur, scope FROM projects WHERE source_file = "
                           "'esf.xlsx' ORDER BY title").fetchall()
    assert rows == [("Premier", Decimal("100000"), Decimal("50000"), "local"),
                    ("Second", Decimal("75000"), Decimal("30000.5"), "national")]


BAD = HEADER_FR + """
AAP;2026;X-01;Bon projet;Asso;financé;Bretagne;10 000 €;;;;;;;
AAP;2026;X-02;Budget illisible;Asso;financé;Bretagne;12 OOO €;;;;;;;
AAP;2026;X-03;Négatif;Asso;financé;Bretagne;-5 000 €;;;;;;;
AAP;2026;X-04;Absurde;Asso;financé;Bretagne;99 999 999 999 €;;;;;;;
AAP;2026;X-05;Mauvaise date;Asso;financé;Bretagne;;;;;32/13/2026;;;
AAP;2026;X-06;Statut inconnu;Asso;peut-être;Bretagne;;;;;;;;
AAP;2026;X-07;Taux absurde;Asso;financé;Bretagne;;;150 %;;;;;
AAP;2026;X-01;Identifiant en double;Asso;financé;Bretagne;;;;;;;;
AAP;2026;X-09;;Asso;financé;Bretagne;;;;;;;;
AAP;deux mille;X-10;Année illisible;Asso;financé;Lune;;;;;;;;
"""


def test_every_kind_of_row_error_is_reported_and_nothing_changes(site):
    before = site["db_path"].read_bytes()
    pv = importer.preview(BAD.encode("utf-8"), "bad.csv")
    assert [r["message"] for r in pv.rejected] == [
        "row 3, budget_total: '12 OOO €' is not an amount",
        "row 4, budget_total: '-5 000 €' is negative",
        "row 5, budget_total: '99 999 999 999 €' is not a plausible amount (above 10 billion €)",
        "row 6, date_debut: '32/13/2026' is not a date (DD/MM/YYYY or YYYY-MM-DD)",
        "row 7, statut: 'peut-être' is not a known status (funded, laureate, eligible, example, experimentation, "
        "initiative, supported)",
        "row 8, taux_fse: '150 %' is not a rate between 0 and 100 %",
        "row 9, identifiant: 'X-01' duplicates the identifier of row 2",
        "row 10, titre: is required",
        "row 11, annee: 'deux mille' is not a year",
    ]
    assert (pv.n_rows, pv.n_valid, pv.n_rejected_rows) == (10, 1, 9)
    with pytest.raises(EtlError, match=r"bad.csv: 9 row\(s\) rejected, nothing loaded from this file"):
        importer.commit(BAD.encode("utf-8"), "bad.csv", **site)
    assert site["db_path"].read_bytes() == before
    assert list(site["imports_dir"].glob("*.csv")) == []


def test_valid_rows_load_only_when_chosen(site):
    importer.commit(BAD.encode("utf-8"), "bad.csv", accept_valid_rows=True, **site)
    assert count(site["db_path"], "source_file = 'bad.csv'") == 1
    with duckdb.connect(str(site["db_path"]), read_only=True) as con:
        rejected = con.execute("SELECT source_line, message FROM quality_issues WHERE rule = 'rejected_row' "
                               "ORDER BY source_line").fetchall()
    assert len(rejected) == 9 and rejected[0] == (3, "row 3, budget_total: '12 OOO €' is not an amount")


@pytest.mark.parametrize("data, name, message", [
    (b"", "empty.csv", "empty.csv: the file is empty"),
    (b"   \n\n", "blank.csv", "blank.csv: the file is empty"),
    ("titre;budget\nProjet;10 €\n".encode(), "nocall.csv", "nocall.csv: the columns match no known format; the closest is The project's template, which misses: call "
     "(columns found: titre, budget)"),
    (HEADER_FR.encode(), "header.csv", "header.csv: the header is there but no data row"),
    (b"\x00\x01\x02binary", "bin.csv", "bin.csv: not a text file (binary content); save it as CSV (UTF-8) or XLSX"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", "broken.xlsx: not a readable XLSX workbook (not a ZIP archive)"),
    (b"a;b", "notes.txt", "notes.txt: only .csv, .xlsx and .parquet files can be imported"),
])
def test_unreadable_files(data, name, message, site):
    pv = importer.preview(data, name)
    assert pv.fatal == message


CELLS = [  # (title cell, budget cell, rate cell) -> (title, budget, rate) as staged; None: blank or unreadable
    ("Recyclerie", "245 300 €", "50 %", "Recyclerie", Decimal("245300"), Decimal("0.5")),
    ("  Tiers-lieu  ", "  7 500 €  ", "48%", "Tiers-lieu", Decimal("7500"), Decimal("0.48")),
    ("Épicerie solidaire ", "1 234,50 €", "0,5", "Épicerie solidaire", Decimal("1234.50"), Decimal("0.5")),
    (" Garage", "12 000 EUR", "42,5", "Garage", Decimal("12000"), Decimal("0.425")),
    ("Ferme", "12000 euros", "", "Ferme", Decimal("12000"), None),
    ("Atelier", "12 k€", "100 %", "Atelier", Decimal("12000"), Decimal("1")),
    ("Café", "1,5 M€", "", "Café", Decimal("1500000"), None),
    ("Cantine", "1.234.567,89", "", "Cantine", Decimal("1234567.89"), None),
    ("Crèche", "1,234,567.89", "", "Crèche", Decimal("1234567.89"), None),
    ("Jardin", "**9\u202f000\u00a0€**", "", "Jardin", Decimal("9000"), None),
    ("Radio", "12 OOO €", "", "Radio", None, None),
    ("   ", "eur", "", None, None, None),
]


def test_cells_are_trimmed_and_amounts_read_in_every_usual_form():
    """The import's SQL cell parsers, row by row, on the real staging path (a CSV written here)."""
    text = "appel;titre;budget_total;taux_fse\n" + "".join(f"AAP;{t};{b};{r}\n" for t, b, r, *_ in CELLS)
    con = duckdb.connect()
    schema.prepare(con)
    st = tables.stage(con, text.encode(), "cells.csv")
    got = con.execute(f"SELECT title, total_budget, fse_rate::DECIMAL(9, 6) FROM {st.prefix}_typed ORDER BY row_no").fetchall()
    assert got == [tuple(c[3:]) for c in CELLS]


def test_huge_cell_and_size_limit():
    big = (HEADER_FR + "\nAAP;2026;Z;" + "x" * 6000 + ";;;;;;;;;;;\n").encode()
    pv = importer.preview(big, "big.csv")
    assert pv.rejected[0]["message"] == f"row 2, titre: '{'x' * 39}…' is 6000 characters long (at most 5000)"
    pv = importer.preview(b"x" * 2_000_000, "huge.csv", max_bytes=1_000_000)
    assert pv.fatal == "huge.csv: 2.0 MB, more than the 1 MB accepted"


def test_windows_1252_csv_is_read_and_said():
    data = GOOD_FR.encode("cp1252", errors="replace")
    pv = importer.preview(data, "excel.csv")
    assert pv.n_valid == 3 and pv.encoding == "windows-1252"
    assert pv.warnings[0] == "the file is not UTF-8: read as Windows-1252 (Excel's French CSV)"


def test_reimport_is_stable_and_a_corrected_file_replaces_its_rows(site):
    importer.commit(GOOD_FR.encode(), "bretagne.csv", **site)
    with duckdb.connect(str(site["db_path"]), read_only=True) as con:
        first = con.execute("SELECT project_id, total_budget_eur FROM projects ORDER BY 1").fetchall()
    importer.commit(GOOD_FR.encode(), "bretagne.csv", **site)
    with duckdb.connect(str(site["db_path"]), read_only=True) as con:
        assert con.execute("SELECT project_id, total_budget_eur FROM projects ORDER BY 1").fetchall() == first
    corrected = GOOD_FR.replace("245 300 €", "250 000 €").rsplit("\n", 2)[0] + "\n"  # row B-03 removed
    importer.commit(corrected.encode(), "bretagne.csv", **site)
    with duckdb.connect(str(site["db_path"]), read_only=True) as con:
        rows = con.execute("SELECT project_id, total_budget_eur FROM projects WHERE source_file = 'bretagne.csv' "
                           "ORDER BY 1").fetchall()
        assert rows == [("imp-bretagne-b-01", Decimal("250000")), ("imp-bretagne-b-02", Decimal("180000"))]
        # the bundled documents are all still there
        assert con.execute("SELECT count(*) FROM projects WHERE source_file NOT LIKE '%.csv'").fetchone() == (159,)
    importer.remove("bretagne.csv", **site)
    assert count(site["db_path"]) == 159


def test_cli_imports_tables_found_in_the_input_folder(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    (tmp_path / "t.csv").write_text(BAD, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "etl", "--input", str(tmp_path), "--db", str(tmp_path / "w.duckdb")],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "row 3, budget_total: '12 OOO €' is not an amount" in out.stderr
    out = subprocess.run([sys.executable, "-m", "etl", "--input", str(tmp_path), "--db", str(tmp_path / "w.duckdb"),
                          "--skip-invalid-rows"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "t.csv" in out.stdout and "9 row(s) rejected" in out.stdout


def test_template_round_trips():
    for lang in ("fr", "en"):
        pv = importer.preview(template_csv(lang), f"template_{lang}.csv")
        assert (pv.fatal, pv.n_valid, pv.rejected) == (None, 1, [])
