"""Text folding, in one place: names compared without case, accents or punctuation (``fold``), the search column
and what a user types compared without case or accents (``fold_search``), and the two helpers the document parsers
build on (``strip_marks``, ``fold_same_length``). The SQL side of ``fold`` is the macro ``ess_fold``
(etl/sql/macros.sql), of ``fold_search`` etl.read_model.fold_search_sql; tests/test_parity.py runs one table of
cases (tests/parity_cases.csv) through both sides."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# What an imported cell is trimmed of (etl/tables/check.py): spaces, tabs, line breaks, no-break spaces.
TRIMMED = " \t\n\r\u00a0\u202f"
# Letters written as two (French 'œ', 'æ') and the typographic ligatures PDF exports leave in words ('ﬁ'): the same
# table feeds the SQL macro ess_ligatures (etl/schema.py), so that both sides read 'Œuvre' and 'ﬁnance' alike.
LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl",
             "ﬅ": "st", "ﬆ": "st"}
_LIGATURE_RE = re.compile("|".join(LIGATURES))


def _ligatures(text: str) -> str:
    return _LIGATURE_RE.sub(lambda m: LIGATURES[m.group(0)], text)


def strip_marks(text: str) -> str:
    """Ligatures written out and accents dropped, as SQL's strip_accents does (canonical decomposition, every mark
    removed, recomposed): 'Cœur-d'Hérault' -> 'Coeur-d'Herault'."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFD", _ligatures(text))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.category(c).startswith("M")))


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case, no accents, punctuation as one space, trimmed: 'Cœur-d'Hérault' -> 'coeur d herault'.

    ASCII text skips the Unicode decomposition (it would not change it); the geocoder folds the same n-grams many
    times, hence the cache."""
    return _NOT_ALNUM.sub(" ", strip_marks(text).lower()).strip()


def fold_search(text: str) -> str:
    """Lower case without accents, ligatures written out, spaces and punctuation kept: how the search column is
    stored and how the words a user types are compared to it."""
    return strip_marks(text.lower())


def fold_same_length(text: str) -> str:
    """Lower case without accents, one character for one (positions in it are positions in ``text``)."""
    return "".join((unicodedata.normalize("NFD", c)[0] if not c.isascii() else c)
                   for c in text.replace("’", "'")).lower()
