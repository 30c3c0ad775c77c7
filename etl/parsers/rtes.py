"""RTES sheets of local-authority initiatives.

A collection opens with its title and a numbered table of contents (one line per sheet: the count it announces);
each sheet is a title ('# Title'; sometimes lost in the export: the table of contents then gives it) and sections
in any order ('## Pourquoi ce projet ?', '## Et concrètement ?', '## Le projet … en N chiffres', '## Les parties
prenantes du projet', '## Ce qu'en dit …'). Section headings are the family's vocabulary,
data/reference/documents/rtes_sheets.csv; the authority and its level come from etl.parsers.authorities.
"""

from __future__ import annotations

import re

from etl.clean import find_amounts, fold, key_slug, slug
from etl.models import Count, Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.authorities import find_authority
from etl.parsers.common import Line, nonblank, prepared, split_list, strip_md
from etl.parsers.vocabulary import Vocabulary, strip_bullet, vocabulary

FAMILY = "rtes_sheets"
_TOC_RE = re.compile(r"^\s*(\d{1,2}|[-•*▶►])\s*[.)-]?\s+(.+?\S)(?:\s*\.{2,}\s*|\s+|\t+)?(?:\d{1,3})?\s*$")


def _vocab() -> Vocabulary:
    return vocabulary(FAMILY)


def _section(v: Vocabulary, t: str):
    s = t.strip()
    if s.startswith("###"):
        return None  # a sub-heading inside a section ('### Enjeux :')
    if not s or len(s) > 220 or s.endswith((".", ";")) and not s.startswith("#"):
        return None
    if not (s.startswith("#") or s.startswith("**") or len(s) < 70):
        return None
    return v.whole(s.strip("*").strip(), ("section",))


def _protected(text: str) -> bool:
    return _section(_vocab(), text) is not None


def _title_line(t: str) -> bool:
    s = t.strip()
    return s.startswith("# ") or (s.startswith("#") and not s.startswith("##") and len(s) > 2)


def detect(text: str) -> int:
    v = _vocab()
    lines = [t for t in text.replace("\r", "\n").split("\n") if t.strip()]
    # a sheet's sections are headings of the export ('## Pourquoi ce projet ?'), not bullets of another family
    found = [(h.field, True) for t in lines[:20000] if t.lstrip().startswith("#") and (h := _section(v, t))]
    kinds = {f for f, _ in found} & {"why", "how", "figures", "stakeholders", "results", "plus"}
    if len(kinds) < 2:
        # one section kind: a sheet of its own ('## Pourquoi ce projet ?' under a '# Title') still is one
        titled = any(_title_line(t) for t in lines[:200])
        return 10 if kinds and titled and all(marked for _, marked in found) else 0
    named = v.contains(text[:20000], "detect")
    marked = sum(1 for _, m in found if m)  # '## Pourquoi ce projet ?': the export's heading marks
    return 10 * min(named, 2) + 5 * min(len(found), 10) + 5 * len(kinds) + 2 * min(marked, 10)


def _toc(lines: list[Line], stop: int) -> list[tuple[int, str, int]]:
    out = []
    bullets = 0
    for n, t in lines[:stop]:
        m = _TOC_RE.match(strip_md(t.lstrip("#").strip()))
        if m and len(m.group(2)) > 8:
            number = int(m.group(1)) if m.group(1).isdigit() else None
            if number is None:  # a bulleted table of contents: numbered in its order
                bullets += 1
                number = bullets
            out.append((number, strip_md(m.group(2)).strip(" ."), n))
    # a table of contents counts 1, 2, 3…: keep the longest such run
    best: list = []
    for i in range(len(out)):
        run = [out[i]]
        for x in out[i + 1:]:
            if x[0] == run[-1][0] + 1:
                run.append(x)
        if len(run) > len(best):
            best = run
    return best if len(best) >= 2 else []


def _sheets(v: Vocabulary, lines: list[Line], toc_end: int = 0) -> tuple[list[dict], int]:
    """The sheets: {'title': index or None, 'sections': [(index, field)]}; and the first section's index. A title
    above the table of contents (whose last line is ``toc_end``) is the collection's, not a sheet's."""
    events = []
    for i, (n, t) in enumerate(lines):
        h = _section(v, t)
        if h:
            events.append(("section", i, h.field))
        elif _title_line(t) and len(strip_md(t.lstrip("#"))) > 3 and n > toc_end:
            events.append(("title", i, None))
    first_section = next((i for kind, i, _ in events if kind == "section"), len(lines))
    sheets: list[dict] = []
    pending_title = None
    for kind, i, field in events:
        if kind == "title":
            pending_title = i
            continue
        cur = sheets[-1] if sheets else None
        new = cur is None or pending_title is not None or field in {f for _, f in cur["sections"]}
        if new:
            sheets.append({"title": pending_title, "sections": []})
            pending_title = None
        sheets[-1]["sections"].append((i, field))
    return sheets, first_section


def _figures(lines: list[Line]) -> list[tuple[int, str]]:
    """Key figures: one per line (a line broken inside a figure joins the next)."""
    out: list[tuple[int, str]] = []
    for n, t in lines:
        s = strip_md(t).lstrip("-+•▶► ").strip()
        if not s:
            continue
        if out and not re.search(r"\d", s) and not t.lstrip().startswith(("-", "+", "•", "*")) \
                and not re.search(r"\d", out[-1][1][-3:]) and len(out[-1][1]) < 40:
            out[-1] = (out[-1][0], out[-1][1] + " " + s)
        else:
            out.append((n, s))
    return out


def _partners(lines: list[Line]) -> list[str]:
    bullets = [t for _, t in lines if t.lstrip().startswith(("-", "•", "*", "▶", "►"))]
    if len(bullets) >= 2:
        items = [strip_md(strip_bullet(t)) for t in bullets]
    else:
        items = split_list(" ".join(t.lstrip("- ") for _, t in lines))
    return [p.strip(" .;") for p in items if 1 < len(p) < 100]


def parse(text: str, source_file: str, gz=None) -> ParsedDocument:
    v = _vocab()
    doc = ParsedDocument(FAMILY, source_file)
    lines = prepared(text, _protected)
    first = next(((n, strip_md(t.lstrip("# "))) for n, t in lines if t.strip()), (1, "Fiches"))
    doc.title = first[1]
    prog = Programme(key=f"rtes-{slug(first[1], 30)}", name=f"RTES – {first[1][:1] + first[1][1:].lower()}",
                     funder="RTES (Réseau des collectivités territoriales pour une économie solidaire)",
                     kind="collection", line_start=first[0], line_end=lines[-1][0] if lines else 1)
    doc.programmes.append(prog)
    first = next((i for i, (_, t) in enumerate(lines) if _section(v, t)), len(lines))
    toc_all = _toc(lines, first)  # the table of contents comes before the first section
    sheets, first_section = _sheets(v, lines, toc_end=max((x[2] for x in toc_all), default=0))
    # the table of contents: before the first section
    toc = _toc(lines, first_section)
    toc_titles = {fold(t): (t, n) for _, t, n in toc}
    for k, sheet in enumerate(sheets):
        sec = sheet["sections"]
        start = sheet["title"] if sheet["title"] is not None else sec[0][0]
        end = (sheets[k + 1]["title"] if sheets[k + 1]["title"] is not None else sheets[k + 1]["sections"][0][0]) \
            if k + 1 < len(sheets) else len(lines)
        issues = []
        if sheet["title"] is not None:
            tn, raw = lines[sheet["title"]]
            title = strip_md(raw.lstrip("# "))
        elif k < len(toc):
            title, raw, tn = toc[k][1], toc[k][1], toc[k][2]
            issues.append(Issue("title_from_toc", "info",
                                "sheet has no title heading; title taken from the table of contents", title, "title",
                                params={"title": title}))
        else:
            title, raw, tn = f"Fiche {k + 1}", "", lines[sec[0][0]][0]
            issues.append(Issue("missing_title", "warning", "sheet has no title", "", "title", "extraction"))
        if fold(title) not in toc_titles and toc and sheet["title"] is not None:
            # a title cut by the export ('# Département du Pas-de-Calais :'): the table of contents has it whole
            longer = next((t for t, _ in toc_titles.values() if fold(t).startswith(fold(title)) and fold(title)), None)
            title = longer or title
        proj = Project(key="", programme_key=prog.key, title=title, status="initiative",
                       line_start=lines[start][0], line_end=lines[end - 1][0])
        proj.issues.extend(issues)
        proj.sources["title"] = Source(raw.strip(), tn)
        content: dict[str, list[Line]] = {}
        for j, (i, field) in enumerate(sec):
            stop = sec[j + 1][0] if j + 1 < len(sec) else end
            content.setdefault(field, [(n, t.strip()) for n, t in lines[i + 1:stop] if t.strip()])
        proj.objective = strip_md(" ".join(strip_bullet(t) for _, t in content.get("why", []))) or None
        proj.description = strip_md(" ".join(t for _, t in content.get("how", []))) or None
        for n, s in _figures(content.get("figures", [])):
            amounts = find_amounts(s)
            proj.key_figures.append((s, amounts[0][1] if amounts else None))
            proj.sources[f"key_figure_{len(proj.key_figures)}"] = Source(s, n)
        stake = content.get("stakeholders", [])
        if stake:
            proj.partners = _partners(stake)
            proj.sources["partners"] = Source(" ".join(t for _, t in stake), stake[0][0])
        body = ". ".join(t.rstrip(" .") for _, t in nonblank(lines[start:end]))  # a heading is a sentence of its own
        authority = find_authority(title, body, gz)
        if authority:
            proj.lead_org = authority.name
            proj.lead_org_level = authority.level
            proj.location_raw = authority.name
            if authority.how == "place" and authority.evidence != authority.name:
                proj.location_hints.append(LocationHint(authority.evidence, "territory", tn))  # 'Saint-Denis (La Réunion)'
            proj.location_hints.append(LocationHint(authority.name, "territory", tn))
            proj.sources["lead_org"] = Source(authority.evidence, tn)
        else:
            proj.issues.append(Issue("missing_authority", "warning", "no local authority named", "", "lead_org"))
        proj.location_hints.append(LocationHint(title + " " + body[:3000], "free_text", tn))
        proj.key = f"{prog.key}-{key_slug(title)}"
        doc.projects.append(proj)
    if toc:
        doc.counts.append(Count("sheets", len(toc), len(doc.projects), toc[0][2], f"{len(toc)} entries"))
    return doc
