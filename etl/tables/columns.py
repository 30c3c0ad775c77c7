"""The columns of an imported table: which field each header names (data/reference/import_columns.csv, its
aliases compared without case, accents, spacing or punctuation), and the template a user fills in."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from common.import_format import dictionary, template_csv
from common.text import fold
from etl.errors import TableError

__all__ = ["Mapping", "dictionary", "map_columns", "template_csv", "types"]


def types() -> dict[str, str]:
    """field -> its type (text, list, amount, rate, date, year, status, grant_kind)."""
    return {d["field"]: d["type"] for d in dictionary()}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {_key(a): d["field"] for d in dictionary() for a in d["aliases"].split("|")}


def _key(header: str) -> str:
    return fold(header or "").replace(" ", "_")


@dataclass
class Mapping:
    """Which column (by position) holds each field, and the header as printed."""

    index: dict[str, int]                                  # field -> 0-based column
    printed: dict[str, str]                                # field -> header as printed
    ignored: list[str] = field(default_factory=list)       # headers that name no field


def map_columns(header: list[str], name: str) -> Mapping:
    aliases = _aliases()
    index: dict[str, int] = {}
    printed: dict[str, str] = {}
    ignored = []
    for i, h in enumerate(header):
        f = aliases.get(_key(h))
        if f and f not in index:
            index[f], printed[f] = i, (h or "").strip()
        elif (h or "").strip():
            ignored.append(h.strip())
    missing = [d["field"] for d in dictionary() if d["required"] == "yes" and d["field"] not in index]
    if missing:
        found = ", ".join(h.strip()[:40] for h in header if h and h.strip())[:400]
        raise TableError(key="etl.missing_columns", file=name, missing=", ".join(missing), found=found or "—")
    return Mapping(index, printed, ignored)

