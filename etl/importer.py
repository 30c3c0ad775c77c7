"""Import a user's spreadsheet: check it, then keep it and rebuild the warehouse with it.

Used by the Import page (and usable from Python). Nothing is written before ``commit``;
``commit`` keeps the file under the imports folder (a file of the same name is replaced:
a corrected file replaces its earlier rows), rebuilds the whole warehouse (bundled
documents + every import) into a temporary file and swaps it in. If the rebuild fails,
the previous file and warehouse are put back.
"""

from __future__ import annotations

import fcntl
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from etl import pipeline, tabular
from etl.pipeline import ACCEPT_MARK, BuildReport, EtlError


@dataclass
class Preview:
    filename: str
    fatal: str | None = None
    n_rows: int = 0
    n_valid: int = 0
    rejected: list[dict] = field(default_factory=list)   # row, column, value, message
    warnings: list[dict] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    encoding: str = ""

    n_rejected: int = 0

    @property
    def n_rejected_rows(self) -> int:
        return self.n_rejected


def safe_name(filename: str) -> str:
    """The name under which an upload is kept: its own name, reduced to safe characters."""
    base = Path(filename).name
    stem, suffix = os.path.splitext(base)
    suffix = suffix.lower()
    if suffix not in tabular.SUFFIXES:
        raise EtlError(f"{base}: only .csv and .xlsx files can be imported")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._")[:80] or "import"
    return stem + suffix


def preview(data: bytes, filename: str, max_bytes: int | None = None) -> Preview:
    """Every problem of a file and a sample of its valid rows, computed by the same checks as the import."""
    import duckdb

    out = Preview(filename=filename)
    try:
        name = safe_name(filename)
        if max_bytes is not None and len(data) > max_bytes:
            raise EtlError(f"{filename}: {len(data) / 1e6:.1f} MB, more than the {max_bytes / 1e6:.0f} MB accepted")
        with duckdb.connect() as con:
            st = tabular.stage(con, data, name)
            out.n_rows = st.n_rows
            out.rejected = [vars(p) for p in tabular.problems(con, st, 5000)]
            out.n_rejected = st.n_rejected_rows
            out.n_valid = st.n_rows - st.n_rejected_rows
            out.warnings = [vars(p) for p in st.warnings]
            out.columns, out.ignored_columns, out.encoding = st.columns, st.ignored_columns, st.encoding
            out.sample = tabular.sample(con, st).to_dict("records")
    except (tabular.TableError, EtlError) as exc:
        out.fatal = str(exc)
    return out


@contextmanager
def _lock(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # one rebuild at a time
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def list_imports(imports_dir: Path = pipeline.DEFAULT_IMPORTS) -> list[dict]:
    if not imports_dir.is_dir():
        return []
    return [{"file": p.name, "bytes": p.stat().st_size, "valid_rows_only": p.with_name(p.name + ACCEPT_MARK).exists()}
            for p in sorted(imports_dir.iterdir()) if p.suffix.lower() in tabular.SUFFIXES]


def commit(data: bytes, filename: str, accept_valid_rows: bool = False, *,
           imports_dir: Path = pipeline.DEFAULT_IMPORTS, raw_dir: Path = pipeline.DEFAULT_INPUT,
           db_path: Path = pipeline.DEFAULT_DB) -> BuildReport:
    name = safe_name(filename)
    with _lock(imports_dir):
        target, mark = imports_dir / name, imports_dir / (name + ACCEPT_MARK)
        backup = target.read_bytes() if target.exists() else None
        had_mark = mark.exists()
        tmp = imports_dir / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target)
        if accept_valid_rows:
            mark.touch()
        else:
            mark.unlink(missing_ok=True)
        try:
            return pipeline.build([raw_dir, imports_dir], db_path)
        except Exception:
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(backup)
            if had_mark:
                mark.touch()
            else:
                mark.unlink(missing_ok=True)
            raise


def remove(filename: str, *, imports_dir: Path = pipeline.DEFAULT_IMPORTS, raw_dir: Path = pipeline.DEFAULT_INPUT,
           db_path: Path = pipeline.DEFAULT_DB) -> BuildReport:
    name = safe_name(filename)
    with _lock(imports_dir):
        target = imports_dir / name
        if not target.exists():
            raise EtlError(f"{name}: no such import")
        backup = target.read_bytes()
        target.unlink()
        try:
            return pipeline.build([raw_dir, imports_dir], db_path)
        except Exception:
            target.write_bytes(backup)
            raise
        finally:
            if not target.exists():
                (imports_dir / (name + ACCEPT_MARK)).unlink(missing_ok=True)
