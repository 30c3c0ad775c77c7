"""The shared filters: one frozen value, its SQL, and its round trip through the URL."""

from __future__ import annotations

from dataclasses import dataclass, fields

from common.contract import SEVERITY_BITS, STATUSES
from common.text import fold_search

# URL parameter name for each field.
_URL = {"programmes": "prog", "statuses": "status", "regions": "reg", "departments": "dep", "themes": "theme",
        "budget_min": "bmin", "budget_max": "bmax", "year_from": "y0", "year_to": "y1", "search": "q", "orgs": "org",
        "exclude": "excl"}


# Regions and themes are filtered on the read side's bit masks (etl/read_model.py): mask column, dimension,
# bit number. Departments on their link table.
_MASKS = {"regions": ("region_mask", "dim_regions", "region_no"), "themes": ("theme_mask", "dim_themes", "theme_no")}


@dataclass(frozen=True)
class Filters:
    programmes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    budget_min: int | None = None
    budget_max: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    search: str = ""
    orgs: tuple[str, ...] = ()  # organisations.org_id (a SIREN, or 'n-' and a hash of the folded name)
    exclude: tuple[str, ...] = ()  # severities (common.contract.SEVERITY_BITS): projects with such issues left out

    def is_empty(self) -> bool:
        return self == Filters()

    def needs_facts(self) -> bool:
        """The free-text search, the organisations and the issues' severities need the facts table; every other
        filter applies to the link tables too (they carry the project's filter columns)."""
        return bool(self.search.strip()) or bool(self.orgs) or bool(self.exclude)

    def where(self, alias: str = "f") -> tuple[str, list]:
        """A SQL condition on the read-side table ``facts AS alias`` and its bound parameters."""
        conds, params = [], []

        def is_in(column: str, values: tuple[str, ...], table: str | None = None) -> None:
            if not values:
                return
            marks = ", ".join("?" * len(values))
            if table in _MASKS:  # region or theme: the project's bit mask has the bit of at least one of the values
                mask, dim, no = _MASKS[table]
                conds.append(f"({alias}.{mask} & (SELECT bit_or(1::BIGINT << {no}) FROM {dim} "
                             f"WHERE {column} IN ({marks}))) <> 0")
            elif table == "dim_programmes":  # the tables carry the programme's number, not its key
                conds.append(f"{alias}.prog_no IN (SELECT prog_no FROM dim_programmes WHERE programme_id IN ({marks}))")
            elif table:  # departments: the project has a row of fact_departments with one of the values
                conds.append(f"{alias}.pk IN (SELECT pk FROM fact_departments WHERE dept_no IN "
                             f"(SELECT dept_no FROM dim_departments WHERE {column} IN ({marks})))")
            else:
                conds.append(f"{alias}.{column} IN ({marks})")
            params.extend(values)

        is_in("programme_id", self.programmes, "dim_programmes")
        is_in("status", self.statuses)
        is_in("region_code", self.regions, "regions")
        is_in("department_code", self.departments, "fact_departments")
        is_in("theme_id", self.themes, "themes")
        if self.orgs:  # the lead organisation, by its stable key
            conds.append(f"{alias}.org_no IN (SELECT org_no FROM organisations WHERE org_id IN "
                         f"({', '.join('?' * len(self.orgs))}))")
            params.extend(self.orgs)
        if self.exclude:  # none of the project's issues has one of these severities
            conds.append(f"({alias}.issue_mask & ?) = 0")
            params.append(sum(SEVERITY_BITS[s] for s in self.exclude if s in SEVERITY_BITS))
        if self.budget_min is not None:
            conds.append(f"{alias}.budget_eur >= ?")
            params.append(self.budget_min)
        if self.budget_max is not None:
            conds.append(f"{alias}.budget_eur <= ?")
            params.append(self.budget_max)
        if self.year_from is not None:
            conds.append(f"{alias}.year_to >= ?")
            params.append(self.year_from)
        if self.year_to is not None:
            conds.append(f"{alias}.year_from <= ?")
            params.append(self.year_to)
        if self.search.strip():
            # accent- and case-insensitive (search_text is folded by the ETL); % and _ typed by the user are literal
            conds.append(f"{alias}.search_text LIKE ? ESCAPE '\\'")
            needle = _strip(self.search.strip().lower()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{needle}%")
        return " AND ".join(conds) or "TRUE", params

    # -- URL ---------------------------------------------------------------------------------------
    def to_query(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v in ((), None, ""):
                continue
            out[_URL[f.name]] = list(v) if isinstance(v, tuple) else str(v)
        return out

    @classmethod
    def from_query(cls, q) -> Filters:
        return cls.parse_query(q)[0]

    @classmethod
    def parse_query(cls, q) -> tuple[Filters, list[str]]:
        """From ``st.query_params`` (or any mapping with ``get_all``/lists): the filters, and the URL parameters that
        were dropped as malformed (a number that is not one, ``1e400``, ``inf``, an unknown status). Values outside
        the data's ranges are clamped by the sidebar, which knows them."""
        dropped: list[str] = []

        def get_all(key):
            try:
                if hasattr(q, "get_all"):
                    return [str(x) for x in q.get_all(key) if x]
                v = q.get(key)
                return [str(x) for x in (v if isinstance(v, list) else [v]) if x]
            except Exception:  # noqa: BLE001 - whatever a URL holds, the app renders
                dropped.append(key)
                return []

        def get_int(key, lo: int, hi: int):
            vals = get_all(key)
            if not vals:
                return None
            try:
                v = float(vals[0].strip()[:32])
                if v != v or v in (float("inf"), float("-inf")):
                    raise ValueError(vals[0])
                return int(min(max(v, lo), hi))
            except (ValueError, OverflowError):
                dropped.append(key)
                return None

        kw = {}
        for f in fields(cls):
            key = _URL[f.name]
            if f.name in ("budget_min", "budget_max"):
                kw[f.name] = get_int(key, 0, 10 ** 15)
            elif f.name in ("year_from", "year_to"):
                kw[f.name] = get_int(key, 1900, 2100)
            elif f.name == "search":
                vals = get_all(key)
                kw[f.name] = vals[0][:200] if vals else ""
            else:
                kw[f.name] = tuple(dict.fromkeys(v[:64] for v in get_all(key)))[:200]
        if kw["statuses"]:
            known = tuple(s for s in kw["statuses"] if s in STATUSES)
            if len(known) < len(kw["statuses"]):
                dropped.append(_URL["statuses"])
            kw["statuses"] = known
        if kw["exclude"]:
            known = tuple(s for s in kw["exclude"] if s in SEVERITY_BITS)
            if len(known) < len(kw["exclude"]):
                dropped.append(_URL["exclude"])
            kw["exclude"] = known
        return cls(**kw), list(dict.fromkeys(dropped))

def _strip(s: str) -> str:
    return fold_search(s)
