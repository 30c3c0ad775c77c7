"""The real ETL on the five bundled documents: exact values read from the documents."""

import os
import subprocess
import sys
from decimal import Decimal

import duckdb
import pytest

from tests.conftest import ROOT

# (FSE code, total budget, FSE amount, regions, departments, scope) as printed on the 14 sheets.
FSE_SHEETS = [
    ("202003945", 159810, 79905, ["32", "76"], [], "multi-region"),
    ("202003867", 135273, 67573, ["28"], ["76"], "local"),
    ("202004140", 151853, 75927, ["84"], [], "local"),
    ("202003734", 109698, 54448, ["75"], ["47"], "local"),
    ("202004086", 61523, 62414, ["75"], ["64"], "local"),
    ("202003964", 168216, 84016, ["44", "76"], [], "multi-region"),
    ("202004049", 156073, 78037, [], [], "national"),
    ("202004134", 140000, 70000, ["11"], [], "local"),
    ("202003948", 91476, 45738, ["75"], ["40", "64"], "local"),
    ("202004104", 136921, 68457, ["84"], ["01"], "local"),
    ("202004125", 66155, 33077, [], [], "national"),
    ("202004016", 61523, 30761, ["75"], [], "local"),
    ("202003986", 211182, 105182, ["32"], [], "local"),
    ("202004151", 64400, 32200, ["11"], ["77", "95"], "local"),
]

PTCE_GRANTS = [26158, 140095, 240500, 288600, 288600, 252169, 259740, 202020, 121555, 173160, 211640, 173160,
               288600, 83232]


def test_record_counts(con):
    rows = con.execute("SELECT programme_id, status, count(*) FROM projects GROUP BY ALL ORDER BY ALL").fetchall()
    assert ("fse-2020-2021", "funded", 14) in rows
    assert ("ptce-2015", "laureate", 14) in rows
    assert ("ptce-2015", "eligible", 85) in rows
    assert ("avise-ruralites-2022", "example", 12) in rows
    assert ("avise-ruralites-2022", "experimentation", 9) in rows
    assert any(r[1] == "initiative" and r[2] == 13 for r in rows)


@pytest.mark.parametrize("code, budget, fse, regions, deps, scope", FSE_SHEETS)
def test_fse_sheet_values_and_places(con, code, budget, fse, regions, deps, scope):
    pid = f"fse-2020-2021-{code}"
    row = con.execute("SELECT total_budget_eur, fse_amount_eur, fse_rate_stated, scope FROM projects WHERE project_id = ?",
                      [pid]).fetchone()
    assert row == (Decimal(budget), Decimal(fse), Decimal("0.5"), scope)
    got_regions = [r[0] for r in con.execute(
        "SELECT region_code FROM project_regions WHERE project_id = ? ORDER BY 1", [pid]).fetchall()]
    got_deps = [r[0] for r in con.execute(
        "SELECT department_code FROM project_departments WHERE project_id = ? ORDER BY 1", [pid]).fetchall()]
    assert (got_regions, got_deps) == (regions, deps)


def test_fse_totals(con):
    total, fse = con.execute("SELECT sum(total_budget_eur), sum(fse_amount_eur) FROM projects "
                             "WHERE programme_id = 'fse-2020-2021'").fetchone()
    assert total == sum(s[1] for s in FSE_SHEETS) == 1714103
    assert fse == sum(s[2] for s in FSE_SHEETS) == 887735


def test_fse_amount_above_budget_is_flagged(con):
    rows = con.execute("SELECT project_id, severity, message, source_line FROM quality_issues "
                       "WHERE rule = 'fse_exceeds_budget'").fetchall()
    assert rows == [("fse-2020-2021-202004086", "error", "FSE amount 62 414 € is larger than the total budget 61 523 €",
                     341)]
    lines = (ROOT / "data/raw/000_ebfe310afcb6ca57.txt").read_text(encoding="utf-8").splitlines()
    assert lines[341 - 1] == "62 414 € (50%)"
    assert con.execute("SELECT project_id FROM quality_issues WHERE rule = 'rate_mismatch'").fetchall() == [
        ("fse-2020-2021-202004086",)]


def test_ptce_grants_and_envelope(con):
    grants = [r[0] for r in con.execute("SELECT grant_amount_eur FROM projects WHERE programme_id = 'ptce-2015' "
                                        "AND status = 'laureate' ORDER BY source_line_start").fetchall()]
    assert grants == [Decimal(g) for g in PTCE_GRANTS]
    assert sum(grants) == 2749229
    prog = con.execute("SELECT envelope_eur, applications, admissible, laureates, eligible_announced FROM programmes "
                       "WHERE programme_id = 'ptce-2015'").fetchone()
    assert prog == (Decimal("2750000.00"), 125, 99, 14, 85)
    # 771 € apart: within 0.1 %, so no envelope issue
    assert con.execute("SELECT count(*) FROM quality_issues WHERE rule = 'envelope_mismatch'").fetchone() == (0,)
    kinds = con.execute("SELECT grant_kind, count(*) FROM projects WHERE status = 'laureate' GROUP BY 1 ORDER BY 1"
                        ).fetchall()
    assert kinds == [("granted", 9), ("requested", 5)]


def test_ptce_laureates_placed_by_postcode(con):
    rows = con.execute("SELECT postcode, string_agg(department_code, ',' ORDER BY department_code), geo_method "
                       "FROM projects JOIN places USING (place_no) JOIN project_departments USING (project_id) "
                       "WHERE status = 'laureate' GROUP BY ALL ORDER BY postcode").fetchall()
    assert ("23300", "23", "postcode") in rows
    assert ("13004", "13", "postcode") in rows
    assert ("97423", "974", "postcode") in rows
    # '9700 Fort de France' is a misprinted postcode: flagged, and the territory line places it in Martinique
    assert ("9700", "972", "region") in rows
    assert con.execute("SELECT values FROM quality_issues WHERE rule = 'unknown_postcode'").fetchall() == [
        ("9700 Fort de France",)]


def test_every_record_traceable_to_its_lines(con):
    bad = con.execute("SELECT count(*) FROM projects WHERE source_line_start IS NULL OR source_line_end < "
                      "source_line_start").fetchone()
    assert bad == (0,)
    raw = con.execute("SELECT f.raw_value, f.source_line, p.source_file FROM field_sources f JOIN projects p "
                      "USING (project_id) WHERE f.field = 'total_budget'").fetchall()
    assert len(raw) == 14 + 14
    for value, line, file in raw:
        text = (ROOT / "data/raw" / file).read_text(encoding="utf-8").splitlines()
        assert value.strip("* ").split(" de ")[-1].strip("* ") in text[line - 1] or value in text[line - 1]


def test_themes_cover_every_record_and_tag(con):
    assert con.execute("SELECT count(*) FROM projects WHERE project_id NOT IN (SELECT project_id FROM project_themes)"
                       ).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM quality_issues WHERE rule = 'unmapped_tag'").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM themes").fetchone()[0] == 15
    rule = con.execute("SELECT rule FROM project_themes WHERE project_id = 'ptce-2015-l-mobilites-innovantes-en-zone-"
                       "rurale-' || substr(project_id, -6) AND theme_id = 'mobilite'").fetchall()
    assert rule == [] or rule == [("tag:MOBILITÉ",)]
    by_rule = dict(con.execute("SELECT split_part(rule, ':', 1), count(*) FROM project_themes GROUP BY 1").fetchall())
    assert set(by_rule) == {"tag", "keyword"}


def test_map_coverage(con):
    placed = con.execute("SELECT count(*) FROM projects WHERE scope IS NOT NULL").fetchone()[0]
    total = con.execute("SELECT count(*) FROM projects").fetchone()[0]
    assert placed / total >= 0.95
    unresolved = con.execute("SELECT count(*) FROM quality_issues WHERE rule = 'unresolved_location'").fetchone()[0]
    assert unresolved == total - placed


def test_programme_funnels(con):
    acte = con.execute("SELECT funder, year, min_grant_eur, max_grant_eur, rate_cap, rate_cap_priority FROM programmes "
                       "WHERE kind = 'scheme' AND min_grant_eur IS NOT NULL").fetchall()
    assert acte == [("Région Hauts-de-France", 2018, Decimal("15000"), Decimal("60000"), Decimal("0.5"), Decimal("0.6"))]
    calls = con.execute("SELECT year, applications, preselected, supported FROM programmes WHERE funder = "
                        "'Fondation territoriale des lumières' AND year IS NOT NULL ORDER BY year").fetchall()
    assert calls == [(2019, 25, 9, 6), (2020, 18, 8, None), (2021, None, None, None)]


def test_cli_builds_and_prints_summary(tmp_path):
    db = tmp_path / "w.duckdb"
    out = subprocess.run([sys.executable, "-m", "etl", "--db", str(db), "--strict"], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr  # --strict passes on the bundled documents: nothing lost
    assert "Projects: 159; placed on the map: 156/159 (98 %); themed: 159/159 (100 %)" in out.stdout
    assert "ptce_call        99 records  (eligible: announced 85, found 85; laureates: announced 14, found 14)" \
        in out.stdout
    assert "(sheets: announced 13, found 13)" in out.stdout
    assert "(examples: announced 12, found 12; experimentations: announced 9, found 9)" in out.stdout
    assert "fse_exceeds_budget" in out.stdout
    assert "ERRORS" not in out.stdout
    assert duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM projects").fetchone() == (159,)


def test_failed_build_leaves_previous_warehouse(tmp_path, raw_copy):
    db = tmp_path / "w.duckdb"
    ok = subprocess.run([sys.executable, "-m", "etl", "--input", str(raw_copy), "--db", str(db)], cwd=ROOT,
                        capture_output=True, text=True)
    assert ok.returncode == 0
    before = db.read_bytes()
    (raw_copy / "zz_table.csv").write_text("appel;titre;budget_total\nAAP 2026;Un projet;12 OOO €\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "etl", "--input", str(raw_copy), "--db", str(db)], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert "zz_table.csv: 1 row(s) rejected" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".w.duckdb.*.tmp*"))  # the lock file stays (it is the lock)


def test_unreadable_and_unrecognised_documents_are_errors_that_strict_refuses(tmp_path, raw_copy):
    """A binary file among the documents, or a document that names a family without its structure, is skipped and
    reported: the build goes on (nothing already read is lost), prints it in its ERRORS block, and --strict exits 1.
    A Windows-1252 document is read, and its encoding said."""
    (raw_copy / "zz_binary.txt").write_bytes(bytes(range(256)) * 40)
    (raw_copy / "zz_ptce.txt").write_text("Notes sur les PTCE du département.\n", encoding="utf-8")
    sheet = (ROOT / "tests/documents/fse_sheets/fse_2022_pdf_artefacts.txt").read_text(encoding="utf-8")
    (raw_copy / "zz_cp1252.txt").write_bytes(sheet.replace("202204", "209904").replace("►", "-").encode("cp1252"))
    db = tmp_path / "w.duckdb"
    out = subprocess.run([sys.executable, "-m", "etl", "--input", str(raw_copy), "--db", str(db), "--strict"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    assert "zz_binary.txt                    skipped: not a text document" in out.stdout
    assert "zz_ptce.txt                      skipped: names ptce_call's subject but has none of its structure" \
        in out.stdout
    assert "ERRORS: 2 record(s) or document(s)" in out.stdout
    assert "[unreadable_document] zz_binary.txt" in out.stdout
    assert "--strict: 2 extraction or import error(s); exit 1" in out.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM projects").fetchone() == (159 + 3,)
    assert con.execute("SELECT source_file, status, encoding FROM source_documents WHERE source_file LIKE 'zz%' "
                       "ORDER BY 1").fetchall() == [("zz_binary.txt", "skipped", None),
                                                   ("zz_cp1252.txt", "loaded", "cp1252"),
                                                   ("zz_ptce.txt", "skipped", "utf-8")]
    plain = subprocess.run([sys.executable, "-m", "etl", "--input", str(raw_copy), "--db", str(db)], cwd=ROOT,
                           capture_output=True, text=True)
    assert plain.returncode == 0  # without --strict the build succeeds, and says what it could not read
    assert "ERRORS: 2" in plain.stdout


def test_missing_input_folder_is_a_clear_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "etl", "--input", str(tmp_path / "nope"), "--db",
                          str(tmp_path / "w.duckdb")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2
    assert f"{tmp_path / 'nope'}: input folder not found" in out.stderr


def test_unknown_documents_are_skipped_and_reported(tmp_path):
    (tmp_path / "notes.txt").write_text("Compte rendu de réunion.\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "etl", "--input", str(tmp_path), "--db", str(tmp_path / "w.duckdb")],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2
    assert "no document of a known family and no table; nothing to load" in out.stderr
    assert "notes.txt: not a known document family" in out.stderr


def test_pk_is_the_rank_by_budget(con):
    """The read side relies on it: "largest first" lists are ORDER BY pk."""
    by_budget = [r[0] for r in con.execute(
        "SELECT project_id FROM projects ORDER BY budget_eur DESC NULLS LAST, project_id").fetchall()]
    by_pk = [r[0] for r in con.execute("SELECT project_id FROM projects ORDER BY pk").fetchall()]
    assert by_pk == by_budget
    assert con.execute("SELECT min(pk), max(pk), count(DISTINCT pk) FROM projects").fetchone() == (1, 159, 159)


def test_link_views_hold_the_fact_rows(con):
    assert con.execute("SELECT count(*) FROM project_regions").fetchone() == \
        con.execute("SELECT count(*) FROM fact_regions").fetchone()
    assert con.execute("SELECT sum(n_themes) FROM facts").fetchone()[0] == \
        con.execute("SELECT count(*) FROM project_themes").fetchone()[0]


def _corrupt_and_verify(src, tmp_path, statement):
    """A warehouse's rows back in the staging tables, one statement to corrupt them, and the read model written."""
    from etl import read_model, schema
    from etl.errors import EtlError

    db = tmp_path / "w.duckdb"
    c = duckdb.connect(str(db))
    schema.apply(c)
    schema.apply_staging(c)
    schema.macros(c)
    c.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    for t in ("regions", "departments", "themes", "source_documents", "source_lines", "key_figures", "field_sources",
              "programme_sources"):
        c.execute(f"INSERT INTO main.{t} SELECT * FROM src.{t}")
    for t, source in (("stage_programmes", "programmes"), ("stage_places", "places"), ("stage_tag_sets", "tag_sets"),
                      ("stage_projects", "projects"), ("stage_partners", "partners"), ("stage_issues", "quality_issues"),
                      ("stage_cofinancers", "cofinancers"), ("stage_regions", "project_regions"),
                      ("stage_departments", "project_departments"), ("stage_themes", "project_themes")):
        cols = [r[0] for r in c.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                        "ORDER BY column_index", [t]).fetchall()]
        c.execute(f"INSERT INTO {t} BY NAME SELECT {', '.join(chr(34) + x + chr(34) for x in cols)} FROM src.{source}")
    c.execute(statement)
    c.execute("DETACH src")
    try:
        staged = read_model.write(c)
        with pytest.raises(EtlError) as err:
            schema.verify_keys(c, staged)
    finally:
        c.close()
    return str(err.value)


@pytest.mark.parametrize("statement, expected", [
    ("INSERT INTO stage_regions VALUES ('no-such-project', '84')",
     "project_regions: 1 row(s) whose project_id or region_code is unknown"),
    ("INSERT INTO stage_themes SELECT project_id, theme_id, rule FROM stage_themes LIMIT 2",
     "project_themes: 2 duplicate key(s) on (project_id, theme_id)"),
    ("INSERT INTO stage_departments SELECT project_id, '00' FROM stage_projects LIMIT 1",
     "project_departments: 1 row(s) whose project_id or department_code is unknown"),
    ("INSERT INTO stage_cofinancers VALUES ('ghost', 1, 'Région')", "cofinancers.project_id: 1 value(s) not in projects"),
    ("DELETE FROM stage_places WHERE place_no = 1", "projects.place_no: 1 value(s) not in places.place_no"),
    ("INSERT INTO stage_tag_sets SELECT * FROM stage_tag_sets LIMIT 1", "tag_sets: 1 duplicate key(s) on (tag_set_no)"),
])
def test_verify_keys_finds_orphans_and_duplicates(warehouse, tmp_path, statement, expected):
    assert expected in _corrupt_and_verify(warehouse, tmp_path, statement)


def test_documents_give_the_same_rows_whatever_the_hash_seed():
    """Python randomises string hashing per process: no place, theme or issue may depend on a set's order (a place
    spread over two departments once got either of them, from one build to the next)."""
    code = ("import hashlib; from pathlib import Path; from etl.build import BuildReport; from etl.documents import parse_folder, build_tables; "
            "docs = parse_folder(Path('data/raw'), BuildReport(Path('x'))); fr = build_tables(docs); "
            "print(hashlib.sha256(''.join(k + v.to_csv() for k, v in sorted(fr.items())).encode()).hexdigest())")
    out = {seed: subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                                env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(set(out.values())) == 1, out


def test_fact_tables_carry_the_projects_types(con):
    """The fact tables' filter columns and measures have their project's types: a wider type (the union of the
    sources made the amounts DECIMAL(30, 2), 128-bit) slowed every sum over millions of rows."""
    types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'projects'").fetchall())
    assert types["total_budget_eur"] == "DECIMAL(16,2)" and types["year_from"] == "INTEGER"
    for table in ("fact_regions", "fact_departments", "fact_themes", "fact_cofinancers", "fact_issues"):
        carried = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                              "AND column_name IN (SELECT column_name FROM duckdb_columns() WHERE table_name = 'projects')",
                              [table]).fetchall()
        assert len(carried) >= 8, table
        assert [(c, t) for c, t in carried if types[c] != t] == [], table


def test_the_readme_documents_every_environment_variable():
    """One table of settings (common.settings.VARIABLES), the README's table its copy; no other variable read."""
    import re as _re

    from common.settings import VARIABLES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = _re.findall(r"^\| `(ESS_\w+)` \|", readme, flags=_re.M)
    assert documented == [v.name for v in VARIABLES]
    read = set()
    for path in list((ROOT / "etl").rglob("*.py")) + list((ROOT / "analytics").rglob("*.py")) + \
            list((ROOT / "common").rglob("*.py")) + list((ROOT / "app_pages").glob("*.py")) + [ROOT / "dashboard.py"]:
        read |= set(_re.findall(r"\"(ESS_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    assert read <= {v.name for v in VARIABLES}
