"""Avise methodological guide: inspiring examples and experimentations.

Each record opens with a capitalised heading ending in its territory in
parentheses, followed by a line of hashtags. Records before the part titled
"... EXPÉRIMENTATIONS" are examples, after it experimentations.
"""

from __future__ import annotations

import re

from etl.clean import fold, key_slug, slug
from etl.models import LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import is_caps, nonblank, numbered, strip_md

FAMILY = "avise_guide"
_HASHTAGS_RE = re.compile(r"^\s*#[^\s#]")
_HEADING_RE = re.compile(r"^(.*)\(([^()]+)\)\s*$")
STRUCTURE_TYPES = [("PTCE", r"\bPTCE\b"), ("SCIC", r"\bSCIC\b"), ("CAE", r"\bCAE\b|coop[ée]rative d['’]activit[ée]"),
                   ("Tiers-lieu", r"tiers-lieux?"), ("Fablab", r"\bfablab\b"), ("Foncière", r"\bfonci[èe]re\b"),
                   ("Fabrique à initiatives", r"fabrique [àa] (?:initiatives|projets)"),
                   ("Association", r"\bassociation\b")]


def detect(text: str) -> bool:
    head = fold(text[:5000])
    return "avise" in head and len(re.findall(r"^\s*#[A-ZÉÈ]", text, re.M)) >= 3


def _hashtags(line: str) -> list[str]:
    return [h.strip() for h in re.findall(r"#([^#]+)", line) if h.strip()]


def _structure_type(tags: list[str], body: str) -> tuple[str | None, str | None]:
    for name, rx in STRUCTURE_TYPES:
        if any(re.search(rx, t, re.IGNORECASE) for t in tags):
            return name, "hashtag"
    for name, rx in STRUCTURE_TYPES:
        if re.search(rx, body[:1500], re.IGNORECASE):
            return name, "text"
    return None, None


def parse(text: str, source_file: str) -> ParsedDocument:
    doc = ParsedDocument(FAMILY, source_file)
    lines = numbered(text)
    title = next((strip_md(t) for _, t in lines if t.strip()), "Guide")
    m = re.search(r"\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)\s+(\d{4})",
                  text[:3000], re.IGNORECASE)
    year = int(m.group(2)) if m else None
    prog = Programme(key=f"avise-{slug(title, 20)}-{year or ''}".strip("-"), name=f"Guide Avise « {title} »"
                     + (f" ({m.group(1).lower()} {year})" if m else ""), funder="Avise", year=year, kind="guide",
                     line_start=1, line_end=lines[-1][0] if lines else 1)
    doc.programmes.append(prog)
    nb = nonblank(lines)
    heads = []
    for i, (n, t) in enumerate(nb):
        if _HASHTAGS_RE.match(t) and i > 0 and _HEADING_RE.match(strip_md(nb[i - 1][1])) and is_caps(nb[i - 1][1]):
            heads.append(i - 1)
    parts = [(i, fold(t)) for i, (n, t) in enumerate(nb)
             if is_caps(t) and ("exemples" in fold(t) or "experimentations" in fold(t)) and ":" in t]
    for k, hi in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(nb)
        # stop a record at the next part title
        for pi, _ in parts:
            if hi < pi < end:
                end = pi
        block = nb[hi:end]
        (hn, heading), (tn, tagline) = block[0], block[1]
        hm = _HEADING_RE.match(strip_md(heading))
        descriptor, territory = hm.group(1).strip(" ,:"), hm.group(2).strip()
        part = None
        for pi, pt in parts:
            if pi < hi:
                part = "experimentation" if "experimentations" in pt else "example"
        part = part or "example"
        tags = _hashtags(tagline)
        body_lines = block[2:]
        name = None
        if part == "example":
            # The structure's name: the first short line after the territory paragraph.
            for n, t in body_lines[2:8]:
                s = strip_md(t)
                if len(s) < 60 and not s.endswith((".", ":", ";")) and not s.startswith(("-", "«", "“")):
                    name = s
                    break
        if name is None:
            if " : " in descriptor:
                name = descriptor.split(" : ", 1)[1].strip()
            else:
                first = descriptor.split(",")[0].strip()
                name = first if 2 <= len(first.split()) <= 6 else descriptor
        body = strip_md(" ".join(t for _, t in body_lines))
        stype, _ = _structure_type(tags, body)
        proj = Project(key="", programme_key=prog.key, title=name, status=part, line_start=hn,
                       line_end=block[-1][0], part="Exemples inspirants" if part == "example" else "Expérimentations",
                       tags=tags, structure_type=stype, location_raw=territory,
                       description=(descriptor[0] + descriptor[1:].lower()) if descriptor else None)
        proj.lead_org = name if part == "example" else None
        proj.sources["title"] = Source(heading, hn)
        proj.sources["location"] = Source(heading, hn)
        proj.sources["tags"] = Source(tagline, tn)
        proj.location_hints.append(LocationHint(territory, "territory", hn))
        proj.key = f"{prog.key}-{key_slug(name)}"
        doc.projects.append(proj)
    return doc
