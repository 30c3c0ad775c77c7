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

from etl import themes
from etl.clean import find_amounts, fold, key_slug, parse_amount, slug
from etl.models import Count, Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import (
    ADDRESS_END_RE,
    EMAIL_RE,
    POSTCODE_RE,
    Line,
    caps_groups,
    clean_org_name,
    emails,
    is_caps,
    is_contact_line,
    nonblank,
    phones,
    prepared,
    split_list,
    split_tags,
    strip_md,
)
from etl.parsers.vocabulary import Vocabulary, norm, same_length_fold, vocabulary

FAMILY = "ptce_call"


def _vocab() -> Vocabulary:
    return vocabulary(FAMILY)


def _heading(v: Vocabulary, t: str, fields: tuple[str, ...]):
    s = strip_md(t)
    if not s or len(s) > 90 or s.endswith((".", ",", ";")) or "\t" in t:
        return None
    return v.whole(s, ("heading",), fields)


def _label(v: Vocabulary, t: str):
    s = t.strip()
    if not s or len(s) > 200:
        return None
    return v.label(s, ("label",), inline_only=True)


def _protected(text: str) -> bool:
    v = _vocab()
    return bool(_heading(v, text, ("laureates", "eligible", "end")) or _label(v, text))


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


# -- laureates -----------------------------------------------------------------------------------------------------

def _one_tag(first: str, second: str) -> bool:
    """'ÉCONOMIE' then 'CIRCULAIRE' on the next line are one tag: the second alone names no theme of the reviewed
    taxonomy, the two together do ('INSERTION' then 'EMPLOI' are two tags: 'EMPLOI' names one)."""
    return not themes.tag_themes(second) and bool(themes.tag_themes(f"{first} {second}"))


def _is_region(t: str, region_names: set[str]) -> bool:
    return is_caps(t) and fold(strip_md(t)) in region_names


def _blocks(v: Vocabulary, lines: list[Line], lo: int, hi: int) -> list[tuple[int, list[tuple[int, str, str]]]]:
    """The laureate blocks between ``lo`` and ``hi``: (index of the block's first section label, [(index, field,
    inline value)] of its section labels). A block ends where a section comes back (a second LE PROJET, a second
    SUBVENTION…)."""
    blocks: list[tuple[int, list]] = []
    seen: set[str] = set()
    for i in range(lo, hi):
        h = _label(v, lines[i][1])
        if h is None or h.field in ("territory", "themes"):
            continue
        field = "grant" if h.field == "grant_requested" else h.field
        in_contact = bool(blocks) and blocks[-1][1][-1][1] == "contact"
        if in_contact and field in ("coordinator", "contact") and not h.rest:
            continue  # 'Coordinatrice' under CONTACT: the contact's role, not a section
        if not blocks or field in seen:
            blocks.append((i, []))
            seen = set()
        seen.add(field)
        blocks[-1][1].append((i, h.field, h.rest))
    return blocks


def _content(lines: list[Line], start: int, stop: int) -> list[Line]:
    return [(n, t.strip()) for n, t in lines[start:stop] if t.strip()]


def _header_start(v: Vocabulary, lines: list[Line], first_label: int, floor: int) -> int:
    """Where a laureate's header (name, territory, tags) begins, walking up from its first section: it stops at what
    ends the previous laureate (a section label, a contact line, an amount, a quote or a paragraph of text)."""
    j, start, taken = first_label - 1, first_label, 0
    while j >= floor and taken < 8:
        t = lines[j][1].strip()
        if not t:
            j -= 1
            continue
        s = strip_md(t)
        h = _label(v, t)
        if h and h.field not in ("territory", "themes"):
            break
        quote = (s.startswith(("«", "\"", "“")) or s.endswith(("»", "”"))) and not is_caps(t)
        prose = len(s) > 200 or (s.endswith(".") and len(s.split()) > 12 and s.count(",") < 2)
        if is_contact_line(t) or quote or prose or re.search(r"\d\s*(?:€|euros?\b|k€|M€)", s):
            break
        start, taken = j, taken + 1
        j -= 1
    return start


def _parse_header(v: Vocabulary, header: list[Line], region_names: set[str]) -> dict:
    head = nonblank(header)
    out: dict = {"regions": [], "tags": []}
    plain = []
    for n, t in head:
        h = _label(v, t)
        if h and h.field == "territory" and h.rest:
            out["territory"] = (n, h.rest)
            continue
        if h and h.field == "themes" and h.rest:
            out["tags"].extend(split_tags(h.rest))
            out["tags_line"] = out.get("tags_line") or n
            continue
        if _is_region(t, region_names):
            out["regions"].append((n, strip_md(t)))
            continue
        plain.append((n, t))
    texts = [k for k, (_, t) in enumerate(plain) if not is_caps(t)]
    first_text = texts[0] if texts else None
    if len(texts) >= 2 and len(strip_md(plain[texts[0]][1])) < 120:
        # a name printed in lower case, then the territory: the capitals are tags ('SILVER ÉCONOMIE')
        name = [plain[texts[0]]]
        territory = plain[texts[1]]
        rest = [x for k, x in enumerate(plain) if k not in (texts[0], texts[1])]
    elif first_text is not None and first_text > 0:
        # the capitals just above the first line in lower case are the name (a bold span may run over two lines)
        k = first_text - 1
        name = [plain[k]]
        if k >= 1 and plain[k][1].rstrip().endswith("**") and not plain[k][1].lstrip().startswith("**"):
            name.insert(0, plain[k - 1])
        name_idx = {id(x) for x in name}
        rest = [x for x in plain if id(x) not in name_idx]
        territory = plain[first_text]
        rest = [x for x in rest if x is not territory]
    else:
        name = plain[:1]
        rest = plain[1:]
        territory = next((x for x in rest if not is_caps(x[1])), None)
        rest = [x for x in rest if x is not territory]
    out["name"] = name
    if territory and "territory" not in out:
        out["territory"] = (territory[0], strip_md(territory[1]))
    caps = [x for x in rest if is_caps(x[1])]
    for n, g in caps_groups(caps, _one_tag):
        out["tags"].extend(split_tags(g))
        out["tags_line"] = out.get("tags_line") or n
    for n, t in rest:
        if not is_caps(t):  # tags printed in lower case, after the territory
            out["tags"].extend(split_tags(t))
            out["tags_line"] = out.get("tags_line") or n
    return out


def _grant(proj: Project, field: str, inline: str, body: list[Line], budget_lines: list[Line]) -> None:
    """The grant and the budget of a laureate's grant section, read line by line: the first line that holds an
    amount gives the grant (a running header met inside the section, 'Résultats 2019 | 12', holds none), and the
    amount after 'budget' or 'coût' on that line or the next gives the budget."""
    lines = ([(body[0][0] if body else proj.line_start, inline)] if inline else []) + \
        [(n, t) for n, t in body if not t.startswith(("«", "\"", "“")) and len(t) < 240]
    with_amount = [(k, n, t) for k, (n, t) in enumerate(lines) if find_amounts(t)]
    joined = " ".join(t for _, t in lines[:4])
    requested = field == "grant_requested" or bool(re.search(r"\b(demand|sollicit)", fold(joined)))
    proj.grant_kind = "requested" if requested else "granted"
    budget_txt, line_no, budget_line = "", proj.line_start, None
    if with_amount:
        k, line_no, text = with_amount[0]
        m = re.search(r"^(.*?)\b(?:pour un |sur un |d'un |dans un )?(?:budget|co[uû]t)\b(.*)$", text, re.IGNORECASE)
        grant_txt, budget_txt = (m.group(1), m.group(2)) if m and find_amounts(m.group(1)) else (text, "")
        if m and not find_amounts(m.group(2)) and k + 1 < len(lines) and find_amounts(lines[k + 1][1]):
            budget_txt, budget_line = lines[k + 1][1], lines[k + 1][0]  # the amount on the next line
        elif budget_txt and not find_amounts(budget_txt):
            budget_txt = ""
        if not budget_txt and k + 1 < len(lines) and re.search(r"budget|co[uû]t", fold(lines[k + 1][1])) \
                and find_amounts(lines[k + 1][1]):
            budget_txt, budget_line = lines[k + 1][1], lines[k + 1][0]  # 'pour un budget triennal de' on the next
    else:
        grant_txt = joined
    proj.grant_amount_eur = parse_amount(grant_txt)
    proj.sources["grant_amount"] = Source(grant_txt.strip(), line_no)
    if proj.grant_amount_eur is None:
        proj.issues.append(Issue("unparseable_amount", "error", f"grant '{grant_txt.strip()}' is not an amount",
                                 grant_txt.strip(), "grant_amount_eur", "extraction"))
    if not budget_txt and budget_lines:
        budget_txt = " ".join(t for _, t in budget_lines[:2])
        line_no = budget_lines[0][0]
    if budget_txt:
        proj.total_budget_eur = parse_amount(budget_txt)
        proj.budget_kind = "triennial" if re.search(r"trienn|3 ans|trois ans", fold(joined + " " + budget_txt)) \
            else "total"
        proj.sources["total_budget"] = Source(budget_txt.strip(), budget_line or line_no)
        if proj.total_budget_eur is None:
            proj.issues.append(Issue("unparseable_amount", "error", f"budget '{budget_txt.strip()}' is not an amount",
                                     budget_txt.strip(), "total_budget_eur", "extraction"))


def _contact(proj: Project, lines: list[Line]) -> None:
    if not lines:
        return
    text = " ".join(t for _, t in lines)
    proj.sources["contact"] = Source(" | ".join(t for _, t in lines), lines[0][0])
    proj.contact_email = " | ".join(emails(text)) or None
    proj.contact_phone = " | ".join(phones(text)) or None
    for n, t in lines:
        s = strip_md(t)
        if not EMAIL_RE.search(s) and not ADDRESS_END_RE.search(s) and len(s) < 60 and not re.search(r"\d", s):
            proj.contact_name = re.split(r",|\s[-–]\s", s)[0].strip() or None
            break
    for n, t in lines:
        s = strip_md(t)
        m = POSTCODE_RE.search(s)
        if not m and ADDRESS_END_RE.search(s):
            # a postcode misprinted (4 digits): kept as printed, so that the geocoder flags it
            raw = ADDRESS_END_RE.search(s).group(0)
            pc = re.match(r"\d{2} ?\d{2,3}", raw).group(0)
            proj.postcode, proj.city = pc.replace(" ", ""), raw[len(pc):].strip(" .")
        elif m:
            proj.postcode, proj.city = m.group(1) + m.group(2), m.group(3).strip()
        else:
            continue
        proj.sources["postcode"] = Source(t, n)
        proj.location_hints.insert(0, LocationHint(f"{proj.postcode} {proj.city}", "address", n))


def _lead_from_role(v: Vocabulary, text: str) -> str | None:
    """'Isabel Dacheux, présidente d'EIFEIL' -> 'EIFEIL'; 'président de l'association PoleS NOÉ' -> 'Association
    PoleS NOÉ'."""
    roles = "|".join(sorted((re.escape(norm(t.phrase)) for t in v.of("role")), key=len, reverse=True))
    s = strip_md(text)
    m = re.search(rf"(?:^|[,\s–-])(?:{roles})e?s?\s+(?:du conseil d'administration\s+)?"
                  rf"(?:de la |de l'|du |des |de |d')?\s*(.+)$", same_length_fold(s))
    if not m:
        return None
    start = m.start(1)
    article = re.search(r"\b(?:La|Le|Les|L')\s?$", s[:start])  # 'gérant de La Fabrique': the name's own article
    if article:
        start = article.start()
    raw = re.split(r"\s[-–]\s|,|\s(?=[\w.+-]+@)", s[start:])[0].strip(" .,")
    keep = bool(raw) and raw[0].isupper()
    form = re.match(r"(?i)(?:l['’]\s?)?(?:association|fondation|coopérative|soci[ée]t[ée]|scic|scop|sas|sarl)\b", raw)
    if not raw or "@" in raw or not (raw[0].isupper() or raw[0].isdigit() or form):
        return None  # 'administratrice du pôle': a role, not a name
    return clean_org_name(raw, keep_article=keep)


def _parse_laureate(v: Vocabulary, lines: list[Line], header_lo: int, labels: list[tuple[int, str, str]], end: int,
                    prog_key: str, region_names: set[str]) -> Project:
    first = labels[0][0]
    head = _parse_header(v, lines[header_lo:first], region_names)
    name_lines = head["name"]
    title = strip_md(" ".join(t for _, t in name_lines)) if name_lines else "?"
    start_n = lines[header_lo][0] if header_lo < first else lines[first][0]
    proj = Project(key="", programme_key=prog_key, title=title, status="laureate",
                   line_start=start_n, line_end=lines[end - 1][0] if end > first else lines[first][0])
    proj.sources["title"] = Source(" ".join(t for _, t in name_lines), name_lines[0][0] if name_lines else start_n)
    if "territory" in head:
        n, t = head["territory"]
        proj.location_raw = t
        proj.sources["location"] = Source(t, n)
        proj.location_hints.append(LocationHint(t, "territory", n))
    for n, r in head["regions"]:
        proj.location_hints.append(LocationHint(r, "territory", n))
    sections: dict[str, tuple[str, list[Line]]] = {}
    for k, (i, field, inline) in enumerate(labels):
        stop = labels[k + 1][0] if k + 1 < len(labels) else end
        sections.setdefault(field, (inline, _content(lines, i + 1, stop)))
    tags = list(head["tags"])
    inline_body = sections.get("project", ("", []))[1]
    inner = [(n, t) for n, t in inline_body if is_caps(t) and len(strip_md(t)) < 40]
    for _, g in caps_groups(inner, _one_tag):  # tags printed inside the project text (a layout quirk)
        tags.extend(split_tags(g))
    proj.tags = tags
    if tags:
        proj.sources["tags"] = Source(" | ".join(tags), head.get("tags_line") or start_n)
    inline, body = sections.get("project", ("", []))
    proj.description = strip_md(" ".join([inline] + [t for n, t in body if (n, t) not in inner])) or None
    inline, body = sections.get("partners", ("", []))
    text = inline or (body[0][1] if body else "")
    if text:
        proj.partners = split_list(text)
        proj.sources["partners"] = Source(text, body[0][0] if body and not inline else labels[0][0])
    inline, body = sections.get("coordinator", ("", []))
    text = inline or (body[0][1] if body else "")
    if text:
        proj.lead_org = clean_org_name(text)
        proj.sources["lead_org"] = Source(text, body[0][0] if body and not inline else start_n)
    grant_field = "grant_requested" if "grant_requested" in sections else "grant" if "grant" in sections else None
    budget = sections.get("budget", ("", []))
    budget_lines = ([(start_n, budget[0])] if budget[0] else []) + budget[1]
    if grant_field:
        inline, body = sections[grant_field]
        _grant(proj, grant_field, inline, body, budget_lines)
    inline, body = sections.get("contact", ("", []))
    _contact(proj, ([(start_n, inline)] if inline else []) + body[:8])
    return proj


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
                                strip_md(name_line), "tags"))
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
                                       "no laureate section (LE PROJET, SUBVENTION…)", "", "", "extraction")))
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
                                  "grant_amount_eur", "extraction"))
    return doc

