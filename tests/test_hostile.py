"""One test per defect found by attacking the write path and the app (issue 15): SQL in a column's name, a
decompression bomb, quoted multi-line cells, CR-only line ends, NUL bytes and UTF-16, two writers, stale answers
after a rebuild, hostile URL parameters, the deck after a rejected-row import, and no user string in SQL text."""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
import threading
import time
import zipfile

import duckdb
import pytest
from openpyxl import Workbook

from etl import importer, lock
from etl.build import build
from etl.errors import EtlError
from tests.conftest import RAW, ROOT

HEADER = "appel;titre;budget_total;description;localisation"


def _preview(data: bytes, name: str):
    pv = importer.preview(data, name)
    return pv


# -- the injection --------------------------------------------------------------------------------------------------
def test_sql_in_a_parquet_column_name_is_a_name_not_sql(tmp_path):
    """A column named to close the cast and read a local file: the column is ignored (it names no field), the
    file's content is nowhere in the warehouse."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    evil = f'titre" AS VARCHAR) AS c1, (SELECT content FROM read_text(\'{secret}\')) AS c9, CAST("titre'
    d = tmp_path / "in"
    d.mkdir()
    c = duckdb.connect()
    c.execute(f"COPY (SELECT 'AAP 2026' AS appel, 'Un projet' AS titre, 'x' AS \"{evil.replace(chr(34), chr(34) * 2)}\") "
              f"TO '{d / 'evil.parquet'}' (FORMAT parquet)")
    c.close()
    db = tmp_path / "w.duckdb"
    build([RAW, d], db)
    with duckdb.connect(str(db), read_only=True) as con:
        hits = con.execute("SELECT count(*) FROM projects WHERE title LIKE '%TOP-SECRET%' OR description LIKE "
                           "'%TOP-SECRET%'").fetchone()[0]
        lines = con.execute("SELECT count(*) FROM source_lines WHERE text LIKE '%TOP-SECRET%'").fetchone()[0]
        assert (hits, lines) == (0, 0)
        assert con.execute("SELECT title FROM projects WHERE source_file = 'evil.parquet'").fetchall() == [("Un projet",)]
    pv = _preview((d / "evil.parquet").read_bytes(), "evil.parquet")
    assert pv.fatal is None and pv.ignored_columns == [evil]


def test_sql_in_a_csv_header_and_cells_is_text(tmp_path):
    header = "appel;titre;\"x'); DROP TABLE projects; --\""
    data = f"{header}\nAAP';\"Titre \"\"cité\"\" ); DELETE FROM projects; --\";1\n".encode()
    pv = _preview(data, "inj.csv")
    assert pv.fatal is None and pv.n_valid == 1
    assert pv.sample[0]["title"] == 'Titre "cité" ); DELETE FROM projects; --'
    assert pv.ignored_columns == ["x'); DROP TABLE projects; --"]


def test_a_row_with_more_cells_than_the_header_is_rejected_not_cut(tmp_path):
    """A separator inside an unquoted cell makes a row longer than the header: it is rejected with its row and its
    extra cells (before: the cells past the header were dropped in silence)."""
    data = (f"{HEADER}\nAAP 2026;Bon;1 000 €;desc;Brest\nAAP 2026;Coupé;2 000 €;une; description;Brest\n"
            f"AAP 2026;Bon aussi;3 000 €\n").encode()
    pv = _preview(data, "long.csv")
    assert (pv.n_rows, pv.n_valid, pv.n_rejected) == (3, 2, 1)
    assert pv.rejected[0]["message"] == ("row 3, #6: 'Brest' holds 1 cell(s) beyond the header's last column: "
                                         "a cell cut in two by a separator?")
    wb = _workbook([["appel", "titre"], ["AAP", "Un", None, None, "loin à droite"], ["AAP", "Deux"]])
    pv = _preview(wb, "long.xlsx")
    assert (pv.n_valid, pv.n_rejected, pv.rejected[0]["value"]) == (1, 1, "loin à droite")


def test_the_warehouse_connection_reads_no_file(warehouse, monkeypatch):
    """The app's connection: read-only and external access off (a query cannot read a local file)."""
    from analytics import db

    monkeypatch.setenv("ESS_WAREHOUSE", str(warehouse))
    with pytest.raises(duckdb.Error):
        db.df("SELECT * FROM read_text('/etc/hostname')")
    with pytest.raises(duckdb.Error):
        db.df("CREATE TABLE x AS SELECT 1")


# -- the bomb -------------------------------------------------------------------------------------------------------
def _workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bomb(inflated_mb: int = 64) -> bytes:
    """A real workbook whose sheet part is padded with spaces: a few hundred kilobytes that inflate to
    ``inflated_mb`` megabytes."""
    src = zipfile.ZipFile(io.BytesIO(_workbook([["appel", "titre"], ["AAP", "Projet"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                with z.open(item.filename, "w", force_zip64=True) as fh:
                    head, tail = data.split(b"<sheetData>", 1)
                    fh.write(head + b"<sheetData>")
                    for _ in range(inflated_mb):
                        fh.write(b" " * (1 << 20))
                    fh.write(tail)
            else:
                z.writestr(item, data)
    return out.getvalue()


def test_an_xlsx_bomb_is_refused_in_seconds_and_little_memory(tmp_path):
    bomb = _bomb(256)
    assert len(bomb) < 2_000_000
    (tmp_path / "bomb.xlsx").write_bytes(bomb)
    code = ("import json, resource, sys, time; from etl import importer; t = time.perf_counter(); "
            "pv = importer.preview(open(sys.argv[1], 'rb').read(), 'bomb.xlsx'); "
            "print(json.dumps({'fatal': pv.fatal, 's': time.perf_counter() - t, "
            "'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "bomb.xlsx")], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    res = json.loads(out.stdout)
    assert "refused as a decompression bomb" in res["fatal"], res
    assert res["s"] < 5 and res["rss_mb"] < 600, res


def test_a_workbook_declaring_too_many_rows_is_refused_before_it_is_read():
    data = _workbook([["appel", "titre"], ["AAP", "Projet"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            part = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B5000000"', part)
            z.writestr(item, part)
    pv = _preview(out.getvalue(), "tall.xlsx")
    assert pv.fatal == "tall.xlsx: the sheet holds 5000000 rows (at most 1048576); save it as CSV"


# -- CSV forms ------------------------------------------------------------------------------------------------------
def test_quoted_multiline_cells_and_short_rows_load(tmp_path):
    """An ordinary spreadsheet export: a multi-line description in quotes, and a row with fewer cells."""
    text = (f'{HEADER}\nAAP 2026;Recyclerie;12 000 €;"Première ligne\nseconde ligne\n\ntroisième";29600 Morlaix\n'
            f"AAP 2026;Épicerie;5 000 €\n")
    d = tmp_path / "in"
    d.mkdir()
    (d / "multi.csv").write_text(text, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    build([RAW, d], db)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT title, description, source_line_start FROM projects WHERE source_file = 'multi.csv' "
                           "ORDER BY 3").fetchall()
    assert rows == [("Recyclerie", "Première ligne\nseconde ligne\n\ntroisième", 2), ("Épicerie", None, 3)]


@pytest.mark.parametrize("newline", ["\r", "\r\n", "mixed"])
def test_cr_only_and_mixed_line_ends_load_and_the_cli_exits_0(tmp_path, newline):
    rows = [HEADER, "AAP 2026;Un;1 000 €;;Lannion", "AAP 2026;Deux;2 000 €;;Brest", "AAP 2026;Trois;3 000 €;;Rennes"]
    text = "\r".join(rows) if newline == "\r" else "\r\n".join(rows) if newline == "\r\n" else \
        rows[0] + "\r" + rows[1] + "\n" + rows[2] + "\r\n" + rows[3] + "\r"
    d = tmp_path / "in"
    d.mkdir()
    (d / "mac.csv").write_bytes(text.encode("utf-8"))
    out = subprocess.run([sys.executable, "-m", "etl", "--input", str(d), "--db", str(tmp_path / "w.duckdb")],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "mac.csv" in out.stdout and "3 records" in out.stdout


def test_a_nul_byte_is_removed_and_said_and_utf16_without_bom_is_read():
    data = f"{HEADER}\nAAP 2026;Un projet\x00;1 000 €;;Lannion\n".encode()
    pv = _preview(data, "nul.csv")
    assert (pv.fatal, pv.n_valid, pv.warnings) == (None, 1, ["the file held 1 NUL byte(s), removed"])
    pv = _preview(f"{HEADER}\nAAP 2026;Crèche;1 000 €;;Lannion\n".encode("utf-16-le"), "utf16.csv")
    assert (pv.fatal, pv.n_valid, pv.sample[0]["title"]) == (None, 1, "Crèche")
    assert pv.warnings == ["the file is UTF-16: read as such"] and pv.encoding == "utf-16-le"


def test_reader_errors_name_the_file_and_never_a_server_path():
    pv = _preview(b'appel;titre\n"AAP;never closed\n' + b"x;y\n" * 3, "open.csv")
    assert pv.fatal is None or ("open.csv" in pv.fatal and "/tmp" not in pv.fatal)
    pv = importer.preview(b"PAR1 not parquet", "bad.parquet", lang="fr")
    assert pv.fatal.replace("\u202f", " ").startswith("bad.parquet : fichier Parquet illisible") and "/tmp" not in pv.fatal


# -- two writers ----------------------------------------------------------------------------------------------------
def test_a_build_waits_for_another_and_no_import_is_lost(tmp_path):
    """An import arrives while a CLI build runs: it waits for the lock, and the warehouse in place at the end holds
    it (before: the CLI build, finishing last, swapped in a warehouse without the import)."""
    raw, imports, db = tmp_path / "raw", tmp_path / "imports", tmp_path / "w.duckdb"
    raw.mkdir()
    imports.mkdir()
    for p in RAW.iterdir():
        (raw / p.name).write_bytes(p.read_bytes())
    from etl import synth

    synth.generate(60_000, raw / "big.csv", seed=3)  # a CLI build of a few seconds
    (raw / "big.csv.accept-valid-rows").touch()  # its rejected rows reported, its valid rows loaded
    cli = subprocess.Popen([sys.executable, "-m", "etl", "--input", str(raw), "--input", str(imports), "--db", str(db),
                            "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the CLI holds the lock
        try:
            with lock.hold(db, wait=False):
                pass
            time.sleep(0.05)
        except EtlError:
            break
    said: list[str] = []
    report = importer.commit(f"{HEADER}\nAAP 2026;Importé pendant la construction;1 000 €;;Brest\n".encode(),
                             "late.csv", imports_dir=imports, raw_dir=raw, db_path=db, on_wait=said.append)
    assert cli.wait(timeout=120) == 0, cli.stderr.read()
    assert said and "another build of this warehouse is running" in said[0]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM projects WHERE source_file = 'late.csv'").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == report.n_projects
    assert not list(tmp_path.glob(".w.duckdb.*.tmp*"))


def test_no_wait_stops_with_a_clear_message_and_exit_3(tmp_path):
    db = tmp_path / "w.duckdb"
    with lock.hold(db):
        out = subprocess.run([sys.executable, "-m", "etl", "--db", str(db), "--no-wait"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    assert "another build of this warehouse is running" in out.stderr and "Traceback" not in out.stderr


def test_a_dead_builds_files_are_removed_by_the_next(tmp_path):
    db = tmp_path / "w.duckdb"
    for pid in (111111, 222222):  # what kill -9 leaves: a temporary warehouse, its WAL, its spill folder
        (tmp_path / f".w.duckdb.{pid}.tmp").write_bytes(b"x" * 1000)
        (tmp_path / f".w.duckdb.{pid}.tmp.wal").write_bytes(b"x")
        (tmp_path / f".w.duckdb.{pid}.tmp.tmp").mkdir()
    build(RAW, db)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".w.duckdb.lock", "w.duckdb"]


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path):
    db = tmp_path / "w.duckdb"
    got: list[str] = []
    with lock.hold(db):
        with lock.hold(db):  # an import holds it across keeping its file and rebuilding
            pass

        def other():
            try:
                with lock.hold(db, wait=False):
                    got.append("taken")
            except EtlError as exc:
                got.append(exc.key)

        th = threading.Thread(target=other)
        th.start()
        th.join()
    assert got == ["etl.lock_busy"]


# -- the app --------------------------------------------------------------------------------------------------------
def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_no_answer_from_an_earlier_build_after_a_rebuild(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db, imports = tmp_path / "w.duckdb", tmp_path / "imports"
    imports.mkdir()
    build([RAW, imports], db)
    monkeypatch.setenv("ESS_WAREHOUSE", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert _metric(at, "Projets") == "159"
    importer.commit(f"{HEADER}\nAAP 2026;Nouveau;1 000 €;;Brest\n".encode(), "new.csv", imports_dir=imports,
                    raw_dir=RAW, db_path=db)
    at.run()  # the next page view, once the rebuild has completed
    assert _metric(at, "Projets") == "160"
    importer.remove("new.csv", imports_dir=imports, raw_dir=RAW, db_path=db)
    fresh = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    fresh.run()
    assert _metric(fresh, "Projets") == "159"


HOSTILE_URLS = [
    {"bmin": "1e400"}, {"bmax": "1e400"}, {"y1": "inf"}, {"y0": "-inf"}, {"y0": "nan"}, {"bmin": "abc"},
    {"bmin": "-5"}, {"bmax": "999999999999999999999"}, {"y0": "99999"}, {"y1": "0"}, {"y0": "2030", "y1": "2001"},
    {"bmin": "900000000", "bmax": "10"}, {"y0": "2016.7"}, {"prog": "<script>alert(1)</script>"},
    {"status": "bogus"}, {"reg": "ZZ"}, {"dep": "999"}, {"theme": "'; DROP TABLE projects; --"},
    {"q": "[lien](http://example.org) **gras** :red[rouge] :material/home:"}, {"q": "x" * 5000}, {"lang": "xx"},
    {"prog": ["a"] * 300}, {"bmin": ""}, {"y0": " 2020 "}, {"q": "%_\\"}, {"reg": "84", "dep": "2A", "theme": "zz"},
]


@pytest.mark.parametrize("query", HOSTILE_URLS, ids=lambda q: "&".join(f"{k}={str(v)[:12]}" for k, v in q.items()))
def test_hostile_url_parameters_never_break_the_app(query, app_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value.startswith("Vue d'ensemble")  # the page rendered
    caption = " ".join(c.value for c in at.caption)
    assert "](http" not in caption.replace("\\]", "").replace("\\(", "(") or "\\[lien\\]" in caption


def test_the_filter_line_shows_a_search_as_typed(app_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["q"] = "[lien](http://example.org)"
    at.run()
    caption = next(c.value for c in at.caption if "Recherche" in c.value)
    assert "\\[lien\\](http" in caption  # Markdown shows the brackets; no link is made


def test_the_deck_builds_after_a_rejected_row_import(tmp_path, monkeypatch):
    from analytics import deck, ui
    from analytics import queries as Q
    from analytics.filters import Filters

    d = tmp_path / "in"
    d.mkdir()
    (d / "rows.csv").write_text(f"{HEADER}\nAAP 2026;Bon;1 000 €;;Brest\nAAP 2026;Mauvais;12 OOO €;;Brest\n",
                                encoding="utf-8")
    db = tmp_path / "w.duckdb"
    build([RAW, d], db, skip_invalid_rows=True)
    monkeypatch.setenv("ESS_WAREHOUSE", str(db))
    for lg in ("fr", "en"):
        slides = deck.build_slides(Filters(), lg, ui.describe, lambda r: ui._rule_label(r, lg), lambda s: s)
        caveats = slides[-2].bullets  # the quality slide, before the sources and method
        assert any("rows.csv" in b for b in caveats), caveats
        assert deck.to_pptx(slides)[:2] == b"PK"
    assert Q.issues_list(Filters(), severities=("error",))["record"].isna().any()


# -- no user string in SQL text -------------------------------------------------------------------------------------
# The expressions the SQL-building code may interpolate into SQL text: names of our own tables, columns, macros and
# prefixes, numbers, and SQL built by our own functions from them. A new one is reviewed here; a value from a file,
# a URL or a form is bound as a parameter instead.
_ALLOWED = re.compile(r"""^(?:
    p|prefix|table|no|key|col|cols|kind|k|i|f|r|c|x|s|source|column|name_col|by|order|direction|tie|where|rows|cte|link
    |extra|measures|carried\(.*\)|_carried\(.*\)|int\(.*\)|len\(.*\)|pos|cond\.format\(f=f\)|problem|raw\[f\]|trimmed\.format\(.*\)
    |_FOLD\.format\(.*\)|AMOUNT|MAX_CELL|MAX_AMOUNT|_BUDGET|S|W|dim|mask|bits|chain|a|b|obj|column|_literal\(.*\)
    |new_ids(\.format\(.*\))?|source_checks\(.*\)|_split\(.*\)|cleaned_sql\(.*\)|_unit_out\(.*\)|_blanks_out\(.*\)
    |'|'\.join\(.*\)|',\ '\.join\(.*\)|'\ '\.join\(.*\)|'\ UNION\ ALL\ '\.join\(.*\)|"\ UNION\ ALL\ "\.join\(.*\)
    |\ ',\ '\.join\(.*\)|marks|head|scope|group|gparams|lim|limit|sql|shift\[.*\]|flagged|rng|nob|part\(.*\)
    |settings\.\w+\(.*\)|\w+\.format\(.*\)|fold_search_sql\(\)\.format\(.*\)|cell_sql\(.*\)|kind_no|what|cur
    |_MASKS.*|alias|column_sql|id_pos|\w+_sql|_KEEP|_FRENCH|_FILTERED_ON|nonblank|raw_col\(f\)|cell|cells|t|progs
    |_CODES|_TRIM|ends|trim_sql\(.*\)
    |_extra_checks\(.*\)|_AMOUNTS|c\('\w+'\)|fund|esf_list|eu|place|word|strict\['share_min'\]|d\['\w+'\]|key|sql|col|_FRANCE|raw\['\w+'\]|first_row
    |'grant_amount'\ if\ f\ ==\ 'grant'\ else\ f
)$""", re.VERBOSE)
_SQL_WORDS = re.compile(r"\b(SELECT|INSERT|CREATE|FROM|WHERE|DROP|ALTER|JOIN|UPDATE|DELETE|SET|COMMENT|IN|AND|OR|"
                        r"CASE|WHEN|ORDER BY|GROUP BY|LIMIT|UNION)\b|^\s*,")
_SQL_PATHS = ["etl/build.py", "etl/read_model.py", "etl/schema.py", "etl/tables", "etl/importer.py", "etl/lock.py",
              "analytics/db.py", "analytics/queries", "analytics/filters.py"]


def _sql_fstrings():
    for base in _SQL_PATHS:
        paths = sorted((ROOT / base).rglob("*.py")) if (ROOT / base).is_dir() else [ROOT / base]
        for path in paths:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                text = "".join(str(v.value) for v in getattr(node, "values", []) if isinstance(v, ast.Constant))
                if isinstance(node, ast.JoinedStr) and _SQL_WORDS.search(text):
                    for v in node.values:
                        if isinstance(v, ast.FormattedValue):
                            yield path.relative_to(ROOT), node.lineno, ast.unparse(v.value)


def test_no_user_string_is_interpolated_into_sql():
    """Every f-string of the SQL-building modules interpolates only reviewed internal names (``_ALLOWED``):
    values from files, URLs and forms are bound parameters."""
    strange = [f"{p}:{line}: {{{expr}}}" for p, line, expr in _sql_fstrings() if not _ALLOWED.match(expr)]
    assert strange == [], "\n".join(strange)


def test_wrong_tokens_make_further_tries_wait(monkeypatch):
    """Three wrong tokens are free; then a session waits 5 s, 10 s…; a try while waiting is not even compared; and
    ten wrong tokens from all sessions in ten minutes make every session wait a minute."""
    from analytics.importing import Throttle

    monkeypatch.setenv("ESS_IMPORT_TOKEN", "the right one")
    th, a, b = Throttle(), {}, {}
    assert [th.check("wrong", a, now=float(i))[0] for i in range(3)] == [False, False, False]
    assert th.check("wrong", a, now=3.0) == (False, 4.0)  # 5 s after the third, not compared meanwhile
    assert th.check("wrong", a, now=7.5) == (False, 10.0)  # the fourth wrong one: 10 s
    assert th.check("the right one", a, now=8.0) == (False, 9.5)  # while waiting, even the right token waits
    assert th.check("the right one", a, now=17.5) == (True, 0.0)
    for i in range(10):  # another session's tries (those it may make): ten wrong tokens in all make everyone wait
        th.check("wrong", b, now=100.0 + 20 * i)
    assert th.wait({}, now=300.0) == 20.0 and th.wait({}, now=321.0) == 0  # a minute after the last (at 260 s)
