"""A PTCE call's laureates, block by block: a header (name in capitals, territory, theme tags) and labelled sections
in any order (LE PROJET, PARTENAIRES, COORDINATEUR DU PROJET, SUBVENTION [ACCORDÉE | DEMANDÉE…], CONTACT with an
address), and the family's vocabulary helpers etl.parsers.ptce shares (data/reference/documents/ptce_call.csv)."""

from __future__ import annotations

import re

from etl import themes
from etl.clean import find_amounts, fold, parse_amount
from etl.models import Issue, LocationHint, Project, Source
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
                                 grant_txt.strip(), "grant_amount_eur", "extraction",
                                 params={"field": "grant_amount_eur", "value": grant_txt.strip()}))
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
                                     budget_txt.strip(), "total_budget_eur", "extraction",
                                     params={"field": "total_budget_eur", "value": budget_txt.strip()}))


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


