"""Shared fixtures: one real build of the bundled documents per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from etl.build import build

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    """The real ETL run on the five bundled documents, into a temporary warehouse."""
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    build(RAW, db)
    return db


@pytest.fixture(scope="session")
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A writable copy of the bundled documents."""
    d = tmp_path / "raw"
    shutil.copytree(RAW, d)
    return d


@pytest.fixture(scope="session")
def app_env(warehouse):
    """Point the dashboard's read side at the test warehouse."""
    import os

    old = os.environ.get("ESS_WAREHOUSE")
    os.environ["ESS_WAREHOUSE"] = str(warehouse)
    yield warehouse
    if old is None:
        os.environ.pop("ESS_WAREHOUSE", None)
    else:
        os.environ["ESS_WAREHOUSE"] = old
