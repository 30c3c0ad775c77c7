"""Results of a national call for "Pôles territoriaux de coopération économique" (PTCE).

The document announces the call (year, envelope, applications received and
admissible), then one block per laureate (name, territory, theme tags, LE PROJET,
PARTENAIRES, COORDINATEUR DU PROJET, SUBVENTION [DEMANDÉE], CONTACT with a postal
address), then a list of eligible applicants (name, theme line, description,
partners, contact; no region: the geocoder infers it from the text).
"""

from __future__ import annotations

import re

from etl.clean import fold, key_slug, parse_amount, slug
from etl.models import Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import (
    EMAIL_RE,
    PHONE_RE,
    POSTCODE_RE,
    Line,
    caps_groups,
    is_caps,
    nonblank,
    numbered,
    split_list,
    strip_md,
)

FAMILY = "ptce_call"
_LAUREATES_RE = re.compile(r"^\s*LES (\d+) LAURÉATS\s*$")
_ELIGIBLE_RE = re.compile(r"^\s*LES (\d+) PROJETS ÉLIGIBLES\s*$", re.IGNORECASE)
_SECTION = {"le projet": "project", "partenaires": "partners", "coordinateur du projet": "coordinator",
            "subvention": "grant", "subvention demandee": "grant_requested", "contact": "contact"}


def detect(text: str) -> bool:
    t = fold(text[:20000])
    return ("cooperation economique" in t or "poles de cooperation" in t or "ptce" in t) and bool(
        _LAUREATES_RE.search(text) or re.search(r"^\s*LES \d+ LAURÉATS", text, re.M))


def _int(rx: str, text: str) -> tuple[int | None, str | None]:
    m = re.search(rx, text, re.IGNORECASE)
    return (int(m.group(1)), m.group(0)) if m else (None, None)


def _programme(lines: list[Line], text: str, source_file: str) -> Programme:
    flat = " ".join(t for _, t in lines)
    year = None
    m = re.search(r"APPEL [ÀA] PROJETS (\d{4})", text, re.IGNORECASE)
    if m:
        year = int(m.group(1))
    prog = Programme(key=f"ptce-{year or slug(source_file, 12)}",
                     name=f"Appel à projets Pôles territoriaux de coopération économique (PTCE) {year or ''}".strip(),
                     year=year, kind="call")
    funders = []
    for name, pattern in (("État", r"\bl['’]État\b|secr[ée]tariat d['’][ée]tat|minist[èe]re"),
                          ("Caisse des Dépôts", r"caisse des d[ée]p[ôo]ts")):
        if re.search(pattern, flat, re.IGNORECASE):
            funders.append(name)
    prog.funder = " + ".join(funders) or None
    for n, t in lines:
        if "enveloppe" in t.lower() and prog.envelope_eur is None:
            seg = t[t.lower().index("enveloppe"):]
            v = parse_amount(seg)
            if v is not None:
                prog.envelope_eur = v
                prog.sources["envelope_eur"] = self_src(seg, n)
        if prog.applications is None:
            v, raw = _int(r"(\d+) dossiers de candidature", t)
            if v is None:
                v, raw = _int(r"parmi les (\d+) candidatures", t)
            if v is not None:
                prog.applications = v
                prog.sources["applications"] = self_src(raw, n)
        if prog.admissible is None:
            v, raw = _int(r"(\d+) d['’]entre eux se sont av[ée]r[ée]s recevables", t)
            if v is None:
                v, raw = _int(r"(\d+) (?:dossiers )?recevables", t)
            if v is not None:
                prog.admissible = v
                prog.sources["admissible"] = self_src(raw, n)
        if prog.laureates is None:
            v, raw = _int(r"les (\d+) lauréats retenus", t)
            if v is not None:
                prog.laureates = v
                prog.sources["laureates"] = self_src(raw, n)
        m2 = _ELIGIBLE_RE.match(t) or re.match(r"^\s*Les (\d+) projets éligibles", t)
        if m2 and prog.eligible_announced is None:
            prog.eligible_announced = int(m2.group(1))
            prog.sources["eligible_announced"] = self_src(t.strip(), n)
    prog.line_start = lines[0][0] if lines else None
    prog.line_end = lines[-1][0] if lines else None
    return prog


def self_src(raw: str, n: int) -> Source:
    return Source(raw.strip(), n)


_ADDRESS_END_RE = re.compile(r"\b\d{2} ?\d{2,3}\s+[A-Za-zÀ-ÿ][\w'’ \-]*\.?$")


def _is_contact_line(t: str) -> bool:
    t = strip_md(t)
    return bool(EMAIL_RE.search(t) or PHONE_RE.search(t) or _ADDRESS_END_RE.search(t))


def _laureate_headers(lines: list[Line], starts: list[int], section_start: int) -> list[tuple[int, int]]:
    """For each 'LE PROJET' index, the index range of its header (name, territory, tags) above it."""
    out = []
    for k, s in enumerate(starts):
        lo = section_start + 1 if k == 0 else None
        if lo is None:
            # Walk back from LE PROJET to the previous block's last contact line.
            j = s - 1
            while j > starts[k - 1] and not _is_contact_line(lines[j][1]) and fold(lines[j][1]) != "contact":
                j -= 1
            lo = j + 1
        out.append((lo, s))
    return out


def _parse_laureate(block: list[Line], header: list[Line], prog_key: str, region_names: set[str]) -> Project:
    head = nonblank(header)
    # Territory: the one line of the header not printed in capitals. Name: the capitals just above it.
    terr_idx = next((i for i, (_, t) in enumerate(head) if not is_caps(t)), None)
    region_header = None
    if terr_idx is None:
        name_idx = len(head) - 1
    else:
        name_idx = terr_idx - 1
    # A name can run over two lines inside one bold span.
    name_lines = [head[name_idx]] if name_idx >= 0 else []
    if name_idx >= 1 and head[name_idx][1].rstrip().endswith("**") and not head[name_idx][1].lstrip().startswith("**"):
        name_lines.insert(0, head[name_idx - 1])
        name_idx -= 1
    title = strip_md(" ".join(t for _, t in name_lines)) if name_lines else "?"
    tag_lines = [x for i, x in enumerate(head) if i < name_idx or (terr_idx is not None and i > terr_idx)]
    tags = []
    for n, g in caps_groups(tag_lines):
        if fold(g) in region_names:
            region_header = (n, g)
            continue
        tags.extend([x.strip() for x in g.split(",") if x.strip()])
    start_n = head[0][0] if head else block[0][0]
    proj = Project(key="", programme_key=prog_key, title=title, status="laureate",
                   line_start=start_n, line_end=block[-1][0])
    proj.sources["title"] = Source(" ".join(t for _, t in name_lines), name_lines[0][0] if name_lines else start_n)
    if terr_idx is not None:
        n, t = head[terr_idx]
        proj.location_raw = strip_md(t)
        proj.sources["location"] = Source(t, n)
        proj.location_hints.append(LocationHint(proj.location_raw, "territory", n))
    if region_header:
        proj.location_hints.append(LocationHint(region_header[1], "territory", region_header[0]))
    # Sections.
    sections: dict[str, list[Line]] = {}
    cur = None
    for n, t in block:
        key = _SECTION.get(fold(strip_md(t)))
        if key:
            cur = key
            sections.setdefault(cur, [])
            continue
        if cur and t.strip():
            sections[cur].append((n, t.strip()))
    # Tags printed inside the project text (layout quirk): short capitalised lines.
    body = sections.get("project", [])
    inner_tags = [(n, t) for n, t in body if is_caps(t) and len(strip_md(t)) < 40]
    for _, g in caps_groups(inner_tags):
        tags.extend([x.strip() for x in g.split(",") if x.strip()])
    proj.tags = tags
    if tags:
        proj.sources["tags"] = Source(" | ".join(tags), head[0][0] if head else start_n)
    proj.description = strip_md(" ".join(t for n, t in body if (n, t) not in inner_tags))
    partners = sections.get("partners", [])
    if partners:
        proj.partners = split_list(partners[0][1])
        proj.sources["partners"] = Source(partners[0][1], partners[0][0])
    coord = sections.get("coordinator", [])
    if coord:
        n, t = coord[0]
        proj.lead_org = re.split(r",\s*(?:association|soci[ée]t[ée]|scic|groupement|sarl|sas)\b|\s+qui\s|,\s*[a-z]",
                                 strip_md(t), maxsplit=1, flags=re.IGNORECASE)[0].strip(" .,")
        proj.lead_org = re.sub(r"^(Association|Le|La|L['’])\s+(?=[A-ZÉ])", "", proj.lead_org) or proj.lead_org
        proj.sources["lead_org"] = Source(t, n)
    grant_key = "grant" if "grant" in sections else "grant_requested" if "grant_requested" in sections else None
    if grant_key:
        gl = sections[grant_key]
        # The amount line and its continuation ('de **1 361 600 €**' on the next line).
        text_lines = [(n, t) for n, t in gl if not t.startswith(("«", "\"")) and len(t) < 160][:3]
        joined = " ".join(t for _, t in text_lines)
        m = re.search(r"^(.*?)pour un budget(.*)$", joined, re.IGNORECASE)
        grant_txt, budget_txt = (m.group(1), m.group(2)) if m else (joined, "")
        proj.grant_kind = "requested" if grant_key == "grant_requested" else "granted"
        proj.grant_amount_eur = parse_amount(grant_txt)
        proj.sources["grant_amount"] = Source(grant_txt.strip(), text_lines[0][0] if text_lines else start_n)
        if proj.grant_amount_eur is None:
            proj.issues.append(Issue("unparseable_amount", "error", f"grant '{grant_txt.strip()}' is not an amount",
                                     grant_txt.strip(), "grant_amount_eur"))
        if budget_txt:
            proj.total_budget_eur = parse_amount(budget_txt)
            proj.budget_kind = "triennial" if "trienn" in budget_txt.lower() or "trienn" in joined.lower() else "total"
            proj.sources["total_budget"] = Source(budget_txt.strip(), text_lines[-1][0])
            if proj.total_budget_eur is None:
                proj.issues.append(Issue("unparseable_amount", "error",
                                         f"budget '{budget_txt.strip()}' is not an amount", budget_txt.strip(),
                                         "total_budget_eur"))
    else:
        proj.issues.append(Issue("missing_amount", "error", "no SUBVENTION section", "", "grant_amount_eur"))
    contact = sections.get("contact", [])
    for n, t in contact:
        m = POSTCODE_RE.search(strip_md(t))
        if not m and _ADDRESS_END_RE.search(strip_md(t)):
            # A postcode misprinted (e.g. 4 digits): keep it as printed so the geocoder flags it.
            raw = _ADDRESS_END_RE.search(strip_md(t)).group(0)
            pc = re.match(r"\d{2} ?\d{2,3}", raw).group(0).replace(" ", "")
            proj.postcode, proj.city = pc, raw[len(re.match(r"\d{2} ?\d{2,3}", raw).group(0)):].strip(" .")
            proj.sources["postcode"] = Source(t, n)
            proj.location_hints.insert(0, LocationHint(f"{pc} {proj.city}", "address", n))
        if m:
            proj.postcode = m.group(1) + m.group(2)
            proj.city = m.group(3).strip()
            proj.sources["postcode"] = Source(t, n)
            proj.location_hints.insert(0, LocationHint(f"{proj.postcode} {proj.city}", "address", n))
    return proj


def _split_eligible(lines: list[Line], known_themes: list[str]) -> list[list[Line]]:
    """Cut the eligible list into blocks, each starting with its capitalised name line."""
    nb = nonblank(lines)
    starts = []
    for i, (n, t) in enumerate(nb):
        if not is_caps(t) or EMAIL_RE.search(t):
            continue
        if starts and i - 1 >= 0 and is_caps(nb[i - 1][1]) and starts[-1] == i - 1:
            continue  # the theme line under a name
        if starts and starts[-1] < i - 1 and is_caps(nb[i - 1][1]):
            continue  # a continuation of a capitalised run
        nxt = nb[i + 1][1] if i + 1 < len(nb) else ""
        if is_caps(nxt) or len(nxt) >= 80 or (known_themes and _theme_suffix(t, known_themes)):
            starts.append(i)
    blocks = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(nb)
        blocks.append(nb[s:e])
    return blocks


def _theme_suffix(line: str, known: list[str]) -> str | None:
    f = fold(line)
    for th in sorted(known, key=len, reverse=True):
        ft = fold(th)
        if f.endswith(" " + ft) and len(f) > len(ft) + 3:
            return th
    return None


def _parse_eligible(block: list[Line], prog_key: str, known_themes: list[str]) -> Project:
    (n0, name_line), rest = block[0], block[1:]
    theme_lines = []
    while rest and is_caps(rest[0][1]) and not _is_contact_line(rest[0][1]):
        theme_lines.append(rest[0])
        rest = rest[1:]
    title = strip_md(name_line)
    issues = []
    if theme_lines:
        theme = strip_md(" ".join(t for _, t in theme_lines))
    else:
        suffix = _theme_suffix(name_line, known_themes)
        theme = suffix
        if suffix:
            title = title[: len(title) - len(suffix)].strip(" -–")
            issues.append(Issue("layout_merged_fields", "info",
                                "name and theme printed on one line; theme recognised from other records",
                                strip_md(name_line), "tags"))
        else:
            issues.append(Issue("missing_theme", "warning", "no theme line under the name", "", "tags"))
    proj = Project(key="", programme_key=prog_key, title=title, status="eligible",
                   line_start=n0, line_end=block[-1][0])
    proj.issues.extend(issues)
    proj.sources["title"] = Source(name_line, n0)
    if theme:
        proj.tags = [x.strip() for x in re.split(r",|\s[-–]\s", theme) if x.strip()]
        proj.sources["tags"] = Source(theme, theme_lines[0][0] if theme_lines else n0)
    # Contact: trailing lines with an e-mail, a phone, or a person's name and role.
    k = len(rest)
    while k > 0:
        t = rest[k - 1][1]
        looks_contact = _is_contact_line(t) or (len(t) < 110 and re.search(
            r"\b(président|presidente|présidente|directeur|directrice|gérant|co-?président|coordinat|délégu|"
            r"administrat|représentant|cogérant|chargée?|responsable|M\.|Monsieur|Madame)", t, re.IGNORECASE)
            and t.count(",") <= 2) or (len(t) < 40 and "," not in t and not t.endswith(".") and k > 1)
        if not looks_contact:
            break
        k -= 1
    body, contact = rest[:k], rest[k:]
    if len(body) >= 2:
        partners_line = body[-1]
        body = body[:-1]
        proj.partners = split_list(partners_line[1])
        proj.sources["partners"] = Source(partners_line[1], partners_line[0])
    proj.description = strip_md(" ".join(t for _, t in body))
    if contact:
        proj.sources["contact"] = Source(" | ".join(t for _, t in contact), contact[0][0])
        first = strip_md(contact[0][1])
        m = re.search(r",\s*(?:président|présidente|directeur|directrice|gérant|co-?président)e?\s+(?:de\s+|du\s+|d['’])?"
                      r"(?:l['’]association\s+|la\s+|le\s+)?(.+)$", first, re.IGNORECASE)
        if m and len(m.group(1)) > 2 and "@" not in m.group(1) and m.group(1)[0].isupper():
            proj.lead_org = re.split(r"\s[-–]\s|,", m.group(1))[0].strip(" .,")
    text = " ".join(t for _, t in block)
    proj.location_hints.append(LocationHint(text, "free_text", n0))
    return proj


def parse(text: str, source_file: str, region_names: set[str] | None = None) -> ParsedDocument:
    doc = ParsedDocument(FAMILY, source_file)
    lines = numbered(text)
    region_names = region_names or set()
    lau_idx = [i for i, (_, t) in enumerate(lines) if _LAUREATES_RE.match(t)]
    eli_idx = [i for i, (_, t) in enumerate(lines) if _ELIGIBLE_RE.match(t)]
    lau_start = lau_idx[-1] if lau_idx else None
    eli_start = eli_idx[-1] if eli_idx else len(lines)
    prog = _programme(lines[: lau_start if lau_start is not None else len(lines)], text, source_file)
    if eli_idx and prog.eligible_announced is None:
        n, t = lines[eli_idx[-1]]
        prog.eligible_announced = int(_ELIGIBLE_RE.match(t).group(1))
        prog.sources["eligible_announced"] = self_src(t, n)
    doc.programmes.append(prog)
    if lau_start is None:
        doc.issues.append((None, Issue("structure_not_found", "error", "no 'LES N LAURÉATS' heading", "", "")))
        return doc
    proj_starts = [i for i in range(lau_start, eli_start) if fold(lines[i][1]) == "le projet"]
    headers = _laureate_headers(lines, proj_starts, lau_start)
    for k, (lo, s) in enumerate(headers):
        hi = headers[k + 1][0] if k + 1 < len(headers) else eli_start
        proj = _parse_laureate(lines[s:hi], lines[lo:s], prog.key, region_names)
        proj.key = f"{prog.key}-l-{key_slug(proj.title)}"
        doc.projects.append(proj)
    # Eligible applicants.
    end = next((i for i in range(eli_start, len(lines)) if fold(lines[i][1]) in ("contact presse", "contacts presse")),
               len(lines))
    known = sorted({t for p in doc.projects for t in p.tags})
    eligible_lines = lines[eli_start + 1:end]
    # Theme lines seen under names are the vocabulary used to split merged name+theme lines.
    blocks = _split_eligible(eligible_lines, [])
    vocab = set(known)
    for b in blocks:
        if len(b) > 1 and is_caps(b[1][1]):
            vocab.add(strip_md(b[1][1]))
    blocks = _split_eligible(eligible_lines, sorted(vocab))
    for b in blocks:
        proj = _parse_eligible(b, prog.key, sorted(vocab))
        proj.key = f"{prog.key}-e-{key_slug(proj.title)}"
        doc.projects.append(proj)
    n_lau = sum(1 for p in doc.projects if p.status == "laureate")
    n_eli = sum(1 for p in doc.projects if p.status == "eligible")
    if prog.laureates is not None and prog.laureates != n_lau:
        doc.issues.append((None, Issue("count_mismatch", "warning",
                                       f"document announces {prog.laureates} laureates, {n_lau} found",
                                       f"{prog.laureates} vs {n_lau}", "laureates")))
    if prog.eligible_announced is not None and prog.eligible_announced != n_eli:
        doc.issues.append((None, Issue("count_mismatch", "warning",
                                       f"document announces {prog.eligible_announced} eligible projects, {n_eli} found",
                                       f"{prog.eligible_announced} vs {n_eli}", "eligible")))
    if prog.laureates is None:
        prog.laureates = n_lau
    return doc
