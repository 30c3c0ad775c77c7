"""Import a user's spreadsheet: check it, then keep it and rebuild the warehouse with it.

Nothing is written before ``commit``; ``commit`` keeps the file under the imports folder (a file of the same name
is replaced: a corrected file replaces its earlier rows) and rebuilds the whole warehouse (bundled documents and
every import), holding the warehouse's lock from the file's arrival to the swap, so that no other build can
replace the warehouse with one that lacks it. If the rebuild fails, the previous file is put back.

The dashboard runs this module in a process of its own (``python -m etl.importer preview|commit|remove``, JSON on
stdout): a hostile file costs that process, never the app's server, and the read side never imports ``etl``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from common import settings
from etl import lock, schema, tables
from etl.build import ACCEPT_MARK, DEFAULT_INPUT, BuildReport, build
from etl.errors import EtlError


@dataclass
class Preview:
    filename: str
    fatal: str | None = None
    n_rows: int = 0
    n_valid: int = 0
    n_rejected: int = 0
    rejected: list[dict] = field(default_factory=list)   # row, column, value, problem, detail, message
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    encoding: str = ""
    profile: str = ""         # the format recognised: template, eu_2014_2020, eu_2021_2027, scdl
    profile_label: str = ""   # its name in the user's language

    @property
    def n_rejected_rows(self) -> int:
        return self.n_rejected


def safe_name(filename: str) -> str:
    """The name under which an upload is kept: its own name, reduced to safe characters."""
    base = Path(filename).name
    stem, suffix = os.path.splitext(base)
    suffix = suffix.lower()
    if suffix not in tables.SUFFIXES:
        raise EtlError(key="etl.import_suffix", file=base[:80])
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._")[:80] or "import"
    return stem + suffix


def _plain(v):
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (date, datetime)):
        return v.isoformat()[:10]
    if isinstance(v, Decimal):
        return str(v)
    return v


def preview(data: bytes, filename: str, max_bytes: int | None = None, lang: str = "en") -> Preview:
    """Every problem of a file and a sample of its valid rows, computed by the same checks as the import."""
    out = Preview(filename=filename)
    try:
        name = safe_name(filename)
        if max_bytes is not None and len(data) > max_bytes:
            raise EtlError(key="etl.too_big", file=name, size=f"{len(data) / 1e6:.1f}", limit=f"{max_bytes / 1e6:.0f}")
        with duckdb.connect() as con:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"SET memory_limit = '{settings.etl_memory()}'")
            schema.prepare(con)
            st = tables.stage(con, data, name, lang=lang)
            con.execute("SET enable_external_access = false")
            out.n_rows = st.n_rows
            out.rejected = [{**asdict(p), "message": p.message(lang)} for p in st.problems(con, 5000)]
            out.n_rejected = st.n_rejected_rows
            out.n_valid = st.n_rows - st.n_rejected_rows
            out.warnings = st.warning_texts(lang)
            out.columns, out.ignored_columns, out.encoding = st.columns, st.ignored_columns, st.encoding
            out.profile = st.profile
            out.profile_label = tables.columns.LABELS[st.profile][0 if lang == "fr" else 1]
            out.sample = [{k: _plain(v) for k, v in r.items()}
                          for r in tables.check.sample(con, st.prefix).to_dict("records")]
    except EtlError as exc:
        out.fatal = exc.message(lang)
    return out


def list_imports(imports_dir: Path | None = None) -> list[dict]:
    imports_dir = imports_dir or settings.imports_dir()
    if not imports_dir.is_dir():
        return []
    return [{"file": p.name, "bytes": p.stat().st_size, "valid_rows_only": p.with_name(p.name + ACCEPT_MARK).exists()}
            for p in sorted(imports_dir.iterdir()) if p.suffix.lower() in tables.SUFFIXES]


def commit(data: bytes, filename: str, accept_valid_rows: bool = False, *, imports_dir: Path | None = None,
           raw_dir: Path = DEFAULT_INPUT, db_path: Path | None = None, wait: bool = True, on_wait=None) -> BuildReport:
    imports_dir, db_path = imports_dir or settings.imports_dir(), db_path or settings.warehouse_path()
    name = safe_name(filename)
    with lock.hold(db_path, wait=wait, timeout=settings.lock_wait_seconds(), on_wait=on_wait):
        imports_dir.mkdir(parents=True, exist_ok=True)
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
            return build([raw_dir, imports_dir], db_path)
        except BaseException:
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(backup)
            if had_mark:
                mark.touch()
            else:
                mark.unlink(missing_ok=True)
            raise


def remove(filename: str, *, imports_dir: Path | None = None, raw_dir: Path = DEFAULT_INPUT,
           db_path: Path | None = None, wait: bool = True) -> BuildReport:
    imports_dir, db_path = imports_dir or settings.imports_dir(), db_path or settings.warehouse_path()
    name = safe_name(filename)
    with lock.hold(db_path, wait=wait, timeout=settings.lock_wait_seconds()):
        target = imports_dir / name
        if not target.exists():
            raise EtlError(key="etl.no_such_import", file=name)
        backup = target.read_bytes()
        target.unlink()
        try:
            return build([raw_dir, imports_dir], db_path)
        except BaseException:
            target.write_bytes(backup)
            raise
        finally:
            if not target.exists():
                (imports_dir / (name + ACCEPT_MARK)).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """``preview NAME`` / ``commit NAME [--accept]`` (the file's bytes on stdin), ``remove NAME``, ``list``: one
    JSON object on stdout. Exit 0 whatever the file holds (its problems are in the JSON); 2 on an internal error."""
    ap = argparse.ArgumentParser(prog="python -m etl.importer")
    ap.add_argument("action", choices=["preview", "commit", "remove", "list"])
    ap.add_argument("name", nargs="?", default="")
    ap.add_argument("--accept", action="store_true")
    ap.add_argument("--lang", default="en", choices=["fr", "en"])
    ap.add_argument("--max-bytes", type=int, default=None)
    args = ap.parse_args(argv)
    try:
        if args.action == "list":
            result: dict = {"imports": list_imports()}
        elif args.action == "preview":
            result = asdict(preview(sys.stdin.buffer.read(), args.name, args.max_bytes, args.lang))
        elif args.action == "commit":
            report = commit(sys.stdin.buffer.read(), args.name, args.accept,
                            on_wait=lambda m: print(json.dumps({"waiting": m}), file=sys.stderr, flush=True))
            result = {"n_projects": report.n_projects, "seconds": round(report.seconds, 2)}
        else:
            report = remove(args.name)
            result = {"n_projects": report.n_projects, "seconds": round(report.seconds, 2)}
    except EtlError as exc:
        result = {"error": exc.message(args.lang)}
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
