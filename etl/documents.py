"""The documents of an input folder: read, parsed (pure parsers, etl.parsers), placed on the map, themed and checked,
as rows of the build's staging tables (etl/sql/000_staging.sql) and of the contract tables they alone fill."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd

from etl import geo, quality, themes
from etl.errors import EtlError
from etl.models import Issue, ParsedDocument
from etl.parsers import registry

DOCUMENT_SUFFIXES = {".txt", ".md"}
TABLE_SUFFIXES = {".csv", ".xlsx", ".parquet"}


def input_files(input_dir: Path) -> list[Path]:
    """The documents and tables of a folder, sorted by name."""
    if not input_dir.is_dir():
        raise EtlError(key="etl.input_missing", dir=str(input_dir))
    files = sorted(p for p in input_dir.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in DOCUMENT_SUFFIXES | TABLE_SUFFIXES)
    return [p for p in files if p.name.lower() != "readme.md"]


def parse_folder(input_dir: Path, report) -> list[ParsedDocument]:
    """The folder's documents, parsed; its tables are read set-wise in DuckDB (etl.tables). A document no family
    claims is listed in ``report.skipped`` (an etl.build.BuildReport) with its reason and its issue."""
    files = input_files(input_dir)
    gz = geo.gazetteer()
    docs = []
    for path in files:
        if path.suffix.lower() in TABLE_SUFFIXES:
            continue
        try:
            reading = registry.read_document(path, gz)
        except Exception as exc:  # a parser bug must name the file, not crash anonymously
            raise EtlError(f"{path.name}: could not parse: {type(exc).__name__}: {exc}") from exc
        if reading.doc is None:
            report.skipped.append((path.name, reading.skipped))
            report.skipped_documents.append(reading)
            continue
        reading.doc.modified_at = _modified(path)
        docs.append(reading.doc)
        report.documents.append((path.name, reading.doc.family, len(reading.doc.projects)))
    return docs


def _modified(path: Path):
    return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


def build_tables(docs: list[ParsedDocument], skipped: list = ()) -> dict[str, pd.DataFrame]:
    """The documents' rows, table by table; ``skipped``: the registry.Reading of each document no family claims."""
    gz = geo.gazetteer()
    theme_list, _ = themes.taxonomy()
    rows: dict[str, list[dict]] = {k: [] for k in (
        "source_documents", "stage_programmes", "stage_places", "stage_tag_sets", "stage_projects", "stage_regions",
        "stage_departments", "stage_themes", "stage_cofinancers", "stage_partners", "key_figures", "field_sources",
        "programme_sources", "stage_issues", "source_lines", "document_counts")}
    issues = rows["stage_issues"]

    def add_issue(iss: Issue, source_file: str, line: int | None, project_id=None, programme_id=None):
        issues.append({"issue_id": len(issues) + 1, "project_id": project_id, "programme_id": programme_id,
                       "rule": iss.rule, "severity": iss.severity, "message": iss.message, "values": iss.values,
                       "params": json.dumps(iss.params, ensure_ascii=False, default=str),
                       "field": iss.field, "source_file": source_file, "source_line": line,
                       "category": iss.category})

    for r in skipped:
        rows["source_documents"].append({"source_file": r.path.name, "family": None, "sha256": r.sha256,
                                         "n_lines": r.n_lines, "n_records": 0, "status": "skipped",
                                         "skip_reason": r.skipped, "title": None, "encoding": r.encoding or None,
                                         "modified_at": _modified(r.path) if r.path.exists() else None})
        add_issue(r.skip_issue, r.path.name, None)

    seen_programmes: dict[str, str] = {}
    seen_projects: dict[str, str] = {}
    fse_codes: dict[str, str] = {}
    for doc in docs:
        rows["source_documents"].append({"source_file": doc.source_file, "family": doc.family, "sha256": doc.sha256,
                                         "n_lines": doc.n_lines, "n_records": len(doc.projects), "status": "loaded",
                                         "skip_reason": None, "title": doc.title or None, "encoding": doc.encoding,
                                         "profile": doc.family, "modified_at": doc.modified_at})
        rows["document_counts"].extend({"source_file": doc.source_file, "what": c.what, "announced": c.announced,
                                        "found": c.found, "source_line": c.line, "raw_value": c.raw or None}
                                       for c in doc.counts)
        rows["source_lines"].extend({"source_file": doc.source_file, "line_no": i, "text": t}
                                    for i, t in enumerate(doc.text.splitlines(), 1))
        key_map = {}
        for prog in doc.programmes:
            pid = _unique(prog.key, seen_programmes)
            if pid != prog.key:
                add_issue(Issue("duplicate_identifier", "warning",
                                f"programme id '{prog.key}' already used by {seen_programmes[prog.key]}; stored as '{pid}'",
                                prog.key, "programme_id", params={"id": prog.key, "other": seen_programmes[prog.key],
                                                                  "stored": pid}), doc.source_file, prog.line_start)
            seen_programmes[pid] = doc.source_file
            key_map[prog.key] = pid
            d = {k: getattr(prog, k) for k in (
                "name", "funder", "year", "kind", "envelope_eur", "applications", "admissible", "preselected",
                "laureates", "supported", "eligible_announced", "min_grant_eur", "max_grant_eur", "rate_cap",
                "rate_cap_priority")}
            rows["stage_programmes"].append({"programme_id": pid, **d, "source_file": doc.source_file,
                                       "source_line_start": prog.line_start, "source_line_end": prog.line_end})
            for f, s in prog.sources.items():
                rows["programme_sources"].append({"programme_id": pid, "field": f, "raw_value": s.raw,
                                                  "source_line": s.line})
        for _, iss in doc.issues:
            m = re.match(r"row (\d+)", iss.message) or re.search(r"\(?line (\d+)\)?", iss.message)
            line = int(m.group(1)) if m else None
            prog_id = key_map.get(doc.programmes[0].key) if doc.programmes and iss.rule != "rejected_row" else None
            add_issue(iss, doc.source_file, line, programme_id=prog_id)
        placements = infer_from_neighbours(doc, [geo.place(p.location_hints, gz) for p in doc.projects], gz)
        for p, placement in zip(doc.projects, placements):
            pid = _unique(p.key, seen_projects)
            if pid != p.key:
                p.issues.append(Issue("duplicate_identifier", "error",
                                      f"identifier '{p.key}' is used by another record ({seen_projects[p.key]}); "
                                      f"stored as '{pid}'", p.key, "project_id",
                                      params={"id": p.key, "other": seen_projects[p.key], "stored": pid}))
            seen_projects[pid] = f"{doc.source_file}:{p.line_start}"
            if p.fse_code:
                if p.fse_code in fse_codes:
                    p.issues.append(Issue("duplicate_identifier", "error",
                                          f"FSE code {p.fse_code} is also the code of {fse_codes[p.fse_code]}",
                                          p.fse_code, "fse_code",
                                          params={"id": p.fse_code, "other": fse_codes[p.fse_code], "stored": pid}))
                else:
                    fse_codes[p.fse_code] = pid
            assigned, unmapped = themes.assign(p.tags, p.text_for_themes(), title=p.title)
            for t in unmapped:
                p.issues.append(Issue("unmapped_tag", "warning", f"tag '{t}' maps to no theme", t, "tags",
                                      params={"tag": t}))
            if not assigned:
                p.issues.append(Issue("unthemed", "info", "no theme found for this record", "", "themes"))
            place_no = len(rows["stage_places"]) + 1  # a document's project has its own place and tags
            rows["stage_places"].append({"place_no": place_no, "location_raw": p.location_raw, "postcode": p.postcode,
                                   "city": p.city, "geo_method": placement.method,
                                   "geo_evidence": placement.evidence or None})
            tag_set_no = None
            if p.tags:
                tag_set_no = len(rows["stage_tag_sets"]) + 1
                rows["stage_tag_sets"].append({"tag_set_no": tag_set_no, "tags": " | ".join(p.tags)})
            computed = (p.fse_amount_eur / p.total_budget_eur).quantize(Decimal("0.0001")) \
                if p.fse_amount_eur is not None and p.total_budget_eur else None
            rows["stage_projects"].append({
                "project_id": pid, "programme_id": key_map.get(p.programme_key, p.programme_key), "title": p.title,
                "lead_org": p.lead_org, "lead_org_level": p.lead_org_level, "status": p.status,
                "fse_code": p.fse_code, "start_date": p.start_date, "end_date": p.end_date,
                "place_no": place_no, "scope": placement.scope,
                "total_budget_eur": p.total_budget_eur, "budget_kind": p.budget_kind,
                "fse_amount_eur": p.fse_amount_eur, "fse_rate_stated": p.fse_rate_stated,
                "fse_rate_computed": computed, "grant_amount_eur": p.grant_amount_eur, "grant_kind": p.grant_kind,
                "objective": p.objective, "description": p.description, "website": p.website,
                "n_actions": p.n_actions, "part": p.part, "structure_type": p.structure_type,
                "contact_name": p.contact_name, "contact_email": p.contact_email, "contact_phone": p.contact_phone,
                "tag_set_no": tag_set_no,
                "source_file": doc.source_file, "source_line_start": p.line_start, "source_line_end": p.line_end})
            for r in placement.regions:
                rows["stage_regions"].append({"project_id": pid, "region_code": r})
            for d in placement.departments:
                rows["stage_departments"].append({"project_id": pid, "department_code": d})
            for theme_id, rule in assigned:
                rows["stage_themes"].append({"project_id": pid, "theme_id": theme_id, "rule": rule})
            for i, name in enumerate(p.cofinancers, 1):
                rows["stage_cofinancers"].append({"project_id": pid, "position": i, "name": name})
            for i, name in enumerate(p.partners, 1):
                rows["stage_partners"].append({"project_id": pid, "position": i, "name": name})
            for i, (text, amount) in enumerate(p.key_figures, 1):
                src = p.sources.get(f"key_figure_{i}")
                rows["key_figures"].append({"project_id": pid, "position": i, "text": text, "amount_eur": amount,
                                            "source_line": src.line if src else None})
            for f, s in p.sources.items():
                rows["field_sources"].append({"project_id": pid, "field": f, "raw_value": s.raw,
                                              "source_line": s.line})
            all_issues = p.issues + quality.check_project(p) + placement.issues
            for iss in all_issues:
                src = p.sources.get(_SOURCE_OF.get(iss.field, iss.field))
                add_issue(iss, doc.source_file, src.line if src else p.line_start, project_id=pid)
        for prog in doc.programmes:
            mine = [p for p in doc.projects if p.programme_key == prog.key]
            for iss in quality.check_programme(prog, mine):
                add_issue(iss, doc.source_file, prog.line_start, programme_id=key_map[prog.key])
    frames = {k: pd.DataFrame(v) for k, v in rows.items()}
    # the reference dimensions, numbered (the read side's bits and numbers: regions and themes by code, as the masks)
    frames["regions"] = pd.DataFrame([{"region_code": c, "name": n, "region_no": i}
                                      for i, (c, n) in enumerate(sorted(gz.regions.items()), 1)])
    frames["departments"] = pd.DataFrame([{"department_code": c, "name": n, "region_code": gz.dep_region[c], "dept_no": i}
                                          for i, (c, n) in enumerate(sorted(gz.departments.items()), 1)])
    frames["themes"] = pd.DataFrame([{"theme_id": t.theme_id, "label_fr": t.label_fr, "label_en": t.label_en,
                                      "theme_no": i} for i, t in enumerate(sorted(theme_list, key=lambda t: t.theme_id), 1)])
    return frames


def _unique(key: str, seen: dict) -> str:
    """``key``, or ``key-2``, ``key-3``… when it is taken: a duplicate is stored and flagged, never dropped."""
    if key not in seen:
        return key
    n = 2
    while f"{key}-{n}" in seen:
        n += 1
    return f"{key}-{n}"


def infer_from_neighbours(doc: ParsedDocument, placements: list[geo.Placement], gz) -> list[geo.Placement]:
    """Lists grouped by region (e.g. eligible applicants): an unplaced record between two records of the
    same programme and status placed in one same region is put in that region, flagged as an inference."""
    out = list(placements)
    for i, (p, pl) in enumerate(zip(doc.projects, placements)):
        if pl.scope is not None:
            continue
        def near(rng):
            for j in rng:
                q, ql = doc.projects[j], placements[j]
                if q.programme_key != p.programme_key or q.status != p.status:
                    return None
                if ql.scope is not None:
                    return q, ql
            return None
        before, after = near(range(i - 1, -1, -1)), near(range(i + 1, len(doc.projects)))
        if not before or not after:
            continue
        (qb, pb), (qa, pa) = before, after
        if pb.scope == pa.scope == "local" and pb.regions == pa.regions and len(pb.regions) == 1:
            region = pb.regions[0]
            kept = [x for x in pl.issues if x.rule != "unresolved_location"]
            ev = (f"between '{qb.title[:40]}' (line {qb.line_start}) and '{qa.title[:40]}' (line {qa.line_start}), "
                  f"both in {gz.regions[region]}")
            kept.append(Issue("location_inferred", "info",
                              "no place named; region inferred from the neighbouring records of a list grouped by region",
                              ev, "location", params={"before": qb.title[:40], "after": qa.title[:40],
                                                      "region": gz.regions[region]}))
            out[i] = geo.Placement("local", [region], [], "document_order", ev, kept)
    return out


_SOURCE_OF = {"fse_amount_eur": "fse_amount", "total_budget_eur": "total_budget", "grant_amount_eur": "grant_amount",
              "fse_rate_stated": "fse_rate", "end_date": "period", "start_date": "period", "location": "location",
              "fse_code": "fse_code", "postcode": "postcode", "tags": "tags", "title": "title"}
