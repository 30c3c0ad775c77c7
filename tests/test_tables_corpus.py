"""Published files written for the tests by someone who never saw the import's code (tests/tables/, see its README):
three EU lists of operations 2014-2020, three of 2021-2027 and three SCDL grants files in CSV (';' and ',', UTF-8 and
Windows-1252) and XLSX (numbers and dates as cells, a title above the header), each with the values expected field
by field (NAME.expected.csv). Every field must be right: title, beneficiary, SIREN, budget, EU rate and amount, fund,
a beneficiary's share of a grant, region and department."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import pytest

from etl.build import build

HERE = Path(__file__).with_name("tables")
FIELDS = ["title", "lead_org", "siren", "total_budget_eur", "eu_rate", "eu_amount_eur", "fund", "grant_amount_eur",
          "region_code", "department_code"]
FILES = sorted(p for p in HERE.iterdir() if p.suffix in (".csv", ".xlsx") and not p.name.endswith(".expected.csv"))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    d = tmp_path_factory.mktemp("tables")
    for p in FILES:
        shutil.copy(p, d / p.name)
    db = d / "w.duckdb"
    build([d], db)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _same(want: str, have: str) -> bool:
    if want == have:
        return True
    try:
        return Decimal(want) == Decimal(have)
    except (InvalidOperation, ValueError):
        return False


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_field_of_a_published_file_is_right(loaded, path):
    expected = list(csv.DictReader(path.with_name(path.stem + ".expected.csv").open(encoding="utf-8")))
    rows = loaded.execute("""
        SELECT p.title, p.lead_org, p.lead_org_siren, p.total_budget_eur, p.eu_rate, p.eu_amount_eur, p.fund,
               p.grant_amount_eur,
               (SELECT string_agg(region_code, '|' ORDER BY region_code) FROM project_regions r
                WHERE r.project_id = p.project_id),
               (SELECT string_agg(department_code, '|' ORDER BY department_code) FROM project_departments d
                WHERE d.project_id = p.project_id)
        FROM projects p WHERE source_file = ? ORDER BY source_line_start""", [path.name]).fetchall()
    assert len(rows) == len(expected)
    misses = [f"row {i + 1} {f}: expected {e[f]!r}, got {v!r}" for i, (e, got) in enumerate(zip(expected, rows))
              for f, v in zip(FIELDS, got) if not _same((e[f] or "").strip(), "" if v is None else str(v))]
    assert misses == []
