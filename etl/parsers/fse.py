"""Project sheets of an FSE (European Social Fund) call: one sheet per funded project.

A sheet is a title and a marker line ("Projet cofinancé par le FSE", "Opération cofinancée par le FSE+"…), then
blocks (LE PROJET, PORTEUR DE PROJET, SYNTHÈSE…) and labelled fields (Codification FSE, Période de réalisation,
Localisation, Budget prévisionnel total, Cofinancement FSE prévisionnel, Autres partenaires cofinanceurs), in any
order, with their value on the label's line (after ':') or on the lines below. Markers, blocks and labels are the
family's vocabulary, data/reference/documents/fse_sheets.csv: another edition's wording is a row there, not code.
"""

from __future__ import annotations

import re
from decimal import Decimal

from etl.clean import fold, key_slug, normalise_text, parse_amount, parse_date, parse_period, parse_rate, slug
from etl.models import Count, Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import URL_RE, Line, clean_org_name, nonblank, numbered, prepared, split_list, strip_md, subject_org
from etl.parsers.vocabulary import Vocabulary, strip_bullet, vocabulary

FAMILY = "fse_sheets"


def _vocab() -> Vocabulary:
    return vocabulary(FAMILY)


def _is_marker(v: Vocabulary, text: str) -> bool:
    return len(text) < 200 and v.whole(text, ("marker",), ("sheet",), tail=90) is not None


def _protected(text: str) -> bool:
    v = _vocab()
    return bool(v.label(text, ("label", "block")) or v.whole(text, ("marker",)))


def detect(text: str) -> int:
    """How much the text looks like FSE sheets (0: not at all)."""
    v = _vocab()
    lines = [t for t in text.replace("\r", "\n").split("\n")[:6000] if t.strip()]
    markers = sum(1 for t in lines if _is_marker(v, t))
    labels = {h.field for t in lines if len(t) < 200 and (h := v.label(t)) is not None}
    core = len(labels & {"fse_code", "fse", "budget", "period", "location"})
    if markers == 0 and ("fse_code" not in labels or core < 3):
        return 0
    return 25 * min(markers, 5) + 8 * core  # the marker line is the family's own phrase


def _classify(v: Vocabulary, t: str):
    """('marker'|'call'|'block'|'label'|'text'|'blank', field, inline value) of one line."""
    s = t.strip()
    if not s:
        return "blank", None, None
    if len(s) < 160:
        if _is_marker(v, s):
            return "marker", "sheet", None
        h = v.label(s, ("label",))
        if h is not None and h.rest:  # 'Structure porteuse : Association X': a label with its value
            return "label", h.field, h.rest
        b = v.label(s, ("block",))
        if b is not None and not b.rest:
            return "block", b.field, None
        if h is not None:
            return "label", h.field, h.rest
        if v.whole(s, ("marker",), ("call",)) or re.search(r"appel [àa] (?:projets|candidatures)", s, re.I):
            return "call", None, None
    return "text", None, None


def _sheets(lines: list[Line], kinds: list[tuple]) -> list[tuple[int, int, list[int]]]:
    """(start, end, title indexes) of each sheet, as indexes into ``lines``."""
    marks = [i for i, k in enumerate(kinds) if k[0] == "marker"]
    anchors = marks or [i for i, k in enumerate(kinds) if k[0] == "block" and k[1] == "project"]
    if not anchors:
        return []
    # Where is a sheet's title: above its marker (the bundled edition) or below it? Above, when the first
    # marker has a text line above it that is not a call line.
    def text_above(i: int, floor: int) -> list[int]:
        out, j = [], i - 1
        while j > floor and (kinds[j][0] == "blank"):
            j -= 1
        while j > floor and kinds[j][0] == "text" and len(out) < 3 and not lines[j][1].strip().startswith("«"):
            out.insert(0, j)
            j -= 1
            if kinds[j][0] == "blank":
                break
        return out

    def text_below(i: int) -> bool:
        j = i + 1
        while j < len(lines) and kinds[j][0] == "blank":
            j += 1
        return j < len(lines) and kinds[j][0] == "text" and not lines[j][1].strip().startswith("«")

    # where is a sheet's title: above its marker (the bundled edition) or just below it (most markers say)
    above = sum(text_below(a) for a in anchors) * 2 <= len(anchors) if marks else True
    out = []
    for k, a in enumerate(anchors):
        floor = anchors[k - 1] if k else -1
        if above:
            titles = text_above(a, floor)
            start = titles[0] if titles else a
        else:
            start = a
            titles = []
            for j in range(a + 1, min(a + 12, len(lines))):
                if kinds[j][0] in ("label", "block", "marker"):
                    break
                if kinds[j][0] == "text" and not lines[j][1].strip().startswith("«"):
                    titles = [j]
                    break
        out.append([start, None, titles])
    for k in range(len(out)):
        out[k][1] = out[k + 1][0] if k + 1 < len(out) else len(lines)
    return [(s, e, t) for s, e, t in out]


def _programme(lines: list[Line], source_file: str) -> Programme:
    """The call: its years and name from the first call line (a running header repeating it counts too)."""
    v = _vocab()
    call_years, call_name, call_line = None, None, None
    for i, (n, t) in enumerate(lines):
        if call_years is None and len(t) < 200 and _classify(v, t)[0] == "call":
            ys = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", t)
            if ys:
                call_years = (int(ys[0]), int(ys[1]) if len(ys) > 1 and ys[1] != ys[0] else None)
                call_line = n
                for n2, t2 in lines[i:i + 6]:
                    q = re.search(r"[«\"“]\s*(.+?)\s*[»\"”]", t2)
                    if q:
                        call_name = q.group(1)
                        break
        if call_years:
            break
    year = call_years[0] if call_years else None
    years_txt = f"{call_years[0]}-{call_years[1]}" if call_years and call_years[1] else str(year or "")
    key = f"fse-{years_txt}" if years_txt else f"fse-{slug(call_name or source_file, 24)}"
    fund = "FSE+" if any("fse+" in t.lower() or "fse +" in t.lower() for _, t in lines[:400]) else "FSE"
    name = f"Appel à projets {fund} {years_txt.replace('-', '–')}".strip()
    return Programme(key=key, name=f"{name} « {call_name} »" if call_name else name,
                     funder="Fonds social européen (FSE)", year=year, kind="call", line_start=call_line)


def _cofinancers(lines: list[Line]) -> list[str]:
    out = []
    for _, t in lines:
        s = strip_bullet(normalise_text(t.replace("|", " ")))
        if not s or re.fullmatch(r"(?:néant|aucun|aucune|sans objet|/|-)\.?", s, re.I):
            continue
        items = split_list(s) if (len(lines) == 1 and ("," in s or ";" in s)) else [s]
        for item in items:
            item = re.sub(r"\s*[:(–-]?\s*\d[\d\s.,]*\s*(?:€|euros?|k€|%)\)?.*$", "", item).strip(" :-–")
            if item and item not in out:
                out.append(item)
    return out


def _amount(text: str) -> Decimal | None:
    v = parse_amount(text)
    if v is None and (m := re.fullmatch(r"\s*(\d{1,3}(?:[  .]\d{3})+|\d+)(?:,\d{1,2})?\s*(?:HT|TTC)?\s*", text)):
        v = parse_amount(m.group(0).strip().rstrip("HTC ").strip() + " €")
    return v


def _parse_sheet(v: Vocabulary, lines: list[Line], kinds: list[tuple], start: int, end: int, titles: list[int],
                 prog: Programme) -> Project:
    title_txt = " ".join(strip_md(lines[i][1]) for i in titles) if titles else ""
    title_n = lines[titles[0]][0] if titles else lines[start][0]
    proj = Project(key="", programme_key=prog.key, title=title_txt or "?", status="funded", line_start=lines[start][0],
                   line_end=lines[end - 1][0])
    proj.sources["title"] = Source(" ".join(lines[i][1].strip() for i in titles), title_n)
    fields: dict[str, list[Line]] = {}
    blocks: dict[str, list[Line]] = {}
    cur_field, cur_block = None, None
    for i in range(start, end):
        if i in titles:
            continue
        n, t = lines[i]
        kind, name, value = kinds[i]
        if kind == "label":
            cur_field = name
            fields.setdefault(name, [])
            if value:
                fields[name].append((n, value))
            continue
        if kind == "block":
            cur_block, cur_field = name, None
            blocks.setdefault(name, [])
            continue
        if kind in ("marker", "call", "blank"):
            continue
        if t.strip().startswith("«") and cur_field is None and cur_block in (None, "project"):
            continue  # the call's name under the call line
        if cur_field:
            fields[cur_field].append((n, t.strip()))
        elif cur_block:
            blocks[cur_block].append((n, t.strip()))

    def first(name: str) -> Line | None:
        vals = fields.get(name) or []
        return vals[0] if vals else None

    # lead organisation: an inline label; else the presentation's bold or quoted name; else the logo's text under
    # PORTEUR DE PROJET; else the subject of the presentation's first sentence
    lead, lead_n = None, None
    if first("lead_org"):
        lead_n, raw = first("lead_org")
        lead = clean_org_name(raw)
    pres = blocks.get("presentation") or blocks.get("lead") or []
    if lead is None and pres:
        lead, lead_n = subject_org(pres[0][1], named_only=True), pres[0][0]
    for n, t in blocks.get("lead", []):
        if lead is None and len(t) < 90 and not t.endswith(".") and not URL_RE.search(t):
            lead, lead_n = clean_org_name(t, keep_article=True), n  # the logo's text: the name as printed
    if lead is None and pres:
        lead, lead_n = subject_org(pres[0][1]), pres[0][0]
    if lead:
        proj.lead_org = lead
        proj.sources["lead_org"] = Source(lead, lead_n)
    web = fields.get("website") or blocks.get("website") or []
    for _, t in web:
        m = URL_RE.search(t) or re.search(r"\b[\w-]+(?:\.[\w-]+)+\.[a-z]{2,}\S*", t)
        if m:
            proj.website = m.group(0).strip("<>.,")
            break

    val = first("fse_code")
    if val:
        proj.sources["fse_code"] = Source(val[1], val[0])
        raw = strip_md(val[1]).strip(" |.;")
        # digits cut by spaces ('2020 03945') are joined; a code with letters keeps its form ('2021-HDF-0042')
        code = re.sub(r"\s+", "", raw) if re.fullmatch(r"[\d\s]+", raw) else (raw.split()[0] if raw else "")
        proj.fse_code = code or None
        if not re.search(r"\d", code):
            proj.issues.append(Issue("unparseable_value", "error", f"FSE code '{val[1]}' holds no digits",
                                     val[1], "fse_code", "extraction", params={"field": "fse_code", "value": val[1]}))
    val = first("period")
    if val:
        text = " ".join(t for _, t in fields["period"][:2])
        proj.sources["period"] = Source(val[1], val[0])
        proj.start_date, proj.end_date = parse_period(text)
        if proj.start_date is None or proj.end_date is None:
            proj.issues.append(Issue("unparseable_date", "error", f"period '{text}' is not two dates",
                                     text, "period", "extraction", params={"field": "period", "value": text}))
    for fname, attr in (("start", "start_date"), ("end", "end_date")):
        val = first(fname)
        if val and getattr(proj, attr) is None:
            d = parse_period(val[1])[0] if fname == "start" else (parse_period(val[1])[1] or parse_date(val[1]))
            setattr(proj, attr, d)
            proj.sources["period"] = proj.sources.get("period") or Source(val[1], val[0])
    loc = fields.get("location") or []
    if loc:
        proj.location_raw = normalise_text(" ".join(t.replace("|", " ") for _, t in loc[:3])).strip(" .")
        proj.sources["location"] = Source(" ".join(t for _, t in loc[:3]), loc[0][0])
        proj.location_hints.append(LocationHint(proj.location_raw, "location", loc[0][0]))
    val = first("budget")
    if val:
        proj.sources["total_budget"] = Source(val[1], val[0])
        proj.total_budget_eur = _amount(val[1])
        proj.budget_kind = "total"
        if proj.total_budget_eur is None:
            proj.issues.append(Issue("unparseable_amount", "error", f"total budget '{val[1]}' is not an amount",
                                     val[1], "total_budget_eur", "extraction",
                                     params={"field": "total_budget_eur", "value": val[1]}))
    val = first("fse")
    if val:
        text = " ".join(t for _, t in fields["fse"][:2])
        proj.sources["fse_amount"] = Source(val[1], val[0])
        proj.fse_amount_eur = _amount(val[1]) or parse_amount(text)
        proj.fse_rate_stated = parse_rate(text)
        if proj.fse_amount_eur is None:
            proj.issues.append(Issue("unparseable_amount", "error", f"FSE amount '{val[1]}' is not an amount",
                                     val[1], "fse_amount_eur", "extraction",
                                     params={"field": "fse_amount_eur", "value": val[1]}))
        if proj.fse_rate_stated is not None:
            proj.sources["fse_rate"] = Source(val[1], val[0])
    val = first("fse_rate")
    if val and proj.fse_rate_stated is None:
        proj.fse_rate_stated = parse_rate(val[1])
        if proj.fse_rate_stated is not None:
            proj.sources["fse_rate"] = Source(val[1], val[0])
    cof = fields.get("cofinancers") or []
    proj.cofinancers = _cofinancers(cof)
    if cof:
        proj.sources["cofinancers"] = Source(" | ".join(t for _, t in cof), cof[0][0])
    obj = fields.get("objective") or blocks.get("project") or []
    if obj:
        proj.objective = strip_md(" ".join(t for _, t in obj))
        proj.partners = _partners(obj)
    acts = fields.get("actions") or []
    if acts:
        m = re.search(r"(\d+)\s+(?:grandes\s+|principales\s+)?actions", " ".join(t for _, t in acts[:2]))
        bullets = sum(1 for _, t in acts if t.startswith(("-", "•", "*", "►", "▶")))
        proj.n_actions = int(m.group(1)) if m else (bullets or None)
        proj.description = strip_md(" ".join(t for _, t in acts))
        if m and bullets and int(m.group(1)) != bullets:
            proj.issues.append(Issue("actions_count_mismatch", "info",
                                     f"sheet announces {m.group(1)} actions but lists {bullets}",
                                     f"{m.group(1)} vs {bullets}", "n_actions",
                                     params={"announced": m.group(1), "found": bullets}))
    for term in v.of("required"):  # a field every sheet carries, not read on this one (an unreadable one is above)
        label = term.phrase
        stem = term.field.split("_")[0]
        if getattr(proj, term.field, None) is None and not any(i.field.startswith(stem) for i in proj.issues):
            proj.issues.append(Issue("missing_field", "error", f"no {label} read on the sheet", label,
                                     term.field, "extraction", params={"field": term.field}))
    proj.key = f"{prog.key}-{proj.fse_code}" if proj.fse_code else f"{prog.key}-{key_slug(proj.title)}"
    return proj


def _partners(objective_lines: list[Line]) -> list[str]:
    """Organisations listed after a colon in the 'parties prenantes' / 'partenaires' paragraph."""
    for _, t in objective_lines:
        low = fold(t)
        if ("partenaire" in low or "parties prenantes" in low or "acteurs" in low) and ":" in t:
            tail = strip_md(t.split(":", 1)[1])
            tail = re.split(r"\.\s+[A-Z]", tail)[0]
            items = split_list(tail)
            items = [re.sub(r"\s*\(.*?\)\s*", " ", i).strip() for i in items if len(i) < 120]
            return [i for i in items if i and fold(i) not in ("etc", "etc.")]
    return []


def parse(text: str, source_file: str) -> ParsedDocument:
    v = _vocab()
    doc = ParsedDocument(FAMILY, source_file)
    lines = prepared(text, _protected)
    kinds = [_classify(v, t) for _, t in lines]
    sheets = _sheets(lines, kinds)
    prog = _programme(numbered(text), source_file)
    doc.programmes.append(prog)
    doc.title = prog.name
    for s, e, titles in sheets:
        doc.projects.append(_parse_sheet(v, lines, kinds, s, e, titles, prog))
    prog.line_end = lines[-1][0] if lines else None
    prog.laureates = len(doc.projects)
    # a count the document announces before its first sheet ('14 projets cofinancés')
    front = lines[: sheets[0][0]] if sheets else lines
    for n, t in nonblank(front):
        for h in v.search(t, ("count",)):
            if h.count() is not None:
                doc.counts.append(Count("records", h.count(), len(doc.projects), n, t.strip()))
                break
        if doc.counts:
            break
    if not sheets:
        doc.issues.append((None, Issue("structure_not_found", "error",
                                       "no sheet found: no 'Projet cofinancé par le FSE' line (or a variant of the "
                                       "vocabulary) and no 'LE PROJET' block", "", "", "extraction",
                                       params={"family": FAMILY})))
    return doc
