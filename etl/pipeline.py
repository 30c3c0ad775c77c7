"""From a folder of source documents to a DuckDB warehouse.

parse (pure, per document) -> place on the map -> theme -> check -> load into a
temporary file -> swap it in only when complete, so a failed run leaves the
previous warehouse untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from etl import geo, quality, tabular, themes
from etl.clean import fold
from etl.models import Issue, ParsedDocument
from etl.parsers import avise, cress, fse, ptce, rtes

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
    programmes: list[tuple[str, int]] = field(default_factory=list)
    n_projects: int = 0
    n_placed: int = 0
    n_themed: int = 0
    issues_by_rule: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        out = [f"Warehouse: {self.db_path}"]
        out.append("Documents:")
        for f, fam, n in self.documents:
            out.append(f"  {f:<32} {fam:<14} {n:>4} records")
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
        return "\n".join(out)


PARSERS = [  # order: most specific first
    (fse.FAMILY, fse.detect, lambda text, name, gz: fse.parse(text, name)),
    (ptce.FAMILY, ptce.detect, lambda text, name, gz: ptce.parse(text, name, _region_words(gz))),
    (avise.FAMILY, avise.detect, lambda text, name, gz: avise.parse(text, name)),
    (rtes.FAMILY, rtes.detect, lambda text, name, gz: rtes.parse(text, name, geo.place_level)),
    (cress.FAMILY, cress.detect, lambda text, name, gz: cress.parse(text, name)),
]


def _region_words(gz: geo.Gazetteer) -> set[str]:
    words = {fold(n) for n in gz.regions.values()}
    for key, places in gz.names.items():
        if any(p.kind == "alias" and p.regions and not p.departments for p in places):
            words.add(key)
    return words


def detect_family(text: str) -> str | None:
    for family, det, _ in PARSERS:
        if det(text):
            return family
    return None


def read_document(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EtlError(f"{path}, line {line}: not UTF-8 text (byte {exc.start}): re-export the document as UTF-8") from exc


def parse_folder(input_dir: Path, report: BuildReport) -> tuple[list[ParsedDocument], list[Path]]:
    """Documents parsed (pure parsers), and the tables of the folder (loaded later, set-wise, in DuckDB)."""
    if not input_dir.is_dir():
        raise EtlError(f"{input_dir}: input folder not found")
    files = sorted(p for p in input_dir.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in DOCUMENT_SUFFIXES | TABLE_SUFFIXES)
    files = [p for p in files if p.name.lower() != "readme.md"]
    gz = geo.gazetteer()
    docs, tables = [], []
    for path in files:
        if path.suffix.lower() in TABLE_SUFFIXES:
            tables.append(path)
            continue
        text = read_document(path)
        family = detect_family(text)
        if family is None:
            report.skipped.append((path.name, "not a known document family"))
            continue
        parser = next(p for f, _, p in PARSERS if f == family)
        try:
            doc = parser(text, path.name, gz)
        except Exception as exc:  # a parser bug must name the file, not crash anonymously
            raise EtlError(f"{path}: could not parse as {family}: {type(exc).__name__}: {exc}") from exc
        doc.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        doc.n_lines = text.count("\n") + 1
        doc.text = text
        docs.append(doc)
        report.documents.append((path.name, family, len(doc.projects)))
    return docs, tables


def load_table(con: duckdb.DuckDBPyConnection, path: Path, report: BuildReport, skip_invalid_rows: bool,
               prefix: str) -> None:
    """A CSV/XLSX/Parquet import, checked and loaded in DuckDB. Rejected rows stop the build unless the user
    chose to load the valid rows (``--skip-invalid-rows`` or the page's choice, kept beside the file)."""
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
    if path.name in {r[0] for r in con.execute("SELECT source_file FROM source_documents").fetchall()}:
        raise EtlError(f"{path}: another input file has the same name; rename one of them")
    con.execute("INSERT INTO source_documents VALUES (?, ?, ?, ?, ?)",
                [path.name, tabular.FAMILY, st.sha256, st.n_rows + 1, 0])
    n = tabular.load(con, st)
    con.execute("UPDATE source_documents SET n_records = ? WHERE source_file = ?", [n, path.name])
    for t in [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary AND "
                                        "table_name LIKE ?", [f"{prefix}\\_%"]).fetchall()]:
        con.execute(f"DROP TABLE IF EXISTS {t}")
    report.documents.append((path.name, tabular.FAMILY, n))
    if st.n_rejected_rows:
        report.skipped.append((path.name, f"{st.n_rejected_rows} row(s) rejected (see quality issues)"))


def build_tables(docs: list[ParsedDocument]) -> dict[str, pd.DataFrame]:
    gz = geo.gazetteer()
    theme_list, _ = themes.taxonomy()
    rows: dict[str, list[dict]] = {k: [] for k in (
        "source_documents", "programmes", "projects", "project_regions", "project_departments", "project_themes",
        "cofinancers", "partners", "key_figures", "field_sources", "programme_sources", "quality_issues",
        "source_lines")}
    issues = rows["quality_issues"]

    def add_issue(iss: Issue, source_file: str, line: int | None, project_id=None, programme_id=None):
        issues.append({"issue_id": len(issues) + 1, "project_id": project_id, "programme_id": programme_id,
                       "rule": iss.rule, "severity": iss.severity, "message": iss.message, "values": iss.values,
                       "field": iss.field, "source_file": source_file, "source_line": line})

    seen_programmes: dict[str, str] = {}
    seen_projects: dict[str, str] = {}
    fse_codes: dict[str, str] = {}
    for doc in docs:
        rows["source_documents"].append({"source_file": doc.source_file, "family": doc.family, "sha256": doc.sha256,
                                         "n_lines": doc.n_lines, "n_records": len(doc.projects)})
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
            line = int(m.group(1)) if (m := re.match(r"row (\d+)", iss.message)) else None
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
            computed = (p.fse_amount_eur / p.total_budget_eur).quantize(Decimal("0.0001")) \
                if p.fse_amount_eur is not None and p.total_budget_eur else None
            rows["projects"].append({
                "project_id": pid, "programme_id": key_map.get(p.programme_key, p.programme_key), "title": p.title,
                "lead_org": p.lead_org, "lead_org_level": p.lead_org_level, "status": p.status,
                "fse_code": p.fse_code, "start_date": p.start_date, "end_date": p.end_date,
                "location_raw": p.location_raw, "scope": placement.scope,
                "total_budget_eur": p.total_budget_eur, "budget_kind": p.budget_kind,
                "fse_amount_eur": p.fse_amount_eur, "fse_rate_stated": p.fse_rate_stated,
                "fse_rate_computed": computed, "grant_amount_eur": p.grant_amount_eur, "grant_kind": p.grant_kind,
                "objective": p.objective, "description": p.description, "website": p.website,
                "n_actions": p.n_actions, "part": p.part, "structure_type": p.structure_type,
                "postcode": p.postcode, "city": p.city, "tags": " | ".join(p.tags) or None,
                "geo_method": placement.method, "geo_evidence": placement.evidence or None,
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

_LOAD_ORDER = ["regions", "departments", "source_documents", "source_lines", "programmes", "projects", "project_regions",
               "project_departments", "themes", "project_themes", "cofinancers", "partners", "key_figures",
               "field_sources", "programme_sources", "quality_issues"]


def write_warehouse(frames: dict[str, pd.DataFrame], db_path: Path, build_info: dict[str, str],
                    tables: list[Path] = (), report: BuildReport | None = None, skip_invalid_rows: bool = False) -> None:
    """Write every table into a new file next to ``db_path``, then swap it in atomically."""
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
            con.execute(SCHEMA.read_text(encoding="utf-8"))
            for table in _LOAD_ORDER:
                df = frames.get(table)
                if df is None or df.empty:
                    continue
                cols = [r[0] for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [table]).fetchall()]
                df = df.reindex(columns=cols)
                con.register("incoming", df)
                quoted = ", ".join(f'"{c}"' for c in cols)
                con.execute(f'INSERT INTO {table} ({quoted}) SELECT {quoted} FROM incoming')
                con.unregister("incoming")
            for i, path in enumerate(tables):
                load_table(con, path, report or BuildReport(db_path), skip_invalid_rows, f"t{i}")
            verify_keys(con)
            build_facts(con)
            if con.execute("SELECT count(*) FROM projects").fetchone()[0] == 0:
                raise EtlError(f"{', '.join(build_info.get('input_dir', '').split(', '))}: the inputs hold no project record")
            build_info["n_projects"] = str(con.execute("SELECT count(*) FROM projects").fetchone()[0])
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


KEYS = {  # table: (key columns, {column: referenced table.column})
    "projects": (["project_id"], {"programme_id": "programmes.programme_id"}),
    "project_regions": (["project_id", "region_code"], {"project_id": "projects.project_id",
                                                         "region_code": "regions.region_code"}),
    "project_departments": (["project_id", "department_code"], {"project_id": "projects.project_id",
                                                                 "department_code": "departments.department_code"}),
    "project_themes": (["project_id", "theme_id"], {"project_id": "projects.project_id", "theme_id": "themes.theme_id"}),
    "cofinancers": (["project_id", "position"], {"project_id": "projects.project_id"}),
    "partners": (["project_id", "position"], {"project_id": "projects.project_id"}),
    "quality_issues": (["issue_id"], {"project_id": "projects.project_id", "programme_id": "programmes.programme_id"}),
}


def build_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Read-side tables: one row per project with what the dashboard filters on, integer keys, sorted by
    programme and status so that DuckDB's zone maps skip what a filter excludes."""
    con.execute("""
        CREATE TABLE facts AS
        SELECT row_number() OVER (ORDER BY p.programme_id, p.status, p.project_id)::INTEGER AS pk,
               p.project_id, p.programme_id, g.name AS programme_name, g.year AS programme_year, g.kind AS programme_kind,
               p.title, p.lead_org, p.status, p.scope, p.fse_code, p.start_date, p.end_date, p.location_raw,
               p.total_budget_eur, p.budget_kind, p.fse_amount_eur, p.fse_rate_stated, p.fse_rate_computed,
               p.grant_amount_eur, p.grant_kind,
               coalesce(p.total_budget_eur, p.grant_amount_eur) AS budget_eur,
               coalesce(year(p.start_date), g.year) AS year_from,
               coalesce(year(p.end_date), year(p.start_date), g.year) AS year_to,
               strip_accents(lower(p.title || ' ' || coalesce(p.lead_org, ''))) AS search_text,
               coalesce(r.n, 0)::INTEGER AS n_regions, coalesce(d.n, 0)::INTEGER AS n_departments,
               coalesce(t.n, 0)::INTEGER AS n_themes, coalesce(q.n, 0)::INTEGER AS n_issues,
               coalesce(q.flags, '') AS fse_flags
        FROM projects p JOIN programmes g USING (programme_id)
        LEFT JOIN (SELECT project_id, count(*) AS n FROM project_regions GROUP BY 1) r USING (project_id)
        LEFT JOIN (SELECT project_id, count(*) AS n FROM project_departments GROUP BY 1) d USING (project_id)
        LEFT JOIN (SELECT project_id, count(*) AS n FROM project_themes GROUP BY 1) t USING (project_id)
        LEFT JOIN (SELECT project_id, count(*) AS n,
                          coalesce(string_agg(DISTINCT rule, ', ' ORDER BY rule) FILTER (
                              WHERE rule IN ('fse_exceeds_budget', 'rate_mismatch')), '') AS flags
                   FROM quality_issues WHERE project_id IS NOT NULL GROUP BY 1) q USING (project_id)
        ORDER BY pk""")
    # Link tables carry the filter columns and the measures of their project, so that the dashboard can filter and
    # aggregate them without a join (a join of millions of rows is what made a page slow).
    carried = ("f.programme_id, f.programme_name, f.status, f.budget_eur, f.total_budget_eur, f.fse_amount_eur, "
               "f.grant_amount_eur, f.year_from, f.year_to, f.n_regions, f.n_departments")
    for table, col in (("regions", "region_code"), ("departments", "department_code"), ("themes", "theme_id, x.rule")):
        con.execute(f"CREATE TABLE fact_{table} AS SELECT f.pk, x.{col}, {carried} FROM project_{table} x "
                    f"JOIN facts f USING (project_id) ORDER BY f.pk")
    con.execute(f"CREATE TABLE fact_cofinancers AS SELECT DISTINCT f.pk, c.name, {carried} FROM cofinancers c "
                f"JOIN facts f USING (project_id) ORDER BY f.pk")
    con.execute(f"CREATE TABLE fact_theme_regions AS SELECT x.pk, x.theme_id, r.region_code, "
                f"{carried.replace('f.', 'x.')} FROM fact_themes x JOIN fact_regions r USING (pk) ORDER BY x.pk")
    con.execute(f"""CREATE TABLE fact_issues AS
        SELECT f.pk, q.issue_id, q.project_id, q.programme_id AS issue_programme_id, q.rule, q.severity, q.message,
               q."values", q.source_file, q.source_line, {carried}
        FROM quality_issues q LEFT JOIN facts f USING (project_id) ORDER BY f.pk NULLS FIRST, q.issue_id""")


def verify_keys(con: duckdb.DuckDBPyConnection) -> None:
    """The keys of the high-volume link tables, checked set-wise once the load is complete."""
    for table, (key, refs) in KEYS.items():
        cols = ", ".join(key)
        dup = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM {table} GROUP BY {cols} HAVING count(*) > 1)"
                          ).fetchone()[0]
        if dup:
            raise EtlError(f"{table}: {dup} duplicate key(s) on ({cols}) (an ETL bug: please report it)")
        for col, ref in refs.items():
            rt, rc = ref.split(".")
            orphans = con.execute(f"SELECT count(*) FROM {table} t WHERE t.{col} IS NOT NULL AND NOT EXISTS "
                                  f"(SELECT 1 FROM {rt} r WHERE r.{rc} = t.{col})").fetchone()[0]
            if orphans:
                raise EtlError(f"{table}.{col}: {orphans} value(s) not in {ref} (an ETL bug: please report it)")


def build(input_dir: Path | list[Path] = DEFAULT_INPUT, db_path: Path = DEFAULT_DB,
          skip_invalid_rows: bool = False) -> BuildReport:
    """Build the warehouse from one or several folders (documents, and CSV/XLSX/Parquet tables)."""
    started = datetime.now(UTC)
    report = BuildReport(db_path=db_path)
    dirs = [Path(d) for d in (input_dir if isinstance(input_dir, (list, tuple)) else [input_dir])]
    docs, tables = [], []
    for d in dirs:
        ds, ts = parse_folder(d, report)
        docs.extend(ds)
        tables.extend(ts)
    if not docs and not tables:
        raise EtlError(f"{', '.join(map(str, dirs))}: no document of a known family and no table; nothing to load")
    frames = build_tables(docs)
    info = {"built_at": started.isoformat(timespec="seconds"), "input_dir": ", ".join(map(str, dirs)),
            "documents": ", ".join([d.source_file for d in docs] + [t.name for t in tables])}
    write_warehouse(frames, Path(db_path), info, tables, report, skip_invalid_rows)
    with duckdb.connect(str(db_path), read_only=True) as con:
        report.n_projects = con.execute("SELECT count(*) FROM projects").fetchone()[0]
        report.n_placed = con.execute("SELECT count(*) FROM projects WHERE scope IS NOT NULL").fetchone()[0]
        report.n_themed = con.execute("SELECT count(DISTINCT project_id) FROM project_themes").fetchone()[0]
        names = dict(con.execute("SELECT programme_id, name FROM programmes").fetchall())
        counts = con.execute("SELECT programme_id, count(*) FROM projects GROUP BY 1 ORDER BY 1").fetchall()
        report.programmes = [(f"{pid} ({' '.join(names[pid].split())[:30]})", int(n)) for pid, n in counts][:40]
        report.issues_by_rule = Counter(dict(con.execute("SELECT rule, count(*) FROM quality_issues GROUP BY 1").fetchall()))
    report.seconds = (datetime.now(UTC) - started).total_seconds()
    return report
