"""Project records from spreadsheets (CSV, XLSX or Parquet; French or English column names).

The format is described by data/reference/import_columns.csv (also the template and the README's data
dictionary). A table goes through four modules, each with one job, the same path for a user's ten-row file and
for ten million rows: ``read`` (bytes to ``{p}_raw``, bounded), ``columns`` (headers to fields), ``check`` (typed
rows and every problem, set-wise in DuckDB) and ``load`` (places, themes, issues, the views the read model reads).

A row with a problem (wrong type, unknown status, negative or absurd amount, bad date, duplicate id, huge cell,
missing title) is *rejected*: reported with its row number, column and value, never half-loaded. Inconsistencies
between valid values (FSE above budget, ...) load and become quality issues like those of the documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from common.i18n import message
from etl.errors import TableError
from etl.tables import check, columns, load, read
from etl.tables.check import RowProblem

FAMILY = "table"
SUFFIXES = {".csv", ".xlsx", ".parquet"}
__all__ = ["FAMILY", "SUFFIXES", "RowProblem", "Staged", "stage", "check", "columns", "load", "read"]


@dataclass
class Staged:
    """A table read and checked into temporary tables ``{prefix}_raw``, ``{prefix}_typed`` and ``{prefix}_problems``."""

    name: str
    prefix: str
    n_rows: int
    columns: dict[str, str]  # field -> column as printed
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    warnings: list[tuple[str, dict]] = field(default_factory=list)  # (message key, parameters), about the whole file
    n_rejected_rows: int = 0
    n_problems: int = 0
    sha256: str = ""
    profile: str = "template"   # template | eu_2014_2020 | eu_2021_2027 | scdl (etl.tables.columns)
    title: str = ""             # the title printed above the header, if any
    first_row: int = 2          # the row number of its first data row
    fields: list[str] = field(default_factory=list)  # the fields its rows carry

    def warning_texts(self, lang: str = "en") -> list[str]:
        return [message(k, lang, **params) for k, params in self.warnings]

    def problems(self, con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[RowProblem]:
        return check.problems(con, self.prefix, limit)


def stage(con: duckdb.DuckDBPyConnection, data: bytes | Path, name: str, prefix: str = "t0", lang: str = "en") -> Staged:
    """Read ``data`` (bytes, or a path) into temporary tables and check every row. The connection needs the macros
    and reference tables (etl.schema.prepare)."""
    raw = read.read(con, data, name, prefix)
    mapping = columns.map_columns(raw.header, name, lang)
    # a published list's rows: one call per file, named by its format and its title (printed above its header), else
    # its file's name
    call = f"{columns.LABELS[mapping.profile][0]} — {raw.title or Path(name).stem}"
    try:
        fields = check.typed(con, prefix, name, mapping, len(raw.header), call, raw.first_row)
    except duckdb.Error as exc:  # what a reader let through and the typing cannot take: said, never a traceback
        raise TableError(key="etl.reader_failed", file=name, why=read.why(exc, name)) from exc
    st = Staged(name=name, prefix=prefix, n_rows=0, columns=mapping.printed, ignored_columns=mapping.ignored,
                encoding=raw.encoding, warnings=raw.warnings, sha256=raw.sha256, profile=mapping.profile,
                fields=fields, title=raw.title, first_row=raw.first_row)
    st.n_rows = con.execute(f"SELECT count(*) FROM {prefix}_typed").fetchone()[0]
    if st.n_rows == 0:
        raise TableError(key="etl.no_data_row", file=name)
    st.n_problems, st.n_rejected_rows = con.execute(
        f"SELECT count(*), count(DISTINCT row_no) FROM {prefix}_problems").fetchone()
    return st


def load_staged(con: duckdb.DuckDBPyConnection, st: Staged) -> int:
    """Load a staged table's valid rows (etl.tables.load); returns the projects loaded."""
    warnings = [(message(k, "en", **params), 1, k, params) for k, params in st.warnings]
    return load.load(con, st.prefix, st.name, st.n_rows, st.columns, warnings,
                     fields=st.fields, first_row=st.first_row)
