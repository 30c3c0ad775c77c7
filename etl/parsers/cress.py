"""Slides of a regional CRESS event: grant schemes, a foundation's calls, a study.

Recognised pieces (each optional, each by its wording, not its position):
- a grant scheme: "Subvention comprise entre X € et Y €, limitée à Z % des dépenses",
  "Plafond à W %" for priority areas, "créé en YYYY par la Région ...";
- thematic calls: "## YYYY Theme" headings followed by "- N dossiers reçus",
  "- N dossiers présélectionnés", "- N projets soutenus";
- an exceptional programme with "Enveloppe de X €";
- projects supported by a call, exported as <p><b>NAME</b> text</p> cells;
- a study: "Etude de N dynamiques".
"""

from __future__ import annotations

import re

from etl.clean import fold, key_slug, parse_amount, parse_rate, slug
from etl.models import LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import Line, numbered, strip_md

FAMILY = "cress_slides"
_CALL_RE = re.compile(r"^\s*##\s*(\d{4})\s+(.+?)\s*$")
_HTML_PROJECT_RE = re.compile(r"<p><b>(.+?)</b>\s*(.*?)</p>", re.IGNORECASE)


def detect(text: str) -> bool:
    t = fold(text[:3000])
    return "cress" in t and ("dynamiques" in t or "cooperation" in t)


def _region(text: str) -> str | None:
    m = re.search(r"R[ée]gion\s+([A-ZÉÎ][\w'’\-]+(?:[ -][A-ZÉ][\w'’\-]+)*)", text)
    return m.group(1) if m else None


def _scheme(lines: list[Line], source_file: str) -> Programme | None:
    grant_i = next((i for i, (_, t) in enumerate(lines)
                    if re.search(r"subvention comprise entre", t, re.IGNORECASE)), None)
    if grant_i is None:
        return None
    n, t = lines[grant_i]
    m = re.search(r"entre\s+(.+?)\s+et\s+(.+?€)", strip_md(t), re.IGNORECASE)
    # The scheme's name: the last bold acronym and capitalised expansion above the amounts.
    acronym, expansion, created, funder_region = None, None, None, None
    for _, x in lines[:grant_i]:
        s = strip_md(x)
        if re.fullmatch(r"\*\*[A-Z0-9]{2,10}\*\*", x.strip()):
            acronym = s
        if x.startswith("## ") and s.lstrip("# ").isupper():
            expansion = s.lstrip("# ").strip()
        cm = re.search(r"cr[ée]{1,2} en (\d{4}) par la (R[ée]gion [\w\- ]+)", s, re.IGNORECASE)
        if cm:
            created, funder_region = int(cm.group(1)), cm.group(2).strip()
    name = " – ".join(x for x in (acronym, expansion.capitalize() if expansion else None) if x) or "Dispositif"
    prog = Programme(key=f"scheme-{slug(acronym or name, 20)}-{created or ''}".strip("-"), name=name,
                     funder=funder_region, year=created, kind="scheme", line_start=n, line_end=n)
    if m:
        prog.min_grant_eur = parse_amount(m.group(1) + (" €" if "€" not in m.group(1) else ""))
        prog.max_grant_eur = parse_amount(m.group(2))
        prog.sources["min_grant_eur"] = Source(t.strip(), n)
        prog.sources["max_grant_eur"] = Source(t.strip(), n)
    rm = re.search(r"limit[ée]e? [àa]\s*(\d+\s*%)", strip_md(t))
    if rm:
        prog.rate_cap = parse_rate(rm.group(1))
        prog.sources["rate_cap"] = Source(t.strip(), n)
    for n2, t2 in lines[grant_i + 1: grant_i + 6]:
        if re.search(r"plafond", t2, re.IGNORECASE):
            prog.rate_cap_priority = parse_rate(t2)
            prog.sources["rate_cap_priority"] = Source(t2.strip(), n2)
            prog.line_end = n2
    return prog


def parse(text: str, source_file: str) -> ParsedDocument:
    doc = ParsedDocument(FAMILY, source_file)
    lines = numbered(text)
    scheme = _scheme(lines, source_file)
    if scheme:
        doc.programmes.append(scheme)
    # Foundation: the '# Fondation ...' heading naming it.
    foundation = None
    for n, t in lines:
        if t.startswith("# ") and "fondation" in t.lower():
            foundation = strip_md(t.lstrip("# "))
            break
    region = _region(" ".join(t for _, t in lines if "fondation" in t.lower())) or None
    if foundation and region and foundation.endswith(" " + region):
        foundation = foundation[: -len(region)].strip()
    elif foundation:
        # '# Fondation X Hauts-de-France': a trailing region name is where it acts, not its name.
        parts = re.split(r"\s+(?=[A-ZÉ][\w]*-(?:de|du|et)-)", foundation)
        if len(parts) == 2:
            foundation, region = parts[0], region or parts[1]
    fkey = slug(foundation or "fondation", 24)
    # Thematic calls.
    for i, (n, t) in enumerate(lines):
        m = _CALL_RE.match(t)
        if not m:
            continue
        prog = Programme(key=f"{fkey}-{m.group(1)}-{slug(m.group(2), 20)}",
                         name=f"Appel à projets {m.group(1)} « {m.group(2)} »",
                         funder=foundation,
                         year=int(m.group(1)), kind="call", line_start=n, line_end=n)
        for n2, t2 in lines[i + 1:]:
            if t2.startswith("#"):
                break
            for attr, rx in (("applications", r"(\d+)\s+dossiers? re[çc]us"),
                             ("preselected", r"(\d+)\s+dossiers? pr[ée]s[ée]lectionn[ée]s"),
                             ("supported", r"(\d+)\s+projets? soutenus")):
                mm = re.search(rx, t2, re.IGNORECASE)
                if mm:
                    setattr(prog, attr, int(mm.group(1)))
                    prog.sources[attr] = Source(t2.strip(), n2)
                    prog.line_end = n2
        doc.programmes.append(prog)
    # Exceptional programme with an envelope.
    for i, (n, t) in enumerate(lines):
        if re.search(r"enveloppe de", t, re.IGNORECASE):
            head = next((strip_md(x.lstrip("# ")) for _, x in reversed(lines[:i]) if x.startswith("# ")), "Programme")
            prog = Programme(key=f"{fkey}-{slug(head, 24)}", name=head, funder=foundation, kind="scheme",
                             envelope_eur=parse_amount(t), line_start=n, line_end=n)
            prog.sources["envelope_eur"] = Source(t.strip(), n)
            doc.programmes.append(prog)
    # Projects supported by the foundation's permanent call.
    supported = [(n, m) for n, t in lines for m in _HTML_PROJECT_RE.finditer(t)]
    if supported:
        call = Programme(key=f"{fkey}-appel-permanent", name=f"{foundation or 'Fondation'} – appel à projets permanent",
                         funder=foundation, kind="call", line_start=supported[0][0], line_end=supported[-1][0])
        call.supported = len(supported)
        doc.programmes.append(call)
        for n, m in supported:
            title, desc = strip_md(m.group(1)), strip_md(m.group(2).replace("[...]", "…"))
            proj = Project(key=f"{call.key}-{key_slug(title)}", programme_key=call.key, title=title,
                           status="supported", line_start=n, line_end=n, description=desc)
            lm = re.search(r"(?:Port[ée] par|g[èe]re? par)\s+(l['’]\s?[Aa]ssociation\s+[\w'’\- ]+?|la [A-Z][\w'’\- ]+?|"
                           r"l['’][A-Z][\w'’\- ]+?|[A-Z][\w'’\- ]+?)(?:,| de | le | propose)", desc)
            am = re.match(r"L['’]association\s+([\w'’\- ]+?)(?:,| sise| a | souhaite)", desc)
            org = (lm.group(1) if lm else am.group(1) if am else None)
            if org:
                proj.lead_org = re.sub(r"^(l['’]\s?[Aa]ssociation\s+|la |l['’])", "", org).strip()
            proj.sources["title"] = Source(m.group(0)[:200], n)
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
    for n, t in lines:
        m = re.search(r"[ÉE]tude de \**(\d+)\** dynamiques", t, re.IGNORECASE)
        if m:
            years = [int(y) for y in re.findall(r"^\s*((?:19|20)\d{2})\s*$", text[: text.find(t)], re.M)]
            name = "Étude-action" + (f" « {title} »" if title else "") + (f" ({author})" if author else "")
            prog = Programme(key=f"etude-{slug(title or t, 24)}", name=name, funder=author, kind="study",
                             year=years[-1] if years else None, line_start=n, line_end=n)
            prog.supported = int(m.group(1))
            prog.sources["supported"] = Source(t.strip(), n)
            doc.programmes.append(prog)
            break
    return doc
