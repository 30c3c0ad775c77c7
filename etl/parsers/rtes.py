"""RTES sheets of local-authority initiatives.

Each sheet has a "# Title" (sometimes lost in the export: the numbered table of
contents then gives it), and "## Pourquoi ce projet ?", "## Et concrètement ?",
"## Le projet ... en N chiffres", "## Les parties prenantes du projet" sections.
"""

from __future__ import annotations

import re

from etl.clean import find_amounts, fold, key_slug, slug
from etl.models import Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import Line, numbered, split_list, strip_md

FAMILY = "rtes_sheets"
_WHY_RE = re.compile(r"^\s*##\s*pourquoi ce projet", re.IGNORECASE)
_TOC_RE = re.compile(r"^\s*(\d{1,2})\.\s+(.+\S)\s*$")
# Level of a local authority from how it is named (first match wins).
_LEVELS = [
    ("region", r"\bR[ée]gion\b"),
    ("departement", r"\bD[ée]partement\b|\bConseil d[ée]partemental\b"),
    ("metropole", r"\bM[ée]tropole\b"),
    ("epci", r"\bCommunaut[ée] (?:d['’]agglom[ée]ration|de communes|urbaine)\b|\bagglom[ée]ration\b"),
    ("pays", r"\bPays\b|\bP\.?E\.?T\.?R\b"),
    ("commune", r"\bVille\b|\bCommune\b|\bMairie\b"),
]
_CONSEIL_RE = re.compile(r"conseil d[ée]partemental ((?:de la|du|des|de|d['’]|de l['’]) ?[A-ZÉÎ][\w'’\-]+)",
                         re.IGNORECASE)
_AUTHORITY_RE = re.compile(
    r"((?:la |le |l['’])?(?:R[ée]gion|D[ée]partement|M[ée]tropole|[Vv]ille|Communaut[ée] d['’]agglom[ée]ration|Pays)"
    r"(?: (?:de la|du|des|de|d['’]|de l['’]))? ?[A-ZÉÎ][\w'’\-]+(?:[ -](?:de |du |d['’])?[A-ZÉ][\w'’\-]+)*)")


def detect(text: str) -> bool:
    return len(_WHY_RE.findall(text)) >= 1 or len(re.findall(r"^\s*##\s*pourquoi ce projet", text, re.I | re.M)) >= 1


def authority_level(text: str) -> str | None:
    for level, rx in _LEVELS:
        if re.search(rx, text):
            return level
    return None


def _sections(block: list[Line]) -> dict[str, list[Line]]:
    out: dict[str, list[Line]] = {}
    cur = None
    for n, t in block:
        if t.lstrip().startswith("## ") or t.lstrip().startswith("### "):
            cur = fold(t.lstrip("# "))
            out.setdefault(cur, [])
            continue
        if cur is not None and t.strip():
            out[cur].append((n, t.strip()))
    return out


def find_authority(title: str, body: str, place_level=None) -> str | None:
    """The local authority an initiative belongs to, as named in its title or, failing that, its text."""
    m = _AUTHORITY_RE.search(title)
    if m:
        return m.group(1)
    head = title.split(":")[0].strip() if ":" in title else None
    if head and len(head.split()) <= 3 and (authority_level(head) or (place_level and place_level(head))):
        return head
    m = _CONSEIL_RE.search(body)
    if m:
        return "Département " + m.group(1)
    found = [x.group(1) for x in _AUTHORITY_RE.finditer(body)]
    # A 'pays' is named in passing more often than it leads: prefer any other authority.
    for name in found:
        if authority_level(name) != "pays":
            return name
    return found[0] if found else head


def parse(text: str, source_file: str, place_level=None) -> ParsedDocument:
    doc = ParsedDocument(FAMILY, source_file)
    lines = numbered(text)
    first = next(((n, strip_md(t.lstrip("# "))) for n, t in lines if t.strip()), (1, "Fiches"))
    prog = Programme(key=f"rtes-{slug(first[1], 30)}", name=f"RTES – {first[1][:1] + first[1][1:].lower()}",
                     funder="RTES (Réseau des collectivités territoriales pour une économie solidaire)",
                     kind="collection", line_start=first[0], line_end=lines[-1][0] if lines else 1)
    doc.programmes.append(prog)
    why = [i for i, (_, t) in enumerate(lines) if _WHY_RE.match(t)]
    toc = [(int(m.group(1)), m.group(2), n) for n, t in lines[: (why[0] if why else 0)]
           if (m := _TOC_RE.match(t))]
    prev_end = 0
    starts = []
    for k, w in enumerate(why):
        title_idx = None
        for j in range(w - 1, prev_end - 1, -1):
            t = lines[j][1]
            if t.startswith("# ") and not t.startswith("##"):
                title_idx = j
                break
        starts.append(title_idx)
        prev_end = w + 1
    for k, w in enumerate(why):
        start = starts[k] if starts[k] is not None else w
        nxt = [s if s is not None else why[k + 1] for s in starts[k + 1:k + 2]]
        end = nxt[0] if nxt else len(lines)
        block = lines[start:end]
        issues = []
        if starts[k] is not None:
            title, tn = strip_md(lines[starts[k]][1].lstrip("# ")), lines[starts[k]][0]
            title_src = lines[starts[k]][1]
        elif k < len(toc):
            title, title_src, tn = toc[k][1], toc[k][1], toc[k][2]
            issues.append(Issue("title_from_toc", "info",
                                "sheet has no title heading; title taken from the table of contents", title, "title"))
        else:
            title, title_src, tn = f"Fiche {k + 1}", "", lines[w][0]
            issues.append(Issue("missing_title", "warning", "sheet has no title", "", "title"))
        secs = _sections(block)
        proj = Project(key="", programme_key=prog.key, title=title, status="initiative",
                       line_start=lines[start][0], line_end=block[-1][0])
        proj.issues.extend(issues)
        proj.sources["title"] = Source(title_src, tn)
        why_lines = secs.get("pourquoi ce projet", [])
        proj.objective = strip_md(" ".join(t.lstrip("-▶ ") for _, t in why_lines)) or None
        conc = next((v for kk, v in secs.items() if kk.startswith("et concretement")), [])
        proj.description = strip_md(" ".join(t for _, t in conc)) or None
        figures = next((v for kk, v in secs.items() if "chiffres" in kk), [])
        for n, t in figures:
            s = strip_md(t).lstrip("-+ ").strip()
            amounts = find_amounts(t)
            proj.key_figures.append((s, amounts[0][1] if amounts else None))
            proj.sources[f"key_figure_{len(proj.key_figures)}"] = Source(t, n)
        stake = next((v for kk, v in secs.items() if kk.startswith("les parties prenantes")), [])
        if stake:
            txt = " ".join(t.lstrip("- ") for _, t in stake)
            proj.partners = [p for p in split_list(txt) if len(p) < 100]
            proj.sources["partners"] = Source(txt, stake[0][0])
        authority = find_authority(title, " ".join(t for _, t in block), place_level)
        body = " ".join(t for _, t in block)
        if authority:
            authority = re.sub(r"^(la |le |l['’])", "", authority.strip()).strip()
            authority = authority[0].upper() + authority[1:]
            proj.lead_org = authority
            proj.lead_org_level = authority_level(authority) or (place_level(authority) if place_level else None)
            proj.location_raw = authority
            proj.location_hints.append(LocationHint(authority, "territory", tn))
            proj.sources["lead_org"] = Source(authority, tn)
        else:
            proj.issues.append(Issue("missing_authority", "warning", "no local authority named", "", "lead_org"))
        proj.location_hints.append(LocationHint(title + " " + body[:3000], "free_text", tn))
        proj.key = f"{prog.key}-{key_slug(title)}"
        doc.projects.append(proj)
    if toc and len(toc) != len(why):
        doc.issues.append((None, Issue("count_mismatch", "warning",
                                       f"table of contents lists {len(toc)} sheets, {len(why)} found",
                                       f"{len(toc)} vs {len(why)}", "")))
    return doc
