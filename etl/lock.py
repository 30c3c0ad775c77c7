"""One writer at a time per warehouse: the CLI, the Import page and any script that builds it take the same lock,
a file beside the warehouse (``.warehouse.duckdb.lock``) locked with flock. A build that finds another running
waits for it and says so (``on_wait``), or stops with a clear message when asked not to wait. The lock is
re-entrant within a thread (an import holds it across keeping its file and rebuilding). Whoever takes it removes
the temporary files of builds that died (kill -9, power loss): no live build can own them while it is held."""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from etl.errors import EtlError

_held = threading.local()


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.lock")


def temp_path(db_path: Path) -> Path:
    """Where this process builds the next warehouse before swapping it in."""
    return db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")


def _holder(path: Path) -> tuple[str, str]:
    try:
        pid, since = (path.read_text(encoding="utf-8").split(" ", 1) + ["?"])[:2]
        return pid.strip() or "?", since.strip()[:19] or "?"
    except OSError:
        return "?", "?"


def remove_dead_builds(db_path: Path) -> list[Path]:
    """The temporary warehouses, WAL and spill folders of earlier builds (call with the lock held)."""
    removed = []
    for p in db_path.parent.glob(f".{db_path.name}.*.tmp*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed


@contextmanager
def hold(db_path: Path, wait: bool = True, timeout: float = 600.0,
         on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse's lock for the duration of the block."""
    path = lock_path(Path(db_path))
    key = str(path.resolve())
    held: dict[str, int] = getattr(_held, "locks", None) or {}
    _held.locks = held
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, since = _holder(path)
            if not wait:
                raise EtlError(key="etl.lock_busy", file=Path(db_path).name, pid=pid, since=since) from None
            if on_wait:
                on_wait(EtlError(key="etl.lock_waiting", file=Path(db_path).name, pid=pid,
                                 seconds=int(timeout)).message("en"))
            deadline = time.monotonic() + timeout
            while True:
                time.sleep(0.1)
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise EtlError(key="etl.lock_busy", file=Path(db_path).name, pid=pid, since=since) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()} {datetime.now().isoformat(timespec='seconds')}")
            fh.flush()
            held[key] = 1
            remove_dead_builds(Path(db_path))
            yield
        finally:
            held.pop(key, None)
            fcntl.flock(fh, fcntl.LOCK_UN)
