"""The warehouse schema, declared once in etl/sql/*.sql and applied once per build, and the checks of its keys.

- 000_staging.sql: the build's staging area (TEMP tables of its connection);
- 010_contract.sql: the contract tables; 020_read_model.sql: the read model; 030_views.sql: the views;
- macros.sql: the SQL side of the parsing and folding rules (TEMP macros of a build's or a preview's connection).
Each column carries its comment (the ``-- …`` beside it in the file), stored in the warehouse's catalogue
(``duckdb_columns().comment``). The keys and references of the large tables are verified set-wise once the
warehouse is filled (``verify_keys``): DuckDB would check declared ones row by row.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from common.text import LIGATURES, fold
from etl.errors import EtlError

SQL_DIR = Path(__file__).resolve().parent / "sql"
WAREHOUSE_FILES = ("010_contract.sql", "020_read_model.sql", "030_views.sql")
REF_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"


_OBJECT = re.compile(r"^CREATE (?:TEMP )?(TABLE|VIEW) (\w+)", re.IGNORECASE)
_TABLE_COLUMN = re.compile(r'^\s+"?(\w+)"?\s+[A-Z][A-Z0-9(), ]*\b.*?--\s*(.+)$')
_VIEW_COLUMN = re.compile(r'^\s*(?:SELECT\s+)?([\w."]+(?:\s+AS\s+(\w+))?)\s*,?\s*--\s*(.+)$', re.IGNORECASE)
_CONTINUED = re.compile(r"^\s+--\s*(.+)$")


def comments(sql: str) -> list[tuple[str, str, str | None, str]]:
    """(kind, object, column or None, comment) of every commented column (and view) of a schema file."""
    out: list[list] = []
    obj = kind = None
    for line in sql.splitlines():
        m = _OBJECT.match(line)
        if m:
            kind, obj = m.group(1).upper(), m.group(2)
            head = line.split("--", 1)
            if kind == "VIEW" and len(head) == 2:
                out.append([kind, obj, None, head[1].strip()])
            continue
        if obj is None:
            continue
        c = _CONTINUED.match(line)
        if c and out and out[-1][1] == obj and out[-1][2]:
            out[-1][3] += " " + c.group(1).strip()
            continue
        rx = _TABLE_COLUMN if kind == "TABLE" else _VIEW_COLUMN
        m = rx.match(line)
        if m and not line.lstrip().startswith(("--", "CHECK", "PRIMARY", "FROM", "JOIN")):
            if kind == "TABLE":
                out.append([kind, obj, m.group(1), m.group(2).strip()])
            else:
                name = m.group(2) or m.group(1).split(".")[-1].strip('"')
                out.append([kind, obj, name, m.group(3).strip()])
        if line.rstrip().endswith(";"):
            obj = None
    return [tuple(x) for x in out]


def _execute(con: duckdb.DuckDBPyConnection, name: str) -> str:
    sql = (SQL_DIR / name).read_text(encoding="utf-8")
    con.execute(sql)
    return sql


def _literal(text: str) -> str:
    """A comment of our own schema files as a SQL string (COMMENT ON takes no parameter)."""
    return "'" + text.replace("'", "''") + "'"


def _comments(sql: str) -> list[str]:
    out = []
    for kind, obj, column, text in comments(sql):  # names and comments from etl/sql/*.sql, never from an input
        out.append(f"COMMENT ON VIEW {obj} IS {_literal(text)}" if column is None
                   else f'COMMENT ON COLUMN {obj}."{column}" IS {_literal(text)}')
    return out


def apply(con: duckdb.DuckDBPyConnection) -> None:
    """Create the warehouse's tables and views (once, in a new file) and store each column's comment, in one
    transaction (a statement each cost 1.3 s for 287 comments in a file database)."""
    statements = [c for name in WAREHOUSE_FILES for c in _comments(_execute(con, name))]
    # the view facts is projects: its columns carry projects' comments
    projects = {c: text for kind, obj, c, text in comments((SQL_DIR / "010_contract.sql").read_text(encoding="utf-8"))
                if obj == "projects" and c}
    statements += [f'COMMENT ON COLUMN facts."{c}" IS {_literal(text)}' for c, text in projects.items()]
    con.execute("BEGIN TRANSACTION;\n" + ";\n".join(statements) + ";\nCOMMIT;")


def apply_staging(con: duckdb.DuckDBPyConnection) -> None:
    _execute(con, "000_staging.sql")


# The tables the documents' rows go to (etl/documents.py): contract tables they alone fill, and staging tables.
LOAD_ORDER = ["regions", "departments", "themes", "source_documents", "document_counts", "source_lines",
              "stage_programmes", "programme_sources", "stage_places", "stage_tag_sets", "stage_projects",
              "stage_regions", "stage_departments", "stage_themes", "stage_cofinancers", "stage_partners",
              "key_figures", "field_sources", "stage_issues"]


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """What a connection that reads and checks tables needs, read before external access is turned off: the
    macros, the status words and the reference tables of places (TEMP: not in the warehouse)."""
    from etl.tables import load

    macros(con)
    load.reference(con)


def macros(con: duckdb.DuckDBPyConnection) -> None:
    """The macros and word tables (TEMP)."""
    chain = "x"
    for a, b in LIGATURES.items():  # our own table of letters (common.text), never an input's text
        chain = f"replace({chain}, '{a}', '{b}')"
    con.execute(f"CREATE OR REPLACE TEMP MACRO ess_ligatures(x) AS {chain}")
    _execute(con, "macros.sql")
    with (REF_DIR / "status_words.csv").open(encoding="utf-8") as fh:
        words = list(csv.DictReader(fh))
    for kind in ("status", "grant_kind"):  # one statement each, the words bound as lists
        mine = [w for w in words if w["kind"] == kind]
        con.execute(f"CREATE OR REPLACE TEMP TABLE ess_{kind} AS SELECT unnest($w) AS word, unnest($v) AS value",
                    {"w": [w["word"] for w in mine], "v": [w["value"] for w in mine]})
    # the European funds by every name they are written with, folded as ess_fold folds a cell ('+' as ' plus ':
    # FSE+ is not FSE)
    pairs = [(fold(a.replace("+", " plus ")), f["fund"]) for f in funds() for a in f["aliases"].split("|")]
    con.execute("CREATE OR REPLACE TEMP TABLE ess_fund AS SELECT DISTINCT unnest($w) AS word, unnest($v) AS value",
                {"w": [w for w, _ in pairs], "v": [v for _, v in pairs]})


def funds() -> list[dict]:
    """The European funds (data/reference/funds.csv): code, ESF family or not, names, labels."""
    with (REF_DIR / "funds.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def esf_funds() -> tuple[str, ...]:
    """The funds whose contribution is the ESF's (projects.fse_amount_eur): FSE, FSE+, IEJ."""
    return tuple(f["fund"] for f in funds() if f["esf_family"] == "yes")


def verify_keys(con: duckdb.DuckDBPyConnection, staged: dict[str, int]) -> None:
    """The keys of the high-volume tables, checked set-wise once the warehouse is filled. The fact tables are built
    by inner joins on the project and on the code, so a link row whose project or code is unknown is missing from
    its fact table: comparing row counts with the staging rows (``staged``) finds it. Duplicates are counted on the
    fact tables' integer keys."""
    def fail(table: str, what: str, n: int) -> None:
        raise EtlError(f"{table}: {n} {what} (an ETL bug: please report it)")

    n_facts, n_ids = con.execute("SELECT count(*), count(DISTINCT project_id) FROM projects").fetchone()
    if n_facts < staged["projects"]:
        fail("projects.programme_id", "value(s) not in programmes.programme_id", staged["projects"] - n_facts)
    if n_ids < n_facts:
        fail("projects", "duplicate key(s) on (project_id)", n_facts - n_ids)
    for table, no in (("places", "place_no"), ("tag_sets", "tag_set_no")):
        dup, orphans = con.execute(f"""SELECT (SELECT count(*) - count(DISTINCT {no}) FROM {table}),
            (SELECT count(*) FROM projects f WHERE {no} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} t
                                                                                  WHERE t.{no} = f.{no}))""").fetchone()
        if dup:
            fail(table, f"duplicate key(s) on ({no})", dup)
        if orphans:
            fail(f"projects.{no}", f"value(s) not in {table}.{no}", orphans)
    for table, col, no in (("regions", "region_code", "region_no"), ("departments", "department_code", "dept_no"),
                           ("themes", "theme_id", "theme_no")):
        n_fact = con.execute(f"SELECT count(*) FROM fact_{table}").fetchone()[0]
        if n_fact < staged[f"project_{table}"]:
            fail(f"project_{table}", f"row(s) whose project_id or {col} is unknown", staged[f"project_{table}"] - n_fact)
        dup = con.execute(f"SELECT count(*) FROM (SELECT pk, {no} FROM fact_{table} GROUP BY ALL HAVING count(*) > 1)"
                          ).fetchone()[0]
        if dup:
            fail(f"project_{table}", f"duplicate key(s) on (project_id, {col})", dup)
    n_fact, dup = con.execute("SELECT count(*), (SELECT count(*) FROM (SELECT pk, position FROM fact_cofinancers "
                              "GROUP BY ALL HAVING count(*) > 1)) FROM fact_cofinancers").fetchone()
    if n_fact < staged["cofinancers"]:
        fail("cofinancers.project_id", "value(s) not in projects.project_id", staged["cofinancers"] - n_fact)
    if dup:
        fail("cofinancers", "duplicate key(s) on (project_id, position)", dup)
    for table in ("partners", "key_figures", "field_sources"):
        key = "field" if table == "field_sources" else "position"
        orphans, dup = con.execute(f"""SELECT
            count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM projects f WHERE f.project_id = t.project_id)),
            (SELECT count(*) FROM (SELECT project_id, {key} FROM {table} GROUP BY ALL HAVING count(*) > 1))
            FROM {table} t""").fetchone()
        if orphans:
            fail(f"{table}.project_id", "value(s) not in projects.project_id", orphans)
        if dup:
            fail(table, f"duplicate key(s) on (project_id, {key})", dup)
    orphans = con.execute("SELECT count(*) FROM programme_sources s WHERE NOT EXISTS "
                          "(SELECT 1 FROM programmes g WHERE g.programme_id = s.programme_id)").fetchone()[0]
    if orphans:
        fail("programme_sources.programme_id", "value(s) not in programmes.programme_id", orphans)
    dup, orphans, prog_orphans = con.execute("""SELECT count(*) - count(DISTINCT issue_id),
        count(*) FILTER (WHERE project_id IS NOT NULL AND pk IS NULL),
        count(*) FILTER (WHERE issue_programme_id IS NOT NULL AND issue_programme_id NOT IN (SELECT programme_id FROM programmes))
        FROM fact_issues""").fetchone()
    if dup:
        fail("quality_issues", "duplicate key(s) on (issue_id)", dup)
    if orphans:
        fail("quality_issues.project_id", "value(s) not in projects.project_id", orphans)
    if prog_orphans:
        fail("quality_issues.programme_id", "value(s) not in programmes.programme_id", prog_orphans)
