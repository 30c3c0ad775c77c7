"""Records produced by the parsers. Plain dataclasses: no I/O, no database."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class Issue:
    rule: str
    severity: str  # 'error' | 'warning' | 'info'
    message: str
    values: str = ""
    field: str = ""
    category: str = "source"  # 'extraction': the ETL could not read what the document holds; 'source': the
                              # source itself is inconsistent or incomplete
    params: dict = dataclasses.field(default_factory=dict)  # the values its message is made of: the app words it from the
                                                # catalogue's template of its rule ([issue]), in the user's language


@dataclass
class Source:
    """Where a value came from: the raw text as printed and its 1-based line in the file."""

    raw: str
    line: int


@dataclass
class Programme:
    key: str
    name: str
    funder: str | None = None
    year: int | None = None
    kind: str = "call"  # call | scheme | guide | collection | study
    envelope_eur: Decimal | None = None
    applications: int | None = None
    admissible: int | None = None
    preselected: int | None = None
    laureates: int | None = None
    supported: int | None = None
    eligible_announced: int | None = None
    min_grant_eur: Decimal | None = None
    max_grant_eur: Decimal | None = None
    rate_cap: Decimal | None = None
    rate_cap_priority: Decimal | None = None
    line_start: int | None = None
    line_end: int | None = None
    sources: dict[str, Source] = field(default_factory=dict)


@dataclass
class LocationHint:
    """A piece of text that says where a record is, and how much to trust it."""

    text: str
    kind: str  # address | territory | location | heading (a list's regional heading) | free_text | programme
    line: int | None = None


@dataclass
class Project:
    key: str
    programme_key: str
    title: str
    status: str  # funded | laureate | eligible | example | experimentation | initiative | supported
    line_start: int
    line_end: int
    lead_org: str | None = None
    lead_org_level: str | None = None  # for local authorities: commune, epci, departement, region, ...
    fse_code: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    location_raw: str | None = None
    total_budget_eur: Decimal | None = None
    fse_amount_eur: Decimal | None = None
    fse_rate_stated: Decimal | None = None
    grant_amount_eur: Decimal | None = None
    grant_kind: str | None = None  # granted | requested
    budget_kind: str | None = None  # total | triennial
    objective: str | None = None
    description: str | None = None
    website: str | None = None
    n_actions: int | None = None
    part: str | None = None
    structure_type: str | None = None  # every structure type named, ' | '-separated (SCIC | Foncière solidaire)
    postcode: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None  # every address of the contact, ' | '-separated
    contact_phone: str | None = None
    city: str | None = None
    tags: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    cofinancers: list[str] = field(default_factory=list)
    key_figures: list[tuple[str, Decimal | None]] = field(default_factory=list)
    location_hints: list[LocationHint] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def text_for_themes(self) -> str:
        return " ".join(x for x in (self.title, self.objective, self.description, " ".join(self.tags)) if x)


@dataclass
class Count:
    """A count the document announces ('les 14 lauréats') beside the number of records read for it."""

    what: str  # laureates | eligible | examples | experimentations | sheets | records | supported
    announced: int
    found: int
    line: int | None = None
    raw: str = ""


@dataclass
class ParsedDocument:
    family: str
    source_file: str
    programmes: list[Programme] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    issues: list[tuple[str | None, Issue]] = field(default_factory=list)  # (record key or None, issue)
    counts: list[Count] = field(default_factory=list)
    title: str = ""     # the document's own title, as printed
    text: str = ""      # set when read from a file: kept line by line in source_lines
    sha256: str = ""
    n_lines: int = 0
    encoding: str = "utf-8"
    modified_at: object = None  # the file's last modification (a datetime), when read from a file
