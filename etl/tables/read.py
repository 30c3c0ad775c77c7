"""Reading an imported table (CSV, XLSX or Parquet) into ``{prefix}_raw``: columns ``c0 … cN``, all text, one row per
data row, the header apart. Bounded in memory and time, whatever the file holds:

- CSV: UTF-8 (with or without BOM) is read by DuckDB straight from the file; UTF-16 (with or without BOM),
  Windows-1252, NUL bytes, CR-only or mixed line ends are first rewritten, 8 MB at a time, into a UTF-8 copy.
  Quoted cells may hold line breaks (a spreadsheet's multi-line description).
- XLSX: the archive's sizes are checked before anything is inflated (``XLSX_*`` limits), the first sheet's declared
  size before it is parsed; rows are then streamed (openpyxl's read-only mode) into DuckDB in chunks, with the
  row, cell and time limits checked as they come.
- Parquet: read by DuckDB, its columns addressed by position (a column's name is never SQL text).
Every failure is an ``etl.errors.TableError`` naming the file (and the line, where the reader says it), in French
and English; no reader's message reaches the user with a server path in it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from common.contract import MAX_CELL
from etl.errors import TableError

MAX_COLUMNS = 500                         # columns of a table's header
XLSX_MAX_UNCOMPRESSED = 200 * 1024 ** 2   # bytes of a workbook once inflated (all its parts)
XLSX_MAX_RATIO = 100                      # a part of a workbook inflates at most this many times (bombs: 700x)
XLSX_MAX_SHARED_STRINGS = 64 * 1024 ** 2  # bytes of the shared strings part (held in memory by any reader)
XLSX_MAX_ROWS = 1_048_576                 # Excel's own limit
XLSX_MAX_CELLS = 20_000_000               # cells of the first sheet
XLSX_MAX_SECONDS = 120                    # reading time of a workbook
_CHUNK = 8 * 1024 * 1024                  # a CSV rewritten 8 MB at a time
_XLSX_BATCH = 20_000                      # rows of a workbook inserted at a time
_HEAD = 1024 * 1024                       # bytes read to find the header
OVERFLOW = 16  # columns read beyond the header's: a row with more cells than the header is rejected, not truncated


@dataclass
class Raw:
    """What reading a table gives, beside its rows in ``{prefix}_raw``."""

    header: list[str]
    encoding: str
    sha256: str
    warnings: list[tuple[str, dict]] = field(default_factory=list)  # (message key, parameters)


def read(con: duckdb.DuckDBPyConnection, data: bytes | Path, name: str, prefix: str) -> Raw:
    """Read ``data`` (bytes, or a path for large files) into ``{prefix}_raw``."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="ess-import-") as tmp:
        path = data if isinstance(data, Path) else None
        if path is None:
            if not data:
                raise TableError(key="etl.file_empty", file=name)
            path = Path(tmp) / f"in{suffix}"
            path.write_bytes(data)
        elif path.stat().st_size == 0:
            raise TableError(key="etl.file_empty", file=name)
        # the file's SHA-256, computed while it is read (hashlib leaves the interpreter's lock to the reader)
        hasher = ThreadPoolExecutor(max_workers=1)
        digest = hasher.submit(_sha256, path)
        try:
            if suffix == ".xlsx":
                raw = _read_xlsx(con, path, name, prefix)
            elif suffix == ".parquet":
                raw = _read_parquet(con, path, name, prefix)
            else:
                raw = _read_csv(con, path, name, prefix, Path(tmp))
        except TableError:
            raise
        except (duckdb.Error, OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError,
                zipfile.BadZipFile, csv.Error, UnicodeError, OverflowError, RecursionError, MemoryError) as exc:
            raise TableError(key="etl.reader_failed", file=name, why=why(exc, name)) from exc
        finally:
            hasher.shutdown(wait=True)
    raw.sha256 = digest.result()
    return raw


def why(exc: BaseException, name: str) -> str:
    """A reader's or the database's message, fit for a user: its first line, without a server path, short."""
    text = str(exc).strip().split("\n")[0] or type(exc).__name__
    text = re.sub(r"(?:[A-Za-z]:)?(?:/[^\s'\"/]+)+/?", name, text)  # /tmp/…/in.csv -> the user's file name
    return text[:240]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# -- CSV ------------------------------------------------------------------------------------------------------------
def _encoding_of(head: bytes) -> str:
    """The encoding a CSV's first bytes show: a BOM, else UTF-16 by its NUL bytes, else UTF-8 (checked later)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):  # every other byte NUL: UTF-16 without a BOM
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    return "utf-8"


def _needs_rewrite(head: bytes, enc: str) -> bool:
    """Whether DuckDB cannot read the file as it is: another encoding, NUL bytes, CR-only line ends."""
    if enc not in ("utf-8", "utf-8-sig") or b"\x00" in head or re.search(rb"\r(?!\n)", head[:-1]):
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _rewrite(path: Path, out: Path, enc: str, name: str) -> tuple[str, list[tuple[str, dict]]]:
    """A UTF-8 copy with LF line ends and no NUL byte, written a chunk at a time. UTF-8 that turns out not to be
    is read again as Windows-1252 (Excel's French CSV), and said."""
    for attempt in ((enc,) if enc != "utf-8" else ("utf-8", "cp1252")):
        dec = codecs.getincrementaldecoder(attempt)(errors="strict")
        nul, pending, offset = 0, "", 0
        try:
            with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
                while True:
                    block = src.read(_CHUNK)
                    text = dec.decode(block, final=not block)
                    offset += len(block)
                    if attempt.startswith("utf-16") or attempt == "utf-8-sig":
                        text = text.lstrip("\ufeff") if offset <= _CHUNK else text
                    nul += text.count("\x00")
                    text = pending + text.replace("\x00", "")
                    pending = ""
                    if block and text.endswith("\r"):  # a CRLF may straddle two chunks
                        text, pending = text[:-1], "\r"
                    dst.write(text.replace("\r\n", "\n").replace("\r", "\n"))
                    if not block:
                        break
        except UnicodeDecodeError as exc:
            if attempt == "utf-8":
                continue
            raise TableError(key="etl.not_decodable", file=name, line="?", byte=offset - _CHUNK + exc.start) from exc
        warnings = []
        if attempt == "cp1252":
            warnings.append(("etl.encoding_1252", {}))
        elif attempt.startswith("utf-16"):
            warnings.append(("etl.encoding_utf16", {}))
        if nul:
            warnings.append(("etl.nul_removed", {"n": nul}))
        return {"utf-8-sig": "utf-8", "cp1252": "windows-1252"}.get(attempt, attempt), warnings
    raise AssertionError("unreachable")


def _looks_binary(text: str, nul: int = 0) -> bool:
    """Control characters (and the NUL bytes already removed) in more than 1 % of the first 20,000 characters: a
    binary file, not a table (a stray NUL or two in a CSV export is removed and said)."""
    sample = text[:20000]
    bad = nul + sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\x7f")
    return bad > max(2, len(sample) // 100)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t", "|")}
    return max(counts, key=lambda d: (counts[d], d == ";")) if any(counts.values()) else ","


def _header(text: str, name: str) -> tuple[list[str], str]:
    """The header of a CSV (its first record, quotes and line breaks in quotes understood) and its delimiter."""
    lines = text.lstrip("\ufeff").split("\n")
    text = "\n".join(lines[_blank_lines(lines):])
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise TableError(key="etl.file_empty", file=name)
    delim = _delimiter(first)
    header = next(csv.reader(io.StringIO(text), delimiter=delim, quotechar='"', doublequote=True))
    if len(header) > MAX_COLUMNS:
        raise TableError(key="etl.csv_too_wide", file=name, n=len(header), limit=MAX_COLUMNS)
    return header, delim


def _blank_lines(lines: list[str]) -> int:
    """Blank lines above a CSV's header."""
    n = 0
    while n < len(lines) - 1 and not lines[n].strip():
        n += 1
    return n


def _read_csv(con, path: Path, name: str, prefix: str, tmp: Path) -> Raw:
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    enc = _encoding_of(head)
    warnings: list[tuple[str, dict]] = []
    src = path
    if _needs_rewrite(head, enc):
        src = tmp / "normalised.csv"
        enc, warnings = _rewrite(path, src, enc, name)
        with src.open("rb") as fh:
            head = fh.read(_HEAD)
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head, final=False)
    if _looks_binary(text, sum(p.get("n", 0) for k, p in warnings if k == "etl.nul_removed")):
        raise TableError(key="etl.not_text", file=name)
    header, delim = _header(text, name)
    skip = _blank_lines(text.lstrip("\ufeff").split("\n"))
    try:
        try:
            _load_csv(con, src, prefix, delim, skip, len(header))
        except duckdb.Error as exc:
            if src is not path or "unicode" not in str(exc).lower():
                raise
            src = tmp / "normalised.csv"  # invalid UTF-8 past the first megabyte: read again as Windows-1252
            enc, warnings = _rewrite(path, src, "utf-8", name)
            _load_csv(con, src, prefix, delim, skip, len(header))
    except duckdb.Error as exc:
        line = re.search(r"\bLine:?\s*(\d+)", str(exc))
        where = f" (line {int(line.group(1))})" if line else ""
        raise TableError(key="etl.csv_unreadable", file=name, why=why(exc, name) + where) from exc
    return Raw(header, "utf-8" if enc == "utf-8-sig" else enc, "", warnings)


def _load_csv(con, src: Path, prefix: str, delim: str, skip: int, width: int) -> None:
    """``{prefix}_raw`` from a UTF-8 CSV, the dialect given whole (no sniffing), every column text.

    First strictly (the usual file: quick, every thread); a row with more cells than the header, or a quoted line
    break, makes DuckDB say so, and the file is then read leniently with OVERFLOW more columns than the header's:
    a longer row is read whole and rejected by the checks (etl/tables/check.py), never cut short in silence. A quoted
    line break needs the single-threaded scanner (the parallel one cannot pad short rows)."""
    sql = ("CREATE OR REPLACE TEMP TABLE {p}_raw AS SELECT * FROM read_csv($path, auto_detect = false, delim = $delim, "
           "header = true, quote = '\"', escape = '\"', null_padding = true, strict_mode = {strict}, "
           "ignore_errors = false, skip = $skip, columns = $columns{extra})")
    params = {"path": str(src), "delim": delim, "skip": skip}

    def attempt(strict: bool, over: int, extra: str) -> None:
        con.execute(sql.format(p=prefix, strict=str(strict).lower(), extra=extra),
                    {**params, "columns": {f"c{i}": "VARCHAR" for i in range(width + over)}})

    try:
        attempt(True, 0, "")
        return
    except duckdb.Error as exc:
        if "unicode" in str(exc).lower():
            raise
        quoted_break = "null_padding" in str(exc) or "parallel" in str(exc)
    if quoted_break:
        try:
            attempt(True, 0, ", parallel = false")
            return
        except duckdb.Error as exc:
            if "unicode" in str(exc).lower():
                raise
    attempt(False, OVERFLOW, ", parallel = false")


# -- XLSX -----------------------------------------------------------------------------------------------------------
def _check_archive(path: Path, name: str) -> None:
    """Refuse a workbook whose parts inflate beyond the limits, before any is inflated."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise TableError(key="etl.xlsx_unreadable", file=name, why="not a ZIP archive") from exc
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        for i in infos:  # the ratio first: a bomb is refused as one, whatever its size
            if i.file_size > 1024 ** 2 and i.file_size > XLSX_MAX_RATIO * max(i.compress_size, 1):
                raise TableError(key="etl.xlsx_bomb", file=name, ratio=i.file_size // max(i.compress_size, 1),
                                 limit=XLSX_MAX_RATIO)
        if total > XLSX_MAX_UNCOMPRESSED:
            raise TableError(key="etl.xlsx_too_large", file=name, size=round(total / 1024 ** 2),
                             limit=XLSX_MAX_UNCOMPRESSED // 1024 ** 2)
        for i in infos:
            if i.filename.lower().endswith("sharedstrings.xml") and i.file_size > XLSX_MAX_SHARED_STRINGS:
                raise TableError(key="etl.xlsx_too_large", file=name, size=round(i.file_size / 1024 ** 2),
                                 limit=XLSX_MAX_SHARED_STRINGS // 1024 ** 2)


def xlsx_cell(v) -> str:
    """A workbook value as text the SQL parsers read without ambiguity (decimal comma, ISO dates)."""
    if v is None:
        return ""
    if isinstance(v, (datetime, date)):
        return v.isoformat()[:10]
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return ""
        d = Decimal(repr(v))
        return str(int(d)) if d == d.to_integral_value() and abs(d) < 10 ** 20 else format(d, "f").replace(".", ",")
    return str(v)


def _read_xlsx(con, path: Path, name: str, prefix: str) -> Raw:
    from openpyxl import load_workbook

    _check_archive(path, name)
    started = time.monotonic()
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged workbook
        raise TableError(key="etl.xlsx_unreadable", file=name, why=why(exc, name)) from exc
    try:
        if not wb.worksheets:
            raise TableError(key="etl.file_empty", file=name)
        ws = wb.worksheets[0]
        rows_declared, cols_declared = ws.max_row or 0, ws.max_column or 0
        if rows_declared > XLSX_MAX_ROWS:
            raise TableError(key="etl.xlsx_too_many_rows", file=name, n=rows_declared, limit=XLSX_MAX_ROWS)
        if rows_declared * cols_declared > XLSX_MAX_CELLS:
            raise TableError(key="etl.xlsx_too_many_cells", file=name, limit=XLSX_MAX_CELLS)
        ws.reset_dimensions()  # a declared size is not trusted to pad rows with empty cells
        header: list[str] | None = None
        width, cells, n_rows, batch = 0, 0, 0, []
        created = False

        def flush() -> None:
            nonlocal created, batch
            df = pd.DataFrame(batch, columns=[f"c{i}" for i in range(width + 1)], dtype="string")
            con.register(f"{prefix}_batch", df)
            if created:
                con.execute(f"INSERT INTO {prefix}_raw SELECT * FROM {prefix}_batch")
            else:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_raw AS SELECT * FROM {prefix}_batch")
                created = True
            con.unregister(f"{prefix}_batch")
            batch = []

        for values in ws.iter_rows(values_only=True):
            n_rows += 1
            cells += len(values)
            if n_rows > XLSX_MAX_ROWS:
                raise TableError(key="etl.xlsx_too_many_rows", file=name, n=f"> {XLSX_MAX_ROWS}", limit=XLSX_MAX_ROWS)
            if cells > XLSX_MAX_CELLS:
                raise TableError(key="etl.xlsx_too_many_cells", file=name, limit=XLSX_MAX_CELLS)
            if n_rows % 1000 == 0 and time.monotonic() - started > XLSX_MAX_SECONDS:
                raise TableError(key="etl.xlsx_too_slow", file=name, seconds=XLSX_MAX_SECONDS)
            row = [xlsx_cell(v) for v in values]
            if header is None:
                if not any(c.strip() for c in row):
                    continue  # blank rows above the header
                while row and not row[-1].strip():
                    row.pop()
                if len(row) > MAX_COLUMNS:
                    raise TableError(key="etl.csv_too_wide", file=name, n=len(row), limit=MAX_COLUMNS)
                header, width = row, len(row)
                continue
            extra = [c for c in row[width:] if c.strip()]  # cells beyond the header: kept, for the checks to reject
            batch.append((row + [""] * width)[:width] + ["; ".join(extra)[:MAX_CELL + 1] if extra else ""])
            if len(batch) >= _XLSX_BATCH:
                flush()
        if header is None:
            raise TableError(key="etl.file_empty", file=name)
        while batch and not any(c.strip() for c in batch[-1]):  # blank rows at the end
            batch.pop()
        if batch or not created:
            flush()
        return Raw(header, "xlsx", "")
    finally:
        wb.close()


# -- Parquet --------------------------------------------------------------------------------------------------------
def _read_parquet(con, path: Path, name: str, prefix: str) -> Raw:
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(path)}).fetchall()
    except duckdb.Error as exc:
        raise TableError(key="etl.parquet_unreadable", file=name, why=why(exc, name)) from exc
    header = [str(r[0]) for r in described]
    if not header:
        raise TableError(key="etl.file_empty", file=name)
    if len(header) > MAX_COLUMNS:
        raise TableError(key="etl.csv_too_wide", file=name, n=len(header), limit=MAX_COLUMNS)
    # columns by position (#1, #2 …): a column's name, whatever it holds, is never part of the SQL text
    cols = ", ".join(f"#{i + 1}::VARCHAR AS c{i}" for i in range(len(header)))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_raw AS SELECT {cols} FROM read_parquet($p)",
                    {"p": str(path)})
    except duckdb.Error as exc:
        raise TableError(key="etl.parquet_unreadable", file=name, why=why(exc, name)) from exc
    return Raw(header, "parquet", "")
