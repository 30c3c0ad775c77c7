"""Typing and checking an imported table's rows, set-wise in DuckDB (the macros of etl/sql/macros.sql).

``{p}_typed``: one row per data row that holds a value, each field typed; ``{p}_problems``: every problem found,
by row and column (a rejected row is reported, never half-loaded). The columns are known by their position and
the fields by the reviewed dictionary: no header, no cell and no file name is ever part of the SQL text (the
file's part of the projects' keys is a bound parameter, the printed headers a table ``{p}_cols``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from common.contract import MAX_AMOUNT, MAX_CELL
from common.i18n import message
from common.text import TRIMMED
from etl.clean import slug
from etl.tables.columns import Mapping, dictionary, profile_required, types

# problem key (common/locales, section 'problem') -> the condition on the typed value that raises it, by type
_CHECKS = {
    "amount": [("{f} IS NULL", "not_amount"), ("{f} < 0", "negative"), (f"{{f}} > {MAX_AMOUNT}", "implausible")],
    "rate": [("{f} IS NULL OR {f} < 0 OR {f} > 1", "not_rate")],
    "date": [("{f} IS NULL", "not_date")],
    "year": [("{f} IS NULL", "not_year")],
    "status": [("{f} IS NULL", "not_status")],
    "grant_kind": [("{f} IS NULL", "not_grant_kind")],
    "fund": [("{f} IS NULL", "not_fund")],
    "siret": [("NOT regexp_full_match({f}, '\\d{{9}}|\\d{{14}}')", "not_siret")],
    "share": [("{f} IS NULL OR {f} <= 0 OR {f} > 1", "not_share")],
    "period": [("NOT regexp_full_match({f}, '\\d{{4}}-\\d{{2}}-\\d{{2}}(/\\d{{4}}-\\d{{2}}-\\d{{2}})?')", "not_period")],
    "grant_nature": [("{f} NOT IN ('aide en numeraire', 'aide en nature', 'aide en numeraire;aide en nature', "
                      "'aide en nature;aide en numeraire')", "not_nature")],
    "yes_no": [("{f} NOT IN ('oui', 'non', 'yes', 'no', 'true', 'false')", "not_yes_no")],
}
# A profile's own rules, from its published schema (SCDL Subventions 2.x: SIRETs of 14 digits, a share of at least
# 0.01, the lengths it sets)
_STRICT = {"scdl": {"siret14": ("funder_id", "lead_org_id"), "share_min": "0.01",
                    "max_len": {"title": 256, "payment_terms": 256, "rae_id": 5}}}
WIDE_TRIM = ("call", "call_year", "funder", "project_id", "location")  # text fields that are keys or places


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    problem: str       # key in the catalogue's section 'problem'
    detail: str = ""   # its parameter (a length, a row number)

    def message(self, lang: str = "en") -> str:
        text = message(f"problem.{self.problem}", lang, detail=self.detail, limit=MAX_CELL)
        v = self.value if len(self.value) <= 40 else self.value[:39] + "…"
        if v:
            return message("problem.row", lang, row=self.row, column=self.column, value=v, problem=text)
        return message("problem.row_no_value", lang, row=self.row, column=self.column, problem=text)

    def __str__(self) -> str:
        return self.message("en")


def stem(name: str) -> str:
    """The file's part of its projects' keys (letters, digits and dashes only)."""
    return slug(Path(name).stem, 24) or "import"


def raw_col(f: str) -> str:
    """The column of ``{p}_typed`` holding a field's text as printed (trimmed): ``raw_{field}`` beside the parsed
    value, or the field itself for text taken as it is (stored once: copying them cost a third of the typing)."""
    return f if types()[f] in ("text", "list") and f != "project_id" else f"raw_{f}"


def _blanks_out(x: str) -> str:
    """Spaces of every kind and bold marks removed (plain replaces: cheaper than a regex)."""
    for ch in (" ", "\u00a0", "\u202f", "*", "\t", "\n", "\r", "\f"):
        x = f"replace({x}, chr({ord(ch)}), '')"
    return x


def _unit_out(x: str) -> str:
    """A trailing '€', 'eur' or 'euros' removed (a CASE on suffixes: cheaper than a regex)."""
    return (f"CASE WHEN ends_with({x}, '€') THEN left({x}, -1) WHEN ends_with({x}, 'eur') THEN left({x}, -3) "
            f"WHEN ends_with({x}, 'euros') THEN left({x}, -5) ELSE {x} END")


_CODES = ", ".join(str(ord(c)) for c in TRIMMED)
_TRIM = "".join(TRIMMED)


def trim_sql(x: str) -> str:
    """A cell without the spaces, tabs, line breaks and no-break spaces around it (common.text.TRIMMED), NULL if
    blank. trim() copies every value; most values have nothing to trim, so they are kept as they are (3x cheaper):
    the first character checked by its code, the last for the two spaces that end cells (a space, a no-break space;
    checking more cost a tenth of the import of ten million rows)."""
    ends = " OR ".join(f"ends_with({x}, '{c}')" for c in " \u00a0")
    return (f"CASE WHEN ord({x}) IN ({_CODES}) OR {ends} THEN nullif(trim({x}, '{_TRIM}'), '') "
            f"ELSE nullif({x}, '') END")


def cleaned_sql(x: str) -> str:
    """A cell as the amount and rate parsers read it: lower case, no space of any kind, no bold mark, no unit."""
    return _unit_out(_blanks_out(f"lower({x})"))


def cell_sql(kind: str, x: str) -> str:
    """The SQL that reads a cell ``x`` of a column of ``kind`` (amount, rate, date), as ``typed`` does in two
    steps; tests/test_parity.py runs it against the documents' parsers (etl.clean)."""
    return {"amount": f"ess_amount_c({cleaned_sql(x)})", "rate": f"ess_rate_c({cleaned_sql(x)})",
            "date": f"ess_date({x})"}[kind]


def _derived(profile: str, raw: dict[str, str]) -> dict[str, str]:
    """The fields a published format does not print but the warehouse needs, from those it does (the SQL of each
    raw value, over the trimmed cells): its call, its year, its dates, its rows' identifiers."""
    d: dict[str, str] = {}
    if profile.startswith("eu_"):
        d["call"] = "$call"  # one call per file: the list's format and the file's title
        d["funder"] = "'Union européenne'"  # the contribution the list publishes is the EU's
        d["project_id"] = (f"left(ess_slug({raw['title']}), 40) || '-' || left(md5(concat_ws('|', {raw['lead_org']}, "
                           f"{raw['title']}, {raw['start_date']}, {raw['total_budget']})), 8)")
    if profile == "scdl":
        d["call"] = f"'Subventions — ' || {raw['funder']}"
        d["call_year"] = f"left({raw['decision_date']}, 4)"
        d["start_date"] = f"nullif(split_part({raw['payment_period']}, '/', 1), '')"
        d["end_date"] = (f"coalesce(nullif(split_part({raw['payment_period']}, '/', 2), ''), "
                         f"nullif(split_part({raw['payment_period']}, '/', 1), ''))")
        d["project_id"] = (f"concat_ws('-', {raw['decision_ref']}, {raw['lead_org_id']}) || '-' || left(md5(concat_ws("
                           f"'|', {raw['funder_id']}, {raw['decision_date']}, {raw['decision_ref']}, "
                           f"{raw['lead_org_id']}, {raw['title']}, {raw['grant_total']}, {raw['grant_share']})), 8)")
    return d


def typed(con: duckdb.DuckDBPyConnection, prefix: str, name: str, mapping: Mapping, n_header: int,
          call: str = "", first_row: int = 2) -> list[str]:
    """``{p}_typed`` and ``{p}_problems`` from ``{p}_raw`` (whose columns past the header's ``n_header`` hold the
    cells of rows longer than the header). ``call``: the call of a published list's rows. Returns the fields typed:
    the template's always, the others when the file gives them (a list of operations has no SIRET of an
    attribuant)."""
    p, idx, kinds = prefix, mapping.index, types()
    overflow = [c for (c,) in con.execute(f"SELECT column_name FROM (DESCRIBE {p}_raw)").fetchall()][n_header:]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_cols (pos INTEGER, field VARCHAR, printed VARCHAR)")
    con.executemany(f"INSERT INTO {p}_cols VALUES (?, ?, ?)", [(i, f, mapping.printed[f]) for f, i in idx.items()]
                    + [(n_header, None, f"#{n_header + 1}")])
    # keys and vocabularies (the call, the place, a date, a status…) are trimmed of every kind of space
    # (common.text.TRIMMED: a no-break space pasted after a call's name would make it another call); free text and
    # amounts of plain spaces (an amount's value is read from the cell without any space; checking every kind of
    # space on every cell of ten million rows cost a tenth of the import)
    narrow = "CASE WHEN starts_with({c}, ' ') OR ends_with({c}, ' ') THEN nullif(trim({c}), '') ELSE nullif({c}, '') END"
    raw = {f: ((trim_sql(f"c{int(idx[f])}") if f in WIDE_TRIM or kinds[f] not in ("amount", "rate", "text", "list")
                else narrow.format(c=f"c{int(idx[f])}")) if f in idx else "NULL::VARCHAR") for f in kinds}
    raw.update(_derived(mapping.profile, raw))
    template = {d["field"] for d in dictionary() if d["template"] == "yes"}
    fields = [f for f in kinds if f in template or f in idx or raw[f] != "NULL::VARCHAR"]
    inner = [f"rowid + {int(first_row)} AS row_no"] + [f"{raw[f]} AS raw_{f}" for f in fields]
    # the row's cells beyond the header: how many, and the first (a row is rejected, never cut short in silence)
    if overflow:  # read leniently (a row longer than the header): the cells past the header, else nothing to carry
        inner.append(f"CASE WHEN coalesce({', '.join(overflow)}) IS NULL THEN []::VARCHAR[] ELSE "
                     f"list_filter([{', '.join(overflow)}], lambda v: nullif(trim(v), '') IS NOT NULL) END AS extra")
    # amounts and rates are read from the cell as it is: cleaning removes every space anyway (no trim to compute)
    inner += [f"{cleaned_sql(f'c{int(idx[f])}' if f in idx else 'NULL::VARCHAR')} AS cl_{f}"
              for f in fields if kinds[f] in ("amount", "rate", "share")]
    cols, joins = ["row_no"] + (["extra"] if overflow else []), []
    for f in fields:
        kind, r, c = kinds[f], f"raw_{f}", f"cl_{f}"
        if raw_col(f) == r:
            cols.append(r)
        if kind == "amount":
            cols.append(f"ess_amount_c({c}) AS {f}")
        elif kind == "rate":
            cols.append(f"ess_rate_c({c}) AS {f}")
        elif kind == "share":
            cols.append(f"ess_share_c({c}) AS {f}")
        elif kind == "date":
            cols.append(f"ess_date({r}) AS {f}")
        elif kind == "year":
            cols.append(f"CASE WHEN regexp_full_match({r}, '(19|20)\\d{{2}}') THEN {r}::INTEGER END AS {f}")
        elif kind in ("status", "grant_kind", "fund"):  # a small vocabulary: each distinct value mapped once, joined
            # (trimmed of every kind of space and folded here, once per distinct value)
            word = "ess_fold(replace(d.v, '+', ' plus '))" if kind == "fund" else \
                f"strip_accents(lower(trim(d.v, '{_TRIM}')))"
            joins.append(f"LEFT JOIN (SELECT d.v, w.value AS m FROM (SELECT DISTINCT {raw[f]} AS v FROM {p}_raw) d "
                         f"JOIN ess_{kind} w ON w.word = {word}) w_{f} ON w_{f}.v = {r}")
            cols.append(f"w_{f}.m AS {f}")
        elif kind == "siret":  # digits only: '380 475 558 00058' and '380.475.558.00058' are the same SIRET
            cols.append(f"regexp_replace({r}, '[ .\\-]', '', 'g') AS {f}")
        elif kind in ("grant_nature", "yes_no"):
            cols.append(f"replace(strip_accents(lower({r})), ' ; ', ';') AS {f}")
        elif f == "project_id":  # the warehouse key: the file's stem and the given id, else a slug of call and title
            cols.append(f"'imp-' || $stem || '-' || CASE WHEN {r} IS NOT NULL THEN left(ess_slug_id({r}), 60) ELSE "
                        f"left(ess_slug(raw_call || ' ' || raw_title), 40) || '-' || "
                        f"left(md5(lower(raw_call || '|' || raw_title)), 6) END AS project_id")
        else:
            cols.append(f"{r} AS {f}")
    nonblank = " OR ".join([f"raw_{f} IS NOT NULL" for f in idx] + (["len(extra) > 0"] if overflow else []))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_typed AS SELECT {', '.join(cols)} FROM "
                f"(SELECT {', '.join(inner)} FROM {p}_raw) {' '.join(joins)} WHERE {nonblank}",
                {"stem": stem(name), **({"call": call} if "$call" in raw.values() else {})})
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_problems AS "
                f"SELECT x.row_no, c.printed AS column_name, coalesce(x.value, '') AS value, x.problem, x.detail, "
                f"x.pos, x.ord FROM ({' UNION ALL '.join(_checks(p, mapping, kinds, overflow, n_header))}) x "
                f"JOIN {p}_cols c USING (pos) ORDER BY x.row_no, x.ord, x.pos")
    return fields


def _checks(p: str, mapping: Mapping, kinds: dict[str, str], overflow: list[str], n_header: int) -> list[str]:
    """The queries of every problem: (row_no, pos, ord, value, problem, detail)."""
    idx, strict = mapping.index, _STRICT.get(mapping.profile, {})
    checks = []
    for f in idx:
        kind, pos, r = kinds[f], int(idx[f]), raw_col(f)
        checks.append(f"SELECT row_no, {pos} AS pos, 0 AS ord, left({r}, 41) AS value, 'too_long' AS problem, "
                      f"length({r})::VARCHAR AS detail FROM {p}_typed WHERE length({r}) > {MAX_CELL}")
        rules = list(_CHECKS.get(kind, []))
        if f in strict.get("siret14", ()):
            rules = [("NOT regexp_full_match({f}, '\\d{{14}}')", "not_siret14")]
        if kind == "share" and "share_min" in strict:
            rules = [(f"{{f}} IS NULL OR {{f}} < {strict['share_min']} OR {{f}} > 1", "not_share")]
        for cond, problem in rules:
            checks.append(f"SELECT row_no, {pos}, 0, {r}, '{problem}', '' FROM {p}_typed "
                          f"WHERE {r} IS NOT NULL AND length({r}) <= {MAX_CELL} AND ({cond.format(f=f)})")
        if f in strict.get("max_len", {}):
            limit = int(strict["max_len"][f])
            checks.append(f"SELECT row_no, {pos}, 0, left({r}, 41), 'longer_than', '{limit}' FROM {p}_typed "
                          f"WHERE length({r}) > {limit} AND length({r}) <= {MAX_CELL}")
    if overflow:
        checks.append(f"SELECT row_no, {int(n_header)}, 3, left(extra[1], 41), 'extra_cells', "
                      f"len(extra)::VARCHAR FROM {p}_typed WHERE len(extra) > 0")
    for f in (f for f in profile_required(mapping) if f in idx):
        checks.append(f"SELECT row_no, {int(idx[f])}, 1, '', 'required', '' FROM {p}_typed WHERE {raw_col(f)} IS NULL")
    id_pos = int(idx.get("project_id", idx["title"]))
    checks.append(f"""SELECT row_no, {id_pos}, 2, pid, 'duplicate', first_row::VARCHAR FROM (
        SELECT row_no, pid, min(row_no) OVER (PARTITION BY pid) AS first_row FROM (
            SELECT row_no, coalesce(raw_project_id, call || '|' || title) AS pid FROM {p}_typed
            WHERE title IS NOT NULL)) WHERE row_no > first_row""")
    return checks


def problems(con: duckdb.DuckDBPyConnection, prefix: str, limit: int | None = None) -> list[RowProblem]:
    rows = con.execute(f"SELECT row_no, column_name, value, problem, detail FROM {prefix}_problems "
                       f"ORDER BY row_no, ord, pos LIMIT $n", {"n": int(limit) if limit else 2 ** 62}).fetchall()
    return [RowProblem(int(r), c, v, k, d) for r, c, v, k, d in rows]


def sample(con: duckdb.DuckDBPyConnection, prefix: str, n: int = 20) -> pd.DataFrame:
    """The first valid rows, typed, as the preview shows them."""
    return con.execute(f"""SELECT row_no AS row, call, title, status, location, total_budget, fse_amount, fse_rate,
                                  grant, start_date, end_date FROM {prefix}_typed
                           WHERE row_no NOT IN (SELECT row_no FROM {prefix}_problems) ORDER BY row_no LIMIT $n""",
                       {"n": int(n)}).df()


def problem_texts(lang: str = "en") -> list[tuple[str, str]]:
    """(problem key, its sentence with '{detail}' left in): the SQL side writes the rejected rows' issues with them."""
    keys = ["too_long", "required", "duplicate", "extra_cells", "not_siret14", "longer_than"] + \
        [k for checks in _CHECKS.values() for _, k in checks]
    return [(k, message(f"problem.{k}", lang, detail="{detail}", limit=MAX_CELL)) for k in dict.fromkeys(keys)]
