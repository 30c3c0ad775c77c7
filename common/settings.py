"""Settings read from the environment, in one place (the README's table of environment variables lists them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = ROOT / "data" / "raw"


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


VARIABLES = [
    Variable("ESS_WAREHOUSE", "data/warehouse.duckdb", "the warehouse file, for the ETL and the dashboard alike"),
    Variable("ESS_IMPORTS", "data/imports", "where the Import page keeps uploaded tables (read by every build)"),
    Variable("ESS_IMPORT_ENABLED", "(off)", "1 opens the Import page"),
    Variable("ESS_IMPORT_TOKEN", "(none)", "the operator's token the Import page asks for; without it the page stays "
                                           "closed"),
    Variable("ESS_LOCK_WAIT", "600", "seconds a build waits for another build of the same warehouse to finish"),
    Variable("ESS_DUCKDB_THREADS", "2 (app) / all cores (ETL)", "DuckDB threads"),
    Variable("ESS_DUCKDB_MEMORY", "2GB", "DuckDB memory limit of the dashboard (it spills to disk beyond)"),
    Variable("ESS_ETL_MEMORY", "2GB", "DuckDB memory limit of a build (it spills to disk beyond)"),
    Variable("ESS_CHROMIUM", "/usr/bin/chromium", "the Chromium that renders chart images and the deck's PDF"),
    Variable("ESS_DEBUG", "(off)", "1: the ETL's command line shows the traceback of an internal error"),
    Variable("ESS_FUZZ", "(off)", "N: the import's property tests run N random examples each instead of CI's 40"),
]


def _get(name: str) -> str | None:
    v = os.environ.get(name)
    return v if v not in (None, "") else None


def warehouse_path() -> Path:
    return Path(_get("ESS_WAREHOUSE") or ROOT / "data" / "warehouse.duckdb")


def imports_dir() -> Path:
    return Path(_get("ESS_IMPORTS") or ROOT / "data" / "imports")


def import_enabled() -> bool:
    return (_get("ESS_IMPORT_ENABLED") or "").strip().lower() in ("1", "true", "yes", "on")


def import_token() -> str:
    return _get("ESS_IMPORT_TOKEN") or ""


def lock_wait_seconds() -> float:
    try:
        return max(0.0, float(_get("ESS_LOCK_WAIT") or 600))
    except ValueError:
        return 600.0


def duckdb_threads(default: int) -> int:
    try:
        return max(1, int(_get("ESS_DUCKDB_THREADS") or default))
    except ValueError:
        return default


def _memory(name: str) -> str:
    v = (_get(name) or "2GB").strip().upper().replace(" ", "")
    import re

    return v if re.fullmatch(r"\d+(?:\.\d+)?(?:KB|MB|GB|TB|KIB|MIB|GIB|TIB)", v) else "2GB"


def app_memory() -> str:
    return _memory("ESS_DUCKDB_MEMORY")


def etl_memory() -> str:
    return _memory("ESS_ETL_MEMORY")


def debug() -> bool:
    return bool(_get("ESS_DEBUG"))


def chromium() -> str:
    return _get("ESS_CHROMIUM") or "/usr/bin/chromium"
