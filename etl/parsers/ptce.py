"""Results of a national call for "Pôles territoriaux de coopération économique" (PTCE).

The document announces the call (year, envelope, applications received and admissible), then its laureates
under a heading ('LES 14 LAURÉATS', 'Les lauréats 2017', 'LISTE DES PROJETS RETENUS'…), then its eligible
applicants under another ('LES 85 PROJETS ÉLIGIBLES'…). A laureate is a header (name in capitals, territory,
theme tags) and labelled sections in any order (LE PROJET, PARTENAIRES, COORDINATEUR DU PROJET, SUBVENTION
[ACCORDÉE | DEMANDÉE…], CONTACT with an address); an eligible applicant is a name, a theme line, a description,
partners and a contact, with no region (the geocoder infers it from the text). Headings, labels, counts and roles
are the family's vocabulary, data/reference/documents/ptce_call.csv.
"""

from __future__ import annotations

import re

from etl.clean import fold, key_slug, slug
from etl.models import Count, Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import (
    EMAIL_RE,
    Line,
    clean_org_name,
    is_caps,
    is_contact_line,
    nonblank,
    prepared,
    split_list,
    split_tags,
    strip_md,
)
from etl.parsers.ptce_blocks import (
    FAMILY,
    _blocks,
    _contact,
    _header_start,
    _heading,
    _is_region,
    _label,
    _lead_from_role,
    _parse_laureate,
    _protected,
    _vocab,
)
from etl.parsers.vocabulary import Vocabulary


def detect(text: str) -> int:
    v = _vocab()
    head = text[:30000]
    named = v.contains(head, "detect")
    if not named:
        return 0
    lines = [t for t in text.replace("\r", "\n").split("\n") if t.strip()]
    headings = sum(1 for t in lines if _heading(v, t, ("laureates", "eligible")))
    sections = {h.field for t in lines[:8000] if (h := _label(v, t)) and not h.rest}
    core = len(sections & {"project", "partners", "coordinator", "grant", "grant_requested", "contact"})
    if not headings and core < 3:
        return 0
    return 10 * min(named, 3) + 15 * min(headings, 2) + 6 * core


# -- the call ------------------------------------------------------------------------------------------------------

def _programme(v: Vocabulary, front: list[Line], source_file: str) -> Programme:
    flat = " ".join(t for _, t in front)
    found: dict[str, tuple] = {}
    for term in v.of("count"):  # the first phrase of the vocabulary (in its order) that the text holds wins
        if term.field in found:
            continue
        for n, t in front:
            hits = [h for h in v.search(t, ("count",), (term.field,)) if h.term == term]
            h = hits[0] if hits else None
            if h is None:
                continue
            value = h.amount() if term.field == "envelope" else (int(h.values["year"]) if term.field == "year"
                                                                  else h.count())
            if value is not None:
                found[term.field] = (value, n, t.strip())
                break
    year = found.get("year", (None,))[0]
    prog = Programme(key=f"ptce-{year or slug(source_file, 12)}",
                     name=f"Appel à projets Pôles territoriaux de coopération économique (PTCE) {year or ''}".strip(),
                     year=year, kind="call")
    funders = []
    for term in v.of("funder"):
        if term.field not in funders and f" {fold(term.phrase)} " in f" {fold(flat)} ":
            funders.append(term.field)
    prog.funder = " + ".join(sorted(funders, key=lambda f: [t.field for t in v.of("funder")].index(f))) or None
    for fld, attr in (("envelope", "envelope_eur"), ("applications", "applications"), ("admissible", "admissible"),
                      ("laureates", "laureates"), ("eligible", "eligible_announced")):
        if fld in found:
            value, n, raw = found[fld]
            setattr(prog, attr, value)
            prog.sources[attr] = Source(raw, n)
    prog.line_start = front[0][0] if front else None
    prog.line_end = front[-1][0] if front else None
    return prog


# -- eligible applicants -------------------------------------------------------------------------------------------

def _split_eligible(lines: list[Line], known_themes: list[str], region_names: set[str]) -> list[list[Line]]:
    """Cut the eligible list into blocks, each starting with its capitalised name line."""
    nb = [(n, t) for n, t in nonblank(lines)]
    starts = []
    for i, (n, t) in enumerate(nb):
        if not is_caps(t) or EMAIL_RE.search(t):
            continue
        if _is_region(t, region_names):
            starts.append(i)
            continue
        if starts and i - 1 >= 0 and is_caps(nb[i - 1][1]) and starts[-1] == i - 1 \
                and not _is_region(nb[i - 1][1], region_names):
            continue  # the theme line under a name
        if starts and starts[-1] < i - 1 and is_caps(nb[i - 1][1]) and not _is_region(nb[i - 1][1], region_names):
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


_ROLE_HINT = re.compile(r"\b(président|presidente|présidente|directeur|directrice|gérant|co-?président|coordinat|"
                        r"délégu|administrat|représentant|cogérant|chargée?|responsable|M\.|Monsieur|Madame)",
                        re.IGNORECASE)


def _parse_eligible(v: Vocabulary, block: list[Line], prog_key: str, known_themes: list[str]) -> Project:
    (n0, name_line), rest = block[0], block[1:]
    theme_lines = []
    while rest and is_caps(rest[0][1]) and not is_contact_line(rest[0][1]):
        theme_lines.append(rest[0])
        rest = rest[1:]
    labelled = {}
    for n, t in list(rest):
        h = _label(v, t)
        if h and h.rest:
            labelled[h.field] = (n, h.rest)
            rest.remove((n, t))
    title = strip_md(name_line)
    issues = []
    if theme_lines:
        theme = strip_md(" ".join(t for _, t in theme_lines))
    elif "themes" in labelled:
        theme = labelled["themes"][1]
    else:
        suffix = _theme_suffix(name_line, known_themes)
        theme = suffix
        if suffix:
            title = title[: len(title) - len(suffix)].strip(" -–")
            issues.append(Issue("layout_merged_fields", "info",
                                "name and theme printed on one line; theme recognised from other records",
                                strip_md(name_line), "tags", params={"text": strip_md(name_line)[:80]}))
        else:
            issues.append(Issue("missing_theme", "warning", "no theme line under the name", "", "tags"))
    proj = Project(key="", programme_key=prog_key, title=title, status="eligible", line_start=n0,
                   line_end=block[-1][0])
    proj.issues.extend(issues)
    proj.sources["title"] = Source(name_line, n0)
    if theme:
        proj.tags = split_tags(theme)
        proj.sources["tags"] = Source(theme, theme_lines[0][0] if theme_lines else n0)
    # Contact: trailing lines with an e-mail, a phone, or a person's name and role.
    k = len(rest)
    while k > 0:
        t = rest[k - 1][1]
        looks_contact = is_contact_line(t) or (len(t) < 110 and _ROLE_HINT.search(t) and t.count(",") <= 2) \
            or (len(t) < 40 and "," not in t and not t.endswith(".") and k > 1)
        if not looks_contact:
            break
        k -= 1
    body, contact = rest[:k], rest[k:]
    if "partners" in labelled:
        proj.partners = split_list(labelled["partners"][1])
        proj.sources["partners"] = Source(labelled["partners"][1], labelled["partners"][0])
    elif len(body) >= 2:
        partners_line = body[-1]
        body = body[:-1]
        proj.partners = split_list(partners_line[1])
        proj.sources["partners"] = Source(partners_line[1], partners_line[0])
    proj.description = strip_md(" ".join(t for _, t in body)) or None
    if "contact" in labelled:
        contact = [labelled["contact"]] + contact
    _contact(proj, contact)
    if contact:
        for _, t in contact:
            org = _lead_from_role(v, t)
            if org:
                proj.lead_org = org
                break
    if "coordinator" in labelled:
        proj.lead_org = clean_org_name(labelled["coordinator"][1])
    text = " ".join(t for _, t in block)
    proj.location_hints.append(LocationHint(text, "free_text", n0))
    return proj


# -- the document --------------------------------------------------------------------------------------------------

def parse(text: str, source_file: str, region_names: set[str] | None = None) -> ParsedDocument:
    v = _vocab()
    doc = ParsedDocument(FAMILY, source_file)
    lines = prepared(text, _protected, title_repeats=True)
    region_names = region_names or set()
    lau = [i for i, (_, t) in enumerate(lines) if _heading(v, t, ("laureates",))]
    eli = [i for i, (_, t) in enumerate(lines) if _heading(v, t, ("eligible",))]
    ends = [i for i, (_, t) in enumerate(lines) if _heading(v, t, ("end",))]
    # the list's heading is its last occurrence followed by laureates' sections (a table of contents names it too)
    all_blocks = _blocks(v, lines, 0, len(lines))
    first_section = all_blocks[0][0] if all_blocks else None
    lau_start = max((i for i in lau if first_section is None or i < first_section), default=None)
    if lau_start is None and first_section is not None:
        lau_start = max(0, _header_start(v, lines, first_section, 0) - 1)
    eli_start = min((i for i in eli if lau_start is None or i > lau_start), default=len(lines))
    front_end = lau_start if lau_start is not None else (eli_start if eli_start < len(lines) else len(lines))
    prog = _programme(v, lines[:front_end], source_file)
    doc.programmes.append(prog)
    doc.title = next((strip_md(t) for _, t in lines if t.strip()), "") or prog.name
    if lau_start is not None and lau_start in lau:
        h = _heading(v, lines[lau_start][1], ("laureates",))
        if h.count() is not None:
            prog.laureates = h.count()
            prog.sources["laureates"] = Source(lines[lau_start][1].strip(), lines[lau_start][0])
        if prog.year is None and h.values.get("year"):
            prog.year = int(h.values["year"])
            prog.key = f"ptce-{prog.year}"
            prog.name = f"{prog.name} {prog.year}"
    if eli_start < len(lines):
        h = _heading(v, lines[eli_start][1], ("eligible",))
        if h.count() is not None:
            prog.eligible_announced = h.count()
            prog.sources["eligible_announced"] = Source(lines[eli_start][1].strip(), lines[eli_start][0])
    if lau_start is None:
        doc.issues.append((None, Issue("structure_not_found", "error",
                                       "no laureates' heading ('LES N LAURÉATS' or a variant of the vocabulary) and "
                                       "no laureate section (LE PROJET, SUBVENTION…)", "", "", "extraction",
                                       params={"family": FAMILY})))
    else:
        blocks = _blocks(v, lines, lau_start + 1, eli_start)
        floor = lau_start + 1
        starts = []
        for k, (first, labels) in enumerate(blocks):
            starts.append(_header_start(v, lines, first, floor))
            floor = first + 1
        for k, (first, labels) in enumerate(blocks):
            end = starts[k + 1] if k + 1 < len(blocks) else eli_start
            proj = _parse_laureate(v, lines, starts[k], labels, end, prog.key, region_names)
            proj.key = f"{prog.key}-l-{key_slug(proj.title)}"
            doc.projects.append(proj)
    # Eligible applicants.
    if eli_start < len(lines):
        end = min((i for i in ends if i > eli_start), default=len(lines))
        known = sorted({t for p in doc.projects for t in p.tags})
        eligible_lines = lines[eli_start + 1:end]
        # theme lines seen under names are the vocabulary used to split merged name+theme lines
        vocab = set(known)
        for b in _split_eligible(eligible_lines, [], region_names):
            if len(b) > 1 and is_caps(b[1][1]):
                vocab.add(strip_md(b[1][1]))
        region_hint = None
        for b in _split_eligible(eligible_lines, sorted(vocab), region_names):
            if len(b) == 1 and _is_region(b[0][1], region_names):
                region_hint = (b[0][0], strip_md(b[0][1]))
                continue
            if _is_region(b[0][1], region_names):
                region_hint = (b[0][0], strip_md(b[0][1]))
                b = b[1:]
            proj = _parse_eligible(v, b, prog.key, sorted(vocab))
            if region_hint:
                proj.location_hints.insert(0, LocationHint(region_hint[1], "heading", region_hint[0]))
            proj.key = f"{prog.key}-e-{key_slug(proj.title)}"
            doc.projects.append(proj)
    n_lau = sum(1 for p in doc.projects if p.status == "laureate")
    n_eli = sum(1 for p in doc.projects if p.status == "eligible")
    if prog.laureates is not None:
        src = prog.sources.get("laureates")
        doc.counts.append(Count("laureates", prog.laureates, n_lau, src.line if src else None, src.raw if src else ""))
    else:
        prog.laureates = n_lau
    if prog.eligible_announced is not None:
        src = prog.sources.get("eligible_announced")
        doc.counts.append(Count("eligible", prog.eligible_announced, n_eli, src.line if src else None,
                                src.raw if src else ""))
    for p in doc.projects:
        if p.status == "laureate" and p.grant_amount_eur is None and not any(
                i.field == "grant_amount_eur" for i in p.issues):
            p.issues.append(Issue("missing_field", "error", "no grant read for this laureate", "grant",
                                  "grant_amount_eur", "extraction", params={"field": "grant_amount_eur"}))
    return doc

