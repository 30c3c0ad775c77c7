"""Project sheets of an FSE (European Social Fund) call: one sheet per funded project.

A sheet is recognised by the line "Projet cofinancé par le FSE" under its title,
then "► Field" headings (Codification FSE, Période de réalisation, Localisation,
Budget prévisionnel total, Cofinancement FSE prévisionnel, Autres partenaires
cofinanceurs). Headings are matched by meaning (accent- and case-insensitive
keywords), so another year's sheets or a re-layout parse with no code change.
"""

from __future__ import annotations

import re

from etl.clean import fold, key_slug, normalise_text, parse_amount, parse_period, parse_rate, slug
from etl.models import Issue, LocationHint, ParsedDocument, Programme, Project, Source
from etl.parsers.common import Line, numbered, split_list, strip_md

FAMILY = "fse_sheets"
MARKER = re.compile(r"^\s*projet cofinanc[ée] par le fse\s*$", re.IGNORECASE | re.MULTILINE)

# Section headings of a sheet (folded text -> section name). Order matters: first match wins.
_FIELDS = [
    ("codification", "fse_code"),
    ("code fse", "fse_code"),
    ("periode", "period"),
    ("duree", "period"),
    ("localisation", "location"),
    ("territoire", "location"),
    ("autres partenaires cofinanceurs", "cofinancers"),
    ("autres cofinanceurs", "cofinancers"),
    ("cofinancement fse", "fse"),
    ("montant fse", "fse"),
    ("budget", "budget"),
    ("cout total", "budget"),
    ("objectif", "objective"),
    ("parties prenantes", "objective"),
    ("principales actions", "actions"),
]
_BLOCKS = {"le projet", "porteur de projet", "synthese du projet", "presentation", "missions", "site web"}


def detect(text: str) -> bool:
    return len(MARKER.findall(text)) >= 1 and "►" in text


def _section_name(line: str) -> str | None:
    s = line.strip()
    if not s.startswith("►"):
        return None
    key = fold(s.lstrip("►").replace("|", " "))
    for word, name in _FIELDS:
        if word in key:
            return name
    return "other:" + key


def _sheets(lines: list[Line]) -> list[tuple[int, int]]:
    """(start, end) index ranges into ``lines`` of each sheet, title included."""
    marks = [i for i, (_, t) in enumerate(lines) if MARKER.match(t)]
    starts = []
    for m in marks:
        j = m - 1
        while j >= 0 and not lines[j][1].strip():
            j -= 1
        starts.append(max(j, 0))
    return [(s, (starts[k + 1] if k + 1 < len(starts) else len(lines))) for k, s in enumerate(starts)]


def _lead_org(block: list[Line]) -> tuple[str | None, int | None]:
    """The lead organisation: logo text under PORTEUR DE PROJET, else the subject of the presentation."""
    presentation = None
    for i, (n, t) in enumerate(block):
        if fold(t) == "presentation":
            for n2, t2 in block[i + 1:]:
                if t2.strip():
                    presentation = (n2, t2)
                    break
            break
    if presentation is None:
        return None, None
    n, text = presentation
    bold = re.findall(r"\*\*(.+?)\*\*", text)
    strip_article = False
    if bold:
        name = bold[0]
    else:
        quoted = re.search(r"[\"«]\s*([^\"»]+?)\s*[\"»]", text[:80])
        m = re.match(r"^(?:Créée? en \d{4},\s*)?(.+?)(?:,? (?:est|a été|créée?|regroupe|porte|développe|constitue)\b)", text)
        if quoted and quoted.start() < 40:
            name = quoted.group(1)
        elif m:
            name, strip_article = m.group(1), True
        else:
            return None, n
    name = re.sub(r"^(l['’]\s*)?(association|structure)\s+(sans but lucratif\s+)?", "", name.strip(), flags=re.I)
    if strip_article and len(name.split()) > 1:
        name = re.sub(r"^(le|la|les|l['’])\s+", "", name, flags=re.I)
    name = name.strip(" ,.")
    return (name[0].upper() + name[1:]) if name else None, n


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
    doc = ParsedDocument(FAMILY, source_file)
    lines = numbered(text)
    sheets = _sheets(lines)
    call_name, call_years, call_line = None, None, None
    for i, (n, t) in enumerate(lines[: sheets[0][1] if sheets else len(lines)]):
        m = re.search(r"appel [àa] projets\s+(?:fse\s+)?(\d{4})(?:\s*[-–—]\s*(\d{4}))?", t, re.IGNORECASE)
        if m and call_years is None:
            call_years = (int(m.group(1)), int(m.group(2)) if m.group(2) else None)
            call_line = n
        q = re.search(r"«\s*(.+?)\s*»", t)
        if q and call_name is None:
            call_name = q.group(1)
    year = call_years[0] if call_years else None
    years_txt = f"{call_years[0]}-{call_years[1]}" if call_years and call_years[1] else str(year or "")
    prog_key = f"fse-{years_txt}" if years_txt else f"fse-{slug(call_name or source_file, 24)}"
    prog = Programme(
        key=prog_key,
        name=(f"Appel à projets FSE {years_txt.replace('-', '–')} « {call_name} »" if call_name
              else f"Appel à projets FSE {years_txt}"),
        funder="Fonds social européen (FSE)",
        year=year,
        kind="call",
        line_start=call_line,
    )
    doc.programmes.append(prog)

    for s, e in sheets:
        block = lines[s:e]
        title_n, title = block[0]
        proj = Project(key="", programme_key=prog_key, title=strip_md(title), status="funded",
                       line_start=title_n, line_end=block[-1][0])
        proj.sources["title"] = Source(title.strip(), title_n)
        # Gather sections.
        sections: dict[str, list[Line]] = {}
        current = None
        for n, t in block[1:]:
            name = _section_name(t)
            if name:
                current = name
                sections.setdefault(current, [])
                continue
            if fold(t) in _BLOCKS:
                current = None
                continue
            if current and t.strip():
                sections[current].append((n, t.strip()))
        # Website (line after 'Site web').
        for i, (n, t) in enumerate(block):
            if fold(t) == "site web":
                for n2, t2 in block[i + 1:]:
                    if t2.strip():
                        proj.website = t2.strip().strip("<>")
                        break
        # Lead organisation.
        proj.lead_org, lead_n = _lead_org(block)
        if proj.lead_org:
            proj.sources["lead_org"] = Source(proj.lead_org, lead_n or title_n)

        def first(name: str) -> Line | None:
            vals = sections.get(name) or []
            return vals[0] if vals else None

        def cleaned(raw: str) -> str:
            return normalise_text(raw.replace("|", " ")).strip()

        v = first("fse_code")
        if v:
            proj.sources["fse_code"] = Source(v[1], v[0])
            digits = re.sub(r"\D", "", v[1])
            proj.fse_code = digits or None
            if not digits:
                proj.issues.append(Issue("unparseable_value", "error", f"FSE code '{v[1]}' holds no digits",
                                         v[1], "fse_code"))
        v = first("period")
        if v:
            proj.sources["period"] = Source(v[1], v[0])
            proj.start_date, proj.end_date = parse_period(v[1])
            if proj.start_date is None or proj.end_date is None:
                proj.issues.append(Issue("unparseable_date", "error", f"period '{v[1]}' is not two dates",
                                         v[1], "period"))
        loc = sections.get("location") or []
        if loc:
            proj.location_raw = cleaned(" ".join(t for _, t in loc))
            proj.sources["location"] = Source(" ".join(t for _, t in loc), loc[0][0])
            proj.location_hints.append(LocationHint(proj.location_raw, "location", loc[0][0]))
        v = first("budget")
        if v:
            proj.sources["total_budget"] = Source(v[1], v[0])
            proj.total_budget_eur = parse_amount(v[1])
            proj.budget_kind = "total"
            if proj.total_budget_eur is None:
                proj.issues.append(Issue("unparseable_amount", "error", f"total budget '{v[1]}' is not an amount",
                                         v[1], "total_budget_eur"))
        v = first("fse")
        if v:
            proj.sources["fse_amount"] = Source(v[1], v[0])
            proj.fse_amount_eur = parse_amount(v[1])
            proj.fse_rate_stated = parse_rate(v[1])
            if proj.fse_amount_eur is None:
                proj.issues.append(Issue("unparseable_amount", "error", f"FSE amount '{v[1]}' is not an amount",
                                         v[1], "fse_amount_eur"))
            if proj.fse_rate_stated is not None:
                proj.sources["fse_rate"] = Source(v[1], v[0])
        cof = sections.get("cofinancers") or []
        proj.cofinancers = [cleaned(t) for _, t in cof if cleaned(t)]
        if cof:
            proj.sources["cofinancers"] = Source(" | ".join(t for _, t in cof), cof[0][0])
        obj = sections.get("objective") or []
        if obj:
            proj.objective = strip_md(" ".join(t for _, t in obj))
            proj.partners = _partners(obj)
        acts = sections.get("actions") or []
        if acts:
            m = re.search(r"(\d+)\s+(?:grandes\s+)?actions", " ".join(t for _, t in acts[:2]))
            bullets = sum(1 for _, t in acts if t.startswith(("-", "•", "*")))
            proj.n_actions = int(m.group(1)) if m else (bullets or None)
            proj.description = strip_md(" ".join(t for _, t in acts))
            if m and bullets and int(m.group(1)) != bullets:
                proj.issues.append(Issue("actions_count_mismatch", "info",
                                         f"sheet announces {m.group(1)} actions but lists {bullets}",
                                         f"{m.group(1)} vs {bullets}", "n_actions"))
        # a field the sheet does not give at all (an unreadable one was reported above)
        for field_name, rule, label in (("fse_code", "missing_fse", "FSE code"),
                                        ("total_budget_eur", "missing_amount", "total budget"),
                                        ("fse_amount_eur", "missing_amount", "FSE amount"),
                                        ("location_raw", "missing_location", "location"),
                                        ("start_date", "missing_start", "start date")):
            reported = any(i.field.startswith(field_name.split("_")[0]) for i in proj.issues)
            if getattr(proj, field_name) is None and not reported:
                proj.issues.append(Issue(rule, "error", f"no {label} on the sheet", "", field_name))
        proj.key = f"{prog_key}-{proj.fse_code}" if proj.fse_code else f"{prog_key}-{key_slug(proj.title)}"
        doc.projects.append(proj)
    prog.line_end = lines[-1][0] if lines else None
    prog.laureates = len(doc.projects)
    return doc
