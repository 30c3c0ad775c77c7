"""Project records from spreadsheets (CSV, XLSX or Parquet; French or English column names).

The format is described by data/reference/import_columns.csv (also the template and the
README's data dictionary). Tables are checked and loaded set-wise in DuckDB, so a file of
ten million rows goes through the same path as a user's ten-row file: values are parsed by
SQL macros, every problem is a row of a problems table, places and themes are resolved once
per *distinct* value in Python and joined back.

A row with a problem (wrong type, unknown status, negative or absurd amount, bad date,
duplicate id, huge cell, missing title) is *rejected*: reported with its row number, column and
value, never half-loaded. Inconsistencies between valid values (FSE above budget, ...) load and
become quality issues like those of the documents.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from etl import geo, themes
from etl.clean import fold, key_slug, slug
from etl.models import LocationHint

FAMILY = "table"
SUFFIXES = {".csv", ".xlsx", ".parquet"}
REF = Path(__file__).resolve().parent.parent / "data" / "reference" / "import_columns.csv"
MAX_CELL = 5_000                 # characters in one cell
MAX_AMOUNT = 10_000_000_000      # 10 G€: above this an amount is a typing error
SMALL_DECODE = 64 * 1024 * 1024  # below this size a CSV's encoding is checked (and converted) in Python
DETAIL_ROWS = 20_000             # tables up to this size also keep their text and per-field sources
# what etl.pipeline.build_facts reads of a loaded table: the views {prefix}_projects and {prefix}_keys, the tables they
# read, and the links of each key: place (geo_link), themes (theme_link), cofinancers and partners (see load)
KEPT = ("ok", "prog", "geo", "tagset", "textkey", "geo_link", "theme_link", "cofinancers_set", "cofinancers_link",
        "partners_set", "partners_link")

STATUS_WORDS = {
    "funded": "funded", "finance": "funded", "financee": "funded", "retenu": "funded",
    "laureate": "laureate", "laureat": "laureate", "laureats": "laureate",
    "eligible": "eligible", "example": "example", "exemple": "example", "experimentation": "experimentation",
    "initiative": "initiative", "supported": "supported", "soutenu": "supported", "soutenue": "supported",
}
GRANT_KINDS = {"granted": "granted", "accordee": "granted", "accorde": "granted",
               "requested": "requested", "demandee": "requested", "demande": "requested"}


class TableError(Exception):
    """The file as a whole cannot be read (encoding, empty, missing required columns)."""


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        v = self.value if len(self.value) <= 40 else self.value[:39] + "…"
        return f"row {self.row}, {self.column}: '{v}' {self.message}" if self.column else f"row {self.row}: {self.message}"


@dataclass
class Staged:
    """A table read into temporary DuckDB tables ``{prefix}_raw``, ``{prefix}_typed`` and ``{prefix}_problems``."""

    name: str
    prefix: str
    n_rows: int
    columns: dict[str, str]  # field -> column as printed
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    warnings: list[RowProblem] = field(default_factory=list)
    n_rejected_rows: int = 0
    n_problems: int = 0
    sha256: str = ""


@lru_cache(maxsize=1)
def dictionary() -> list[dict]:
    with REF.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _alias_map() -> dict[str, str]:
    return {fold(a).replace(" ", "_"): d["field"] for d in dictionary() for a in d["aliases"].split("|")}


# -- reading --------------------------------------------------------------------------------------------------------
def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV and its encoding: UTF-8 (BOM or not) or UTF-16 with BOM; Windows-1252 (Excel's French
    'CSV séparateur point-virgule') is accepted and said."""
    if not data.strip():
        raise TableError(f"{name}: the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise TableError(f"{name}: not a text file (binary content); save it as CSV (UTF-8) or XLSX")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        try:
            return data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            raise TableError(f"{name}, line {line}: not UTF-8 text (byte {exc.start}); save the file as "
                             f"'CSV UTF-8' or XLSX") from exc


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ";")) if any(counts.values()) else ","


def _xlsx_cell(v) -> str:
    """A workbook value as text the SQL parsers read without ambiguity (decimal comma, ISO dates)."""
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()[:10]
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        d = Decimal(repr(v))
        return str(int(d)) if d == d.to_integral_value() else format(d, "f").replace(".", ",")
    return str(v)


def _xlsx_rows(data: bytes, name: str) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    if not data:
        raise TableError(f"{name}: the file is empty")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    rows = [[_xlsx_cell(v) for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def _map_columns(header: list[str], name: str) -> tuple[dict[str, int], dict[str, str], list[str]]:
    aliases = _alias_map()
    idx: dict[str, int] = {}
    printed: dict[str, str] = {}
    ignored = []
    for i, h in enumerate(header):
        f = aliases.get(fold(h or "").replace(" ", "_"))
        if f and f not in idx:
            idx[f], printed[f] = i, h.strip()
        elif (h or "").strip():
            ignored.append(h.strip())
    missing = [d["field"] for d in dictionary() if d["required"] == "yes" and d["field"] not in idx]
    if missing:
        raise TableError(f"{name}: missing required column(s): {', '.join(missing)} "
                         f"(columns found: {', '.join(h.strip() for h in header if h and h.strip()) or 'none'})")
    return idx, printed, ignored


def _macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(r"""
        CREATE OR REPLACE TEMP MACRO ess_num(s) AS (CASE
            WHEN regexp_full_match(s, '-?\d+') THEN TRY_CAST(s AS DECIMAL(20, 2))
            WHEN regexp_full_match(s, '-?\d{1,3}(\.\d{3})+(,\d+)?') THEN TRY_CAST(replace(replace(s, '.', ''), ',', '.') AS DECIMAL(20, 2))
            WHEN regexp_full_match(s, '-?\d{1,3}(,\d{3})+(\.\d+)?') THEN TRY_CAST(replace(s, ',', '') AS DECIMAL(20, 2))
            WHEN regexp_full_match(s, '-?\d+(,\d+)?') THEN TRY_CAST(replace(s, ',', '.') AS DECIMAL(20, 2))
            WHEN regexp_full_match(s, '-?\d+(\.\d+)?') THEN TRY_CAST(s AS DECIMAL(20, 2))
            ELSE NULL END);
        CREATE OR REPLACE TEMP MACRO ess_amount_c(c) AS (CASE
            WHEN c IS NULL OR c = '' THEN NULL
            WHEN NOT regexp_matches(c, '[^0-9]') THEN TRY_CAST(c AS DECIMAL(20, 2))
            WHEN regexp_matches(c, '\d(k€|keur|k)$') THEN ess_num(regexp_replace(c, '(k€|keur|k)$', '')) * 1000
            WHEN regexp_matches(c, '\d(m€|meur|m)$') THEN ess_num(regexp_replace(c, '(m€|meur|m)$', '')) * 1000000
            ELSE ess_num(c) END);
        CREATE OR REPLACE TEMP MACRO ess_rate_c(c) AS (CASE
            WHEN c IS NULL OR c = '' THEN NULL
            WHEN regexp_full_match(c, '-?\d+([.,]\d+)?%') THEN TRY_CAST(replace(rtrim(c, '%'), ',', '.') AS DECIMAL(12, 6)) / 100
            WHEN regexp_full_match(c, '-?\d+([.,]\d+)?') THEN (CASE
                WHEN TRY_CAST(replace(c, ',', '.') AS DECIMAL(12, 6)) > 1 THEN TRY_CAST(replace(c, ',', '.') AS DECIMAL(12, 6)) / 100
                ELSE TRY_CAST(replace(c, ',', '.') AS DECIMAL(12, 6)) END)
            ELSE NULL END);
        CREATE OR REPLACE TEMP MACRO ess_date(x) AS (CASE
            WHEN x IS NULL THEN NULL
            WHEN length(x) = 10 THEN coalesce(try_strptime(x, '%d/%m/%Y'), try_strptime(x, '%Y-%m-%d'),
                                              try_strptime(x, '%d.%m.%Y'), try_strptime(x, '%d-%m-%Y'))
            WHEN length(x) = 8 THEN coalesce(try_strptime(x, '%d/%m/%y'), try_strptime(x, '%d.%m.%y'))
            WHEN regexp_full_match(x, '\d{1,2}[/.-]\d{1,2}[/.-]\d{4}') THEN try_strptime(regexp_replace(x, '[.-]', '/', 'g'), '%d/%m/%Y')
            WHEN regexp_full_match(x, '\d{4}-\d{2}-\d{2}[ T].*') THEN try_strptime(left(x, 10), '%Y-%m-%d')
            ELSE NULL END)::DATE;
        CREATE OR REPLACE TEMP MACRO ess_fold(x) AS trim(regexp_replace(strip_accents(lower(replace(trim(x), 'œ', 'oe'))), '[^a-z0-9]+', ' ', 'g'));
        CREATE OR REPLACE TEMP MACRO ess_slug(x) AS trim(regexp_replace(strip_accents(lower(replace(x, 'œ', 'oe'))), '[^a-z0-9]+', '-', 'g'), '-');
        CREATE OR REPLACE TEMP MACRO ess_slug_id(x) AS (CASE  -- an identifier already made of letters, digits and single dashes: lower case
            WHEN regexp_full_match(x, '[A-Za-z0-9]+(-[A-Za-z0-9]+)*') THEN lower(x) ELSE ess_slug(x) END);
        CREATE OR REPLACE TEMP MACRO ess_eur(v) AS replace(format('{:,.0f}', v::DOUBLE), ',', ' ') || ' €';
    """)
    for kind, words in (("status", STATUS_WORDS), ("grant_kind", GRANT_KINDS)):  # folded word -> value
        con.execute(f"CREATE OR REPLACE TEMP TABLE ess_{kind} AS SELECT * FROM (VALUES "
                    + ", ".join(f"('{k}', '{v}')" for k, v in words.items()) + ") t(word, value)")


def stage(con: duckdb.DuckDBPyConnection, data: bytes | Path, name: str, prefix: str = "t0") -> Staged:
    """Read ``data`` (bytes, or a path for large files) into temporary tables and check every row."""
    import hashlib

    _macros(con)
    suffix = Path(name).suffix.lower()
    path = data if isinstance(data, Path) else None
    size = path.stat().st_size if path else len(data)
    enc = "utf-8"
    warnings: list[RowProblem] = []
    with tempfile.TemporaryDirectory() as tmp:
        if suffix == ".xlsx":
            rows = _xlsx_rows(path.read_bytes() if path else data, name)
            while rows and not any(c.strip() for c in rows[0]):
                rows = rows[1:]
            if not rows:
                raise TableError(f"{name}: the file is empty")
            header = rows[0]
            width = len(header)
            df = pd.DataFrame([(r + [""] * width)[:width] for r in rows[1:]], columns=[f"c{i}" for i in range(width)],
                              dtype="string")
            con.register(f"{prefix}_df", df)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_raw AS SELECT * FROM {prefix}_df")
            con.unregister(f"{prefix}_df")
            enc = "xlsx"
        elif suffix == ".parquet":
            src = path or Path(tmp) / "in.parquet"
            if not path:
                src.write_bytes(data)
            try:
                header = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(src)]).fetchall()]
            except duckdb.Error as exc:
                raise TableError(f"{name}: not a readable Parquet file ({type(exc).__name__})") from exc
            cols = ", ".join(f'CAST("{h}" AS VARCHAR) AS c{i}' for i, h in enumerate(header))
            con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_raw AS SELECT {cols} FROM read_parquet(?)", [str(src)])
            enc = "parquet"
        else:
            if path is None or size <= SMALL_DECODE:
                raw = path.read_bytes() if path else data
                text, enc = decode(raw, name)
                if enc == "windows-1252":
                    warnings.append(RowProblem(1, "", "", "the file is not UTF-8: read as Windows-1252 (Excel's French CSV)"))
                src = Path(tmp) / "in.csv"
                src.write_text(text.lstrip("\ufeff"), encoding="utf-8")
                first = text.lstrip("\ufeff").split("\n", 1)[0]
            else:
                src = path
                with path.open("rb") as fh:
                    head = fh.read(65536)
                if b"\x00" in head[:4096]:
                    raise TableError(f"{name}: not a text file (binary content); save it as CSV (UTF-8) or XLSX")
                first = head.decode("utf-8-sig", errors="replace").split("\n", 1)[0]
            first = first.rstrip("\r")
            if not first.strip():
                raise TableError(f"{name}: the file is empty")
            delim = _delimiter(first)
            header = next(csv.reader([first], delimiter=delim))
            names = [f"c{i}" for i in range(len(header))]
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_raw AS SELECT * FROM read_csv(?, delim = ?, "
                            "header = true, all_varchar = true, quote = '\"', escape = '\"', null_padding = true, "
                            "strict_mode = false, names = ?, ignore_errors = false)", [str(src), delim, names])
            except duckdb.InvalidInputException as exc:
                msg = str(exc).split("\n")[0]
                raise TableError(f"{name}: the CSV cannot be read: {msg[:300]}") from exc
        idx, printed, ignored = _map_columns(header, name)
    st = Staged(name=name, prefix=prefix, n_rows=0, columns=printed, ignored_columns=ignored, encoding=enc,
                warnings=warnings)
    _typed(con, st, idx)  # one row per row with a value
    st.n_rows = con.execute(f"SELECT count(*) FROM {prefix}_typed").fetchone()[0]
    if st.n_rows == 0:
        raise TableError(f"{name}: the header is there but no data row")
    st.n_problems, st.n_rejected_rows = con.execute(
        f"SELECT count(*), count(DISTINCT row_no) FROM {prefix}_problems").fetchone()
    if path is not None and size > SMALL_DECODE:
        st.sha256 = f"size={size}"
    else:
        st.sha256 = hashlib.sha256(path.read_bytes() if path else data).hexdigest()
    return st


def _stem(name: str) -> str:
    """The file's part of its projects' keys (letters, digits and dashes only)."""
    return slug(Path(name).stem, 24) or "import"


def _raw_col(field: str) -> str:
    """The column of ``{p}_typed`` holding a field's text as printed (trimmed): ``raw_{field}`` beside the parsed
    value, or the field itself for text taken as it is (stored once: copying them cost a third of the typing)."""
    kind = next(d["type"] for d in dictionary() if d["field"] == field)
    return field if kind in ("text", "list") and field != "project_id" else f"raw_{field}"


def _typed(con, st: Staged, idx: dict[str, int]) -> None:
    """``{p}_typed``: one row per data row with typed values; ``{p}_problems``: every problem found."""
    p = st.prefix
    types = {d["field"]: d["type"] for d in dictionary()}
    # trim() copies every value; most values have no space to trim, so they are kept as they are (3x cheaper)
    trimmed = "CASE WHEN starts_with({c}, ' ') OR ends_with({c}, ' ') THEN nullif(trim({c}), '') ELSE nullif({c}, '') END"
    raw = {f: (trimmed.format(c=f"c{idx[f]}") if f in idx else "NULL::VARCHAR") for f in types}
    inner = ["rowid + 2 AS row_no"] + [f"{raw[f]} AS raw_{f}" for f in types]
    # values cleaned once (spaces, bold marks, trailing € removed) for the numeric parsers
    def blanks_out(x: str) -> str:  # spaces of every kind and bold marks (plain replaces: cheaper than a regex)
        for ch in (" ", "\u00a0", "\u202f", "*", "\t", "\n", "\r", "\f"):
            x = f"replace({x}, chr({ord(ch)}), '')"
        return x
    def unit_out(x: str) -> str:  # a trailing '€', 'eur' or 'euros' (a CASE on suffixes: cheaper than a regex)
        return (f"CASE WHEN ends_with({x}, '€') THEN left({x}, -1) WHEN ends_with({x}, 'eur') THEN left({x}, -3) "
                f"WHEN ends_with({x}, 'euros') THEN left({x}, -5) ELSE {x} END")
    inner += [f"{unit_out(blanks_out(f'lower({raw[f]})'))} AS cl_{f}" for f, k in types.items() if k in ("amount", "rate")]
    typed, joins = ["row_no"], []
    for f, kind in types.items():
        r, c = f"raw_{f}", f"cl_{f}"
        if _raw_col(f) == r:
            typed.append(r)
        if kind == "amount":
            typed.append(f"ess_amount_c({c}) AS {f}")
        elif kind == "rate":
            typed.append(f"ess_rate_c({c}) AS {f}")
        elif kind == "date":
            typed.append(f"ess_date({r}) AS {f}")
        elif kind == "year":
            typed.append(f"CASE WHEN regexp_full_match({r}, '(19|20)\\d{{2}}') THEN {r}::INTEGER END AS {f}")
        elif kind in ("status", "grant_kind"):  # a small vocabulary: each distinct value mapped once, then joined
            joins.append(f"LEFT JOIN (SELECT d.v, w.value AS m FROM (SELECT DISTINCT {raw[f]} AS v FROM {p}_raw) d "
                         f"JOIN ess_{kind} w ON w.word = strip_accents(lower(d.v))) w_{f} ON w_{f}.v = {r}")
            typed.append(f"w_{f}.m AS {f}")
        elif f == "project_id":  # the warehouse key: the file's stem and the given id, else a slug of call and title
            typed.append(f"'imp-{_stem(st.name)}-' || CASE WHEN {r} IS NOT NULL THEN left(ess_slug_id({r}), 60) ELSE "
                         f"left(ess_slug(raw_call || ' ' || raw_title), 40) || '-' || "
                         f"left(md5(lower(raw_call || '|' || raw_title)), 6) END AS project_id")
        else:
            typed.append(f"{r} AS {f}")
    nonblank = " OR ".join(f"raw_{f} IS NOT NULL" for f in idx)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_typed AS SELECT {', '.join(typed)} FROM "
                f"(SELECT {', '.join(inner)} FROM {p}_raw) {' '.join(joins)} WHERE {nonblank}")
    checks = []
    for f, kind in types.items():
        if f not in idx:
            continue
        col, pos, r = st.columns[f].replace("'", "''"), idx[f], _raw_col(f)
        checks.append(f"SELECT row_no, {pos} AS pos, '{col}' AS col, left({r}, 40) AS value, 'is ' || length({r}) || "
                      f"' characters long (at most {MAX_CELL})' AS message FROM {p}_typed WHERE length({r}) > {MAX_CELL}")
        ok = f"length({r}) <= {MAX_CELL}"
        bad = {
            "amount": [(f"{f} IS NULL", "is not an amount"), (f"{f} < 0", "is negative"),
                       (f"{f} > {MAX_AMOUNT}", "is not a plausible amount (above 10 billion €)")],
            "rate": [(f"{f} IS NULL OR {f} < 0 OR {f} > 1", "is not a rate between 0 and 100 %")],
            "date": [(f"{f} IS NULL", "is not a date (DD/MM/YYYY or YYYY-MM-DD)")],
            "year": [(f"{f} IS NULL", "is not a year")],
            "status": [(f"{f} IS NULL", "is not a known status (funded, laureate, eligible, example, experimentation, "
                                        "initiative, supported)")],
            "grant_kind": [(f"{f} IS NULL", "is not 'granted' or 'requested'")],
        }.get(kind, [])
        for cond, msg in bad:
            msg = msg.replace("'", "''")
            checks.append(f"SELECT row_no, {pos}, '{col}', {r}, '{msg}' FROM {p}_typed "
                          f"WHERE {r} IS NOT NULL AND {ok} AND ({cond})")
    for f in ("call", "title"):
        col = st.columns[f].replace("'", "''")
        checks.append(f"SELECT row_no, 1000, '{col}', '', 'is required' FROM {p}_typed WHERE {_raw_col(f)} IS NULL")
    id_col = st.columns.get("project_id", st.columns["title"]).replace("'", "''")
    checks.append(f"""SELECT row_no, 2000, '{id_col}', pid, 'duplicates the identifier of row ' || first_row FROM (
        SELECT row_no, pid, min(row_no) OVER (PARTITION BY pid) AS first_row FROM (
            SELECT row_no, coalesce(raw_project_id, call || '|' || title) AS pid FROM {p}_typed
            WHERE title IS NOT NULL)) WHERE row_no > first_row""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_problems AS SELECT row_no, col AS column_name, "
                f"coalesce(value, '') AS value, message, pos FROM ({' UNION ALL '.join(checks)}) ORDER BY row_no, pos")


def problems(con, st: Staged, limit: int | None = None) -> list[RowProblem]:
    lim = f"LIMIT {int(limit)}" if limit else ""
    rows = con.execute(f"SELECT row_no, column_name, value, message FROM {st.prefix}_problems "
                       f"ORDER BY row_no, pos {lim}").fetchall()
    return [RowProblem(int(r), c, v, m) for r, c, v, m in rows]


def sample(con, st: Staged, n: int = 20) -> pd.DataFrame:
    return con.execute(f"""SELECT row_no AS row, call, title, status, location, total_budget, fse_amount, fse_rate,
                                  grant, start_date, end_date FROM {st.prefix}_typed
                           WHERE row_no NOT IN (SELECT row_no FROM {st.prefix}_problems) ORDER BY row_no LIMIT ?""",
                       [n]).df()


# -- loading into the warehouse -------------------------------------------------------------------------------------
def _places(con, st: Staged) -> None:
    """Resolve each distinct location once and keep the answers in ``{p}_geo`` (one row per location, with its
    number ``loc_id``), ``{p}_geo_link`` (its regions and departments, by ``loc_id``) and ``{p}_geo_issue``.

    'postcode city' locations (most of a large file) are placed in SQL against the postcode and commune tables,
    with the geocoder's own rule (the communes of the postcode named like the city, else all of them); every
    other distinct text goes through the documents' geocoder in Python."""
    p = st.prefix
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_loc AS SELECT location, row_number() OVER () AS loc_id FROM "
                f"(SELECT DISTINCT location FROM {p}_ok WHERE location IS NOT NULL)")
    ref = geo.REF_DIR
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_pc AS
        WITH l AS (SELECT location, m.pc, m.city, ess_fold(m.city) AS city_folded FROM (
                       SELECT location, regexp_extract(location, '^\\s*(\\d{{5}})\\s+(.+)$', ['pc', 'city']) AS m FROM {p}_loc
                       WHERE regexp_full_match(location, '\\s*\\d{{5}}\\s+.+'))),
        -- names folded once per commune and per location, not per candidate pair (a postcode covers up to 46 communes)
        communes AS (SELECT commune_code, name, ess_fold(name) AS folded, department_code, region_code
                     FROM read_csv('{ref / "communes.csv"}', all_varchar = true)),
        cand AS (SELECT l.location, l.pc, l.city, c.name, c.department_code, c.region_code, c.folded = l.city_folded AS same
                 FROM l JOIN read_csv('{ref / "postcodes.csv"}', all_varchar = true) pc ON pc.postcode = l.pc
                 JOIN communes c USING (commune_code)),
        chosen AS (SELECT * FROM cand c WHERE same OR NOT EXISTS (SELECT 1 FROM cand d WHERE d.location = c.location AND d.same))
        SELECT location, any_value(pc) AS pc, any_value(city) AS city, list(DISTINCT department_code ORDER BY department_code) AS deps,
               list(DISTINCT region_code ORDER BY region_code) AS regs, list(name ORDER BY name)[1:3] AS names
        FROM chosen GROUP BY location""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_geo (loc_id BIGINT, location VARCHAR, scope VARCHAR, method VARCHAR, "
                f"evidence VARCHAR, postcode VARCHAR, city VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_geo_link (loc_id BIGINT, level VARCHAR, code VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_geo_issue (location VARCHAR, rule VARCHAR, severity VARCHAR, "
                f"message VARCHAR, vals VARCHAR, field VARCHAR)")
    con.execute(f"""INSERT INTO {p}_geo SELECT loc_id, location, CASE WHEN len(regs) > 1 THEN 'multi-region' ELSE 'local' END,
                    'postcode', 'postcode ' || pc || ' = ' || array_to_string(names, ', '), pc, city
                    FROM {p}_pc JOIN {p}_loc USING (location)""")
    con.execute(f"""INSERT INTO {p}_geo_link SELECT loc_id, 'region', unnest(regs) FROM {p}_pc JOIN {p}_loc USING (location)
                    UNION ALL SELECT loc_id, 'department', unnest(deps) FROM {p}_pc JOIN {p}_loc USING (location)""")
    locs = con.execute(f"SELECT loc_id, location FROM {p}_loc ANTI JOIN {p}_pc USING (location)").fetchall()
    gz = geo.gazetteer()
    rows, links, issues = [], [], []
    for loc_id, loc in locs:
        m = re.match(r"^\s*(\d{5})\s+(.+)$", loc)
        hints = [LocationHint(f"{m.group(1)} {m.group(2)}", "address"), LocationHint(m.group(2), "fallback")] if m \
            else [LocationHint(loc, "location")]
        pl = geo.place(hints, gz)
        rows.append((loc_id, loc, pl.scope, pl.method, pl.evidence or None, m.group(1) if m else None,
                     m.group(2) if m else None))
        links += [(loc_id, "region", r) for r in pl.regions] + [(loc_id, "department", d) for d in pl.departments]
        issues += [(loc, i.rule, i.severity, i.message, i.values, i.field) for i in pl.issues]
    for table, data in ((f"{p}_geo", rows), (f"{p}_geo_link", links), (f"{p}_geo_issue", issues)):
        _insert_rows(con, table, data)


def _insert_rows(con, table: str, rows: list[tuple]) -> None:
    """Rows computed in Python into a temporary table, in one statement (Python objects: None stays NULL)."""
    if rows:
        cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
        con.register("incoming", pd.DataFrame(rows, columns=cols, dtype=object))
        con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        con.unregister("incoming")


def _split(cells: str, key: str, cell: str) -> str:
    """A query of the items of each 'a; b | c' cell of ``cells`` (a table or a query): columns ``key``, ``item``
    (trimmed; blank items dropped) and ``pos`` (its position in the cell)."""
    return (f"SELECT {key}, trim(item) AS item, pos FROM (SELECT {key}, unnest(l) AS item, generate_subscripts(l, 1) "
            f"AS pos FROM (SELECT {key}, regexp_split_to_array({cell}, '[;|\\n]') AS l FROM {cells})) WHERE trim(item) <> ''")


def _themes(con, st: Staged) -> None:
    """Themes of each distinct cell of tags once; rows without tags: keyword rules on each distinct text.

    Tags are split once per distinct cell (``{p}_tagset``: a cell, its number ``set_id``; ``{p}_tags``: its tags
    and their positions), not once per row: a large table repeats the same few combinations of tags. A row's themes
    are those of its key (``{p}_theme_link``): the number of its cell of tags, else the number of its text
    (``{p}_textkey``: title and description, numbered after the cells)."""
    p = st.prefix
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_tagset AS SELECT themes, row_number() OVER () AS set_id,
                           replace(regexp_replace(themes, '\\s*[;|\\n]\\s*', ' | ', 'g'), '  ', ' ') AS tags
                    FROM (SELECT DISTINCT themes FROM {p}_ok WHERE themes IS NOT NULL)""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_tags AS SELECT set_id, item AS tag, pos "
                f"FROM ({_split(f'{p}_tagset', 'set_id', 'themes')})")
    con.execute(f"DELETE FROM {p}_tagset WHERE set_id NOT IN (SELECT set_id FROM {p}_tags)")  # cells of blanks: no tag
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_textkey AS
        SELECT title, description, (SELECT coalesce(max(set_id), 0) FROM {p}_tagset) + row_number() OVER () AS text_key
        FROM (SELECT DISTINCT title, coalesce(description, '') AS description FROM {p}_ok
              WHERE themes IS NULL OR themes NOT IN (SELECT themes FROM {p}_tagset))""")
    tags = [r[0] for r in con.execute(f"SELECT DISTINCT tag FROM {p}_tags").fetchall()]
    mapping = [(tg, th, f"tag:{tg}") for tg in tags for th, _ in themes.tag_themes(tg)]
    texts = con.execute(f"SELECT text_key, title, description FROM {p}_textkey").fetchall()
    by_text = [(key, th, rule) for key, title, desc in texts
               for th, rule in themes.assign([], f"{title} {desc}", title=title)[0]]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_tag_theme (tag VARCHAR, theme_id VARCHAR, rule VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_text_theme (text_key BIGINT, theme_id VARCHAR, rule VARCHAR)")
    for table, data in ((f"{p}_tag_theme", mapping), (f"{p}_text_theme", by_text)):
        _insert_rows(con, table, data)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_theme_link AS
        SELECT t.set_id AS theme_key, m.theme_id, arg_min(m.rule, t.pos) AS rule FROM {p}_tags t
        JOIN {p}_tag_theme m USING (tag) GROUP BY 1, 2
        UNION ALL SELECT text_key, theme_id, min(rule) FROM {p}_text_theme GROUP BY 1, 2""")


def load(con, st: Staged, programme_prefix: str = "imp") -> int:
    """Insert the valid rows' programmes and quality issues of a staged table into the staging tables of ``con``, and
    define the views of its projects (``{p}_projects``) and of their keys (``{p}_keys``): their places, themes,
    cofinancers and partners are links of each key (``{p}_*_link``). Returns the number of projects loaded."""
    p = st.prefix
    if st.n_problems:
        con.execute(f"DELETE FROM {p}_typed WHERE row_no IN (SELECT row_no FROM {p}_problems)")
    con.execute(f"ALTER TABLE {p}_typed RENAME TO {p}_ok")  # the valid rows, typed, with their warehouse key
    progs = con.execute(f"SELECT call, call_year, any_value(funder ORDER BY row_no), min(row_no), max(row_no), count(*) "
                        f"FROM {p}_ok GROUP BY call, call_year").fetchall()
    prog_rows = []
    for call, year, funder, lo, hi, n in progs:
        key = f"{programme_prefix}-{key_slug(call)}" + (f"-{year}" if year else "")
        prog_rows.append((call, year, key, funder, lo, hi, n, st.name))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_prog (call VARCHAR, call_year INTEGER, programme_id VARCHAR, "
                f"funder VARCHAR, lo INTEGER, hi INTEGER, n INTEGER, source_file VARCHAR)")
    _insert_rows(con, f"{p}_prog", prog_rows)
    con.execute(f"""INSERT INTO programmes (programme_id, name, funder, year, kind, laureates, source_file,
                        source_line_start, source_line_end)
                    SELECT programme_id, call, funder, call_year, 'call', n, ?, lo, hi FROM {p}_prog
                    WHERE programme_id NOT IN (SELECT programme_id FROM programmes)""", [st.name])
    _places(con, st)
    _themes(con, st)
    # The projects of the table: a view, read when the warehouse is written (etl.pipeline.build_facts), rather than
    # a copy of every row in the staging table ``projects``. Its places, themes, cofinancers and partners are not
    # rows of the staging link tables: each project has the key of its place (geo_key: {p}_geo_link), of its themes
    # (theme_key: {p}_theme_link), of its cell of cofinancers and of partners, and the links are joined to the
    # projects by these integers once the projects are numbered (the view {p}_keys). rid: the row. place_no and
    # tag_set_no: the numbers of its place ({p}_geo.loc_id) and of its cell of tags ({p}_tagset.set_id) in this
    # table, which build_facts shifts past those of the other sources when it writes places and tag_sets.
    rows = f"""{p}_ok o JOIN {p}_prog g ON g.call = o.call AND g.call_year IS NOT DISTINCT FROM o.call_year
        LEFT JOIN {p}_geo geo ON geo.location = o.location LEFT JOIN {p}_tagset s ON s.themes = o.themes"""
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {p}_projects AS
        SELECT o.project_id, g.programme_id, o.title, o.lead_org, coalesce(o.status, 'funded') AS status, o.fse_code,
               o.start_date, o.end_date, geo.loc_id AS place_no, geo.scope, o.total_budget AS total_budget_eur,
               CASE WHEN o.total_budget IS NOT NULL THEN 'total' END AS budget_kind, o.fse_amount AS fse_amount_eur,
               o.fse_rate AS fse_rate_stated,
               CASE WHEN o.total_budget > 0 THEN round(o.fse_amount / o.total_budget, 4) END AS fse_rate_computed,
               o.grant AS grant_amount_eur,
               CASE WHEN o.grant IS NOT NULL THEN coalesce(o.grant_kind, 'granted') END AS grant_kind, o.description,
               s.set_id AS tag_set_no, g.source_file,
               o.row_no AS source_line_start, o.row_no AS source_line_end, o.row_no AS rid
        FROM {rows}""")
    for column in ("cofinancers", "partners"):  # split once per distinct cell
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_{column}_set AS SELECT cell, row_number() OVER () AS key
                        FROM (SELECT DISTINCT {column} AS cell FROM {p}_ok WHERE {column} IS NOT NULL)""")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_{column}_link AS SELECT key, pos, item AS name "
                    f"FROM ({_split(f'{p}_{column}_set', 'key', 'cell')})")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {p}_keys AS
        SELECT o.row_no AS rid, o.project_id, g.programme_id, coalesce(o.status, 'funded') AS status, o.start_date,
               o.end_date, o.total_budget AS total_budget_eur, o.fse_amount AS fse_amount_eur, o.grant AS grant_amount_eur,
               geo.loc_id AS geo_key, coalesce(s.set_id, x.text_key) AS theme_key, c.key AS cofinancer_key,
               pa.key AS partner_key
        FROM {rows}
        LEFT JOIN {p}_textkey x ON x.title = o.title AND x.description = coalesce(o.description, '')
        LEFT JOIN {p}_cofinancers_set c ON c.cell = o.cofinancers
        LEFT JOIN {p}_partners_set pa ON pa.cell = o.partners""")
    _issues(con, st)
    if st.n_rows <= DETAIL_ROWS:
        _detail(con, st)
    return con.execute(f"SELECT count(*) FROM {p}_ok").fetchone()[0]


def release(con, st: Staged) -> None:
    """Once loaded, free what build_facts does not read (``KEPT``): the other temporary tables of the table, and
    the rows' raw text (kept until now for the problems and the sources)."""
    p = st.prefix
    keep = {f"{p}_{t}" for t in KEPT}
    for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, ?)",
                            [f"{p}_"]).fetchall():
        if t not in keep:
            con.execute(f"DROP TABLE {t}")
    for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = ? AND "
                            "starts_with(column_name, 'raw_')", [f"{p}_ok"]).fetchall():
        con.execute(f"ALTER TABLE {p}_ok DROP COLUMN {c}")


def drop(con, prefix: str) -> None:
    """The views ``{prefix}_projects`` and ``{prefix}_keys`` and what they read, once the warehouse has its rows."""
    con.execute(f"DROP VIEW IF EXISTS {prefix}_projects")
    con.execute(f"DROP VIEW IF EXISTS {prefix}_keys")
    for t in KEPT:
        con.execute(f"DROP TABLE IF EXISTS {prefix}_{t}")


def _issues(con, st: Staged) -> None:
    p = st.prefix
    new_ids = "(SELECT coalesce(max(issue_id), 0) FROM quality_issues) + row_number() OVER ()"
    src = "?"
    cols = "issue_id, project_id, programme_id, rule, severity, message, \"values\", field, source_file, source_line"
    con.execute(f"""INSERT INTO quality_issues ({cols})
        SELECT {new_ids}, project_id, NULL, rule, severity, message, vals, field, {src}, line FROM (
            SELECT project_id, 'fse_exceeds_budget' AS rule, 'error' AS severity,
                   'FSE amount ' || ess_eur(fse_amount) || ' is larger than the total budget ' || ess_eur(total_budget) AS message,
                   'fse=' || fse_amount || '; budget=' || total_budget AS vals, 'fse_amount_eur' AS field, row_no AS line
            FROM {p}_ok WHERE fse_amount > total_budget
            UNION ALL
            SELECT project_id, 'grant_exceeds_budget', 'error',
                   'grant ' || ess_eur(grant) || ' is larger than the budget ' || ess_eur(total_budget),
                   'grant=' || grant || '; budget=' || total_budget, 'grant_amount_eur', row_no
            FROM {p}_ok WHERE grant > total_budget
            UNION ALL
            SELECT project_id, 'rate_mismatch', 'warning',
                   'stated FSE rate ' || round(fse_rate * 100)::INTEGER || '% but amount ÷ budget = '
                       || format('{{:.2f}}', (fse_amount / total_budget * 100)::DOUBLE) || '%',
                   'stated=' || fse_rate || '; computed=' || round(fse_amount / total_budget, 4), 'fse_rate_stated', row_no
            FROM {p}_ok WHERE total_budget > 0 AND fse_rate IS NOT NULL AND fse_amount IS NOT NULL
                AND abs(fse_amount / total_budget - fse_rate) > 0.005
            UNION ALL
            SELECT project_id, 'end_before_start', 'error', 'end date ' || end_date || ' is before start date ' || start_date,
                   'start=' || start_date || '; end=' || end_date, 'end_date', row_no
            FROM {p}_ok WHERE end_date < start_date
            UNION ALL
            SELECT o.project_id, i.rule, i.severity, i.message, i.vals, i.field, o.row_no
            FROM {p}_ok o JOIN {p}_geo_issue i USING (location)
            UNION ALL
            SELECT project_id, 'unresolved_location', 'warning', 'no region or department could be found for this record',
                   '(no location given)', 'location', row_no FROM {p}_ok WHERE location IS NULL
            UNION ALL
            SELECT o.project_id, 'unmapped_tag', 'warning', 'tag ''' || u.tag || ''' maps to no theme', u.tag, 'tags', o.row_no
            FROM {p}_ok o JOIN (SELECT s.themes, t.tag FROM {p}_tagset s JOIN {p}_tags t USING (set_id)
                                WHERE t.tag NOT IN (SELECT tag FROM {p}_tag_theme)) u USING (themes)
            ORDER BY line, rule)""", [st.name])
    # rejected rows: reported, not loaded
    con.execute(f"""INSERT INTO quality_issues ({cols}, category)
        SELECT {new_ids}, NULL, NULL, 'rejected_row', 'error',
               'row ' || row_no || ', ' || column_name || ': ''' ||
               CASE WHEN length(value) > 40 THEN left(value, 39) || '…' ELSE value END || ''' ' || message,
               value, column_name, ?, row_no, 'import'
        FROM {p}_problems ORDER BY row_no, pos""", [st.name])
    for w in st.warnings:
        con.execute(f"INSERT INTO quality_issues ({cols}, category) SELECT {new_ids}, NULL, NULL, 'table_warning', "
                    f"'info', ?, '', '', ?, ?, 'import'", [w.message, st.name, w.row])


def _detail(con, st: Staged) -> None:
    """Small tables keep their text (source_lines) and the printed value of each field (field_sources)."""
    p = st.prefix
    cols = [r[0] for r in con.execute(f"DESCRIBE {p}_raw").fetchall()]
    con.execute(f"INSERT INTO source_lines SELECT ?, rowid + 2, concat_ws(' ; ', {', '.join(cols)}) FROM {p}_raw",
                [st.name])
    parts = [f"SELECT project_id, '{f if f not in ('grant',) else 'grant_amount'}' AS field, "
             f"'{col.replace(chr(39), chr(39) * 2)} = ' || {_raw_col(f)} AS raw_value, row_no FROM {p}_ok "
             f"WHERE {_raw_col(f)} IS NOT NULL"
             for f, col in st.columns.items()]
    con.execute(f"INSERT INTO field_sources SELECT project_id, field, left(raw_value, 500), row_no FROM "
                f"({' UNION ALL '.join(parts)})")


def template_csv(lang: str = "fr") -> bytes:
    """A template with every column and one example row (semicolon-separated, UTF-8 with BOM for Excel)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    d = dictionary()
    w.writerow([x["field"] if lang == "en" else x["column_fr"] for x in d])
    w.writerow([x["example"] for x in d])
    return buf.getvalue().encode("utf-8-sig")
