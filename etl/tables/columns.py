"""The columns of an imported table: which published format (profile) its headers are, and which field each names.

Profiles (reviewed data): the project's own template (data/reference/import_columns.csv), the EU lists of operations
of 2014–2020 and 2021–2027 and the SCDL Subventions files (data/reference/import_profiles.csv, each column with its
French and English names and its source). A header names a field when its words are the words of one of the field's
names, whatever their case, accents, spacing, punctuation, order or camel case ('Date de début de l'opération',
'OPERATION START DATE', 'dateConvention'); small words and units ('de', 'l'', '€', 'HT') do not count. The profile
whose required columns are all there and which names the most columns wins; none: the message names the closest
profile and the columns it misses.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache

from common.i18n import message
from common.import_format import dictionary, template_csv
from common.settings import ROOT
from common.text import fold
from etl.errors import TableError

__all__ = ["Mapping", "Profile", "dictionary", "map_columns", "profile_required", "profiles", "template_csv", "types"]
PROFILES_CSV = ROOT / "data" / "reference" / "import_profiles.csv"
_SMALL = frozenset("de du des la le les l d et en a au aux of the and in for pour par s eur euros ht ttc".split())
# the profiles' labels and their order when two name as many columns (the most specific first)
LABELS = {"scdl": ("Subventions (SCDL)", "Grants (SCDL)"),
          "eu_2021_2027": ("Liste des opérations UE 2021-2027", "EU list of operations 2021-2027"),
          "eu_2014_2020": ("Liste des opérations UE 2014-2020", "EU list of operations 2014-2020"),
          "template": ("Modèle du projet", "The project's template")}


def types() -> dict[str, str]:
    """field -> its type (text, list, amount, rate, share, date, year, status, grant_kind, fund, siret, period…)."""
    return {d["field"]: d["type"] for d in dictionary()}


def words(header: str) -> frozenset[str]:
    """A header's significant words: camel case split, folded, small words and units dropped."""
    spaced = re.sub(r"(?<=[a-zà-ÿ])(?=[A-Z])", " ", header or "")
    return frozenset(w for w in fold(spaced).split() if w not in _SMALL)


@dataclass(frozen=True)
class Profile:
    name: str
    fields: dict[str, tuple[bool, tuple[frozenset, ...]]]  # field -> (required, its names as word sets)

    def label(self, lang: str = "fr") -> str:
        return LABELS[self.name][0 if lang == "fr" else 1]

    def required(self) -> list[str]:
        return [f for f, (req, _) in self.fields.items() if req]


@lru_cache(maxsize=1)
def profiles() -> tuple[Profile, ...]:
    out = {"template": {d["field"]: (d["required"] == "yes",
                                     tuple(words(a.replace("_", " ")) for a in d["aliases"].split("|") + [d["column_fr"]]))
                        for d in dictionary()}}
    with PROFILES_CSV.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.setdefault(r["profile"], {})[r["field"]] = (r["required"] == "yes",
                                                            tuple(words(a) for a in r["aliases"].split("|")))
    return tuple(Profile(name, out[name]) for name in LABELS)


@dataclass
class Mapping:
    """Which column (by position) holds each field, the header as printed, and the profile recognised."""

    index: dict[str, int]                                  # field -> 0-based column
    printed: dict[str, str]                                # field -> header as printed
    ignored: list[str] = field(default_factory=list)       # headers that name no field
    profile: str = "template"


def profile_required(mapping: Mapping) -> list[str]:
    """The fields a row of this profile must fill (its required columns; the template's: the call and the title)."""
    prof = next(p for p in profiles() if p.name == mapping.profile)
    return prof.required()


def _match(profile: Profile, header: list[str]) -> Mapping:
    names = {w: f for f, (_, aliases) in profile.fields.items() for w in aliases if w}
    m = Mapping({}, {}, [], profile.name)
    for i, h in enumerate(header):
        f = names.get(words(h))
        if f and f not in m.index:
            m.index[f], m.printed[f] = i, (h or "").strip()
        elif (h or "").strip():
            m.ignored.append(h.strip())
    return m


def recognised(header: list[str]) -> bool:
    """Whether a row names every required column of some profile (the header, not a title line above it)."""
    return any(not [f for f in p.required() if f not in _match(p, header).index] for p in profiles())


def map_columns(header: list[str], name: str, lang: str = "en") -> Mapping:
    """The profile the headers are (all its required columns there, the most columns named) and its mapping."""
    candidates = []
    for rank, p in enumerate(profiles()):
        m = _match(p, header)
        missing = [f for f in p.required() if f not in m.index]
        candidates.append((not missing, len(m.index) - len(missing), -rank, p, m, missing))
    complete, _, _, best, mapping, missing = max(candidates, key=lambda c: c[:3])
    if complete:
        return mapping
    found = ", ".join(h.strip()[:40] for h in header if h and h.strip())[:400]
    labels = [message(f"field.{f}", lang) if message(f"field.{f}", lang) != f"field.{f}" else f for f in missing]
    raise TableError(key="etl.missing_columns", file=name, profile=best.label(lang), missing=", ".join(labels),
                     found=found or "—")
