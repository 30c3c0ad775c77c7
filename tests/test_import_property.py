"""Property tests of the import path (the same stage the build runs): generated hostile CSV, XLSX and Parquet files
give a clear message or a correct load, never an exception; well-formed CSV files round-trip exactly."""

from __future__ import annotations

import csv
import io
import math
import os
from datetime import date, datetime

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from etl import importer

# CI: 40 examples each, the same ones every run. ESS_FUZZ=N: N random examples each (a fuzzing session, not CI).
SETTINGS = settings(max_examples=int(os.environ.get("ESS_FUZZ") or 40), deadline=None, derandomize=not os.environ.get("ESS_FUZZ"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
HEADERS = ["appel", "titre", "budget_total", "montant_fse", "taux_fse", "date_debut", "statut", "localisation",
           "themes", "identifiant", "description", "année"]
NASTY = ['"', "'", ";", ",", "\t", "\n", "\r", "\r\n", "\x00", "\\", "€", "é", "\u202f", "\ufeff", "😀", "%", "_",
         "--", "/*", "); DROP TABLE projects; --", "$1", "?", "NULL", "1e400", "inf", "-", " "]
cell = st.one_of(st.text(max_size=30), st.sampled_from(NASTY),
                 st.lists(st.sampled_from(NASTY + ["a", "1", "2 000 €", "12/07/2021"]), max_size=6).map("".join),
                 st.sampled_from(["245 300 €", "1,5 M€", "50 %", "01/07/2020", "lauréat", "29600 Morlaix", "x" * 6000]))


def _check(pv, name: str) -> None:
    """A clear message naming the file, or rows counted right; never an exception (the call itself returning)."""
    if pv.fatal is not None:
        assert pv.fatal.startswith(name.split(".")[0]) and "Traceback" not in pv.fatal and "/tmp/" not in pv.fatal
    else:
        assert pv.n_valid + pv.n_rejected == pv.n_rows and pv.n_rows >= 1
        assert all(r["message"] for r in pv.rejected)


@SETTINGS
@given(header=st.lists(st.one_of(st.sampled_from(HEADERS), cell), min_size=1, max_size=8),
       rows=st.lists(st.lists(cell, max_size=10), max_size=6),
       delim=st.sampled_from([";", ",", "\t", "|"]), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"]),
       cut=st.integers(min_value=0, max_value=40))
def test_hostile_csv_gives_a_message_or_a_load(header, rows, delim, newline, encoding, cut):
    text = newline.join(delim.join(r) for r in [header, *rows])
    data = text.encode(encoding, errors="replace")
    if cut:
        data = data[:-cut]  # a file cut short, maybe in a character
    _check(importer.preview(data, "hostile.csv"), "hostile.csv")


@SETTINGS
@given(rows=st.lists(st.tuples(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
                               st.integers(min_value=0, max_value=10 ** 9)), min_size=1, max_size=8),
       delim=st.sampled_from([";", ","]), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_well_formed_csv_round_trips(rows, delim, newline):
    """What a spreadsheet writes (cells quoted where needed, line breaks in cells) is read back exactly."""
    rows = [(t, b) for t, b in rows if t.strip(" ")]
    if not rows:
        return
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator=newline)
    w.writerow(["appel", "identifiant", "titre", "budget_total"])
    for i, (title, budget) in enumerate(rows):
        w.writerow(["AAP", f"R{i}", title, f"{budget} €"])
    pv = importer.preview(buf.getvalue().encode("utf-8"), "ok.csv")
    assert pv.fatal is None and (pv.n_rows, pv.n_valid) == (len(rows), len(rows)), (pv.fatal, pv.rejected[:3])
    assert [s["title"] for s in pv.sample] == [t.strip(" ") for t, _ in rows]  # free text: plain spaces trimmed
    assert [float(s["total_budget"]) for s in pv.sample] == [float(b) for _, b in rows]


xlsx_value = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10 ** 20, max_value=10 ** 20),
                       st.floats(allow_nan=True, allow_infinity=True),
                       st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
                       st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
                       st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30), st.sampled_from(NASTY[:5]))


@SETTINGS
@given(header=st.lists(st.one_of(st.sampled_from(HEADERS), xlsx_value), min_size=1, max_size=8),
       rows=st.lists(st.lists(xlsx_value, max_size=12), max_size=8), blank_top=st.integers(0, 2))
def test_hostile_xlsx_gives_a_message_or_a_load(header, rows, blank_top):
    wb = Workbook()
    ws = wb.active
    for _ in range(blank_top):
        ws.append([])
    for r in [header, *rows]:
        ws.append([v.replace("\x00", "") if isinstance(v, str) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    _check(importer.preview(buf.getvalue(), "hostile.xlsx"), "hostile.xlsx")


parquet_type = st.sampled_from(["VARCHAR", "BIGINT", "DOUBLE", "DATE", "BOOLEAN", "DECIMAL(18, 3)", "VARCHAR[]",
                                "STRUCT(a INTEGER, b VARCHAR)", "BLOB", "TIMESTAMP"])


@SETTINGS
@given(columns=st.lists(st.tuples(st.one_of(st.sampled_from(HEADERS), st.text(min_size=1, max_size=30)), parquet_type),
                        min_size=1, max_size=6, unique_by=lambda c: c[0].lower()),
       n=st.integers(0, 5), seed=st.integers(0, 1000))
def test_hostile_parquet_gives_a_message_or_a_load(tmp_path_factory, columns, n, seed):
    path = tmp_path_factory.mktemp("pq") / "hostile.parquet"
    con = duckdb.connect()
    try:
        cols = ", ".join(f"(CASE WHEN hash(i, {seed}, {k}) % 5 = 0 THEN NULL ELSE "
                         f"{_value(t, k)} END)::{t} AS \"{name.replace(chr(34), chr(34) * 2)}\""
                         for k, (name, t) in enumerate(columns))
        con.execute(f"COPY (SELECT {cols} FROM range({n}) t(i)) TO '{path}' (FORMAT parquet)")
    except duckdb.Error:
        return  # a column name DuckDB itself cannot write: nothing to import
    finally:
        con.close()
    _check(importer.preview(path.read_bytes(), "hostile.parquet"), "hostile.parquet")


def _value(t: str, k: int) -> str:
    return {"VARCHAR": "'v' || i || '; \"'' é'", "BIGINT": f"i * {k + 1}", "DOUBLE": "i / 3.0",
            "DATE": "DATE '2020-01-01' + i::INTEGER", "BOOLEAN": "i % 2 = 0", "DECIMAL(18, 3)": "i * 1.5",
            "VARCHAR[]": "['a', 'b;c']", "STRUCT(a INTEGER, b VARCHAR)": "{'a': i::INTEGER, 'b': 'x'}",
            "BLOB": "'\\xAA\\xFF'::BLOB", "TIMESTAMP": "TIMESTAMP '2020-01-01 10:00:00'"}[t]


def test_the_property_tests_are_bounded():
    assert os.environ.get("ESS_FUZZ") or SETTINGS.max_examples <= 50 and math.isfinite(SETTINGS.max_examples)
