"""Loading a checked table beside the documents: its programmes and quality issues into the staging tables
(etl/sql/000_staging.sql), its places and themes resolved once per *distinct* value, and the views of its projects
(``{p}_projects``) and of their keys (``{p}_keys``) that etl/read_model.py reads when it writes the warehouse.

Places: 'postcode city' locations (most of a large file) are placed in SQL against the postcode and commune tables
with the geocoder's own rule; every other distinct text goes through the documents' geocoder in Python. Themes:
each distinct cell of tags once; rows without tags: the keyword rules on each distinct text."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd

from common.contract import DETAIL_ROWS, RATE_TOLERANCE
from etl import geo, themes
from etl.clean import key_slug
from etl.models import Issue, LocationHint
from etl.tables.check import problem_texts, raw_col
from etl.tables.raw import register

# what etl/read_model.py reads of a loaded table: the views {p}_projects and {p}_keys, the tables they read, and the
# links of each key: place (geo_link), themes (theme_link), cofinancers and partners
KEPT = ("ok", "prog", "geo", "tagset", "textkey", "geo_link", "theme_link", "cofinancers_set", "cofinancers_link",
        "partners_set", "partners_link")


def reference(con: duckdb.DuckDBPyConnection) -> None:
    """The postcode and commune tables, read once per connection before external access is turned off."""
    ref = geo.REF_DIR
    con.execute("CREATE OR REPLACE TEMP TABLE ess_communes AS SELECT commune_code, name, ess_fold(name) AS folded, "
                "department_code, region_code FROM read_csv($p, all_varchar = true)", {"p": str(ref / "communes.csv")})
    con.execute("CREATE OR REPLACE TEMP TABLE ess_postcodes AS SELECT * FROM read_csv($p, all_varchar = true)",
                {"p": str(ref / "postcodes.csv")})
    texts = problem_texts("en")
    con.execute("CREATE OR REPLACE TEMP TABLE ess_problem_text AS SELECT unnest($k) AS problem, unnest($t) AS text",
                {"k": [k for k, _ in texts], "t": [x for _, x in texts]})


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Rows computed in Python into a temporary table, in one statement (Python objects: None stays NULL)."""
    if rows:
        cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
        register(con, "incoming", pd.DataFrame(rows, columns=cols, dtype=object))
        con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        con.unregister("incoming")


def _places(con, p: str, place: str = "o.location") -> None:
    """``{p}_geo`` (one row per distinct place key, numbered ``loc_id``), ``{p}_geo_link`` (its regions and
    departments) and ``{p}_geo_issue``. ``place``: the SQL of a row's key (``place_sql``)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_loc AS SELECT location, row_number() OVER () AS loc_id FROM "
                f"(SELECT DISTINCT {place} AS location FROM {p}_ok o WHERE {place} IS NOT NULL)")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_pc AS
        WITH l AS (SELECT location, m.pc, nullif(trim(m.city), '') AS city, ess_fold(m.city) AS city_folded FROM (
                       SELECT location, regexp_extract(location, '^\\s*(\\d{{5}})(\\s+.+)?$', ['pc', 'city']) AS m
                       FROM {p}_loc WHERE regexp_full_match(location, '\\s*\\d{{5}}(\\s+.+)?'))),
        cand AS (SELECT l.location, l.pc, l.city, c.name, c.department_code, c.region_code,
                        l.city_folded <> '' AND c.folded = l.city_folded AS same
                 FROM l JOIN ess_postcodes pc ON pc.postcode = l.pc JOIN ess_communes c USING (commune_code)),
        chosen AS (SELECT * FROM cand c WHERE same OR NOT EXISTS (SELECT 1 FROM cand d WHERE d.location = c.location AND d.same))
        SELECT location, any_value(pc) AS pc, any_value(city) AS city,
               list(DISTINCT department_code ORDER BY department_code) AS deps,
               list(DISTINCT region_code ORDER BY region_code) AS regs, list(name ORDER BY name)[1:3] AS names
        FROM chosen GROUP BY location""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_geo (loc_id BIGINT, location VARCHAR, scope VARCHAR, method VARCHAR, "
                f"evidence VARCHAR, postcode VARCHAR, city VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_geo_link (loc_id BIGINT, level VARCHAR, code VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_geo_issue (location VARCHAR, rule VARCHAR, severity VARCHAR, "
                f"message VARCHAR, vals VARCHAR, field VARCHAR, params VARCHAR)")
    con.execute(f"""INSERT INTO {p}_geo SELECT loc_id, location, CASE WHEN len(regs) > 1 THEN 'multi-region' ELSE 'local' END,
                    'postcode', 'postcode ' || pc || ' = ' || array_to_string(names, ', '), pc, city
                    FROM {p}_pc JOIN {p}_loc USING (location)""")
    con.execute(f"""INSERT INTO {p}_geo_link SELECT loc_id, 'region', unnest(regs) FROM {p}_pc JOIN {p}_loc USING (location)
                    UNION ALL SELECT loc_id, 'department', unnest(deps) FROM {p}_pc JOIN {p}_loc USING (location)""")
    locs = con.execute(f"SELECT loc_id, location FROM {p}_loc ANTI JOIN {p}_pc USING (location)").fetchall()
    gz = geo.gazetteer()
    rows, links, issues = [], [], []
    for loc_id, loc in locs:
        pc, city = None, None
        if loc.startswith("!"):  # a country other than France: not on the map, and said
            pl = geo.Placement(None, [], [], None, "", [Issue("outside_france", "info",
                                                               f"the operation is in {loc[1:]}, outside France",
                                                               loc[1:], "country", params={"country": loc[1:]})])
            loc_text = None
        elif loc.startswith("@"):  # a grant: its awarding authority's territory
            siret, _, authority = loc[1:].partition("|")
            pl = geo.place_authority(authority, siret, gz)
            loc_text = None
        else:
            m = re.match(r"^\s*(\d{5})\s+(.+)$", loc)
            pc, city = (m.group(1), m.group(2)) if m else (None, None)
            hints = [LocationHint(f"{pc} {city}", "address"), LocationHint(city, "fallback")] if m \
                else [LocationHint(loc, "location")]
            pl = geo.place(hints, gz)
            loc_text = loc
        rows.append((loc_id, loc_text, pl.scope, pl.method, pl.evidence or None, pc, city))
        links += [(loc_id, "region", r) for r in pl.regions] + [(loc_id, "department", d) for d in pl.departments]
        issues += [(loc, i.rule, i.severity, i.message, i.values, i.field,
                    json.dumps(i.params, ensure_ascii=False, default=str)) for i in pl.issues]
    for table, data in ((f"{p}_geo", rows), (f"{p}_geo_link", links), (f"{p}_geo_issue", issues)):
        insert_rows(con, table, data)
    # the key the projects' rows are joined on (their place key), the place as printed kept in location
    con.execute(f"ALTER TABLE {p}_geo ADD COLUMN key VARCHAR")
    con.execute(f"UPDATE {p}_geo g SET key = l.location FROM {p}_loc l WHERE l.loc_id = g.loc_id")


def _split(cells: str, key: str, cell: str) -> str:
    """A query of the items of each 'a; b | c' cell of ``cells`` (a table or a query): columns ``key``, ``item``
    (trimmed; blank items dropped) and ``pos`` (its position in the cell)."""
    return (f"SELECT {key}, trim(item) AS item, pos FROM (SELECT {key}, unnest(l) AS item, generate_subscripts(l, 1) "
            f"AS pos FROM (SELECT {key}, regexp_split_to_array({cell}, '[;|\\n]') AS l FROM {cells})) WHERE trim(item) <> ''")


def _themes(con, p: str) -> None:
    """``{p}_tagset`` (each distinct cell of tags, ``set_id``), ``{p}_tags`` (its tags and their positions),
    ``{p}_textkey`` (each distinct text of the rows without tags, numbered after the cells) and ``{p}_theme_link``
    (the themes of each key)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_tagset AS SELECT themes, row_number() OVER () AS set_id,
                           replace(regexp_replace(themes, '\\s*[;|\\n]\\s*', ' | ', 'g'), '  ', ' ') AS tags
                    FROM (SELECT DISTINCT themes FROM {p}_ok WHERE themes IS NOT NULL)""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_tags AS SELECT set_id, item AS tag, pos "
                f"FROM ({_split(f'{p}_tagset', 'set_id', 'themes')})")
    con.execute(f"DELETE FROM {p}_tagset WHERE set_id NOT IN (SELECT set_id FROM {p}_tags)")  # cells of blanks: no tag
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_textkey AS
        SELECT title, description, (SELECT coalesce(max(set_id), 0) FROM {p}_tagset) + row_number() OVER () AS text_key
        FROM (SELECT DISTINCT title, coalesce(description, '') AS description FROM {p}_ok
              WHERE themes IS NULL OR themes NOT IN (SELECT themes FROM {p}_tagset))""")
    tags = [r[0] for r in con.execute(f"SELECT DISTINCT tag FROM {p}_tags").fetchall()]
    mapping = [(tg, th, f"tag:{tg}") for tg in tags for th, _ in themes.tag_themes(tg)]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_tag_theme (tag VARCHAR, theme_id VARCHAR, rule VARCHAR)")
    insert_rows(con, f"{p}_tag_theme", mapping)
    text_sql, params = themes.text_themes_sql(f"{p}_textkey")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_text_theme AS {text_sql}", params)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_theme_link AS
        SELECT t.set_id AS theme_key, m.theme_id, arg_min(m.rule, t.pos) AS rule FROM {p}_tags t
        JOIN {p}_tag_theme m USING (tag) GROUP BY 1, 2
        UNION ALL SELECT text_key, theme_id, min(rule) FROM {p}_text_theme GROUP BY 1, 2""")


def _derived(fields: list[str], esf: tuple[str, ...]) -> dict[str, str]:
    """The SQL of each warehouse column a profile derives from its row (``o``), whatever fields the file gives:
    the EU contribution (given, else the total times the rate: the method is kept), the fund, the ESF amount (the
    template's column, or the EU contribution of a fund of the ESF family), a beneficiary's share of a grant split
    between several (SCDL: ``montant × pourcentageSubvention``), the SIREN of a SIRET."""
    def c(f: str) -> str:
        return f"o.{f}" if f in fields else "NULL"

    esf_list = ", ".join(f"'{x}'" for x in esf)  # our reviewed list of funds (data/reference/funds.csv)
    fund = f"coalesce({c('fund')}, CASE WHEN {c('fse_amount')} IS NOT NULL THEN 'FSE' END)"
    eu = (f"coalesce({c('eu_amount')}, round({c('total_budget')} * {c('eu_rate')}, 2), "
          f"CASE WHEN {fund} IN ({esf_list}) THEN {c('fse_amount')} END)")
    d = {
        "fund": fund,
        "eu_amount_eur": eu,
        "eu_amount_method": (f"CASE WHEN {c('eu_amount')} IS NOT NULL THEN 'given' WHEN {c('total_budget')} IS NOT NULL "
                             f"AND {c('eu_rate')} IS NOT NULL THEN 'total_x_rate' WHEN {c('fse_amount')} IS NOT NULL "
                             f"THEN 'given' END"),
        "eu_rate": c("eu_rate"),
        "fse_amount_eur": f"coalesce({c('fse_amount')}, CASE WHEN {fund} IN ({esf_list}) THEN {eu} END)",
        "fse_rate_stated": f"coalesce({c('fse_rate')}, CASE WHEN {fund} IN ({esf_list}) THEN {c('eu_rate')} END)",
        "grant_amount_eur": f"coalesce({c('grant')}, round({c('grant_total')} * coalesce({c('grant_share')}, 1), 2))",
        "grant_total_eur": c("grant_total"),
        "grant_share": c("grant_share"),
        "lead_org_id": c("lead_org_id"),
        "lead_org_siren": f"CASE WHEN ess_luhn(left({c('lead_org_id')}, 9)) THEN left({c('lead_org_id')}, 9) END",
        "country": c("country"),
        "intervention": c("intervention"),
        "objective": c("objective"),
    }
    d["fse_rate_computed"] = (f"CASE WHEN {c('total_budget')} > 0 THEN round(({d['fse_amount_eur']}) / "
                              f"{c('total_budget')}, 4) END")
    return d


def place_sql(fields: list[str]) -> str:
    """The key a row is placed by: its location as printed; '!country' outside France; '@SIRET|name' for a grant
    placed on its awarding authority's territory (a SCDL row carries no beneficiary address)."""
    key = "o.location"
    if "funder_id" in fields:
        key = f"coalesce({key}, '@' || coalesce(o.funder_id, '') || '|' || o.funder)"
    if "country" in fields:
        key = (f"CASE WHEN o.country IS NOT NULL AND ess_fold(o.country) NOT IN ({_FRANCE}) THEN '!' || o.country "
               f"ELSE {key} END")
    return key


_FRANCE = "'france', 'fr', 'fra', 'france metropolitaine', 'republique francaise'"


def load(con: duckdb.DuckDBPyConnection, prefix: str, name: str, n_rows: int, printed: dict[str, str],
         warnings: list[tuple[str, str]], programme_prefix: str = "imp", fields: list[str] = (),
         first_row: int = 2) -> int:
    """Insert the valid rows' programmes and quality issues of a checked table into the staging tables, and define
    the views of its projects and of their keys. ``warnings``: (message, row) of the table as a whole; ``fields``:
    those its rows carry. Returns the number of projects loaded."""
    from etl.schema import esf_funds

    p = prefix
    fields = list(fields) or [r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {p}_typed)").fetchall()]
    con.execute(f"DELETE FROM {p}_typed WHERE row_no IN (SELECT row_no FROM {p}_problems)")
    con.execute(f"ALTER TABLE {p}_typed RENAME TO {p}_ok")  # the valid rows, typed, with their warehouse key
    progs = con.execute(f"SELECT call, call_year, any_value(funder ORDER BY row_no), min(row_no), max(row_no), count(*) "
                        f"FROM {p}_ok GROUP BY call, call_year").fetchall()
    prog_rows = [(call, year, f"{programme_prefix}-{key_slug(call)}" + (f"-{year}" if year else ""), funder, lo, hi, n,
                  name) for call, year, funder, lo, hi, n in progs]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_prog (call VARCHAR, call_year INTEGER, programme_id VARCHAR, "
                f"funder VARCHAR, lo INTEGER, hi INTEGER, n INTEGER, source_file VARCHAR)")
    insert_rows(con, f"{p}_prog", prog_rows)
    con.execute(f"""INSERT INTO stage_programmes (programme_id, name, funder, year, kind, laureates, source_file,
                        source_line_start, source_line_end)
                    SELECT programme_id, call, funder, call_year, 'call', n, $name, lo, hi FROM {p}_prog
                    WHERE programme_id NOT IN (SELECT programme_id FROM stage_programmes)""", {"name": name})
    place = place_sql(fields)
    _places(con, p, place)
    _themes(con, p)
    # The projects of the table: a view, read when the warehouse is written, rather than a copy of every row. Each
    # project has the key of its place (geo_key), of its themes (theme_key), of its cell of cofinancers and of
    # partners; the links are joined to the projects by these integers once the projects are numbered. rid: the
    # row. place_no and tag_set_no: numbers within this table, which read_model shifts past the other sources'.
    rows = f"""{p}_ok o JOIN {p}_prog g ON g.call = o.call AND g.call_year IS NOT DISTINCT FROM o.call_year
        LEFT JOIN {p}_geo geo ON geo.key = {place} LEFT JOIN {p}_tagset s ON s.themes = o.themes"""
    d = _derived(fields, esf_funds())
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {p}_projects AS
        SELECT o.project_id, g.programme_id, o.title, o.lead_org, coalesce(o.status, 'funded') AS status, o.fse_code,
               o.start_date, o.end_date, geo.loc_id AS place_no, geo.scope, o.total_budget AS total_budget_eur,
               CASE WHEN o.total_budget IS NOT NULL THEN 'total' END AS budget_kind,
               {', '.join(f'{sql} AS {col}' for col, sql in d.items())},
               CASE WHEN ({d['grant_amount_eur']}) IS NOT NULL THEN coalesce(o.grant_kind, 'granted') END AS grant_kind,
               o.description, s.set_id AS tag_set_no, g.source_file, o.row_no AS source_line_start,
               o.row_no AS source_line_end, o.row_no AS rid
        FROM {rows}""")
    for column in ("cofinancers", "partners"):  # split once per distinct cell
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_{column}_set AS SELECT cell, row_number() OVER () AS key
                        FROM (SELECT DISTINCT {column} AS cell FROM {p}_ok WHERE {column} IS NOT NULL)""")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_{column}_link AS SELECT key, pos, item AS name "
                    f"FROM ({_split(f'{p}_{column}_set', 'key', 'cell')})")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {p}_keys AS
        SELECT o.row_no AS rid, o.project_id, g.programme_id, coalesce(o.status, 'funded') AS status, o.start_date,
               o.end_date, o.total_budget AS total_budget_eur, {d['fse_amount_eur']} AS fse_amount_eur,
               {d['grant_amount_eur']} AS grant_amount_eur, o.lead_org, {d['lead_org_siren']} AS lead_org_siren,
               geo.loc_id AS geo_key, coalesce(s.set_id, x.text_key) AS theme_key, c.key AS cofinancer_key,
               pa.key AS partner_key
        FROM {rows}
        LEFT JOIN {p}_textkey x ON x.title = o.title AND x.description = coalesce(o.description, '')
        LEFT JOIN {p}_cofinancers_set c ON c.cell = o.cofinancers
        LEFT JOIN {p}_partners_set pa ON pa.cell = o.partners""")
    _issues(con, p, name, warnings, place, fields)
    if n_rows <= DETAIL_ROWS:
        _detail(con, p, name, printed, first_row)
    return con.execute(f"SELECT count(*) FROM {p}_ok").fetchone()[0]


def source_checks(table: str) -> str:
    """The consistency checks of typed rows (columns project_id, row_no, total_budget, fse_amount, fse_rate, grant,
    start_date, end_date): the SQL side of etl/quality.py's check_project, tolerance bound as ``$rate_tolerance``.
    Columns: project_id, rule, severity, message, vals, field, line."""
    return f"""
        SELECT project_id, 'fse_exceeds_budget' AS rule, 'error' AS severity,
               'FSE amount ' || ess_eur(fse_amount) || ' is larger than the total budget ' || ess_eur(total_budget) AS message,
               'fse=' || fse_amount || '; budget=' || total_budget AS vals, 'fse_amount_eur' AS field, row_no AS line,
               json_object('fse_eur', fse_amount::VARCHAR, 'budget_eur', total_budget::VARCHAR)::VARCHAR AS params
        FROM {table} WHERE fse_amount > total_budget
        UNION ALL
        SELECT project_id, 'grant_exceeds_budget', 'error',
               'grant ' || ess_eur(grant) || ' is larger than the budget ' || ess_eur(total_budget),
               'grant=' || grant || '; budget=' || total_budget, 'grant_amount_eur', row_no,
               json_object('grant_eur', grant::VARCHAR, 'budget_eur', total_budget::VARCHAR)::VARCHAR
        FROM {table} WHERE grant > total_budget
        UNION ALL
        SELECT project_id, 'rate_mismatch', 'warning',
               'stated FSE rate ' || round(fse_rate * 100)::INTEGER || '% but amount ÷ budget = '
                   || format('{{:.2f}}', (fse_amount / total_budget * 100)::DOUBLE) || '%',
               'stated=' || fse_rate || '; computed=' || round(fse_amount / total_budget, 4), 'fse_rate_stated', row_no,
               json_object('stated_rate', fse_rate::VARCHAR,
                           'computed_rate', round(fse_amount / total_budget, 4)::VARCHAR)::VARCHAR
        FROM {table} WHERE total_budget > 0 AND fse_rate IS NOT NULL AND fse_amount IS NOT NULL
            AND abs(fse_amount - fse_rate * total_budget) > $rate_tolerance * total_budget  -- exact in DECIMAL
        UNION ALL
        SELECT project_id, 'end_before_start', 'error', 'end date ' || end_date || ' is before start date ' || start_date,
               'start=' || start_date || '; end=' || end_date, 'end_date', row_no,
               json_object('start_date', start_date::VARCHAR, 'end_date', end_date::VARCHAR)::VARCHAR
        FROM {table} WHERE end_date < start_date"""


def _issues(con, p: str, name: str, warnings: list[tuple[str, int]], place: str = "o.location",
            fields: list[str] = ()) -> None:
    new_ids = "(SELECT coalesce(max(issue_id), 0) FROM stage_issues) + row_number() OVER ({})"
    cols = "issue_id, project_id, programme_id, rule, severity, message, \"values\", field, source_file, source_line, params"
    con.execute(f"""INSERT INTO stage_issues ({cols})
        SELECT {new_ids.format('ORDER BY line, rule, project_id, message')}, project_id, NULL, rule, severity, message,
               vals, field, $name, line, params FROM (
            {source_checks(f'{p}_ok')}
            UNION ALL
            SELECT o.project_id, i.rule, i.severity, i.message, i.vals, i.field, o.row_no, i.params
            FROM {p}_ok o JOIN {p}_geo_issue i ON i.location = {place}
            UNION ALL
            SELECT project_id, 'unresolved_location', 'warning', 'no region or department could be found for this record',
                   '(no location given)', 'location', row_no, '{{}}' FROM {p}_ok o WHERE {place} IS NULL
            UNION ALL{_extra_checks(p, fields)}
            SELECT o.project_id, 'unmapped_tag', 'warning', 'tag ''' || u.tag || ''' maps to no theme', u.tag, 'tags', o.row_no,
                   json_object('tag', u.tag)::VARCHAR
            FROM {p}_ok o JOIN (SELECT s.themes, t.tag FROM {p}_tagset s JOIN {p}_tags t USING (set_id)
                                WHERE t.tag NOT IN (SELECT tag FROM {p}_tag_theme)) u USING (themes))""",
                {"name": name, "rate_tolerance": RATE_TOLERANCE})
    # rejected rows: reported, not loaded
    con.execute(f"""INSERT INTO stage_issues ({cols}, category)
        SELECT {new_ids.format('ORDER BY row_no, ord, pos')}, NULL, NULL, 'rejected_row', 'error',
               'row ' || row_no || ', ' || column_name || ': ' ||
               CASE WHEN value = '' THEN '' ELSE '''' || CASE WHEN length(value) > 40 THEN left(value, 39) || '…'
                                                         ELSE value END || ''' ' END ||
               replace(t.text, '{{detail}}', detail),
               value, column_name, $name, row_no, json_object('row', row_no, 'column', column_name, 'value', value,
                                                              'problem', problem, 'detail', detail)::VARCHAR, 'import'
        FROM {p}_problems JOIN ess_problem_text t USING (problem) ORDER BY row_no, ord, pos""", {"name": name})
    for text, row, key, params in warnings:
        con.execute(f"INSERT INTO stage_issues ({cols}, category) SELECT {new_ids.format('')}, NULL, NULL, 'table_warning', "
                    f"'info', $m, '', '', $name, $row, $params, 'import'",
                    {"m": text, "name": name, "row": row, "params": json.dumps({"key": key, **params})})


def _extra_checks(p: str, fields: list[str]) -> str:
    """The checks of the published formats' fields: a SIREN whose Luhn key is wrong (the organisation is then known by
    its name only), a grant whose beneficiaries' shares do not add up to the whole."""
    out = ""
    if "lead_org_id" in fields:
        out += f"""
            SELECT project_id, 'invalid_siren', 'warning',
                   'SIREN ' || left(lead_org_id, 9) || ' of ' || coalesce(lead_org, '?') || ' has a wrong check digit '
                   || '(Luhn): the organisation is matched by its name', lead_org_id, 'lead_org_id', row_no,
                   json_object('siren', left(lead_org_id, 9), 'org', coalesce(lead_org, '?'))::VARCHAR
            FROM {p}_ok WHERE regexp_full_match(lead_org_id, '\\d{{9}}|\\d{{14}}') AND NOT ess_luhn(left(lead_org_id, 9))
            UNION ALL"""
    if "grant_share" in fields and "grant_total" in fields:
        key = ", ".join(f for f in ("funder_id", "funder", "decision_date", "decision_ref", "title", "grant_total")
                        if f in fields)
        out += f"""
            SELECT project_id, 'shares_not_whole', 'warning',
                   'the beneficiaries'' shares of this grant add up to ' || round(total * 100, 2) || ' % of ' ||
                   ess_eur(grant_total), 'shares=' || total, 'grant_share', row_no,
                   json_object('total_rate', total::VARCHAR, 'grant_eur', grant_total::VARCHAR)::VARCHAR
            FROM (SELECT project_id, row_no, grant_total, sum(grant_share) OVER (PARTITION BY {key}) AS total FROM {p}_ok)
            WHERE abs(total - 1) > 0.001
            UNION ALL"""
    return out


def _detail(con, p: str, name: str, printed: dict[str, str], first_row: int = 2) -> None:
    """Small tables keep their text (source_lines) and the printed value of each field (field_sources)."""
    cols = [r[0] for r in con.execute(f"DESCRIBE {p}_raw").fetchall()]
    con.execute(f"INSERT INTO source_lines SELECT $name, rowid + {int(first_row)}, concat_ws(' ; ', {', '.join(cols)}) "
                f"FROM {p}_raw", {"name": name})
    # the field's name in the warehouse and its printed header (from {p}_cols, never SQL text)
    parts = [f"SELECT o.project_id, '{'grant_amount' if f == 'grant' else f}' AS field, "
             f"c.printed || ' = ' || o.{raw_col(f)} AS raw_value, o.row_no FROM {p}_ok o "
             f"JOIN {p}_cols c ON c.field = '{f}' WHERE o.{raw_col(f)} IS NOT NULL"
             for f in printed]
    if parts:
        con.execute(f"INSERT INTO field_sources SELECT project_id, field, left(raw_value, 500), row_no FROM "
                    f"({' UNION ALL '.join(parts)})")


def release(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    """Once loaded, free what read_model does not read (``KEPT``) and the rows' raw text."""
    keep = {f"{prefix}_{t}" for t in KEPT}
    for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, $p)",
                            {"p": f"{prefix}_"}).fetchall():
        if t not in keep:
            con.execute(f'DROP TABLE "{t}"')
    for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = $t "
                            "AND starts_with(column_name, 'raw_')", {"t": f"{prefix}_ok"}).fetchall():
        con.execute(f'ALTER TABLE {prefix}_ok DROP COLUMN "{c}"')


def drop(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    """The views ``{prefix}_projects`` and ``{prefix}_keys`` and what they read, once the warehouse has its rows."""
    con.execute(f"DROP VIEW IF EXISTS {prefix}_projects")
    con.execute(f"DROP VIEW IF EXISTS {prefix}_keys")
    for t in KEPT:
        con.execute(f"DROP TABLE IF EXISTS {prefix}_{t}")
