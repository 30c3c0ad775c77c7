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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from etl.errors import TableError
from etl.tables import columns, xlsx
from etl.tables.raw import HEADER_SEARCH, MAX_COLUMNS, Raw, why

_CHUNK = 8 * 1024 * 1024                  # a CSV rewritten 8 MB at a time
_HEAD = 1024 * 1024                       # bytes read to find the header
OVERFLOW = 16  # columns read beyond the header's: a row with more cells than the header is rejected, not truncated


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
                raw = xlsx.read_xlsx(con, path, name, prefix)
            elif suffix == ".parquet":
                raw = _read_parquet(con, path, name, prefix)
            else:
                raw = _read_csv(con, path, name, prefix, Path(tmp))
        except TableError:
            raise
        except Exception as exc:  # noqa: BLE001 - a hostile file may make any reader raise anything: a message, always
            raise TableError(key="etl.reader_failed", file=name, why=why(exc, name)) from exc
        finally:
            hasher.shutdown(wait=True)
    raw.sha256 = digest.result()
    return raw


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


def _header(text: str, name: str) -> tuple[list[str], str, int, str]:
    """The header of a CSV (quotes and line breaks in quotes understood), its delimiter, the lines above it and the
    title they hold: the first of the first non-blank lines that names a known format's columns (a published list
    often prints its title above its header), else the first."""
    lines = text.lstrip("\ufeff").split("\n")
    start = _blank_lines(lines)
    if not lines[start].strip():
        raise TableError(key="etl.file_empty", file=name)
    candidates = [i for i in range(start, len(lines)) if lines[i].strip()][:HEADER_SEARCH]
    chosen = None
    for i in candidates:
        delim = _delimiter(lines[i].rstrip("\r"))
        header = next(csv.reader(io.StringIO("\n".join(lines[i:])), delimiter=delim, quotechar='"', doublequote=True))
        if columns.recognised(header):
            chosen = (header, delim, i)
            break
    if chosen is None:
        delim = _delimiter(lines[start].rstrip("\r"))
        chosen = (next(csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=delim, quotechar='"',
                                  doublequote=True)), delim, start)
    header, delim, at = chosen
    if len(header) > MAX_COLUMNS:
        raise TableError(key="etl.csv_too_wide", file=name, n=len(header), limit=MAX_COLUMNS)
    title = " — ".join(t for t in (re.sub(r"[;,\t|\s]+$", "", ln.strip().strip('"')) for ln in lines[start:at]) if t)
    return header, delim, at, title[:300]


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
    header, delim, skip, title = _header(text, name)
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
    return Raw(header, "utf-8" if enc == "utf-8-sig" else enc, "", warnings, title, first_row=skip + 2)


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
