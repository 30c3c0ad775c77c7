"""One rule in one place: each rule that exists in Python (the documents' parsers, the search box) and in SQL (the
import's macros, the search column) runs through both sides on one table of cases (tests/parity_cases.csv). A case
marked ``both`` must give the same result on each side; ``python`` or ``sql``: a form only that side reads (a
document's amount in words, a bare number in an amount column), checked against its expected value all the same."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.contract import STATUSES
from common.text import fold, fold_search
from etl import clean, quality, schema, themes
from etl.models import Project
from etl.read_model import fold_search_sql
from etl.tables.check import cell_sql
from etl.tables.load import source_checks

CASES = Path(__file__).with_name("parity_cases.csv")


def _cases() -> list[dict]:
    with CASES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:  # \uXXXX in a case: the character (a decomposed accent cannot be typed in the file)
        r["input"] = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), r["input"])
    return rows


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    schema.macros(c)
    yield c
    c.close()


def _python(rule: str, text: str):
    if rule == "amount":
        return clean.parse_amount(text)
    if rule == "rate":
        return clean.parse_rate(text)
    if rule == "date":
        return clean.parse_date(text)
    if rule == "fold":
        return fold(text)
    if rule == "slug":
        return clean.slug(text, 10 ** 6)
    if rule == "search":
        return fold_search(text)
    if rule == "checks":
        return _python_checks(text)
    if rule == "themes":
        title, desc = (text.split(" // ", 1) + [""])[:2]
        return ";".join(f"{th}={r}" for th, r in sorted(themes.assign([], f"{title} {desc}", title=title)[0]))
    raise AssertionError(rule)


def _values(text: str) -> dict:
    kv = dict(part.split("=", 1) for part in text.split(";") if part)
    out = {k: Decimal(v) for k, v in kv.items() if k in ("budget", "fse", "rate", "grant")}
    out.update({k: date.fromisoformat(v) for k, v in kv.items() if k in ("start", "end")})
    return out


def _python_checks(text: str) -> str:
    v = _values(text)
    p = Project(key="k", programme_key="p", title="t", status="funded", line_start=1, line_end=1, total_budget_eur=v.get("budget"),
                fse_amount_eur=v.get("fse"), fse_rate_stated=v.get("rate"), grant_amount_eur=v.get("grant"),
                start_date=v.get("start"), end_date=v.get("end"))
    return "|".join(sorted(i.rule for i in quality.check_project(p)))


def _sql(con, rule: str, text: str):
    if rule in ("amount", "rate", "date"):
        return con.execute(f"SELECT {cell_sql(rule, '$x')}", {"x": text}).fetchone()[0]
    if rule == "fold":
        return con.execute("SELECT ess_fold($x)", {"x": text}).fetchone()[0]
    if rule == "slug":
        return con.execute("SELECT ess_slug($x)", {"x": text}).fetchone()[0]
    if rule == "search":
        return con.execute(f"SELECT {fold_search_sql().format(x='lower($x)')}", {"x": text}).fetchone()[0]
    if rule == "checks":
        v = _values(text)
        con.execute("CREATE OR REPLACE TEMP TABLE t AS SELECT 'k' AS project_id, 2 AS row_no, "
                    "$budget::DECIMAL(20, 2) AS total_budget, $fse::DECIMAL(20, 2) AS fse_amount, "
                    "$rate::DECIMAL(12, 6) AS fse_rate, $grant::DECIMAL(20, 2) AS grant, $start::DATE AS start_date, "
                    "$end::DATE AS end_date", {k: v.get(k) for k in ("budget", "fse", "rate", "grant", "start", "end")})
        rules = con.execute(f"SELECT rule FROM ({source_checks('t')})", {"rate_tolerance": quality.RATE_TOLERANCE})
        return "|".join(sorted(r[0] for r in rules.fetchall()))
    if rule == "themes":
        title, desc = (text.split(" // ", 1) + [""])[:2]
        con.execute("CREATE OR REPLACE TEMP TABLE texts AS SELECT 1 AS text_key, $t AS title, $d AS description",
                    {"t": title.strip(), "d": desc})
        sql, params = themes.text_themes_sql("texts")
        return ";".join(f"{th}={r}" for th, r in sorted(con.execute(f"SELECT theme_id, rule FROM ({sql})", params)
                                                         .fetchall()))
    if rule == "status":
        return (con.execute("SELECT value FROM ess_status WHERE word = strip_accents(lower($x))", {"x": text}).fetchone()
                or [None])[0]
    raise AssertionError(rule)


def _expected(rule: str, text: str):
    if rule in ("amount", "rate"):
        return Decimal(text) if text else None
    if rule == "date":
        return date.fromisoformat(text) if text else None
    if rule == "status":
        return text or None
    return text


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (Decimal, float)) or isinstance(b, (Decimal, float)):
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['rule']}:{c['input'][:30]}")
def test_both_sides_give_the_same_result(con, case):
    rule, expected, sides = case["rule"], _expected(case["rule"], case["expected"]), case["sides"]
    if sides in ("both", "python"):
        got = _python(rule, case["input"])
        assert _same(got, expected), f"Python: {got!r} != {expected!r}"
    if sides in ("both", "sql"):
        got = _sql(con, rule, case["input"])
        assert _same(got, expected), f"SQL: {got!r} != {expected!r}"


def test_the_table_covers_every_rule_on_both_sides():
    both = {c["rule"] for c in _cases() if c["sides"] == "both"}
    assert both == {"amount", "rate", "date", "fold", "slug", "search", "checks", "themes"}


def test_one_list_of_statuses(con):
    """The statuses of the contract are the ones the warehouse accepts, the import's words map to, and the app
    labels: a status added in one place and not the others fails here."""
    from analytics.i18n import t

    assert {r[0] for r in con.execute("SELECT DISTINCT value FROM ess_status").fetchall()} <= set(STATUSES)
    w = duckdb.connect()
    schema.apply(w)
    check = w.execute("SELECT expression FROM duckdb_constraints() WHERE table_name = 'projects' "
                      "AND constraint_type = 'CHECK' AND expression LIKE '%status IN%'").fetchone()[0]
    assert set(re.findall(r"'(\w+)'", check)) == set(STATUSES)
    for s in STATUSES:
        assert t(f"status_{s}", "fr") != f"status_{s}" and t(f"status_{s}", "en") != f"status_{s}"


def test_search_folding_agrees_on_every_character(con):
    """Every character a title may hold folds the same way in the search column (SQL) and in the search box (the
    characters Python's Unicode database knows: DuckDB's is newer)."""
    import unicodedata

    chars = [chr(cp) for cp in range(0x20, 0x30000)
             if not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)) != "Cn"]
    got = con.execute(f"SELECT list({fold_search_sql().format(x='lower(c)')} ORDER BY i) FROM "
                      f"(SELECT unnest($c) AS c, generate_subscripts($c, 1) AS i)", {"c": chars}).fetchone()[0]
    differ = [c for c, s in zip(chars, got) if fold_search(c) != s]
    assert differ == [], differ[:40]


_WORDS = ["bio", "Cuisine", "jardins", "transport", "mobilité", "réemploi", "déchets", "insertion", "emploi", "chômage",
          "numérique", "culture", "art", "énergie", "logement", "santé", "jeunes", "formation", "tourisme", "tiers-lieu",
          "forêt", "Œuvre", "épicerie solidaire", "l'", "de", "et", ",", "x", "2026"]


@settings(max_examples=150, deadline=None)
@given(title=st.lists(st.sampled_from(_WORDS), max_size=5), desc=st.lists(st.sampled_from(_WORDS), max_size=25))
def test_keyword_themes_agree_on_any_text(con, title, desc):
    """Random texts of the taxonomy's words: the import's SQL and the documents' Python give the same themes."""
    case = f"{' '.join(title)} // {' '.join(desc)}"
    assert _sql(con, "themes", case) == _python("themes", case)
