"""Loading a checked table beside the documents: its programmes and quality issues into the staging tables
(etl/sql/000_staging.sql), its places and themes resolved once per *distinct* value, and the views of its projects
(``{p}_projects``) and of their keys (``{p}_keys``) that etl/read_model.py reads when it writes the warehouse.

Places: 'postcode city' locations (most of a large file) are placed in SQL against the postcode and commune tables
with the geocoder's own rule; every other distinct text goes through the documents' geocoder in Python. Themes:
each distinct cell of tags once; rows without tags: the keyword rules on each distinct text."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from common.contract import DETAIL_ROWS, RATE_TOLERANCE
from etl import geo, themes
from etl.clean import key_slug
from etl.models import LocationHint
from etl.tables.check import problem_texts, raw_col

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
        con.register("incoming", pd.DataFrame(rows, columns=cols, dtype=object))
        con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        con.unregister("incoming")


def _places(con, p: str) -> None:
    """``{p}_geo`` (one row per distinct location, numbered ``loc_id``), ``{p}_geo_link`` (its regions and
    departments) and ``{p}_geo_issue``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_loc AS SELECT location, row_number() OVER () AS loc_id FROM "
                f"(SELECT DISTINCT location FROM {p}_ok WHERE location IS NOT NULL)")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_pc AS
        WITH l AS (SELECT location, m.pc, m.city, ess_fold(m.city) AS city_folded FROM (
                       SELECT location, regexp_extract(location, '^\\s*(\\d{{5}})\\s+(.+)$', ['pc', 'city']) AS m FROM {p}_loc
                       WHERE regexp_full_match(location, '\\s*\\d{{5}}\\s+.+'))),
        cand AS (SELECT l.location, l.pc, l.city, c.name, c.department_code, c.region_code, c.folded = l.city_folded AS same
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
                f"message VARCHAR, vals VARCHAR, field VARCHAR)")
    con.execute(f"""INSERT INTO {p}_geo SELECT loc_id, location, CASE WHEN len(regs) > 1 THEN 'multi-region' ELSE 'local' END,
                    'postcode', 'postcode ' || pc || ' = ' || array_to_string(names, ', '), pc, city
                    FROM {p}_pc JOIN {p}_loc USING (location)""")
    con.execute(f"""INSERT INTO {p}_geo_link SELECT loc_id, 'region', unnest(regs) FROM {p}_pc JOIN {p}_loc USING (location)
                    UNION ALL SELECT loc_id, 'department', unnest(deps) FROM {p}_pc JOIN {p}_loc USING (location)""")
    locs = con.execute(f"SELECT loc_id, location FROM {p}_loc ANTI JOIN {p}_pc USING (location)").fetchall()
    gz = geo.gazetteer()
    rows, links, issues = [], [], []
    for loc_id, loc in locs:
        m = re.match(r"^\s*(\d{5})\s+(.+)$", loc)
        hints = [LocationHint(f"{m.group(1)} {m.group(2)}", "address"), LocationHint(m.group(2), "fallback")] if m \
            else [LocationHint(loc, "location")]
        pl = geo.place(hints, gz)
        rows.append((loc_id, loc, pl.scope, pl.method, pl.evidence or None, m.group(1) if m else None,
                     m.group(2) if m else None))
        links += [(loc_id, "region", r) for r in pl.regions] + [(loc_id, "department", d) for d in pl.departments]
        issues += [(loc, i.rule, i.severity, i.message, i.values, i.field) for i in pl.issues]
    for table, data in ((f"{p}_geo", rows), (f"{p}_geo_link", links), (f"{p}_geo_issue", issues)):
        insert_rows(con, table, data)


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
    texts = con.execute(f"SELECT text_key, title, description FROM {p}_textkey").fetchall()
    by_text = [(key, th, rule) for key, title, desc in texts
               for th, rule in themes.assign([], f"{title} {desc}", title=title)[0]]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_tag_theme (tag VARCHAR, theme_id VARCHAR, rule VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_text_theme (text_key BIGINT, theme_id VARCHAR, rule VARCHAR)")
    for table, data in ((f"{p}_tag_theme", mapping), (f"{p}_text_theme", by_text)):
        insert_rows(con, table, data)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_theme_link AS
        SELECT t.set_id AS theme_key, m.theme_id, arg_min(m.rule, t.pos) AS rule FROM {p}_tags t
        JOIN {p}_tag_theme m USING (tag) GROUP BY 1, 2
        UNION ALL SELECT text_key, theme_id, min(rule) FROM {p}_text_theme GROUP BY 1, 2""")


def load(con: duckdb.DuckDBPyConnection, prefix: str, name: str, n_rows: int, printed: dict[str, str],
         warnings: list[tuple[str, str]], programme_prefix: str = "imp") -> int:
    """Insert the valid rows' programmes and quality issues of a checked table into the staging tables, and define
    the views of its projects and of their keys. ``warnings``: (message, row) of the table as a whole. Returns the
    number of projects loaded."""
    p = prefix
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
    _places(con, p)
    _themes(con, p)
    # The projects of the table: a view, read when the warehouse is written, rather than a copy of every row. Each
    # project has the key of its place (geo_key), of its themes (theme_key), of its cell of cofinancers and of
    # partners; the links are joined to the projects by these integers once the projects are numbered. rid: the
    # row. place_no and tag_set_no: numbers within this table, which read_model shifts past the other sources'.
    rows = f"""{p}_ok o JOIN {p}_prog g ON g.call = o.call AND g.call_year IS NOT DISTINCT FROM o.call_year
        LEFT JOIN {p}_geo geo ON geo.location = o.location LEFT JOIN {p}_tagset s ON s.themes = o.themes"""
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {p}_projects AS
        SELECT o.project_id, g.programme_id, o.title, o.lead_org, coalesce(o.status, 'funded') AS status, o.fse_code,
               o.start_date, o.end_date, geo.loc_id AS place_no, geo.scope, o.total_budget AS total_budget_eur,
               CASE WHEN o.total_budget IS NOT NULL THEN 'total' END AS budget_kind, o.fse_amount AS fse_amount_eur,
               o.fse_rate AS fse_rate_stated,
               CASE WHEN o.total_budget > 0 THEN round(o.fse_amount / o.total_budget, 4) END AS fse_rate_computed,
               o.grant AS grant_amount_eur,
               CASE WHEN o.grant IS NOT NULL THEN coalesce(o.grant_kind, 'granted') END AS grant_kind, o.description,
               s.set_id AS tag_set_no, g.source_file, o.row_no AS source_line_start, o.row_no AS source_line_end, o.row_no AS rid
        FROM {rows}""")
    for column in ("cofinancers", "partners"):  # split once per distinct cell
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {p}_{column}_set AS SELECT cell, row_number() OVER () AS key
                        FROM (SELECT DISTINCT {column} AS cell FROM {p}_ok WHERE {column} IS NOT NULL)""")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {p}_{column}_link AS SELECT key, pos, item AS name "
                    f"FROM ({_split(f'{p}_{column}_set', 'key', 'cell')})")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {p}_keys AS
        SELECT o.row_no AS rid, o.project_id, g.programme_id, coalesce(o.status, 'funded') AS status, o.start_date,
               o.end_date, o.total_budget AS total_budget_eur, o.fse_amount AS fse_amount_eur, o.grant AS grant_amount_eur,
               geo.loc_id AS geo_key, coalesce(s.set_id, x.text_key) AS theme_key, c.key AS cofinancer_key,
               pa.key AS partner_key
        FROM {rows}
        LEFT JOIN {p}_textkey x ON x.title = o.title AND x.description = coalesce(o.description, '')
        LEFT JOIN {p}_cofinancers_set c ON c.cell = o.cofinancers
        LEFT JOIN {p}_partners_set pa ON pa.cell = o.partners""")
    _issues(con, p, name, warnings)
    if n_rows <= DETAIL_ROWS:
        _detail(con, p, name, printed)
    return con.execute(f"SELECT count(*) FROM {p}_ok").fetchone()[0]


def source_checks(table: str) -> str:
    """The consistency checks of typed rows (columns project_id, row_no, total_budget, fse_amount, fse_rate, grant,
    start_date, end_date): the SQL side of etl/quality.py's check_project, tolerance bound as ``$rate_tolerance``.
    Columns: project_id, rule, severity, message, vals, field, line."""
    return f"""
        SELECT project_id, 'fse_exceeds_budget' AS rule, 'error' AS severity,
               'FSE amount ' || ess_eur(fse_amount) || ' is larger than the total budget ' || ess_eur(total_budget) AS message,
               'fse=' || fse_amount || '; budget=' || total_budget AS vals, 'fse_amount_eur' AS field, row_no AS line
        FROM {table} WHERE fse_amount > total_budget
        UNION ALL
        SELECT project_id, 'grant_exceeds_budget', 'error',
               'grant ' || ess_eur(grant) || ' is larger than the budget ' || ess_eur(total_budget),
               'grant=' || grant || '; budget=' || total_budget, 'grant_amount_eur', row_no
        FROM {table} WHERE grant > total_budget
        UNION ALL
        SELECT project_id, 'rate_mismatch', 'warning',
               'stated FSE rate ' || round(fse_rate * 100)::INTEGER || '% but amount ÷ budget = '
                   || format('{{:.2f}}', (fse_amount / total_budget * 100)::DOUBLE) || '%',
               'stated=' || fse_rate || '; computed=' || round(fse_amount / total_budget, 4), 'fse_rate_stated', row_no
        FROM {table} WHERE total_budget > 0 AND fse_rate IS NOT NULL AND fse_amount IS NOT NULL
            AND abs(fse_amount - fse_rate * total_budget) > $rate_tolerance * total_budget  -- exact in DECIMAL
        UNION ALL
        SELECT project_id, 'end_before_start', 'error', 'end date ' || end_date || ' is before start date ' || start_date,
               'start=' || start_date || '; end=' || end_date, 'end_date', row_no
        FROM {table} WHERE end_date < start_date"""


def _issues(con, p: str, name: str, warnings: list[tuple[str, int]]) -> None:
    new_ids = "(SELECT coalesce(max(issue_id), 0) FROM stage_issues) + row_number() OVER ({})"
    cols = "issue_id, project_id, programme_id, rule, severity, message, \"values\", field, source_file, source_line"
    con.execute(f"""INSERT INTO stage_issues ({cols})
        SELECT {new_ids.format('ORDER BY line, rule, project_id, message')}, project_id, NULL, rule, severity, message,
               vals, field, $name, line FROM (
            {source_checks(f'{p}_ok')}
            UNION ALL
            SELECT o.project_id, i.rule, i.severity, i.message, i.vals, i.field, o.row_no
            FROM {p}_ok o JOIN {p}_geo_issue i USING (location)
            UNION ALL
            SELECT project_id, 'unresolved_location', 'warning', 'no region or department could be found for this record',
                   '(no location given)', 'location', row_no FROM {p}_ok WHERE location IS NULL
            UNION ALL
            SELECT o.project_id, 'unmapped_tag', 'warning', 'tag ''' || u.tag || ''' maps to no theme', u.tag, 'tags', o.row_no
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
               value, column_name, $name, row_no, 'import'
        FROM {p}_problems JOIN ess_problem_text t USING (problem) ORDER BY row_no, ord, pos""", {"name": name})
    for text, row in warnings:
        con.execute(f"INSERT INTO stage_issues ({cols}, category) SELECT {new_ids.format('')}, NULL, NULL, 'table_warning', "
                    f"'info', $m, '', '', $name, $row, 'import'", {"m": text, "name": name, "row": row})


def _detail(con, p: str, name: str, printed: dict[str, str]) -> None:
    """Small tables keep their text (source_lines) and the printed value of each field (field_sources)."""
    cols = [r[0] for r in con.execute(f"DESCRIBE {p}_raw").fetchall()]
    con.execute(f"INSERT INTO source_lines SELECT $name, rowid + 2, concat_ws(' ; ', {', '.join(cols)}) FROM {p}_raw",
                {"name": name})
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
