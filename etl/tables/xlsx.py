"""Reading an XLSX workbook, bounded: the archive's sizes are checked before anything is inflated, the first sheet's
declared size before it is parsed; rows are then streamed (openpyxl's read-only mode) into DuckDB in chunks, with the
row, cell and time limits checked as they come. The same limits hold for the Import page's preview and the build."""

from __future__ import annotations

import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd

from common.contract import MAX_CELL
from etl.errors import TableError
from etl.tables import columns
from etl.tables.raw import HEADER_SEARCH, MAX_COLUMNS, Raw, register, why

XLSX_MAX_UNCOMPRESSED = 200 * 1024 ** 2   # bytes of a workbook once inflated (all its parts)
XLSX_MAX_RATIO = 100                      # a part of a workbook inflates at most this many times (bombs: 700x)
XLSX_MAX_SHARED_STRINGS = 64 * 1024 ** 2  # bytes of the shared strings part (held in memory by any reader)
XLSX_MAX_ROWS = 1_048_576                 # Excel's own limit
XLSX_MAX_CELLS = 20_000_000               # cells of the first sheet
XLSX_MAX_SECONDS = 120                    # reading time of a workbook
_XLSX_BATCH = 20_000                      # rows of a workbook inserted at a time


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


def _rows(ws, name: str):
    """The sheet's rows, a damaged part's error (a bad XML, an entity past the parser's limits) a TableError."""
    rows = ws.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except TableError:
            raise
        except Exception as exc:  # noqa: BLE001 - openpyxl and its XML parser raise many kinds on a damaged sheet
            raise TableError(key="etl.xlsx_unreadable", file=name, why=why(exc, name)) from exc
        yield values


def read_xlsx(con, path: Path, name: str, prefix: str) -> Raw:
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
        above: list[tuple[int, list[str]]] = []  # non-blank rows above the header (a title), with their row number
        first_data = 2
        width, cells, n_rows, batch = 0, 0, 0, []
        created = False

        def flush() -> None:
            nonlocal created, batch
            df = pd.DataFrame(batch, columns=[f"c{i}" for i in range(width + 1)], dtype="string")
            register(con, f"{prefix}_batch", df)
            if created:
                con.execute(f"INSERT INTO {prefix}_raw SELECT * FROM {prefix}_batch")
            else:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_raw AS SELECT * FROM {prefix}_batch")
                created = True
            con.unregister(f"{prefix}_batch")
            batch = []

        for values in _rows(ws, name):
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
                # the header: the first row naming a known format's columns (a title may be printed above it)
                if not columns.recognised(row) and len(above) < HEADER_SEARCH:
                    above.append((n_rows, row))
                    continue
                if not columns.recognised(row):  # none of the first rows is a header: the first one is
                    (first, header), rest = above[0], [r for _, r in above[1:]] + [row]
                    width, first_data = len(header), first + 1
                    above = []
                    for r in rest:
                        batch.append((r + [""] * width)[:width] + [""])
                    continue
                header, width, first_data = row, len(row), n_rows + 1
                continue
            extra = [c for c in row[width:] if c.strip()]  # cells beyond the header: kept, for the checks to reject
            batch.append((row + [""] * width)[:width] + ["; ".join(extra)[:MAX_CELL + 1] if extra else ""])
            if len(batch) >= _XLSX_BATCH:
                flush()
        if header is None and above:  # no row named a known format: the first is the header (the message will say)
            (first, header), rest = above[0], [r for _, r in above[1:]]
            width, first_data, above = len(header), first + 1, []
            batch = [(r + [""] * width)[:width] + [""] for r in rest]
        if header is None:
            raise TableError(key="etl.file_empty", file=name)
        while batch and not any(c.strip() for c in batch[-1]):  # blank rows at the end
            batch.pop()
        if batch or not created:
            flush()
        title = " — ".join(" ".join(c.strip() for c in r if c.strip()) for _, r in above)[:300]
        return Raw(header, "xlsx", "", title=title, first_row=first_data)
    finally:
        wb.close()
