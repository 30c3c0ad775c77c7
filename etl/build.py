"""From folders of documents and tables to a DuckDB warehouse, one writer at a time.

parse the documents (pure parsers, etl/documents.py) while DuckDB reads and checks the tables (etl/tables) ->
turn external access off -> load both into the staging tables -> write the warehouse's tables once each
(etl/read_model.py) into a temporary file -> verify its keys -> swap it in only when complete, so that a failed
run leaves the previous warehouse untouched. The whole build holds the warehouse's lock (etl/lock.py).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from common import settings
from etl import documents, lock, read_model, schema, tables
from etl.errors import EtlError, TableError
from etl.tables.raw import register, why

DEFAULT_INPUT = settings.RAW_DIR
DEFAULT_IMPORTS = settings.imports_dir()
DEFAULT_DB = settings.warehouse_path()
ACCEPT_MARK = ".accept-valid-rows"  # beside an imported table: load its valid rows, report the rejected ones


@dataclass
class BuildReport:
    db_path: Path
    documents: list[tuple[str, str, int]] = field(default_factory=list)  # file, family, records
    skipped: list[tuple[str, str]] = field(default_factory=list)
    skipped_documents: list = field(default_factory=list)  # registry.Reading of each document no family claims
    counts: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # file -> (what, announced, found)
    programmes: list[tuple[str, int]] = field(default_factory=list)
    n_projects: int = 0
    n_placed: int = 0
    n_themed: int = 0
    issues_by_rule: Counter = field(default_factory=Counter)
    errors: list[tuple[str, int | None, str, str]] = field(default_factory=list)  # file, line, rule, message
    seconds: float = 0.0

    def summary(self) -> str:
        out = [f"Warehouse: {self.db_path}", "Documents:"]
        for f, fam, n in self.documents:
            counts = "; ".join(f"{what}: announced {a}, found {b}" for what, a, b in self.counts.get(f, []))
            out.append(f"  {f:<32} {fam:<14} {n:>4} records" + (f"  ({counts})" if counts else ""))
        for f, reason in self.skipped:
            out.append(f"  {f:<32} skipped: {reason}")
        out.append("Records per programme:")
        for p, n in self.programmes:
            out.append(f"  {p:<48} {n:>4}")
        pct = (lambda n: f"{n}/{self.n_projects} ({100 * n / self.n_projects:.0f} %)") if self.n_projects else str
        out.append(f"Projects: {self.n_projects}; placed on the map: {pct(self.n_placed)}; themed: {pct(self.n_themed)}")
        out.append("Quality issues by rule:")
        for rule, n in sorted(self.issues_by_rule.items(), key=lambda x: (-x[1], x[0])):
            out.append(f"  {rule:<28} {n:>4}")
        out.append(f"Built in {self.seconds:.2f} s")
        if self.errors:
            out += ["", f"ERRORS: {len(self.errors)} record(s) or document(s) could not be read in full "
                        "(extraction and import errors; python -m etl --strict fails on them):"]
            for f, line, rule, msg in self.errors[:200]:
                out.append(f"  [{rule}] {f}, line {line}: {msg}" if line else f"  [{rule}] {f}: {msg}")
            if len(self.errors) > 200:
                out.append(f"  … and {len(self.errors) - 200} more (Data quality page, or the table quality_issues)")
        return "\n".join(out)


def stage_table(con: duckdb.DuckDBPyConnection, path: Path, skip_invalid_rows: bool, prefix: str) -> tables.Staged:
    """A CSV/XLSX/Parquet import read and checked in DuckDB. Rejected rows stop the build unless the user chose to
    load the valid rows (``--skip-invalid-rows`` or the Import page's choice, kept beside the file)."""
    st = tables.stage(con, path, path.name, prefix)
    accept = skip_invalid_rows or path.with_name(path.name + ACCEPT_MARK).exists()
    if st.n_rejected_rows and not accept:
        first = st.problems(con, 20)
        more = f"\n  … and {st.n_problems - len(first)} more" if st.n_problems > len(first) else ""
        raise TableError(key="etl.rows_rejected", file=path.name, n=st.n_rejected_rows,
                         listed="\n  ".join(p.message("en") for p in first), more=more)
    return st


def load_table(con: duckdb.DuckDBPyConnection, path: Path, st: tables.Staged, report: BuildReport) -> None:
    if con.execute("SELECT count(*) FROM source_documents WHERE source_file = $f", {"f": path.name}).fetchone()[0]:
        raise EtlError(key="etl.same_name", file=path.name)
    n = tables.load_staged(con, st)
    con.execute("INSERT INTO source_documents (source_file, family, sha256, n_lines, n_records, status, title, encoding, "
                "profile, n_rows, modified_at) VALUES ($f, $fam, $sha, $lines, $n, 'loaded', $title, $enc, $profile, "
                "$rows, $mod)",
                {"f": path.name, "fam": tables.FAMILY, "sha": st.sha256, "lines": st.n_rows + 1, "n": n,
                 "title": st.title or path.stem, "enc": st.encoding, "profile": st.profile, "rows": st.n_rows,
                 "mod": datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)})
    tables.load.release(con, st.prefix)
    report.documents.append((path.name, tables.FAMILY, n))
    if st.n_rejected_rows:
        report.skipped.append((path.name, f"{st.n_rejected_rows} row(s) rejected (see quality issues)"))


def _insert_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    """The documents' rows: the staging tables' (TEMP) and the contract tables they alone fill."""
    for table in schema.LOAD_ORDER:
        df = frames.get(table)
        if df is None or df.empty:
            continue
        cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = $t "
                                          "ORDER BY column_index", {"t": table}).fetchall()]
        register(con, "incoming", df.reindex(columns=[c for c in cols if c in df.columns]))
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")  # table: a name of our own schema
        con.unregister("incoming")


def write_warehouse(frames: dict[str, pd.DataFrame] | Callable[[], dict[str, pd.DataFrame]], db_path: Path,
                    build_info: dict[str, str], table_paths: list[Path] = (), report: BuildReport | None = None,
                    skip_invalid_rows: bool = False) -> None:
    """Write every table into a new file next to ``db_path``, then swap it in atomically (call with the lock held).
    ``frames`` may be a function: it is called once the tables are read, so that the documents are parsed meanwhile."""
    report = report or BuildReport(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = lock.temp_path(db_path)
    lock.remove_dead_builds(db_path)
    try:
        con = duckdb.connect(str(tmp), config={"preserve_insertion_order": True})
        try:
            con.execute("SET enable_progress_bar = false")  # it writes to stdout, which the CLI reserves for its summary
            con.execute(f"SET threads = {int(settings.duckdb_threads(default=os.cpu_count() or 2))}")
            con.execute(f"SET memory_limit = '{settings.etl_memory()}'")  # validated by settings; spills beyond it
            schema.prepare(con)
            staged = [stage_table(con, path, skip_invalid_rows, f"t{i}") for i, path in enumerate(table_paths)]
            con.execute("SET enable_external_access = false")  # every file is read: nothing else may be
            frames = frames() if callable(frames) else frames
            # the schema once the tables are read: its many small statements would wait for the parsing thread
            schema.apply(con)
            schema.apply_staging(con)
            _insert_frames(con, frames)
            for path, st in zip(table_paths, staged):
                load_table(con, path, st, report)
            counts = read_model.write(con, [st.prefix for st in staged])
            schema.verify_keys(con, counts)
            n_projects = con.execute("SELECT count(*) FROM projects").fetchone()[0]
            if n_projects == 0:
                raise EtlError(key="etl.no_project", dirs=build_info.get("input_dir", ""))
            build_info["n_projects"] = str(n_projects)
            con.executemany("INSERT INTO build_info VALUES (?, ?)", sorted(build_info.items()))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    except duckdb.Error as exc:
        raise EtlError(key="etl.warehouse_failed", file=db_path.name, why=why(exc, db_path.name)) from exc
    finally:
        lock.remove_dead_builds(db_path)  # this build's temporary file, WAL and spill folder, if still there


def build(input_dir: Path | list[Path] = DEFAULT_INPUT, db_path: Path = DEFAULT_DB, skip_invalid_rows: bool = False,
          wait: bool = True, on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Build the warehouse from one or several folders (documents, and CSV/XLSX/Parquet tables). Another build of
    the same warehouse running: wait for it (``on_wait`` is told), or fail at once with ``wait=False``."""
    db_path = Path(db_path)
    with lock.hold(db_path, wait=wait, timeout=settings.lock_wait_seconds(), on_wait=on_wait):
        return _build(input_dir, db_path, skip_invalid_rows)


def _build(input_dir, db_path: Path, skip_invalid_rows: bool) -> BuildReport:
    started = datetime.now(UTC)
    report = BuildReport(db_path=db_path)
    dirs = [Path(d) for d in (input_dir if isinstance(input_dir, (list, tuple)) else [input_dir])]
    table_paths = [p for d in dirs for p in documents.input_files(d) if p.suffix.lower() in documents.TABLE_SUFFIXES]
    info = {"built_at": started.isoformat(timespec="seconds"), "build_id": f"{started.timestamp():.6f}",
            "input_dir": ", ".join(map(str, dirs))}

    def parsed() -> dict[str, pd.DataFrame]:
        docs = [doc for d in dirs for doc in documents.parse_folder(d, report)]
        if not docs and not table_paths:
            reasons = "".join(f"\n  {f}: {reason}" for f, reason in report.skipped)
            raise EtlError(key="etl.nothing_to_load", dirs=", ".join(map(str, dirs)) + reasons)
        info["documents"] = ", ".join([d.source_file for d in docs] + [t.name for t in table_paths])
        return documents.build_tables(docs, report.skipped_documents)

    if not table_paths:
        write_warehouse(parsed(), db_path, info, table_paths, report, skip_invalid_rows)
    else:  # the documents are parsed (Python) while DuckDB reads and checks the tables
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(parsed)
            try:
                write_warehouse(future.result, db_path, info, table_paths, report, skip_invalid_rows)
            finally:
                future.cancel()
    _report(report, db_path)
    report.seconds = (datetime.now(UTC) - started).total_seconds()
    return report


def _report(report: BuildReport, db_path: Path) -> None:
    with duckdb.connect(str(db_path), read_only=True) as con:
        report.n_projects, report.n_placed, report.n_themed = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE scope IS NOT NULL), count(*) FILTER (WHERE n_themes > 0) "
            "FROM projects").fetchone()
        counts = con.execute("SELECT programme_id, name, n_projects FROM programmes WHERE n_projects > 0 "
                             "ORDER BY 1").fetchall()
        report.programmes = [(f"{pid} ({' '.join(name.split())[:30]})", int(n)) for pid, name, n in counts][:40]
        report.issues_by_rule = Counter(dict(con.execute("SELECT rule, count(*) FROM quality_issues GROUP BY 1").fetchall()))
        for f, what, a, b in con.execute("SELECT source_file, what, announced, found FROM document_counts "
                                         "ORDER BY source_file, what").fetchall():
            report.counts.setdefault(f, []).append((what, a, b))
        report.errors = con.execute("SELECT source_file, source_line, rule, message FROM quality_issues "
                                    "WHERE severity = 'error' AND category IN ('extraction', 'import') "
                                    "ORDER BY source_file, source_line NULLS FIRST, issue_id").fetchall()
