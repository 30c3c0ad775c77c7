"""Avise methodological guide: inspiring examples and experimentations.

A record opens with a heading that ends with its territory in parentheses ('UN RÉSEAU … (CENTRE-NORD DES LANDES)'),
in capitals or not, usually followed by a line of hashtags; the table of contents lists the same records
('… : PLOUCS (Centre-nord des Landes) 20') and the count of each part ('12 exemples inspirants'). Records after the
part on experimentations are experimentations, before it examples. Parts, sub-headings and counts are the
family's vocabulary, data/reference/documents/avise_guide.csv; structure types, data/reference/structure_types.csv.
"""

from __future__ import annotations

import csv
import re
from difflib import SequenceMatcher
from functools import lru_cache

from etl.clean import fold, key_slug, slug
from etl.models import Count, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import Line, clean_org_name, is_caps, nonblank, prepared, strip_md, subject_org
from etl.parsers.text import REF_DIR
from etl.parsers.vocabulary import Vocabulary, vocabulary

FAMILY = "avise_guide"
_HASHTAGS_RE = re.compile(r"^\s*(?:\*\*)?#[^\s#]")
_HEADING_RE = re.compile(r"^(.*\S)\s*\(([^()]+)\)\s*[.:]?\s*$")
_TOC_RE = re.compile(r"^(.*\S)\s*\(([^()]+)\)\s*(?:\.{2,}|\t+|\s)\s*\**(\d{1,3})\**\s*$")
_MONTHS = r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"


def _vocab() -> Vocabulary:
    return vocabulary(FAMILY)


@lru_cache(maxsize=1)
def structure_types() -> list[tuple[str, str]]:
    with (REF_DIR / "structure_types.csv").open(encoding="utf-8") as fh:
        rows = [(r["structure_type"], fold(r["phrase"])) for r in csv.DictReader(fh)]
    return sorted(rows, key=lambda r: -len(r[1]))


def _types_in(text: str) -> list[str]:
    """Structure types named in ``text``, in the order they are named."""
    f = f" {fold(text)} "
    found = []
    for name, phrase in structure_types():
        pos = f.find(f" {phrase} ")
        if pos >= 0:
            found.append((pos, name))
    out = []
    for _, name in sorted(found):
        if name not in out:
            out.append(name)
    return out


def _hashtags(line: str) -> list[str]:
    return [h.strip(" *") for h in re.findall(r"#([^#]+)", line) if h.strip(" *")]


def detect(text: str) -> int:
    v = _vocab()
    head = fold(text[:8000])
    lines = [t for t in text.replace("\r", "\n").split("\n") if t.strip()]
    records = sum(1 for i, t in enumerate(lines[:-1]) if _HEADING_RE.match(strip_md(t)) and len(t) < 260
                  and any(_HASHTAGS_RE.match(x) for x in lines[i + 1:i + 3]))
    if records == 0 or "avise" not in head and records < 3:
        return 0
    return 10 * min(v.contains(text[:8000], "detect"), 3) + 10 * min(records, 6)


def _part(v: Vocabulary, t: str):
    s = strip_md(t)
    if not s or len(s) > 160 or _TOC_RE.match(s) or re.search(r"\s\**\d{1,3}\**\s*$", s):
        return None
    return v.whole(s, ("part",))


def _toc_entries(lines: list[Line]) -> list[dict]:
    out = []
    for n, t in lines:
        m = _TOC_RE.match(strip_md(t))
        if m and len(m.group(1)) > 10:
            descriptor = m.group(1).strip(" ,:")
            name = descriptor.split(" : ", 1)[1].strip() if " : " in descriptor else None
            out.append({"line": n, "descriptor": descriptor, "name": name, "territory": m.group(2).strip(),
                        "lead": descriptor.split(" : ", 1)[0].strip() if name else descriptor})
    return out


def _match_toc(toc: list[dict], descriptor: str) -> dict | None:
    """The table of contents' entry of a heading (a misprint on either side tolerated)."""
    f = fold(descriptor)
    best, score = None, 0.0
    for e in toc:
        for fe in (fold(e["descriptor"]), fold(e["lead"])):
            if fe == f:
                return e
            sm = SequenceMatcher(None, fe[:80], f[:80])
            r = sm.ratio() if sm.real_quick_ratio() >= 0.85 and sm.quick_ratio() >= 0.85 else 0.0
            if r > score:
                best, score = e, r
    return best if score >= 0.85 else None


def _sub_sections(v: Vocabulary, body: list[Line]) -> dict[str, list[Line]]:
    out: dict[str, list[Line]] = {"": []}
    cur = ""
    for n, t in body:
        s = strip_md(t)
        h = v.whole(s, ("section",), tail=80) if len(s) < 120 else None
        if h:
            cur = h.field
            out.setdefault(cur, [])
            continue
        out.setdefault(cur, []).append((n, t))
    return out


def _attributed_types(name: str, text: str) -> list[str]:
    """Structure types the text gives the record's structure: 'X est une SCIC', 'la SCA X'."""
    f = fold(text)
    key = fold(name)
    if not key or len(key) < 3:
        return []
    out = []
    if key not in f:
        return []
    for t, phrase in structure_types():
        if phrase not in f:
            continue
        rx = (rf"\b{re.escape(key)} (?:est|sont|devient|a cree|constitue) (?:une |un |la |le )?(?:\w+ ){{0,3}}"
              rf"{re.escape(phrase)}\b|\b(?:la|le|une|un|cette) {re.escape(phrase)} (?:\w+ ){{0,2}}{re.escape(key)}\b")
        if re.search(rx, f):
            out.append(t)
    return out


def _operators(body: list[Line]) -> str | None:
    """The experimentation's operator: the logo's text under OPÉRATEUR(S), else its presentation's subject."""
    if not body:
        return None
    s = strip_md(body[0][1])
    if 1 < len(s) < 50 and not s.endswith((".", ":")) and len(s.split()) <= 6:
        return clean_org_name(s, keep_article=True)
    return subject_org(body[0][1])


def parse(text: str, source_file: str) -> ParsedDocument:
    v = _vocab()
    doc = ParsedDocument(FAMILY, source_file)
    lines = prepared(text)
    doc.title = next((strip_md(t) for _, t in lines if t.strip()), "Guide")
    title = doc.title
    m = re.search(rf"\b({_MONTHS})\s+(\d{{4}})", text[:3000], re.IGNORECASE)
    year = int(m.group(2)) if m else None
    if year is None:
        ym = re.search(r"(?<!\d)(20\d\d)(?!\d)", text[:2000])
        year = int(ym.group(1)) if ym else None
    prog = Programme(key=f"avise-{slug(title, 20)}-{year or ''}".strip("-"), name=f"Guide Avise « {title} »"
                     + (f" ({m.group(1).lower()} {year})" if m else f" ({year})" if year else ""), funder="Avise",
                     year=year, kind="guide", line_start=1, line_end=lines[-1][0] if lines else 1)
    doc.programmes.append(prog)
    nb = nonblank(lines)
    toc = _toc_entries(nb)
    toc_lines = {e["line"] for e in toc}
    heads = []
    for i, (n, t) in enumerate(nb):
        s = strip_md(t)
        if n in toc_lines or len(s) > 260 or not _HEADING_RE.match(s) or s.endswith("."):
            continue
        after = [x for _, x in nb[i + 1:i + 4]]
        # its hashtags on the next line (a running header may come between), else its territory's sub-heading
        tagged = any(_HASHTAGS_RE.match(x) for x in after[:1]) or bool(after and v.whole(
            strip_md(after[0]), ("section",), ("territory",), tail=80))
        if tagged or (toc and _match_toc(toc, _HEADING_RE.match(s).group(1)) and (is_caps(t) or len(s) < 200)):
            heads.append(i)
    parts = [(i, h) for i, (n, t) in enumerate(nb) if (h := _part(v, t)) is not None]
    announced: dict[str, tuple[int, int, str]] = {}
    for i, (n, t) in enumerate(nb):  # counts: the table of contents, or the parts' headings
        for h in v.search(strip_md(t), ("count",)):
            if h.count() is not None and h.field not in announced:
                announced[h.field] = (h.count(), n, t.strip())
    for k, hi in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(nb)
        for pi, _ in parts:  # a record stops at the next part's heading
            if hi < pi < end:
                end = pi
        block = nb[hi:end]
        hn, heading = block[0]
        if hi > 0 and nb[hi - 1][0] == hn - 1 and is_caps(nb[hi - 1][1]) == is_caps(heading) \
                and not _part(v, nb[hi - 1][1]) and not nb[hi - 1][1].rstrip().endswith((".", ")")):
            heading = f"{nb[hi - 1][1].strip()} {heading.strip()}"  # a heading wrapped over two lines
            hn = nb[hi - 1][0]
        hm = _HEADING_RE.match(strip_md(heading))
        descriptor, territory = hm.group(1).strip(" ,:"), hm.group(2).strip()
        entry = _match_toc(toc, descriptor)
        part = "example"
        for pi, ph in parts:
            if pi < hi:
                part = "experimentation" if ph.field == "experimentations" else "example"
        tag_i = next((j for j, (_, x) in enumerate(block[1:4], 1) if _HASHTAGS_RE.match(x)), None)
        tags, last_tag = [], tag_i
        if tag_i:
            tags = _hashtags(block[tag_i][1])
            while last_tag + 1 < len(block) and _HASHTAGS_RE.match(block[last_tag + 1][1]):  # hashtags on two lines
                last_tag += 1
                tags += _hashtags(block[last_tag][1])
        body_lines = block[(last_tag or 0) + 1:]
        subs = _sub_sections(v, body_lines)
        subs["operators"] = subs.get("operators", [])[:2]
        name = entry["name"] if entry and entry["name"] else None
        if name is None and part == "example":
            # the structure's name: the first short line after the territory's paragraph
            for n, t in body_lines[1:8]:
                s = strip_md(t)
                if len(s) < 60 and not s.endswith((".", ":", ";")) and not s.startswith(("-", "«", "“")) \
                        and not v.whole(s, ("section",), tail=80):
                    name = s
                    break
        shown = entry["descriptor"] if entry and fold(entry["lead"]) == fold(descriptor) else descriptor
        if name is None:
            if " : " in shown:
                name = shown.split(" : ", 1)[1].strip()
            else:
                first = shown.split(",")[0].strip()
                name = first if 2 <= len(first.split()) <= 6 else shown
        if entry and fold(entry["territory"]) == fold(territory):
            territory = entry["territory"]  # as the contents print it (not in capitals)
        scope_text = " ".join(t for key, ls in subs.items() if key not in ("partners", "operators") for _, t in ls)
        name = name[0].upper() + name[1:] if name else name
        types = []
        for t in ([x for tag in tags for x in _types_in(tag)] + _types_in(descriptor) + _types_in(name)
                  + _attributed_types(name, scope_text)):
            if t not in types:
                types.append(t)
        proj = Project(key="", programme_key=prog.key, title=name, status=part, line_start=hn,
                       line_end=block[-1][0], part="Exemples inspirants" if part == "example" else "Expérimentations",
                       tags=tags, structure_type=" | ".join(types) or None, location_raw=territory,
                       description=(descriptor[0] + descriptor[1:].lower()) if descriptor else None)
        proj.lead_org = name if part == "example" else _operators(subs.get("operators", []))
        proj.sources["title"] = Source(entry and f"{entry['descriptor']} ({entry['territory']})" or heading,
                                       entry["line"] if entry else hn)
        proj.sources["location"] = Source(heading, hn)
        if tags:
            proj.sources["tags"] = Source(block[tag_i][1], block[tag_i][0])
        proj.location_hints.append(LocationHint(territory, "territory", hn))
        terr_text = " ".join(t for _, t in (subs.get("territory") or subs.get("", [])[:3]))
        if terr_text:  # the body details a natural area the heading names ('its departments listed')
            proj.location_hints.append(LocationHint(terr_text[:2000], "free_text", hn))
        proj.key = f"{prog.key}-{key_slug(name)}"
        doc.projects.append(proj)
    for field, status in (("examples", "example"), ("experimentations", "experimentation")):
        if field in announced:
            n_ann, line, raw = announced[field]
            doc.counts.append(Count(field, n_ann, sum(1 for p in doc.projects if p.status == status), line, raw))
    return doc
