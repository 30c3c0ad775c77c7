"""What reading a table gives, its one shared limit and how a reader's error is told to a user."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_COLUMNS = 500  # columns of a table's header
HEADER_SEARCH = 10  # rows searched for the header (a published list often prints its title above it)


@dataclass
class Raw:
    """What reading a table gives, beside its rows in ``{prefix}_raw``."""

    header: list[str]
    encoding: str
    sha256: str
    warnings: list[tuple[str, dict]] = field(default_factory=list)  # (message key, parameters)
    title: str = ""  # the lines above the header (a published list's title), if any
    first_row: int = 2  # the spreadsheet row (or CSV line) of the first data row: its rows' numbers start there


def why(exc: BaseException, name: str) -> str:
    """A reader's or the database's message, fit for a user: its first line, without a server path, short."""
    text = str(exc).strip().split("\n")[0] or type(exc).__name__
    text = re.sub(r"(?:[A-Za-z]:)?(?:/[^\s'\"/]+)+/?", name, text)  # /tmp/…/in.csv -> the user's file name
    return text[:240]


def register(con, name: str, frame) -> None:
    """A DataFrame as a view of ``con``. A result still open on the connection (a ``fetchone`` leaves one) would
    refuse it: a trivial query, fetched whole, closes it first."""
    con.execute("SELECT 1").fetchall()
    con.register(name, frame)
