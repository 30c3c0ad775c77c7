"""The dashboard's one connection to the warehouse: read-only, external access off, a cursor per query, and answers
cached per build.

A build is known by its file's identity (inode, modification time, size): every cached answer is keyed by it, so
that no page shows an earlier build's figures once a rebuild has completed. A page run pins the build it started
with (``pin``): its charts all come from one build, even if a rebuild lands meanwhile.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from common import settings


class WarehouseMissing(Exception):
    pass


def warehouse_path() -> Path:
    return settings.warehouse_path()


def _stamp(path: Path) -> str:
    s = path.stat()
    return f"{s.st_ino}-{s.st_mtime_ns}-{s.st_size}"


def _snapshot(path: Path, stamp: str) -> Path:
    """A name of its own for this build of the warehouse (a hard link, else a copy).

    DuckDB keeps one database instance per file name in a process: after a rebuild is renamed over the same path,
    a new connect() would still see the old data. Each build gets its own name, so open sessions keep reading the
    build they started with and new queries see the new one."""
    snaps = path.parent / ".snapshots"
    snaps.mkdir(exist_ok=True)
    snap = snaps / f"{path.stem}-{stamp}{path.suffix}"
    if not snap.exists():
        tmp = snaps / f".{snap.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copy2(path, tmp)
        os.replace(tmp, snap)
    for old in snaps.glob(f"{path.stem}-*{path.suffix}"):
        if old != snap:
            old.unlink(missing_ok=True)  # open connections keep their file until they close
    return snap


@st.cache_resource(show_spinner=False, max_entries=4)
def _connect(path: str, stamp: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(_snapshot(Path(path), stamp)), read_only=True)
    con.execute("SET enable_progress_bar = false")
    # Explicit limits: the app shares a 2-core machine with its users' other work.
    con.execute(f"SET threads = {int(settings.duckdb_threads(default=2))}")
    con.execute(f"SET memory_limit = '{settings.app_memory()}'")  # validated by settings
    con.execute("SET enable_external_access = false")  # the app reads its warehouse and nothing else
    return con


_pinned = threading.local()


def build_id() -> str:
    """The identity of the warehouse this page run reads (pinned), else of the file as it is now."""
    pinned = getattr(_pinned, "stamp", None)
    if pinned:
        return pinned
    path = warehouse_path()
    if not path.exists():
        raise WarehouseMissing(path.name)
    return _stamp(path)


def pin() -> str:
    """Pin the current build for the rest of this page run (called first by every run of the app)."""
    _pinned.stamp = None
    _pinned.stamp = build_id()
    return _pinned.stamp


def connection() -> duckdb.DuckDBPyConnection:
    path = warehouse_path()
    if not path.exists():
        raise WarehouseMissing(path.name)
    stamp = build_id()
    try:
        return _connect(str(path), stamp)
    except (OSError, duckdb.IOException):  # the pinned build was replaced and its snapshot removed: the current one
        _pinned.stamp = None
        return _connect(str(path), build_id())


def df(sql: str, params: list | dict | None = None) -> pd.DataFrame:
    cur = connection().cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def cached(fn):
    """``fn`` cached per build: its answers are keyed by the build's identity and its own (small) arguments."""
    def with_build(build: str, *args, **kwargs):
        return fn(*args, **kwargs)

    with_build.__module__, with_build.__qualname__ = fn.__module__, f"{fn.__qualname__}.cached"
    with_build.__name__ = fn.__name__
    inner = st.cache_data(show_spinner=False, max_entries=512)(with_build)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        return inner(build_id(), *args, **kwargs)

    call.clear = inner.clear
    return call
