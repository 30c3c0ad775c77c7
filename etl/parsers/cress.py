"""Slides (or a newsletter) of a regional CRESS event: grant schemes, a foundation's calls, a study.

Recognised pieces (each optional, each by its wording, not its position; the wording is the family's vocabulary,
data/reference/documents/cress_slides.csv):
- a grant scheme: its bounds ("Subvention comprise entre X € et Y €", "Aide de X à Y €", "montant maximum…"), its
  rate cap ("limitée à Z %", "plafonnée à…", "taux maximum…") and the cap for priority areas ("Plafond à W % pour
  les territoires ruraux…"), its creation ("créé en YYYY par la Région …");
- thematic calls: "## YYYY Theme" headings (or "Appel à projets YYYY : Theme") over funnel lines
  ("- N dossiers reçus", "- N candidatures", "- N présélectionnés", "- N projets soutenus" / "N lauréats"…);
- a programme with an envelope ("Enveloppe de X €");
- projects supported by a call, exported as <p><b>NAME</b> text</p> cells or as '**NAME** text' lines;
- a study: "Etude de N dynamiques".
A scheme whose bounds or rate cannot be read, and a funnel line whose count names no known stage, are extraction
errors: the figures would be lost.
"""

from __future__ import annotations

import re

from etl.clean import find_amounts, fold, key_slug, parse_amount, slug
from etl.models import Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import Line, clean_org_name, nonblank, prepared, strip_md
from etl.parsers.vocabulary import Vocabulary, norm, strip_bullet, vocabulary

FAMILY = "cress_slides"
_HTML_PROJECT_RE = re.compile(r"<p>\s*<b>(.+?)</b>\s*(.*?)</p>", re.IGNORECASE)
_BOLD_PROJECT_RE = re.compile(r"^\s*(?:[-•*]\s+)?\*\*([^*]{3,120})\*\*\s*[:–-]?\s*(.{20,})$")
_COUNT_LINE_RE = re.compile(r"^\s*[-•▶►*]?\s*(?:\*\*)?(\d{1,4})(?:\*\*)?\s+[A-Za-zÀ-ÿ]")


def _vocab() -> Vocabulary:
    return vocabulary(FAMILY)


def detect(text: str) -> int:
    v = _vocab()
    named = v.contains(text[:5000], "detect")
    if not named:
        return 0
    lines = [t for t in text.replace("\r", "\n").split("\n") if t.strip()]
    pieces = sum(1 for t in lines if len(t) < 300 and v.search(t, ("scheme", "funnel", "study")))
    pieces += sum(1 for t in lines if _HTML_PROJECT_RE.search(t))
    return 8 * min(named, 2) + 3 * min(pieces, 10)


def _chamber_region(lines: list[Line]) -> str | None:
    """The region of the chamber that publishes the document ('La CRESS Normandie', 'CRESS Grand Est')."""
    from etl import geo

    gz = geo.gazetteer()
    for _, t in lines[:80]:
        m = re.search(r"\bCRESS\s+(?:de\s+|d['’]|du\s+)?([A-ZÉÎ][\w'’\-]+(?:[ -](?:de|du|la|d'|et)?\s?[A-ZÉ][\w'’\-]+)*)",
                      strip_md(t))
        if m:
            place = gz.lookup(m.group(1))
            if place is not None and place.kind in ("region", "alias") and len(place.regions) == 1:
                return m.group(1)
    return None


def _region(text: str) -> str | None:
    m = re.search(r"R[ée]gion\s+([A-ZÉÎ][\w'’\-]+(?:[ -][A-ZÉ][\w'’\-]+)*)", text)
    return m.group(1) if m else None


def _bounds_text(t: str) -> tuple:
    """(min, max) of 'entre 15 et 60 k€', '15 000 € à 60 000 €': a bound printed without its unit takes the other's."""
    s = norm(strip_md(t))
    m = re.search(r"(?:entre|de)\s+(\d[\d\s.,]*)\s*(k\s?€|m\s?€|€|euros?)?\s+(?:et|à|a)\s+(\d[\d\s.,]*)\s*"
                  r"(k\s?€|m\s?€|€|euros?)", s)
    if not m:
        return None, None
    unit_min = m.group(2) or m.group(4)
    return parse_amount(f"{m.group(1)} {unit_min}"), parse_amount(f"{m.group(3)} {m.group(4)}")


def _scheme(v: Vocabulary, lines: list[Line]) -> tuple[Programme | None, list[Issue]]:
    nb = nonblank(lines)
    bound_i = next((i for i, (_, t) in enumerate(nb) if len(t) < 400 and v.search(t, ("scheme",), ("bounds", "min",
                                                                                                     "max"))), None)
    cue_i = next((i for i, (_, t) in enumerate(nb) if strip_md(t).lstrip("# ").lower().startswith("montants")
                  or (fold(t).count("subvention") and "depenses eligibles" in fold(t))), None)
    anchor = bound_i if bound_i is not None else cue_i
    if anchor is None:
        return None, []
    n, t = nb[anchor]
    # The scheme's name: the last bold acronym and capitalised expansion above its figures.
    acronym, expansion, created, funder_region = None, None, None, None
    for _, x in nb[:anchor + 1]:
        s = strip_md(x)
        if re.fullmatch(r"\*\*[A-Z0-9]{2,10}\*\*", x.strip()):
            acronym = s
        if x.startswith("## ") and s.lstrip("# ").isupper():
            expansion = s.lstrip("# ").strip()
        for h in v.search(s, ("created",)):
            created = int(h.values["year"])
            if h.values.get("name"):
                funder_region = re.sub(r"^(?:la|le|l')\s+", "", strip_md(h.values["name"]), flags=re.I)
                region = re.search(r"r[ée]gion [\w\- ]+", s, re.IGNORECASE)
                funder_region = region.group(0).strip() if region else funder_region
            break
    named = re.search(r"\b[Dd]ispositif\s+((?:[A-Z0-9][\w'’\-]*\s?){1,4})", " ".join(x for _, x in nb[max(0, anchor - 3):
                                                                                                   anchor + 1]))
    acronym = acronym or (named.group(1).strip() if named else None)
    name = " – ".join(x for x in (acronym, expansion.capitalize() if expansion else None) if x) or "Dispositif"
    prog = Programme(key=f"scheme-{slug(acronym or name, 20)}-{created or ''}".strip("-"), name=name,
                     funder=funder_region[0].upper() + funder_region[1:] if funder_region else None, year=created,
                     kind="scheme", line_start=n, line_end=n)
    window = nb[anchor: anchor + 8]
    for n2, t2 in window:
        lo, hi = _bounds_text(t2)
        for h in v.search(strip_md(t2), ("scheme",)):
            if h.field in ("bounds", "min") and prog.min_grant_eur is None:
                lo = lo if lo is not None else h.amount("amount_min")
            if h.field in ("bounds", "max") and prog.max_grant_eur is None:
                hi = hi if hi is not None else h.amount("amount_max")
            if h.field == "rate" and h.rate() is not None:
                clause = re.split(r"[;.](?:\s|$)", strip_md(t2)[h.start:], maxsplit=1)[0]  # the rate's clause
                priority = any(f" {fold(p.phrase)}" in f" {fold(clause)}" for p in v.of("priority"))
                attr = "rate_cap_priority" if priority else "rate_cap"
                if getattr(prog, attr) is None:
                    setattr(prog, attr, h.rate())
                    prog.sources[attr] = Source(t2.strip(), n2)
                    prog.line_end = max(prog.line_end, n2)
        if lo is not None and prog.min_grant_eur is None:
            prog.min_grant_eur = lo
            prog.sources["min_grant_eur"] = Source(t2.strip(), n2)
        if hi is not None and prog.max_grant_eur is None:
            prog.max_grant_eur = hi
            prog.sources["max_grant_eur"] = Source(t2.strip(), n2)
    issues = []
    missing = [label for attr, label in (("min_grant_eur", "minimum grant"), ("max_grant_eur", "maximum grant"),
                                         ("rate_cap", "rate cap")) if getattr(prog, attr) is None]
    if missing:
        issues.append(Issue("scheme_incomplete", "error",
                            f"the scheme's {', '.join(missing)} could not be read near line {n}", t.strip()[:200],
                            "min_grant_eur", "extraction", params={"fields": ", ".join(missing), "line": n}))
    return prog, issues


def _calls(v: Vocabulary, lines: list[Line], foundation: str | None, fkey: str) -> tuple[list[Programme], list[Issue]]:
    progs, issues = [], []
    for i, (n, t) in enumerate(lines):
        if not t.startswith("#"):
            continue
        h = v.whole(t.lstrip("#").strip(), ("call",))
        if h is None or not h.values.get("year") or len(h.values.get("name", "")) > 80:
            continue
        year, theme = int(h.values["year"]), strip_md(t.lstrip("# ")).strip()
        theme = re.sub(rf"^(?:appel [àa] projets|aap)?\s*{year}\s*[:–-]?\s*|\s*{year}$", "", theme, flags=re.I).strip()
        prog = Programme(key=f"{fkey}-{year}-{slug(theme, 20)}", name=f"Appel à projets {year} « {theme} »",
                         funder=foundation, year=year, kind="call", line_start=n, line_end=n)
        for n2, t2 in lines[i + 1:]:
            if t2.startswith("#"):
                break
            hits = v.search(strip_md(t2), ("funnel",))
            if hits:
                h2 = hits[0]
                attr = h2.field
                if getattr(prog, attr) is None and h2.count() is not None:
                    setattr(prog, attr, h2.count())
                    prog.sources[attr] = Source(t2.strip(), n2)
                    prog.line_end = n2
            elif (m := _COUNT_LINE_RE.match(t2)) and not re.match(r"(?:19|20)\d\d$", m.group(1)):
                issues.append(Issue("funnel_line_unread", "error",
                                    f"line {n2}: a count under the call '{theme}' names no known stage of a call",
                                    t2.strip()[:200], "applications", "extraction",
                                    params={"line": n2, "call": theme, "text": t2.strip()[:100]}))
        progs.append(prog)
    return progs, issues


_PROPER = r"[A-ZÉÈÀÂÎÔÛÇ0-9][\w'’\-]*"


def _name_run(text: str) -> str:
    """A proper name at the start of ``text``: capitalised words, and 'de X' when X is capitalised too ('CCAS de
    Millau'; 'Compagnie Corpop de […]' stops before 'de')."""
    m = re.match(rf"{_PROPER}(?:\s(?:(?:de|du|des|d'|d’)\s?)?{_PROPER})*", text)
    name = m.group(0) if m else ""
    rest = text[len(name):]
    # lower-case words that belong to a name printed that way ('Maisons des enfants de Douai')
    m2 = re.match(rf"((?:\s(?:des|du|de la|de)\s[a-zé][\w'’\-]*)+)(\s(?:de|du|d')\s?{_PROPER})?", rest)
    if name and m2 and m2.group(2):
        name += m2.group(1) + m2.group(2)
    return name.strip()


def _lead(v: Vocabulary, desc: str) -> str | None:
    """The organisation a supported project's description names: 'Porté par l'association X, …', 'L'association X
    répare…'."""
    for h in v.search(desc, ("lead",)):
        raw = re.sub(r"^(?:par\s+)?(?:l['’]\s?|la |le |les )?", "", desc[h.spans["name"][0]:], flags=re.I)
        form = re.match(r"(?i)(association|fondation|coopérative|scic|scop|sas|sarl|compagnie)\s+", raw)
        name = _form_name(raw[form.end():]) if form else _name_run(raw)
        if name:
            return clean_org_name(f"{form.group(1)} {name}" if form else name, keep_article=True)
    m = re.match(r"L['’]\s?association\s+(.+)$", desc)
    if m and _form_name(m.group(1)):
        return clean_org_name(f"Association {_form_name(m.group(1))}")
    return None


_VERB_AFTER_NAME = re.compile(r",|\s(?:sise?|située?|installée?|basée?|a|est|souhaite|propose|met|répare|conduit|"
                              r"apprend|accompagne|gère|forme|livre|anime|développe|porte|organise|vise|permet|"
                              r"transforme)\b")


def _form_name(text: str) -> str:
    """The name after a legal form ('l'association Du miel sur mes tartines, sise à…'): up to a comma or a verb, and
    before a commune it is 'de' ('Les amis d'Andy de Fressain propose…'; 'Les Potagers du Val de Saire' keeps its
    'de Saire', which is no commune)."""
    from etl import geo

    name = _VERB_AFTER_NAME.split(text, maxsplit=1)[0].strip(" .")
    m = re.search(r"\sde\s([A-ZÉ][\w'’\-]+(?:[ -][A-ZÉ][\w'’\-]+)*)$", name)
    if m and any(p.kind == "commune" for p in geo.gazetteer().names.get(fold(m.group(1)), [])):
        name = name[:m.start()]
    name = re.sub(r"(?:\s+(?:de|du|des|d')\s*)?\s*(?:…|\[\.\.\.\])\s*$", "", name).strip()  # cut by the export
    return name if name[:1].isupper() or name[:1].isdigit() else ""


def parse(text: str, source_file: str) -> ParsedDocument:
    v = _vocab()
    doc = ParsedDocument(FAMILY, source_file)
    lines = prepared(text)
    doc.title = next((strip_md(t.lstrip("# ")) for _, t in lines if t.strip() and len(strip_md(t)) > 3), "")
    scheme, issues = _scheme(v, lines)
    if scheme:
        doc.programmes.append(scheme)
    doc.issues.extend((None, i) for i in issues)
    # Foundation: the '# Fondation ...' heading naming it.
    foundation = next((strip_md(t.lstrip("# ")) for _, t in lines if t.startswith("#") and "fondation" in t.lower()),
                      None)
    region = _region(" ".join(t for _, t in lines if "fondation" in t.lower())) or _chamber_region(lines)
    if foundation and region and foundation.endswith(" " + region):
        foundation = foundation[: -len(region)].strip()
    elif foundation:
        # '# Fondation X Hauts-de-France': a trailing region name is where it acts, not its name.
        parts = re.split(r"\s+(?=[A-ZÉ][\w]*-(?:de|du|et)-)", foundation)
        if len(parts) == 2:
            foundation, region = parts[0], region or parts[1]
    fkey = slug(foundation or "fondation", 24)
    calls, issues = _calls(v, lines, foundation, fkey)
    doc.programmes.extend(calls)
    doc.issues.extend((None, i) for i in issues)
    for i, (n, t) in enumerate(lines):  # a programme with an envelope
        hits = v.search(strip_md(t), ("envelope",)) if len(t) < 300 else []
        if hits and hits[0].amount() is not None:
            head = next((strip_md(x.lstrip("# ")) for _, x in reversed(lines[:i]) if x.startswith("# ")), "Programme")
            prog = Programme(key=f"{fkey}-{slug(head, 24)}", name=head, funder=foundation, kind="scheme",
                             envelope_eur=hits[0].amount(), line_start=n, line_end=n)
            prog.sources["envelope_eur"] = Source(t.strip(), n)
            if prog.key not in {p.key for p in doc.programmes}:
                doc.programmes.append(prog)
    # Projects supported by the foundation's permanent call: HTML cells, or bold names opening a line.
    supported = [(n, m.group(1), m.group(2), m.group(0)) for n, t in lines for m in _HTML_PROJECT_RE.finditer(t)]
    if not supported:
        under = False
        for n, t in lines:
            if t.startswith("#") or (len(t) < 80 and v.whole(strip_bullet(t).rstrip("!"), ("supported_heading",))):
                under = bool(v.whole(strip_bullet(t).rstrip(" !"), ("supported_heading",))) or \
                    any(f" {fold(p.phrase)} " in f" {fold(t)} " for p in v.of("supported_heading"))
                continue
            m = _BOLD_PROJECT_RE.match(t)
            if under and m:
                supported.append((n, m.group(1), m.group(2), t.strip()))
    if supported:
        call = Programme(key=f"{fkey}-appel-permanent", name=f"{foundation or 'Fondation'} – appel à projets permanent",
                         funder=foundation, kind="call", line_start=supported[0][0], line_end=supported[-1][0])
        call.supported = len(supported)
        doc.programmes.append(call)
        for n, name, desc, raw in supported:
            title, desc = strip_md(name), strip_md(desc.replace("[...]", "…"))
            proj = Project(key=f"{call.key}-{key_slug(title)}", programme_key=call.key, title=title,
                           status="supported", line_start=n, line_end=n, description=desc)
            proj.lead_org = _lead(v, desc)
            proj.sources["title"] = Source(raw[:200], n)
            amounts = find_amounts(desc)
            if amounts:
                proj.grant_amount_eur = amounts[0][1]
                proj.grant_kind = "granted"
                proj.sources["grant_amount"] = Source(amounts[0][0], n)
            proj.location_hints.append(LocationHint(desc, "free_text", n))
            if region:
                proj.location_hints.append(LocationHint(region, "programme", n))
            doc.projects.append(proj)
    # The study: "# Restitution de l'étude-action du <author>" then "## <title>"; "Etude de N dynamiques".
    head_i = next((i for i, (_, t) in enumerate(lines) if re.match(r"^#\s.*[ée]tude-action", t, re.IGNORECASE)), None)
    author, title = None, None
    if head_i is not None:
        am = re.search(r"[ée]tude-action\s+(?:du|de la|de l['’]|des|de)\s*(.+)$", strip_md(lines[head_i][1].lstrip("# ")),
                       re.IGNORECASE)
        author = am.group(1).strip() if am else None
        title = next((strip_md(t.lstrip("# ")) for _, t in lines[head_i + 1: head_i + 6] if t.startswith("## ")), None)
    for i, (n, t) in enumerate(lines):
        hits = v.search(strip_md(t), ("study",)) if len(t) < 300 else []
        if hits and hits[0].count() is not None:
            years = [int(y) for _, x in lines[:i] for y in re.findall(r"^\s*((?:19|20)\d{2})\s*$", x)]
            name = "Étude-action" + (f" « {title} »" if title else "") + (f" ({author})" if author else "")
            prog = Programme(key=f"etude-{slug(title or t, 24)}", name=name, funder=author, kind="study",
                             year=years[-1] if years else None, line_start=n, line_end=n)
            prog.supported = hits[0].count()
            prog.sources["supported"] = Source(t.strip(), n)
            doc.programmes.append(prog)
            break
    return doc
