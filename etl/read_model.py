"""The warehouse's rows, written once each from the staging tables (etl/sql/000_staging.sql) and the imported
tables' views (etl/tables/load.py), into the tables etl/sql/010_contract.sql and 020_read_model.sql declare.

``projects`` gets an integer key ``pk``, the project's rank by budget (largest first, no budget last, ties by
project_id): "largest first" lists are ``ORDER BY pk``, a top-N on one integer column. Its read-side columns hold
what the dashboard filters on. Dimensions have small numbers (programme, region, department, theme) carried by the
fact tables, so that the dashboard groups on integers and joins names to a few aggregated rows. Each budget falls
in one of ``BUDGET_BANDS`` log10 bands (bounds in ``build_info``): a histogram and quartiles come from one grouped
pass. The link tables carry the filter columns and measures of their project: a page filters and aggregates them
without a join (a join of millions of rows is what made a page slow).
"""

from __future__ import annotations

import unicodedata

import duckdb

from common.contract import BUDGET_BANDS, SEVERITY_BITS
from etl.errors import EtlError
from etl.tables import load as table_load

# Accent folding of the search column, as analytics.filters folds what the user types (common.text.fold_search).
# strip_accents costs about 1 s per million titles: a text made of ASCII, Latin-1 signs (U+0080-U+00BF),
# punctuation (U+2002-U+206F) and '€' is kept as it is, one whose other letters are all French accented letters
# (most of them) has those replaced, and only the others go through strip_accents (0.37 s instead of 0.78 s).
_KEEP = r"\x{{00}}-\x{{BF}}\x{{2002}}-\x{{206F}}\x{{20AC}}"
_FRENCH = "éèêàâîôûçëïù"


def fold_search_sql() -> str:
    """The SQL of common.text.fold_search on ``{x}`` (already lower case); tests/test_parity.py runs both."""
    chain = "{x}"
    for ch in _FRENCH:
        chain = f"replace({chain}, '{ch}', '{unicodedata.normalize('NFKD', ch)[0]}')"
    return (f"(CASE WHEN NOT regexp_matches({{x}}, '[^{_KEEP}]') THEN {{x}} "
            f"WHEN regexp_matches({{x}}, '[^{_KEEP}{_FRENCH}]') THEN strip_accents(ess_ligatures({{x}})) ELSE {chain} END)")


_FOLD = fold_search_sql()
# The type of the amounts of projects, which the fact tables carry: the union of the sources is wider (DECIMAL(30,
# 2), 128-bit integers), and summing those made the pages' sums over millions of rows slower.
AMOUNT = "DECIMAL(16, 2)"
# link table, code, its dimension number, other columns, the project's measures its pages sum, its kind in
# all_links and the project's key it is joined on
_LINKS = [("regions", "region_code", "region_no", "", "total_budget_eur, fse_amount_eur, grant_amount_eur, n_regions",
           1, "geo_key"),
          ("departments", "department_code", "dept_no", "",
           "total_budget_eur, fse_amount_eur, grant_amount_eur, n_departments", 2, "geo_key"),
          ("themes", "theme_id", "theme_no", ", x.rule", "total_budget_eur, fse_amount_eur, grant_amount_eur", 3,
           "theme_key")]
# what every fact table carries of its project for the filters (analytics.filters.Filters.where)
_FILTERED_ON = "prog_no, status, budget_eur, year_from, year_to, region_mask, theme_mask"
_READ_SIDE = ("pk", "prog_no", "programme_name", "programme_year", "programme_kind", "budget_eur", "budget_band",
              "year_from", "year_to", "search_text", "n_regions", "n_departments", "n_themes", "n_issues", "issue_mask",
              "fse_flags", "region_mask", "theme_mask")


def _carried(measures: str = "", f: str = "f") -> str:
    return ", ".join(f"{f}.{c}" for c in f"{_FILTERED_ON}, {measures}".split(", ") if c)


def _sources(con, imports: list[str]) -> dict[tuple[str, str], int]:
    """Every project as a source number (src 0: the documents; i: the i-th imported table) and its row (rid), with,
    in its source, the key of its place, themes, cofinancers and partners (views all_projects, all_keys; table
    all_links). Links are joined to projects by these integers, never per row of text: ten million projects share
    some tens of thousands of places. Returns each imported table's shift of place and tag-set numbers."""
    per_key = {"place_no": ("stage_places", "{}_geo", "loc_id"), "tag_set_no": ("stage_tag_sets", "{}_tagset", "set_id")}
    shift: dict[tuple[str, str], int] = {}
    for no, (table, source, key) in per_key.items():
        n = con.execute(f"SELECT coalesce(max({no}), 0) FROM {table}").fetchone()[0]
        for p in imports:
            shift[p, no] = n
            n += con.execute(f"SELECT coalesce(max({key}), 0) FROM {source.format(p)}").fetchone()[0]
    con.execute("CREATE TEMP VIEW all_projects AS SELECT p.*, 0 AS src, p.rowid AS rid FROM stage_projects p"
                + "".join(f" UNION ALL BY NAME SELECT * REPLACE (place_no + {int(shift[p, 'place_no'])} AS place_no, "
                          f"tag_set_no + {int(shift[p, 'tag_set_no'])} AS tag_set_no), {i} AS src FROM {p}_projects"
                          for i, p in enumerate(imports, 1)))
    con.execute("""CREATE TEMP VIEW all_keys AS
        SELECT 0 AS src, p.rowid AS rid, project_id, programme_id, status, start_date, end_date, total_budget_eur,
               fse_amount_eur, grant_amount_eur, lead_org, lead_org_siren, p.rowid AS geo_key, p.rowid AS theme_key,
               p.rowid AS cofinancer_key, p.rowid AS partner_key FROM stage_projects p"""
                + "".join(f" UNION ALL BY NAME SELECT *, {i} AS src FROM {p}_keys" for i, p in enumerate(imports, 1)))
    # kind 1: region, 2: department, 3: theme (with its rule), 4: cofinancer, 5: partner (with its position; the
    # documents' own partners are copied as they are)
    con.execute("""CREATE TEMP TABLE all_links AS
        SELECT 0 AS src, p.rowid AS key, 1 AS kind, x.region_code AS code, NULL::VARCHAR AS rule, NULL::BIGINT AS pos
        FROM stage_regions x JOIN stage_projects p USING (project_id)
        UNION ALL SELECT 0, p.rowid, 2, x.department_code, NULL, NULL
        FROM stage_departments x JOIN stage_projects p USING (project_id)
        UNION ALL SELECT 0, p.rowid, 3, x.theme_id, x.rule, NULL FROM stage_themes x JOIN stage_projects p USING (project_id)
        UNION ALL SELECT 0, p.rowid, 4, x.name, NULL, x.position FROM stage_cofinancers x
        JOIN stage_projects p USING (project_id)"""
                + "".join(f""" UNION ALL SELECT {i}, loc_id, CASE level WHEN 'region' THEN 1 ELSE 2 END, code, NULL, NULL
                               FROM {p}_geo_link
                               UNION ALL SELECT {i}, theme_key, 3, theme_id, rule, NULL FROM {p}_theme_link
                               UNION ALL SELECT {i}, key, 4, name, NULL, pos FROM {p}_cofinancers_link
                               UNION ALL SELECT {i}, key, 5, name, NULL, pos FROM {p}_partners_link"""
                          for i, p in enumerate(imports, 1)))
    return shift


def _organisations(con) -> None:
    """``organisations`` and ``org_of`` (each lead organisation's name and SIREN as printed -> its organisation and
    how it was matched), from the distinct pairs: a million projects name some hundred thousand organisations.

    Its name: the one most of its projects print, the shortest on a tie (without 'Asso' and the like). Keyed by the
    SIREN where a valid one is known (ess_luhn; a wrong one was flagged); else by the name folded (case,
    accents and punctuation aside). A name without SIREN joins a SIREN's organisation only when it is spelled as one
    of that SIREN's names and as no other SIREN's: conservative, and the match recorded (org_match)."""
    con.execute("""CREATE TEMP TABLE org_pairs AS
        SELECT name, siren, ess_fold(coalesce(name, '')) AS folded, count(*) AS n FROM (
            SELECT lead_org AS name, lead_org_siren AS siren FROM all_keys WHERE lead_org IS NOT NULL
                                                                         OR lead_org_siren IS NOT NULL) GROUP BY ALL""")
    con.execute("""CREATE TEMP TABLE org_of AS
        WITH named AS (SELECT folded, min(siren) AS siren FROM org_pairs WHERE siren IS NOT NULL AND folded <> ''
                       GROUP BY 1 HAVING count(DISTINCT siren) = 1)
        SELECT p.name, p.siren, p.n, CASE WHEN p.siren IS NOT NULL THEN p.siren WHEN n.siren IS NOT NULL THEN n.siren
                                          ELSE 'n-' || left(md5(p.folded), 12) END AS org_id,
               CASE WHEN p.siren IS NOT NULL THEN 'siren' WHEN n.siren IS NOT NULL THEN 'name_of_siren' ELSE 'name'
               END AS org_match
        FROM org_pairs p LEFT JOIN named n ON p.siren IS NULL AND n.folded = p.folded""")
    con.execute("""INSERT INTO organisations
        SELECT row_number() OVER (ORDER BY org_id)::INTEGER AS org_no, org_id,
               first(name ORDER BY n DESC, length(name), name) FILTER (WHERE name IS NOT NULL) AS name,
               string_agg(DISTINCT name, ' | ' ORDER BY name) AS names,
               max(CASE WHEN org_id NOT LIKE 'n-%' THEN org_id END) AS siren, sum(n) AS n_projects
        FROM org_of GROUP BY org_id""")
    con.execute("UPDATE organisations SET name = coalesce(name, 'SIREN ' || siren), names = coalesce(names, '') "
                "WHERE name IS NULL OR names IS NULL")
    con.execute("CREATE TEMP TABLE org_keys AS SELECT o.name, o.siren, g.org_no, o.org_match FROM org_of o "
                "JOIN organisations g USING (org_id)")
    con.execute("DROP TABLE org_pairs")
    con.execute("DROP TABLE org_of")


def _keys(con) -> None:
    """``project_keys``: one narrow row per project (its rank pk, filter columns, measures, link counts and masks),
    so that the wide insert of projects joins one table. Regions and themes as bit masks (bit n = region_no or
    theme_no n): a filter on them is a test on a column of the row, not a semi-join against millions of links."""
    for dim, bits in (("regions", 63), ("themes", 63)):
        if con.execute(f"SELECT count(*) FROM {dim}").fetchone()[0] > bits:
            raise EtlError(f"{dim}: more than {bits} values do not fit the read side's bit mask")
    con.execute("""CREATE TEMP TABLE geo_counts AS
        SELECT src, key, count(*) FILTER (WHERE kind = 1)::INTEGER AS n_regions,
               count(*) FILTER (WHERE kind = 2)::INTEGER AS n_departments, coalesce(bit_or(bit), 0) AS region_mask
        FROM (SELECT l.src, l.key, l.kind, CASE WHEN l.kind = 1 THEN 1::BIGINT << d.region_no END AS bit FROM all_links l
              LEFT JOIN regions d ON d.region_code = l.code WHERE l.kind IN (1, 2))
        GROUP BY 1, 2""")
    con.execute("""CREATE TEMP TABLE theme_counts AS
        SELECT l.src, l.key, count(*)::INTEGER AS n_themes, coalesce(bit_or(1::BIGINT << d.theme_no), 0) AS theme_mask
        FROM all_links l LEFT JOIN themes d ON d.theme_id = l.code WHERE l.kind = 3 GROUP BY 1, 2""")
    # The joins first, then the sort alone (which spills to disk): a window or a sort over these joins ran out of
    # memory at ten million rows. Rows are written in rank order, so that pk is the row's number.
    _organisations(con)
    con.execute("CREATE TEMP TABLE severity_bits (severity VARCHAR, bit TINYINT)")  # common.contract.SEVERITY_BITS
    con.executemany("INSERT INTO severity_bits VALUES (?, ?)", list(SEVERITY_BITS.items()))
    con.execute(f"""CREATE TEMP TABLE unranked_keys AS
        SELECT p.project_id, p.src, p.rid, p.geo_key, p.theme_key, p.cofinancer_key, p.partner_key, o.org_no,
               o.org_match, d.prog_no, p.status, coalesce(p.total_budget_eur, p.grant_amount_eur)::{AMOUNT} AS budget_eur,
               coalesce(year(p.start_date), d.year)::INTEGER AS year_from,
               coalesce(year(p.end_date), year(p.start_date), d.year)::INTEGER AS year_to,
               p.total_budget_eur::{AMOUNT} AS total_budget_eur, p.fse_amount_eur::{AMOUNT} AS fse_amount_eur,
               p.grant_amount_eur::{AMOUNT} AS grant_amount_eur,
               coalesce(g.n_regions, 0) AS n_regions, coalesce(g.n_departments, 0) AS n_departments,
               coalesce(t.n_themes, 0) AS n_themes, coalesce(q.n_issues, 0) AS n_issues,
               coalesce(q.issue_mask, 0)::TINYINT AS issue_mask,
               coalesce(q.flags, '') AS fse_flags,
               coalesce(g.region_mask, 0) AS region_mask, coalesce(t.theme_mask, 0) AS theme_mask
        FROM all_keys p LEFT JOIN programmes d USING (programme_id)
        LEFT JOIN org_keys o ON o.name IS NOT DISTINCT FROM p.lead_org AND o.siren IS NOT DISTINCT FROM p.lead_org_siren
        LEFT JOIN geo_counts g ON g.src = p.src AND g.key = p.geo_key
        LEFT JOIN theme_counts t ON t.src = p.src AND t.key = p.theme_key
        LEFT JOIN (SELECT project_id, count(*)::INTEGER AS n_issues, bit_or(b.bit) AS issue_mask,
                          string_agg(DISTINCT rule, ', ' ORDER BY rule)
                              FILTER (WHERE rule IN ('fse_exceeds_budget', 'rate_mismatch')) AS flags
                   FROM stage_issues LEFT JOIN severity_bits b USING (severity)
                   WHERE project_id IS NOT NULL GROUP BY 1) q USING (project_id)""")
    con.execute("SET preserve_insertion_order = true")
    con.execute("CREATE TEMP TABLE ranked_keys AS SELECT * FROM unranked_keys ORDER BY budget_eur DESC NULLS LAST, project_id")
    con.execute("SET preserve_insertion_order = false")
    con.execute("DROP TABLE unranked_keys")
    con.execute("CREATE TEMP VIEW project_keys AS SELECT (rowid + 1)::INTEGER AS pk, * FROM ranked_keys")
    con.execute("DROP TABLE geo_counts")
    con.execute("DROP TABLE theme_counts")
    con.execute("DROP TABLE severity_bits")
    con.execute("DROP TABLE org_keys")


def write(con: duckdb.DuckDBPyConnection, imports: list[str] = ()) -> dict[str, int]:
    """Fill the warehouse from the staging tables and the imported tables' views (``imports``: their prefixes).
    Returns the staging rows' counts, for etl.schema.verify_keys."""
    shift = _sources(con, imports)
    con.execute("SET preserve_insertion_order = false")  # nothing below relies on it; keeping it costs memory
    con.execute("""INSERT INTO programmes BY NAME
        SELECT *, row_number() OVER (ORDER BY year NULLS LAST, name, programme_id)::INTEGER AS prog_no, 0 AS n_projects
        FROM stage_programmes""")
    _keys(con)
    staged = {"projects": con.execute("SELECT count(*) FROM project_keys").fetchone()[0]}
    for table, *_ in _LINKS:  # the documents' link rows, and the links the imported tables give their projects
        staged[f"project_{table}"] = con.execute(
            f"SELECT (SELECT count(*) FROM stage_{table}) + "
            f"(SELECT coalesce(sum(n_{table}), 0) FROM project_keys WHERE src > 0)").fetchone()[0]
    lo, hi = con.execute("SELECT log10(min(b) FILTER (WHERE b > 0)), log10(max(b)) FROM "
                         "(SELECT budget_eur::DOUBLE AS b FROM project_keys)").fetchone()
    lo, hi = (lo or 0.0), (hi or 0.0)
    width = max((hi - lo) / BUDGET_BANDS, 1e-9)
    con.execute(f"""
        INSERT INTO projects BY NAME
        SELECT p.* EXCLUDE (src, rid), k.pk, k.org_no, k.org_match,
               g.prog_no, g.name AS programme_name, g.year AS programme_year, g.kind AS programme_kind, k.budget_eur,
               CASE WHEN k.budget_eur = 0 THEN -1
                    WHEN k.budget_eur > 0 THEN least(greatest(floor((log10(k.budget_eur::DOUBLE) - $lo) / $width), 0),
                                                     $bands - 1)
               END::SMALLINT AS budget_band, k.year_from, k.year_to,
               {_FOLD.format(x="lower(p.title || ' ' || coalesce(p.lead_org, ''))")} AS search_text,
               k.n_regions, k.n_departments, k.n_themes, k.n_issues, k.issue_mask, k.fse_flags, k.region_mask,
               k.theme_mask
        FROM all_projects p JOIN project_keys k ON k.src = p.src AND k.rid = p.rid
        JOIN programmes g USING (programme_id)
        """, {"lo": lo, "width": width, "bands": BUDGET_BANDS})
    # places and tag_sets: each imported table's distinct places and cells of tags first (a table that gets a few
    # rows and then many is rewritten whole by the final CHECKPOINT), their numbers shifted past the sources' before
    for p in imports:
        con.execute(f"INSERT INTO places SELECT loc_id + $s, location, postcode, city, method, evidence FROM {p}_geo",
                    {"s": shift[p, "place_no"]})
        con.execute(f"INSERT INTO tag_sets SELECT set_id + $s, tags FROM {p}_tagset", {"s": shift[p, "tag_set_no"]})
    con.execute("INSERT INTO places SELECT * FROM stage_places")
    con.execute("INSERT INTO tag_sets SELECT * FROM stage_tag_sets")
    con.execute("DROP VIEW all_projects")
    con.execute("DROP VIEW all_keys")
    for p in imports:
        table_load.drop(con, p)
    con.execute("DROP TABLE stage_projects")
    rng = con.execute("SELECT max(budget_eur), min(budget_eur) FILTER (WHERE budget_eur > 0), min(year_from), "
                      "max(year_to) FROM projects").fetchone()
    con.executemany("INSERT INTO build_info VALUES (?, ?)", [
        ("budget_band_lo", repr(lo)), ("budget_band_width", repr(width)), ("budget_bands", str(BUDGET_BANDS)),
        ("budget_max", str(rng[0] or 0)), ("budget_min", str(rng[1] or 0)), ("year_min", str(rng[2] or "")),
        ("year_max", str(rng[3] or ""))])
    con.execute("UPDATE programmes d SET n_projects = n.n FROM (SELECT prog_no, count(*) AS n FROM projects "
                "GROUP BY 1) n WHERE n.prog_no = d.prog_no")
    _facts(con, staged)
    return staged


def _facts(con, staged: dict[str, int]) -> None:
    for table, col, no, extra, measures, kind, key in _LINKS:  # each project's links, by its key
        con.execute(f"INSERT INTO fact_{table} BY NAME SELECT k.pk, d.{no}{extra}, {_carried(measures, 'k')} "
                    f"FROM project_keys k JOIN all_links x ON x.src = k.src AND x.key = k.{key} AND x.kind = {kind} "
                    f"JOIN {table} d ON d.{col} = x.code")
    # the imported tables' partners, then the documents' (few rows last)
    con.execute("INSERT INTO partners SELECT k.project_id, x.pos, x.code FROM project_keys k "
                "JOIN all_links x ON x.src = k.src AND x.key = k.partner_key AND x.kind = 5 WHERE k.src > 0")
    con.execute("INSERT INTO partners SELECT * FROM stage_partners")
    # Cofinancers: every one named, in its position, with the project's filter columns. first_mention: not a repeat
    # of a name already listed for the project (set on the few distinct cells, before they are joined to projects).
    con.execute(f"""INSERT INTO fact_cofinancers BY NAME
        SELECT k.pk, x.pos::INTEGER AS position, x.code AS name, x.first_mention, {_carried(f='k')} FROM project_keys k
        JOIN (SELECT src, key, pos, code, pos = min(pos) OVER (PARTITION BY src, key, code) AS first_mention
              FROM all_links WHERE kind = 4) x ON x.src = k.src AND x.key = k.cofinancer_key""")
    staged["cofinancers"] = con.execute(  # the documents' rows, and those the imported tables give their projects
        "SELECT (SELECT count(*) FROM stage_cofinancers) + (SELECT coalesce(sum(n), 0) FROM project_keys k JOIN "
        "(SELECT src, key, count(*) AS n FROM all_links WHERE kind = 4 AND src > 0 GROUP BY ALL) c "
        "ON c.src = k.src AND c.key = k.cofinancer_key)").fetchone()[0]
    con.execute(f"""INSERT INTO fact_issues BY NAME
        SELECT f.pk, q.issue_id, q.project_id, q.programme_id AS issue_programme_id, q.rule, q.severity, q.category,
               q.message, q.params, q."values", q.field, q.source_file, q.source_line, f.title AS project_title, {_carried()}
        FROM stage_issues q LEFT JOIN projects f USING (project_id) ORDER BY f.pk NULLS FIRST, q.issue_id""")
