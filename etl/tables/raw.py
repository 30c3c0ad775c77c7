"""What reading a table gives, its one shared limit and how a reader's error is told to a user."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_COLUMNS = 500  # columns of a table's header


@dataclass
class Raw:
    """What reading a table gives, beside its rows in ``{prefix}_raw``."""

    header: list[str]
    encoding: str
    sha256: str
    warnings: list[tuple[str, dict]] = field(default_factory=list)  # (message key, parameters)


def why(exc: BaseException, name: str) -> str:
    """A reader's or the database's message, fit for a user: its first line, without a server path, short."""
    text = str(exc).strip().split("\n")[0] or type(exc).__name__
    text = re.sub(r"(?:[A-Za-z]:)?(?:/[^\s'\"/]+)+/?", name, text)  # /tmp/…/in.csv -> the user's file name
    return text[:240]
