"""Project records from spreadsheets (CSV or XLSX, French or English column names).

The format is described by data/reference/import_columns.csv (also the template and the
README's data dictionary). Pure functions: bytes in, records and problems out.

A row with a problem (wrong type, unknown status, negative or absurd amount, bad date,
duplicate id, huge cell) is *rejected*: reported with its row number, column and value,
never half-loaded. Inconsistencies between valid values (FSE above budget, ...) are not
errors of the file: they load and become quality issues like those of the documents.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from etl.clean import fold, key_slug, parse_amount, parse_date, slug
from etl.models import Issue, LocationHint, ParsedDocument, Programme, Project, Source

FAMILY = "table"
SUFFIXES = {".csv", ".xlsx"}
REF = Path(__file__).resolve().parent.parent / "data" / "reference" / "import_columns.csv"
MAX_CELL = 5_000          # characters in one cell
MAX_ROWS = 2_000_000
MAX_AMOUNT = Decimal("10000000000")  # 10 G€: above this an amount is a typing error

STATUS_WORDS = {
    "funded": "funded", "finance": "funded", "financé": "funded", "financee": "funded", "retenu": "funded",
    "laureate": "laureate", "laureat": "laureate", "lauréat": "laureate", "laureats": "laureate",
    "eligible": "eligible", "éligible": "eligible",
    "example": "example", "exemple": "example",
    "experimentation": "experimentation", "expérimentation": "experimentation",
    "initiative": "initiative",
    "supported": "supported", "soutenu": "supported", "soutenue": "supported",
}
GRANT_KINDS = {"granted": "granted", "accordee": "granted", "accordée": "granted", "accorde": "granted",
               "requested": "requested", "demandee": "requested", "demandée": "requested", "demande": "requested"}


class TableError(Exception):
    """The file as a whole cannot be read (encoding, empty, missing required columns)."""


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        v = self.value if len(self.value) <= 40 else self.value[:37] + "…"
        return f"row {self.row}, {self.column}: '{v}' {self.message}" if self.column else f"row {self.row}: {self.message}"


@dataclass
class TableResult:
    doc: ParsedDocument
    n_rows: int
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> column as printed
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    n_data_rows: int = 0
    text: str = ""

    @property
    def rejected_rows(self) -> set[int]:
        return {p.row for p in self.rejected}


@lru_cache(maxsize=1)
def dictionary() -> list[dict]:
    with REF.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _alias_map() -> dict[str, str]:
    out = {}
    for d in dictionary():
        for a in d["aliases"].split("|"):
            out[fold(a).replace(" ", "_")] = d["field"]
    return out


# -- reading ----------------------------------------------------------------------------------------------------------
def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV file and the encoding used. UTF-8 (with or without BOM) or UTF-16 with BOM; Windows-1252
    (Excel's default 'CSV séparateur point-virgule' in France) is accepted and said."""
    if not data.strip():
        raise TableError(f"{name}: the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise TableError(f"{name}: not a text file (binary content); save it as CSV (UTF-8) or XLSX")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            raise TableError(f"{name}, line {line}: not UTF-8 text (byte {exc.start}); save the file as "
                             f"'CSV UTF-8' or XLSX") from exc
        return text, "windows-1252"


def read_csv(text: str, name: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") >= first.count(",") and first.count(";") else \
        "\t" if first.count("\t") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))


def read_xlsx(data: bytes, name: str) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    ws = wb.worksheets[0]
    rows = []
    for r in ws.iter_rows(values_only=True):
        cells = [_xlsx_cell(v) for v in r]
        rows.append(cells)
    wb.close()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def _xlsx_cell(v) -> str:
    """A workbook value as text our parsers read without ambiguity (decimal comma, ISO dates)."""
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()[:10]
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        d = Decimal(repr(v))
        return (str(int(d)) if d == d.to_integral_value() else format(d, "f").replace(".", ","))
    return str(v)


def read_table(data: bytes, name: str) -> tuple[list[list[str]], str]:
    if name.lower().endswith(".xlsx"):
        if not data:
            raise TableError(f"{name}: the file is empty")
        return read_xlsx(data, name), "xlsx"
    text, enc = decode(data, name)
    return read_csv(text, name), enc


# -- values -----------------------------------------------------------------------------------------------------------
def parse_number(text: str) -> Decimal | None:
    """'1 234,50', '1234.5', '1 234 €', '15 k€' -> Decimal; None when it is not a number."""
    s = text.strip()
    if not s:
        return None
    if s.startswith(("-", "−")):
        v = parse_number(s[1:])
        return -v if v is not None else None
    v = parse_amount(s if re.search(r"€|eur|k€|m€|million", s, re.I) else s + " €")
    if v is not None:
        # the whole cell must be the amount: '12 OOO €' must not read as 12
        rest = re.sub(r"[\d\s\u00a0\u202f.,]+|€|eur(os?)?|k€|m€|millions? d['’]euros|\*", "", s, flags=re.I).strip()
        if rest:
            return None
        return v
    return None


def parse_rate_cell(text: str) -> Decimal | None:
    s = text.strip().replace(",", ".").replace("\u00a0", " ")
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*%?", s)
    if not m:
        return None
    v = Decimal(m.group(1))
    return (v / 100).normalize() if ("%" in s or v > 1) else v


def parse_date_cell(text: str) -> date | None:
    s = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s[:10]) if len(s) >= 10 else None
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return parse_date(s) if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", s) else None


def split_cell(text: str) -> list[str]:
    return [x.strip() for x in re.split(r"[;|\n]", text) if x.strip()]


# -- rows -------------------------------------------------------------------------------------------------------------
def map_columns(header: list[str], name: str) -> tuple[dict[str, int], dict[str, str], list[str]]:
    aliases = _alias_map()
    idx: dict[str, int] = {}
    printed: dict[str, str] = {}
    ignored = []
    for i, h in enumerate(header):
        key = fold(h).replace(" ", "_")
        f = aliases.get(key)
        if f and f not in idx:
            idx[f], printed[f] = i, h.strip()
        elif h.strip():
            ignored.append(h.strip())
    missing = [d["field"] for d in dictionary() if d["required"] == "yes" and d["field"] not in idx]
    if missing:
        raise TableError(f"{name}: missing required column(s): {', '.join(missing)} "
                         f"(columns found: {', '.join(h.strip() for h in header if h.strip()) or 'none'})")
    return idx, printed, ignored


def parse_rows(rows: list[list[str]], name: str, first_line: int = 1) -> TableResult:
    """Records of a table whose first row is the header; ``first_line`` is the header's row number."""
    while rows and not any(c.strip() for c in rows[0]):
        rows, first_line = rows[1:], first_line + 1
    if not rows:
        raise TableError(f"{name}: the file is empty")
    if len(rows) - 1 > MAX_ROWS:
        raise TableError(f"{name}: {len(rows) - 1} rows, more than the {MAX_ROWS} accepted in one file")
    idx, printed, ignored = map_columns(rows[0], name)
    if not any(any(c.strip() for c in r) for r in rows[1:]):
        raise TableError(f"{name}: the header is there but no data row")
    doc = ParsedDocument(FAMILY, name)
    res = TableResult(doc=doc, n_rows=len(rows) - 1, columns=printed, ignored_columns=ignored)
    stem = slug(Path(name).stem, 24) or "import"
    programmes: dict[tuple[str, int | None], Programme] = {}
    seen_ids: dict[str, int] = {}
    types = {d["field"]: d["type"] for d in dictionary()}
    for offset, row in enumerate(rows[1:], start=1):
        line = first_line + offset
        if not any(c.strip() for c in row if c):
            continue
        res.n_data_rows += 1
        problems: list[RowProblem] = []

        def cell(f: str) -> str:
            i = idx.get(f)
            return row[i].strip() if i is not None and i < len(row) and row[i] is not None else ""

        values: dict = {}
        for f, i in idx.items():
            raw = cell(f)
            col = printed[f]
            if len(raw) > MAX_CELL:
                problems.append(RowProblem(line, col, raw[:40], f"is {len(raw)} characters long (at most {MAX_CELL})"))
                continue
            if not raw:
                continue
            kind = types[f]
            if kind == "amount":
                v = parse_number(raw)
                if v is None:
                    problems.append(RowProblem(line, col, raw, "is not an amount"))
                elif v < 0:
                    problems.append(RowProblem(line, col, raw, "is negative"))
                elif v > MAX_AMOUNT:
                    problems.append(RowProblem(line, col, raw, "is not a plausible amount (above 10 billion €)"))
                else:
                    values[f] = v
            elif kind == "rate":
                v = parse_rate_cell(raw)
                if v is None or v < 0 or v > 1:
                    problems.append(RowProblem(line, col, raw, "is not a rate between 0 and 100 %"))
                else:
                    values[f] = v
            elif kind == "date":
                v = parse_date_cell(raw)
                if v is None:
                    problems.append(RowProblem(line, col, raw, "is not a date (DD/MM/YYYY or YYYY-MM-DD)"))
                else:
                    values[f] = v
            elif kind == "year":
                if re.fullmatch(r"(19|20)\d{2}", raw):
                    values[f] = int(raw)
                else:
                    problems.append(RowProblem(line, col, raw, "is not a year"))
            elif kind == "status":
                v = STATUS_WORDS.get(fold(raw)) or STATUS_WORDS.get(raw.lower())
                if v is None:
                    problems.append(RowProblem(line, col, raw, "is not a known status (funded, laureate, eligible, "
                                                               "example, experimentation, initiative, supported)"))
                else:
                    values[f] = v
            elif kind == "grant_kind":
                v = GRANT_KINDS.get(fold(raw)) or GRANT_KINDS.get(raw.lower())
                if v is None:
                    problems.append(RowProblem(line, col, raw, "is not 'granted' or 'requested'"))
                else:
                    values[f] = v
            elif kind == "list":
                values[f] = split_cell(raw)
            else:
                values[f] = raw
        for f in ("call", "title"):
            if not values.get(f) and not any(p.column == printed[f] for p in problems):
                problems.append(RowProblem(line, printed[f], "", "is required"))
        pid = values.get("project_id") or key_slug(f"{values.get('call', '')}|{values.get('title', '')}")
        if values.get("title"):
            if pid in seen_ids:
                problems.append(RowProblem(line, printed.get("project_id", printed["title"]), str(pid),
                                           f"duplicates the identifier of row {seen_ids[pid]}"))
            else:
                seen_ids[pid] = line
        if problems:
            res.rejected.extend(problems)
            continue
        call, year = values["call"], values.get("call_year")
        pkey = (call, year)
        if pkey not in programmes:
            prog = Programme(key=f"imp-{slug(call, 32)}" + (f"-{year}" if year else ""), name=call,
                             funder=values.get("funder"), year=year, kind="call", line_start=line, line_end=line)
            programmes[pkey] = prog
            doc.programmes.append(prog)
        prog = programmes[pkey]
        prog.line_end = line
        p = Project(key=f"imp-{stem}-{slug(str(pid), 60)}", programme_key=prog.key, title=values["title"],
                    status=values.get("status", "funded"), line_start=line, line_end=line)
        p.lead_org = values.get("lead_org")
        p.fse_code = values.get("fse_code")
        p.start_date, p.end_date = values.get("start_date"), values.get("end_date")
        p.location_raw = values.get("location")
        p.total_budget_eur = values.get("total_budget")
        p.budget_kind = "total" if p.total_budget_eur is not None else None
        p.fse_amount_eur, p.fse_rate_stated = values.get("fse_amount"), values.get("fse_rate")
        p.grant_amount_eur = values.get("grant")
        p.grant_kind = values.get("grant_kind", "granted") if p.grant_amount_eur is not None else None
        p.tags = values.get("themes", [])
        p.cofinancers = values.get("cofinancers", [])
        p.partners = values.get("partners", [])
        p.description = values.get("description")
        if p.location_raw:
            m = re.match(r"^\s*(\d{5})\s+(.+)$", p.location_raw)
            if m:
                p.postcode, p.city = m.group(1), m.group(2)
                p.location_hints.append(LocationHint(p.location_raw, "address", line))
            p.location_hints.append(LocationHint(p.location_raw, "location", line))
        for f, col in printed.items():
            raw = cell(f)
            if raw:
                p.sources[{"total_budget": "total_budget", "fse_amount": "fse_amount", "grant": "grant_amount",
                           "fse_rate": "fse_rate", "location": "location", "title": "title"}.get(f, f)] = \
                    Source(f"{col} = {raw}"[:500], line)
        doc.projects.append(p)
    for prog in doc.programmes:
        prog.laureates = sum(1 for p in doc.projects if p.programme_key == prog.key)
    return res


def parse_table(data: bytes, name: str) -> TableResult:
    rows, enc = read_table(data, name)
    res = parse_rows(rows, name)
    res.encoding = enc
    res.text = "\n".join(row_text(rows))
    if enc == "windows-1252":
        res.warnings.append(RowProblem(1, "", "", "the file is not UTF-8: read as Windows-1252 (Excel's French CSV)"))
    return res


def row_text(rows: list[list[str]]) -> list[str]:
    """One line of text per row, for the warehouse's source_lines."""
    return [" ; ".join(c for c in r) for r in rows]


def template_csv(lang: str = "fr") -> bytes:
    """A template with every column and one example row (semicolon-separated, UTF-8 with BOM for Excel)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    d = dictionary()
    w.writerow([x["field"] if lang == "en" else x["column_fr"] for x in d])
    w.writerow([x["example"] for x in d])
    return buf.getvalue().encode("utf-8-sig")


def issue_of(p: RowProblem, severity: str = "error") -> Issue:
    return Issue("rejected_row" if severity == "error" else "table_warning", severity, str(p), p.value, p.column)


