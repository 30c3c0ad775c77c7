"""From a folder of source documents to a DuckDB warehouse.

parse (pure, per document) -> place on the map -> theme -> check -> load into a
temporary file -> swap it in only when complete, so a failed run leaves the
previous warehouse untouched.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from etl import geo, quality, tabular, themes
from etl.models import Issue, ParsedDocument
from etl.parsers import registry

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = ROOT / "data" / "raw"
DEFAULT_IMPORTS = Path(os.environ.get("ESS_IMPORTS", ROOT / "data" / "imports"))
ACCEPT_MARK = ".accept-valid-rows"  # beside an imported table: load its valid rows, report the rejected ones
DEFAULT_DB = Path(os.environ.get("ESS_WAREHOUSE", ROOT / "data" / "warehouse.duckdb"))
SCHEMA = Path(__file__).resolve().parent / "schema.sql"
DOCUMENT_SUFFIXES = {".txt", ".md"}
TABLE_SUFFIXES = {".csv", ".xlsx", ".parquet"}


class EtlError(Exception):
    """A fatal problem: the message names the file and what is wrong."""


@dataclass
class BuildReport:
    db_path: Path
    documents: list[tuple[str, str, int]] = field(default_factory=list)  # file, family, records
    skipped: list[tuple[str, str]] = field(default_factory=list)
    skipped_documents: list = field(default_factory=list)  # registry.Reading of each document no family claims
    counts: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # file -> (what, announced, found)
    programmes: list[tuple[str, int]] = field(default_factory=list)
    n_projects: int = 0
    n_placed: int = 0
    n_themed: int = 0
    issues_by_rule: Counter = field(default_factory=Counter)
    errors: list[tuple[str, int | None, str, str]] = field(default_factory=list)  # file, line, rule, message
    seconds: float = 0.0

    def summary(self) -> str:
        out = [f"Warehouse: {self.db_path}"]
        out.append("Documents:")
        for f, fam, n in self.documents:
            counts = "; ".join(f"{what}: announced {a}, found {b}" for what, a, b in self.counts.get(f, []))
            out.append(f"  {f:<32} {fam:<14} {n:>4} records" + (f"  ({counts})" if counts else ""))
        for f, why in self.skipped:
            out.append(f"  {f:<32} skipped: {why}")
        out.append("Records per programme:")
        for p, n in self.programmes:
            out.append(f"  {p:<48} {n:>4}")
        pct = (lambda n: f"{n}/{self.n_projects} ({100 * n / self.n_projects:.0f} %)") if self.n_projects else str
        out.append(f"Projects: {self.n_projects}; placed on the map: {pct(self.n_placed)}; themed: {pct(self.n_themed)}")
        out.append("Quality issues by rule:")
        for rule, n in sorted(self.issues_by_rule.items(), key=lambda x: (-x[1], x[0])):
            out.append(f"  {rule:<28} {n:>4}")
        out.append(f"Built in {self.seconds:.2f} s")
        if self.errors:
            out.append("")
            out.append(f"ERRORS: {len(self.errors)} record(s) or document(s) could not be read in full "
                       "(extraction and import errors; python -m etl --strict fails on them):")
            for f, line, rule, msg in self.errors[:200]:
                where = f"{f}, line {line}" if line else f
                out.append(f"  [{rule}] {where}: {msg}")
            if len(self.errors) > 200:
                out.append(f"  … and {len(self.errors) - 200} more (Data quality page, or the table quality_issues)")
        return "\n".join(out)


def detect_family(text: str) -> str | None:
    return registry.detect_family(text)


def input_files(input_dir: Path) -> list[Path]:
    """The documents and tables of a folder, sorted by name."""
    if not input_dir.is_dir():
        raise EtlError(f"{input_dir}: input folder not found")
    files = sorted(p for p in input_dir.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in DOCUMENT_SUFFIXES | TABLE_SUFFIXES)
    return [p for p in files if p.name.lower() != "readme.md"]


def parse_folder(input_dir: Path, report: BuildReport) -> list[ParsedDocument]:
    """The folder's documents, parsed (pure parsers); its tables are loaded set-wise in DuckDB (``stage_table``).
    A document no family claims is listed in ``report.skipped`` with its reason and its issue."""
    files = input_files(input_dir)
    gz = geo.gazetteer()
    docs = []
    for path in files:
        if path.suffix.lower() in TABLE_SUFFIXES:
            continue
        try:
            reading = registry.read_document(path, gz)
        except Exception as exc:  # a parser bug must name the file, not crash anonymously
            raise EtlError(f"{path}: could not parse: {type(exc).__name__}: {exc}") from exc
        if reading.doc is None:
            report.skipped.append((path.name, reading.skipped))
            report.skipped_documents.append(reading)
            continue
        docs.append(reading.doc)
        report.documents.append((path.name, reading.doc.family, len(reading.doc.projects)))
    return docs


def stage_table(con: duckdb.DuckDBPyConnection, path: Path, skip_invalid_rows: bool, prefix: str) -> tabular.Staged:
    """A CSV/XLSX/Parquet import read and checked in DuckDB (it needs nothing from the documents). Rejected rows
    stop the build unless the user chose to load the valid rows (``--skip-invalid-rows`` or the page's choice,
    kept beside the file)."""
    try:
        st = tabular.stage(con, path, path.name, prefix)
    except tabular.TableError as exc:
        raise EtlError(str(exc)) from exc
    accept = skip_invalid_rows or path.with_name(path.name + ACCEPT_MARK).exists()
    if st.n_rejected_rows and not accept:
        first = tabular.problems(con, st, 20)
        listed = "\n  ".join(str(p) for p in first)
        more = f"\n  … and {st.n_problems - len(first)} more" if st.n_problems > len(first) else ""
        raise EtlError(f"{path}: {st.n_rejected_rows} row(s) rejected, nothing loaded from this file:\n  "
                       f"{listed}{more}\n(use --skip-invalid-rows to load the valid rows and report the others)")
    return st


def load_table(con: duckdb.DuckDBPyConnection, path: Path, st: tabular.Staged, report: BuildReport) -> None:
    """A staged table loaded beside the documents (its programmes, places, themes, issues); its projects are
    the view ``{prefix}_projects`` (read by ``build_facts``)."""
    if path.name in {r[0] for r in con.execute("SELECT source_file FROM source_documents").fetchall()}:
        raise EtlError(f"{path}: another input file has the same name; rename one of them")
    con.execute("INSERT INTO source_documents (source_file, family, sha256, n_lines, n_records, title) "
                "VALUES (?, ?, ?, ?, ?, ?)", [path.name, tabular.FAMILY, st.sha256, st.n_rows + 1, 0, path.stem])
    n = tabular.load(con, st)
    con.execute("UPDATE source_documents SET n_records = ? WHERE source_file = ?", [n, path.name])
    tabular.release(con, st)
    report.documents.append((path.name, tabular.FAMILY, n))
    if st.n_rejected_rows:
        report.skipped.append((path.name, f"{st.n_rejected_rows} row(s) rejected (see quality issues)"))


def build_tables(docs: list[ParsedDocument], skipped: list = ()) -> dict[str, pd.DataFrame]:
    """The documents' rows, table by table; ``skipped``: the registry.Reading of each document no family claims."""
    gz = geo.gazetteer()
    theme_list, _ = themes.taxonomy()
    rows: dict[str, list[dict]] = {k: [] for k in (
        "source_documents", "programmes", "places", "tag_sets", "projects", "project_regions", "project_departments",
        "project_themes",
        "cofinancers", "partners", "key_figures", "field_sources", "programme_sources", "quality_issues",
        "source_lines", "document_counts")}
    issues = rows["quality_issues"]

    def add_issue(iss: Issue, source_file: str, line: int | None, project_id=None, programme_id=None):
        issues.append({"issue_id": len(issues) + 1, "project_id": project_id, "programme_id": programme_id,
                       "rule": iss.rule, "severity": iss.severity, "message": iss.message, "values": iss.values,
                       "field": iss.field, "source_file": source_file, "source_line": line,
                       "category": iss.category})

    for r in skipped:
        rows["source_documents"].append({"source_file": r.path.name, "family": None, "sha256": r.sha256,
                                         "n_lines": r.n_lines, "n_records": 0, "status": "skipped",
                                         "skip_reason": r.skipped, "title": None, "encoding": r.encoding or None})
        add_issue(r.skip_issue, r.path.name, None)

    seen_programmes: dict[str, str] = {}
    seen_projects: dict[str, str] = {}
    fse_codes: dict[str, str] = {}
    for doc in docs:
        rows["source_documents"].append({"source_file": doc.source_file, "family": doc.family, "sha256": doc.sha256,
                                         "n_lines": doc.n_lines, "n_records": len(doc.projects), "status": "loaded",
                                         "skip_reason": None, "title": doc.title or None, "encoding": doc.encoding})
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
                                prog.key, "programme_id"), doc.source_file, prog.line_start)
            seen_programmes[pid] = doc.source_file
            key_map[prog.key] = pid
            d = {k: getattr(prog, k) for k in (
                "name", "funder", "year", "kind", "envelope_eur", "applications", "admissible", "preselected",
                "laureates", "supported", "eligible_announced", "min_grant_eur", "max_grant_eur", "rate_cap",
                "rate_cap_priority")}
            rows["programmes"].append({"programme_id": pid, **d, "source_file": doc.source_file,
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
                                      f"stored as '{pid}'", p.key, "project_id"))
            seen_projects[pid] = f"{doc.source_file}:{p.line_start}"
            if p.fse_code:
                if p.fse_code in fse_codes:
                    p.issues.append(Issue("duplicate_identifier", "error",
                                          f"FSE code {p.fse_code} is also the code of {fse_codes[p.fse_code]}",
                                          p.fse_code, "fse_code"))
                else:
                    fse_codes[p.fse_code] = pid
            assigned, unmapped = themes.assign(p.tags, p.text_for_themes(), title=p.title)
            for t in unmapped:
                p.issues.append(Issue("unmapped_tag", "warning", f"tag '{t}' maps to no theme", t, "tags"))
            if not assigned:
                p.issues.append(Issue("unthemed", "info", "no theme found for this record", "", "themes"))
            place_no = len(rows["places"]) + 1  # a document's project has its own place and tags
            rows["places"].append({"place_no": place_no, "location_raw": p.location_raw, "postcode": p.postcode,
                                   "city": p.city, "geo_method": placement.method,
                                   "geo_evidence": placement.evidence or None})
            tag_set_no = None
            if p.tags:
                tag_set_no = len(rows["tag_sets"]) + 1
                rows["tag_sets"].append({"tag_set_no": tag_set_no, "tags": " | ".join(p.tags)})
            computed = (p.fse_amount_eur / p.total_budget_eur).quantize(Decimal("0.0001")) \
                if p.fse_amount_eur is not None and p.total_budget_eur else None
            rows["projects"].append({
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
                rows["project_regions"].append({"project_id": pid, "region_code": r})
            for d in placement.departments:
                rows["project_departments"].append({"project_id": pid, "department_code": d})
            for theme_id, rule in assigned:
                rows["project_themes"].append({"project_id": pid, "theme_id": theme_id, "rule": rule})
            for i, name in enumerate(p.cofinancers, 1):
                rows["cofinancers"].append({"project_id": pid, "position": i, "name": name})
            for i, name in enumerate(p.partners, 1):
                rows["partners"].append({"project_id": pid, "position": i, "name": name})
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
    frames["regions"] = pd.DataFrame([{"region_code": c, "name": n} for c, n in sorted(gz.regions.items())])
    frames["departments"] = pd.DataFrame([{"department_code": c, "name": n, "region_code": gz.dep_region[c]}
                                          for c, n in sorted(gz.departments.items())])
    frames["themes"] = pd.DataFrame([{"theme_id": t.theme_id, "label_fr": t.label_fr, "label_en": t.label_en}
                                     for t in theme_list])
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
                              ev, "location"))
            out[i] = geo.Placement("local", [region], [], "document_order", ev, kept)
    return out


_SOURCE_OF = {"fse_amount_eur": "fse_amount", "total_budget_eur": "total_budget", "grant_amount_eur": "grant_amount",
              "fse_rate_stated": "fse_rate", "end_date": "period", "start_date": "period", "location": "location",
              "fse_code": "fse_code", "postcode": "postcode", "tags": "tags", "title": "title"}

_LOAD_ORDER = ["regions", "departments", "source_documents", "document_counts", "source_lines", "programmes", "places",
               "tag_sets",
               "projects", "project_regions", "project_departments", "themes", "project_themes", "cofinancers", "partners",
               "key_figures", "field_sources", "programme_sources", "quality_issues"]


def staging_schema() -> str:
    """The warehouse schema as TEMP tables (the build's staging area)."""
    return re.sub(r"\bCREATE TABLE\b", "CREATE TEMP TABLE", SCHEMA.read_text(encoding="utf-8"))


def write_warehouse(frames: dict[str, pd.DataFrame] | Callable[[], dict[str, pd.DataFrame]], db_path: Path,
                    build_info: dict[str, str], tables: list[Path] = (), report: BuildReport | None = None,
                    skip_invalid_rows: bool = False) -> None:
    """Write every table into a new file next to ``db_path``, then swap it in atomically.

    The sources are loaded into staging tables: TEMP tables with the same names and constraints (in memory,
    spilled to disk beyond the memory limit), which unqualified names reach first. The file then gets each
    table in one pass, with the read side (``build_facts``). ``frames`` (the documents' rows) may be a function:
    it is called once the tables are read and checked, so that the documents can be parsed meanwhile."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp), config={"preserve_insertion_order": True})
        try:
            con.execute("SET enable_progress_bar = false")  # it writes to stdout, which the CLI reserves for its summary
            con.execute(f"SET threads = {int(os.environ.get('ESS_DUCKDB_THREADS', os.cpu_count() or 2))}")
            con.execute(f"SET memory_limit = '{os.environ.get('ESS_ETL_MEMORY', '2GB')}'")  # spills to disk beyond
            warehouse = con.execute("SELECT current_database()").fetchone()[0]
            con.execute(staging_schema())
            staged = [stage_table(con, path, skip_invalid_rows, f"t{i}") for i, path in enumerate(tables)]
            if callable(frames):
                frames = frames()
            for table in _LOAD_ORDER:
                df = frames.get(table)
                if df is None or df.empty:
                    continue
                cols = [r[0] for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = ? "
                    "ORDER BY column_index",
                    [table]).fetchall()]
                df = df.reindex(columns=cols)
                con.register("incoming", df)
                quoted = ", ".join(f'"{c}"' for c in cols)
                con.execute(f'INSERT INTO {table} ({quoted}) SELECT {quoted} FROM incoming')
                con.unregister("incoming")
            for path, st in zip(tables, staged):
                load_table(con, path, st, report or BuildReport(db_path))
            con.execute(SCHEMA.read_text(encoding="utf-8"))  # CREATE TABLE: in the warehouse, not in temp
            counts = build_facts(con, warehouse, [st.prefix for st in staged])
            finish(con)
            verify_keys(con, counts)
            n_projects = con.execute("SELECT count(*) FROM projects").fetchone()[0]
            if n_projects == 0:
                raise EtlError(f"{', '.join(build_info.get('input_dir', '').split(', '))}: the inputs hold no project record")
            build_info["n_projects"] = str(n_projects)
            con.executemany("INSERT INTO build_info VALUES (?, ?)", sorted(build_info.items()))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    except duckdb.Error as exc:
        raise EtlError(f"{db_path}: could not write the warehouse: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


# Accent folding of the search column, as analytics.filters folds what the user types (NFKD, marks dropped).
# strip_accents costs about 1 s per million titles: a text made of ASCII, Latin-1 signs (U+0080-U+00BF),
# punctuation (U+2002-U+206F) and '€' is kept as it is, one whose other letters are all French accented letters
# (most of them) has those replaced, and only the others go through strip_accents (0.37 s instead of 0.78 s).
_KEEP = r"\x{{00}}-\x{{BF}}\x{{2002}}-\x{{206F}}\x{{20AC}}"
_FRENCH = "éèêàâîôûçëïù"


def _fold_sql() -> str:
    chain = "{x}"
    for ch in _FRENCH:
        chain = f"replace({chain}, '{ch}', '{unicodedata.normalize('NFKD', ch)[0]}')"
    return (f"(CASE WHEN NOT regexp_matches({{x}}, '[^{_KEEP}]') THEN {{x}} "
            f"WHEN regexp_matches({{x}}, '[^{_KEEP}{_FRENCH}]') THEN strip_accents({{x}}) ELSE {chain} END)")


_FOLD = _fold_sql()
BUDGET_BANDS = 2400  # fine log10 budget bands of the read side: 24 chart bins of 100 bands, quartiles within 0.6 %


# The type of the amounts of projects (schema.sql), which the fact tables carry: the union of the sources is wider
# (DECIMAL(30, 2), 128-bit integers), and summing those made the pages' sums over millions of rows slower.
AMOUNT = "DECIMAL(16, 2)"
_COPIED = ["regions", "departments", "source_documents", "document_counts", "source_lines", "programmes", "themes",
           "key_figures",
           "field_sources", "programme_sources", "quality_issues"]  # cofinancers and partners: after the tables' ones
# link table, code, its dimension number, other columns, the project's measures its pages sum, its kind in
# all_links and the project's key it is joined on (see build_facts)
_LINKS = [("regions", "region_code", "region_no", "", "total_budget_eur, fse_amount_eur, grant_amount_eur, n_regions",
           1, "geo_key"),
          ("departments", "department_code", "dept_no", "", "total_budget_eur, fse_amount_eur, grant_amount_eur, n_departments",
           2, "geo_key"),
          ("themes", "theme_id", "theme_no", ", x.rule", "total_budget_eur, fse_amount_eur, grant_amount_eur", 3, "theme_key")]
# what every fact table carries of its project for the filters (analytics.filters.Filters.where)
_FILTERED_ON = "prog_no, status, budget_eur, year_from, year_to, region_mask, theme_mask"


def build_facts(con: duckdb.DuckDBPyConnection, warehouse: str, imports: list[str] = ()) -> dict[str, int]:
    """Fill the warehouse (catalog ``warehouse``) from the staging tables (TEMP tables under the same names) and
    the projects of the imported tables (the views ``{prefix}_projects`` of ``imports``, see etl.tabular.load),
    with the read side. Returns the staging tables' row counts, for ``verify_keys``.

    ``projects`` gets an integer key ``pk``, the project's rank by budget (largest first, no budget last, ties by
    project_id): "largest first" lists are ``ORDER BY pk``, a top-N on one integer column. Rows are not
    re-sorted (sorting ten million wide rows cost more memory and time than it saved). Its read-side columns
    hold what the dashboard filters on; the view ``facts`` is this table.

    Dimensions get small integer numbers (``dim_*``: programme, region, department, theme) carried by the fact
    tables, so that the dashboard groups on integers and joins the names to a few aggregated rows. Each budget
    falls in one of ``BUDGET_BANDS`` log10 bands spanning the portfolio (bounds in ``build_info``), so that a
    histogram and quartiles come from one grouped pass. The link tables carry the filter columns and the
    measures of their project, so that a page filters and aggregates them without a join (a join of millions
    of rows is what made a page slow); ``project_regions`` & co. become views over them (``finish``)."""
    S, W = "temp.main", f'"{warehouse}".main'  # staging, warehouse: qualified, as both hold the contract's names
    # places and tag_sets: the documents' rows, and each imported table's distinct places and cells of tags, their
    # numbers shifted past those of the sources before it (its projects' place_no and tag_set_no likewise, in
    # all_projects); written once the projects are
    per_key = {"places": ("place_no", "{}_geo", "loc_id", "location, postcode, city, method, evidence"),
               "tag_sets": ("tag_set_no", "{}_tagset", "set_id", "tags")}
    shift: dict[tuple[str, str], int] = {}
    for table, (no, source, key, _) in per_key.items():
        n = con.execute(f"SELECT coalesce(max({no}), 0) FROM {S}.{table}").fetchone()[0]
        for p in imports:
            shift[p, no] = n
            n += con.execute(f"SELECT coalesce(max({key}), 0) FROM {S}.{source.format(p)}").fetchone()[0]
    # Every project has a source number (src 0: the documents; i: the i-th imported table), its row in it (rid) and,
    # in its source, the key of its place, of its themes, of its cofinancers and of its partners. A document's
    # project is its own key (its row in the staging table); an imported table gives one key to all its projects
    # of a same place (or cell of tags, or text...), and holds the links of each key once (etl.tabular.load).
    # Links are joined to projects by these integers, never per row of text: ten million projects share some tens
    # of thousands of places.
    con.execute(f"CREATE TEMP VIEW all_projects AS SELECT p.*, 0 AS src, p.rowid AS rid FROM {S}.projects p"
                + "".join(f" UNION ALL BY NAME SELECT * REPLACE (place_no + {shift[p, 'place_no']} AS place_no, "
                          f"tag_set_no + {shift[p, 'tag_set_no']} AS tag_set_no), {i} AS src FROM {S}.{p}_projects"
                          for i, p in enumerate(imports, 1)))
    con.execute(f"""CREATE TEMP VIEW all_keys AS
        SELECT 0 AS src, p.rowid AS rid, project_id, programme_id, status, start_date, end_date, total_budget_eur,
               fse_amount_eur, grant_amount_eur, p.rowid AS geo_key, p.rowid AS theme_key, p.rowid AS cofinancer_key,
               p.rowid AS partner_key FROM {S}.projects p"""
                + "".join(f" UNION ALL BY NAME SELECT *, {i} AS src FROM {S}.{p}_keys" for i, p in enumerate(imports, 1)))
    # kind 1: region, 2: department, 3: theme (with its rule), 4: cofinancer, 5: partner (with its position; the
    # documents' own cofinancers and partners are copied as they are)
    con.execute(f"""CREATE TEMP TABLE all_links AS
        SELECT 0 AS src, p.rowid AS key, 1 AS kind, x.region_code AS code, NULL::VARCHAR AS rule, NULL::BIGINT AS pos
        FROM {S}.project_regions x JOIN {S}.projects p USING (project_id)
        UNION ALL SELECT 0, p.rowid, 2, x.department_code, NULL, NULL
        FROM {S}.project_departments x JOIN {S}.projects p USING (project_id)
        UNION ALL SELECT 0, p.rowid, 3, x.theme_id, x.rule, NULL FROM {S}.project_themes x JOIN {S}.projects p USING (project_id)
        UNION ALL SELECT 0, p.rowid, 4, x.name, NULL, x.position FROM {S}.cofinancers x JOIN {S}.projects p USING (project_id)"""
                + "".join(f""" UNION ALL SELECT {i}, loc_id, CASE level WHEN 'region' THEN 1 ELSE 2 END, code, NULL, NULL
                               FROM {S}.{p}_geo_link
                               UNION ALL SELECT {i}, theme_key, 3, theme_id, rule, NULL FROM {S}.{p}_theme_link
                               UNION ALL SELECT {i}, key, 4, name, NULL, pos FROM {S}.{p}_cofinancers_link
                               UNION ALL SELECT {i}, key, 5, name, NULL, pos FROM {S}.{p}_partners_link"""
                          for i, p in enumerate(imports, 1)))
    con.execute("SET preserve_insertion_order = false")  # nothing below relies on it; keeping it costs memory
    for table in _COPIED:
        con.execute(f"INSERT INTO {W}.{table} SELECT * FROM {S}.{table}")
    con.execute(f"""CREATE TABLE {W}.dim_programmes AS
        SELECT row_number() OVER (ORDER BY g.year NULLS LAST, g.name, g.programme_id)::INTEGER AS prog_no,
               g.programme_id, g.name, g.kind, g.year, g.funder, 0::BIGINT AS n_projects
        FROM {W}.programmes g""")
    con.execute(f"CREATE TABLE {W}.dim_regions AS SELECT row_number() OVER (ORDER BY region_code)::SMALLINT AS region_no, "
                f"region_code, name FROM {W}.regions")
    con.execute(f"CREATE TABLE {W}.dim_departments AS SELECT row_number() OVER (ORDER BY department_code)::SMALLINT "
                f"AS dept_no, department_code, name, region_code FROM {W}.departments")
    con.execute(f"CREATE TABLE {W}.dim_themes AS SELECT row_number() OVER (ORDER BY theme_id)::SMALLINT AS theme_no, "
                f"theme_id, label_fr, label_en FROM {W}.themes")
    read_side = ("pk", "prog_no", "programme_name", "programme_year", "programme_kind", "budget_eur", "budget_band",
                 "year_from", "year_to", "search_text", "n_regions", "n_departments", "n_themes", "n_issues", "fse_flags",
                 "region_mask", "theme_mask")
    budget = "coalesce(p.total_budget_eur, p.grant_amount_eur)"
    # One narrow row per project first (its rank and its link counts), so that the wide insert below joins one
    # table: a join per link table on ten million strings would hold five hash tables at once.
    # Regions and themes as bit masks (bit n = region_no or theme_no n): a filter on them is a test on a column of
    # the row, not a semi-join against a link table of millions of rows. (Departments, 101 of them, keep the
    # semi-join: a 128-bit mask per project made this step run out of memory at ten million rows.)
    for dim, bits in (("regions", 63), ("themes", 63)):
        if con.execute(f"SELECT count(*) FROM {W}.dim_{dim}").fetchone()[0] > bits:
            raise EtlError(f"dim_{dim}: more than {bits} values do not fit the read side's bit mask")
    # per key: its links' counts, and its regions and themes as bit masks
    con.execute(f"""CREATE TEMP TABLE geo_counts AS
        SELECT src, key, count(*) FILTER (WHERE kind = 1)::INTEGER AS n_regions,
               count(*) FILTER (WHERE kind = 2)::INTEGER AS n_departments, coalesce(bit_or(bit), 0) AS region_mask
        FROM (SELECT l.src, l.key, l.kind, CASE WHEN l.kind = 1 THEN 1::BIGINT << d.region_no END AS bit FROM all_links l
              LEFT JOIN {W}.dim_regions d ON d.region_code = l.code WHERE l.kind IN (1, 2))
        GROUP BY 1, 2""")
    con.execute(f"""CREATE TEMP TABLE theme_counts AS
        SELECT l.src, l.key, count(*)::INTEGER AS n_themes, coalesce(bit_or(1::BIGINT << d.theme_no), 0) AS theme_mask
        FROM all_links l LEFT JOIN {W}.dim_themes d ON d.theme_id = l.code WHERE l.kind = 3 GROUP BY 1, 2""")
    # The project's filter columns and measures are computed here once: projects and the fact tables take them from
    # this table (a project whose programme is unknown has no prog_no: verify_keys reports it). Its rows are written
    # in rank order, so that pk is the row's number. The joins first, then the sort alone (which spills to disk): a
    # window, or a sort, over these joins ran out of memory at ten million rows.
    con.execute(f"""CREATE TEMP TABLE unranked_keys AS
        SELECT p.project_id, p.src, p.rid, p.geo_key, p.theme_key, p.cofinancer_key, p.partner_key,
               d.prog_no, p.status, {budget}::{AMOUNT} AS budget_eur,
               coalesce(year(p.start_date), d.year)::INTEGER AS year_from,
               coalesce(year(p.end_date), year(p.start_date), d.year)::INTEGER AS year_to,
               p.total_budget_eur::{AMOUNT} AS total_budget_eur, p.fse_amount_eur::{AMOUNT} AS fse_amount_eur,
               p.grant_amount_eur::{AMOUNT} AS grant_amount_eur,
               coalesce(g.n_regions, 0) AS n_regions, coalesce(g.n_departments, 0) AS n_departments,
               coalesce(t.n_themes, 0) AS n_themes, coalesce(q.n_issues, 0) AS n_issues, coalesce(q.flags, '') AS fse_flags,
               coalesce(g.region_mask, 0) AS region_mask, coalesce(t.theme_mask, 0) AS theme_mask
        FROM {S}.all_keys p LEFT JOIN {W}.dim_programmes d USING (programme_id)
        LEFT JOIN geo_counts g ON g.src = p.src AND g.key = p.geo_key
        LEFT JOIN theme_counts t ON t.src = p.src AND t.key = p.theme_key
        LEFT JOIN (SELECT project_id, count(*)::INTEGER AS n_issues,
                          string_agg(DISTINCT rule, ', ' ORDER BY rule)
                              FILTER (WHERE rule IN ('fse_exceeds_budget', 'rate_mismatch')) AS flags
                   FROM {S}.quality_issues WHERE project_id IS NOT NULL GROUP BY 1) q USING (project_id)""")
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"CREATE TEMP TABLE ranked_keys AS SELECT * FROM {S}.unranked_keys "
                f"ORDER BY budget_eur DESC NULLS LAST, project_id")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"DROP TABLE {S}.unranked_keys")
    con.execute("CREATE TEMP VIEW project_keys AS SELECT (rowid + 1)::INTEGER AS pk, * FROM temp.main.ranked_keys")
    con.execute("DROP TABLE geo_counts")
    con.execute("DROP TABLE theme_counts")
    # the staging rows, for verify_keys: a document's link rows, and the links an imported table gives its projects
    staged = {"projects": con.execute(f"SELECT count(*) FROM {S}.project_keys").fetchone()[0]}
    for table, *_ in _LINKS:
        staged[f"project_{table}"] = con.execute(
            f"SELECT (SELECT count(*) FROM {S}.project_{table}) + "
            f"(SELECT coalesce(sum(n_{table}), 0) FROM {S}.project_keys WHERE src > 0)").fetchone()[0]
    lo, hi = con.execute(f"SELECT log10(min(b) FILTER (WHERE b > 0)), log10(max(b)) FROM "
                         f"(SELECT budget_eur::DOUBLE AS b FROM {S}.project_keys)").fetchone()
    lo, hi = (lo or 0.0), (hi or 0.0)
    width = max((hi - lo) / BUDGET_BANDS, 1e-9)
    con.execute(f"""
        INSERT INTO {W}.projects BY NAME
        SELECT p.* EXCLUDE ({", ".join(read_side)}, src, rid), k.pk,
               g.prog_no, g.name AS programme_name, g.year AS programme_year, g.kind AS programme_kind, k.budget_eur,
               CASE WHEN k.budget_eur = 0 THEN -1
                    WHEN k.budget_eur > 0 THEN least(greatest(floor((log10(k.budget_eur::DOUBLE) - $lo) / $width), 0),
                                                     $bands - 1)
               END::SMALLINT AS budget_band, k.year_from, k.year_to,
               {_FOLD.format(x="lower(p.title || ' ' || coalesce(p.lead_org, ''))")} AS search_text,
               k.n_regions, k.n_departments, k.n_themes, k.n_issues, k.fse_flags, k.region_mask, k.theme_mask
        FROM {S}.all_projects p JOIN {S}.project_keys k ON k.src = p.src AND k.rid = p.rid
        JOIN {W}.dim_programmes g USING (programme_id)
        """, {"lo": lo, "width": width, "bands": BUDGET_BANDS})
    # The imported tables' rows first: a table that gets a few rows and then many is rewritten whole by the final
    # CHECKPOINT (0.2 s for the tag cells of a million rows), one that gets many rows and then a few is not.
    for table, (no, source, key, columns) in per_key.items():
        for p in imports:
            con.execute(f"INSERT INTO {W}.{table} SELECT {key} + ?, {columns} FROM {S}.{source.format(p)}", [shift[p, no]])
        con.execute(f"INSERT INTO {W}.{table} SELECT * FROM {S}.{table}")
    # staging tables are dropped once consumed: at ten million rows their memory is what the next steps need
    con.execute(f"DROP VIEW {S}.all_projects")
    con.execute(f"DROP VIEW {S}.all_keys")
    for p in imports:
        tabular.drop(con, p)
    con.execute(f"DROP TABLE {S}.projects")
    rng = con.execute(f"SELECT max(budget_eur), min(budget_eur) FILTER (WHERE budget_eur > 0), min(year_from), "
                      f"max(year_to) FROM {W}.projects").fetchone()
    con.executemany(f"INSERT INTO {W}.build_info VALUES (?, ?)", [
        ("budget_band_lo", repr(lo)), ("budget_band_width", repr(width)), ("budget_bands", str(BUDGET_BANDS)),
        ("budget_max", str(rng[0] or 0)), ("budget_min", str(rng[1] or 0)), ("year_min", str(rng[2] or "")),
        ("year_max", str(rng[3] or ""))])
    con.execute(f"UPDATE {W}.dim_programmes d SET n_projects = n.n FROM (SELECT prog_no, count(*) AS n FROM {W}.projects "
                f"GROUP BY 1) n WHERE n.prog_no = d.prog_no")
    def carried(measures: str = "", f: str = "f") -> str:
        return ", ".join(f"{f}.{c}" for c in f"{_FILTERED_ON}, {measures}".split(", ") if c)

    for table, col, no, extra, measures, kind, key in _LINKS:  # each project's links, by its key
        con.execute(f"CREATE TABLE {W}.fact_{table} AS SELECT k.pk, d.{no}{extra}, "
                    f"{carried(measures, 'k')} FROM {S}.project_keys k "
                    f"JOIN {S}.all_links x ON x.src = k.src AND x.key = k.{key} AND x.kind = {kind} "
                    f"JOIN {W}.dim_{table} d ON d.{col} = x.code")
        con.execute(f"DROP TABLE {S}.project_{table}")
    # the imported tables' partners, then the documents' (few rows last)
    con.execute(f"INSERT INTO {W}.partners SELECT k.project_id, x.pos, x.code FROM {S}.project_keys k "
                f"JOIN {S}.all_links x ON x.src = k.src AND x.key = k.partner_key AND x.kind = 5 WHERE k.src > 0")
    con.execute(f"INSERT INTO {W}.partners SELECT * FROM {S}.partners")
    # Cofinancers: every one named, in its position, with the project's filter columns (the view cofinancers is
    # these rows). first_mention: not a repeat of a name already listed for the project, so that a count of rows
    # is a count of projects (it is set on the few distinct cells, before they are joined to the projects).
    con.execute(f"""CREATE TABLE {W}.fact_cofinancers AS
        SELECT k.pk, x.pos::INTEGER AS position, x.code AS name, x.first_mention, {carried(f='k')} FROM {S}.project_keys k
        JOIN (SELECT src, key, pos, code, pos = min(pos) OVER (PARTITION BY src, key, code) AS first_mention
              FROM {S}.all_links WHERE kind = 4) x ON x.src = k.src AND x.key = k.cofinancer_key""")
    staged["cofinancers"] = con.execute(  # the documents' rows, and those the imported tables give their projects
        f"SELECT (SELECT count(*) FROM {S}.cofinancers) + (SELECT coalesce(sum(n), 0) FROM {S}.project_keys k JOIN "
        f"(SELECT src, key, count(*) AS n FROM {S}.all_links WHERE kind = 4 AND src > 0 GROUP BY ALL) c "
        f"ON c.src = k.src AND c.key = k.cofinancer_key)").fetchone()[0]
    con.execute(f"DROP VIEW {S}.project_keys")
    con.execute(f"DROP TABLE {S}.ranked_keys")
    con.execute(f"DROP TABLE {S}.all_links")
    con.execute(f"DROP TABLE {S}.cofinancers")
    con.execute(f"""CREATE TABLE {W}.fact_issues AS
        SELECT f.pk, q.issue_id, q.project_id, q.programme_id AS issue_programme_id, q.rule, q.severity, q.category,
               q.message,
               q."values", q.source_file, q.source_line, f.title AS project_title, {carried()}
        FROM {W}.quality_issues q LEFT JOIN {W}.projects f USING (project_id) ORDER BY f.pk NULLS FIRST, q.issue_id""")
    return staged


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging tables; the link tables become views over the fact tables (the same rows, written once)."""
    refs = dict(con.execute("SELECT table_name, list(DISTINCT referenced_table) FROM duckdb_constraints() "
                            "WHERE database_name = 'temp' AND constraint_type = 'FOREIGN KEY' GROUP BY 1").fetchall())
    left = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()]
    while left:  # referencing tables first
        t = next(t for t in left if not any(t in refs.get(u, []) for u in left if u != t))
        con.execute(f'DROP TABLE temp.main."{t}"')
        left.remove(t)
    con.execute("CREATE VIEW facts AS SELECT * FROM projects")
    con.execute("DROP TABLE cofinancers")
    con.execute("CREATE VIEW cofinancers AS SELECT f.project_id, x.position, x.name FROM fact_cofinancers x "
                "JOIN projects f USING (pk)")
    for table, col, no, extra, *_ in _LINKS:
        con.execute(f"DROP TABLE project_{table}")
        con.execute(f"CREATE VIEW project_{table} AS SELECT f.project_id, d.{col}{extra} FROM fact_{table} x "
                    f"JOIN projects f USING (pk) JOIN dim_{table} d USING ({no})")


def verify_keys(con: duckdb.DuckDBPyConnection, staged: dict[str, int]) -> None:
    """The keys of the high-volume tables, checked set-wise once the warehouse is filled (DuckDB would check
    declared keys row by row). The fact tables are built by inner joins on the project and on the code, so a
    link row whose project or code is unknown is missing from its fact table: comparing row counts with the
    staging tables (``staged``) finds it. Duplicates are counted on the fact tables' integer keys."""
    def fail(table: str, what: str, n: int) -> None:
        raise EtlError(f"{table}: {n} {what} (an ETL bug: please report it)")

    n_facts, n_ids = con.execute("SELECT count(*), count(DISTINCT project_id) FROM projects").fetchone()
    if n_facts < staged["projects"]:
        fail("projects.programme_id", "value(s) not in programmes.programme_id", staged["projects"] - n_facts)
    if n_ids < n_facts:
        fail("projects", "duplicate key(s) on (project_id)", n_facts - n_ids)
    for table, no in (("places", "place_no"), ("tag_sets", "tag_set_no")):
        dup, orphans = con.execute(f"""SELECT (SELECT count(*) - count(DISTINCT {no}) FROM {table}),
            (SELECT count(*) FROM projects f WHERE {no} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} t
                                                                                  WHERE t.{no} = f.{no}))""").fetchone()
        if dup:
            fail(table, f"duplicate key(s) on ({no})", dup)
        if orphans:
            fail(f"projects.{no}", f"value(s) not in {table}.{no}", orphans)
    for table, col, no, *_ in _LINKS:
        n_fact = con.execute(f"SELECT count(*) FROM fact_{table}").fetchone()[0]
        if n_fact < staged[f"project_{table}"]:
            fail(f"project_{table}", f"row(s) whose project_id or {col} is unknown", staged[f"project_{table}"] - n_fact)
        dup = con.execute(f"SELECT count(*) FROM (SELECT pk, {no} FROM fact_{table} GROUP BY ALL HAVING count(*) > 1)"
                          ).fetchone()[0]
        if dup:
            fail(f"project_{table}", f"duplicate key(s) on (project_id, {col})", dup)
    n_fact, dup = con.execute("SELECT count(*), (SELECT count(*) FROM (SELECT pk, position FROM fact_cofinancers "
                              "GROUP BY ALL HAVING count(*) > 1)) FROM fact_cofinancers").fetchone()
    if n_fact < staged["cofinancers"]:
        fail("cofinancers.project_id", "value(s) not in projects.project_id", staged["cofinancers"] - n_fact)
    if dup:
        fail("cofinancers", "duplicate key(s) on (project_id, position)", dup)
    for table in ("partners", "key_figures", "field_sources"):
        key = "field" if table == "field_sources" else "position"
        orphans, dup = con.execute(f"""SELECT
            count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM projects f WHERE f.project_id = t.project_id)),
            (SELECT count(*) FROM (SELECT project_id, {key} FROM {table} GROUP BY ALL HAVING count(*) > 1))
            FROM {table} t""").fetchone()
        if orphans:
            fail(f"{table}.project_id", "value(s) not in projects.project_id", orphans)
        if dup:
            fail(table, f"duplicate key(s) on (project_id, {key})", dup)
    dup, orphans, prog_orphans = con.execute("""SELECT count(*) - count(DISTINCT issue_id),
        count(*) FILTER (WHERE project_id IS NOT NULL AND pk IS NULL),
        count(*) FILTER (WHERE issue_programme_id IS NOT NULL AND issue_programme_id NOT IN (SELECT programme_id FROM programmes))
        FROM fact_issues""").fetchone()
    if dup:
        fail("quality_issues", "duplicate key(s) on (issue_id)", dup)
    if orphans:
        fail("quality_issues.project_id", "value(s) not in projects.project_id", orphans)
    if prog_orphans:
        fail("quality_issues.programme_id", "value(s) not in programmes.programme_id", prog_orphans)


def build(input_dir: Path | list[Path] = DEFAULT_INPUT, db_path: Path = DEFAULT_DB,
          skip_invalid_rows: bool = False) -> BuildReport:
    """Build the warehouse from one or several folders (documents, and CSV/XLSX/Parquet tables)."""
    started = datetime.now(UTC)
    report = BuildReport(db_path=db_path)
    dirs = [Path(d) for d in (input_dir if isinstance(input_dir, (list, tuple)) else [input_dir])]
    tables = [p for d in dirs for p in input_files(d) if p.suffix.lower() in TABLE_SUFFIXES]
    info = {"built_at": started.isoformat(timespec="seconds"), "input_dir": ", ".join(map(str, dirs))}

    def documents() -> dict[str, pd.DataFrame]:
        docs = [doc for d in dirs for doc in parse_folder(d, report)]
        if not docs and not tables:
            why = "".join(f"\n  {f}: {reason}" for f, reason in report.skipped)
            raise EtlError(f"{', '.join(map(str, dirs))}: no document of a known family and no table; nothing to "
                           f"load{why}")
        info["documents"] = ", ".join([d.source_file for d in docs] + [t.name for t in tables])
        return build_tables(docs, report.skipped_documents)

    if not tables:
        write_warehouse(documents(), Path(db_path), info, tables, report, skip_invalid_rows)
    else:  # the documents are parsed (Python) while DuckDB reads and checks the tables
        with ThreadPoolExecutor(max_workers=1) as pool:
            parsed = pool.submit(documents)
            try:
                write_warehouse(parsed.result, Path(db_path), info, tables, report, skip_invalid_rows)
            finally:
                parsed.cancel()
    with duckdb.connect(str(db_path), read_only=True) as con:
        report.n_projects = con.execute("SELECT count(*) FROM projects").fetchone()[0]
        report.n_placed = con.execute("SELECT count(*) FROM projects WHERE scope IS NOT NULL").fetchone()[0]
        report.n_themed = con.execute("SELECT count(*) FROM projects WHERE n_themes > 0").fetchone()[0]
        counts = con.execute("SELECT programme_id, name, n_projects FROM dim_programmes WHERE n_projects > 0 "
                             "ORDER BY 1").fetchall()  # counted when written
        report.programmes = [(f"{pid} ({' '.join(name.split())[:30]})", int(n)) for pid, name, n in counts][:40]
        report.issues_by_rule = Counter(dict(con.execute("SELECT rule, count(*) FROM quality_issues GROUP BY 1").fetchall()))
        for f, what, a, b in con.execute("SELECT source_file, what, announced, found FROM document_counts "
                                         "ORDER BY source_file, what").fetchall():
            report.counts.setdefault(f, []).append((what, a, b))
        report.errors = con.execute("SELECT source_file, source_line, rule, message FROM quality_issues "
                                    "WHERE severity = 'error' AND category IN ('extraction', 'import') "
                                    "ORDER BY source_file, source_line NULLS FIRST, issue_id").fetchall()
    report.seconds = (datetime.now(UTC) - started).total_seconds()
    return report
