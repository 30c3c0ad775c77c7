"""A synthetic portfolio in the import format, deterministic from a seed.

    python -m etl.synth --rows 1000000 --out portfolio.csv [--seed 7]   (.csv or .parquet)

Distributions are learnt from the real records (the bundled documents, parsed by the ETL):
budgets log-normal with the mean and spread of the real log-budgets, FSE rates around the real
ones with some outliers, grant shares of the PTCE laureates, statuses in their real proportions,
tags drawn from the real tag vocabulary (1 to 3 per project), titles from the real titles (numbered;
about half of them have accented letters, as in French), cofinancers from the real names.
Places are communes drawn in proportion to their population (a real postcode and name), with a
few multi-region and national projects. A small share of rows is deliberately inconsistent (FSE
above budget, stated rate off, end before start) and a smaller one invalid (unreadable amount),
so that the import path and the quality checks have work to do.

Everything is generated in DuckDB from hash(row, seed): the same seed gives the same file.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import duckdb

from etl.build import DEFAULT_INPUT, BuildReport
from etl.documents import build_tables, parse_folder
from etl.geo import REF_DIR


def learn(raw_dir: Path = DEFAULT_INPUT) -> dict:
    """Parameters of the synthetic portfolio, from the real records."""
    docs = parse_folder(raw_dir, BuildReport(Path("-")))
    frames = build_tables(docs)
    p = frames["stage_projects"]
    budgets = [float(b) for b in p["total_budget_eur"].dropna() if b and b > 0]
    logs = [math.log(b) for b in budgets]
    rates = [float(r) for r in p["fse_rate_computed"].dropna() if r < 1]
    shares = [float(g / b) for g, b in zip(p["grant_amount_eur"], p["total_budget_eur"])
              if g == g and b == b and g is not None and b]
    tags = frames["stage_themes"]["rule"]
    tag_words = sorted({r.split(":", 1)[1] for r in tags if r.startswith("tag:")})
    status = p[p["status"].isin(["funded", "laureate", "eligible"])]["status"].value_counts(normalize=True)
    cof = sorted(set(frames["stage_cofinancers"]["name"])) if not frames["stage_cofinancers"].empty else ["Région"]
    scope = p["scope"].value_counts(normalize=True)
    return {
        "log_mu": statistics.fmean(logs), "log_sigma": statistics.pstdev(logs),
        "rate_mu": statistics.fmean(rates), "rate_sigma": max(0.01, statistics.pstdev(rates)),
        "grant_share": statistics.fmean(shares) if shares else 0.3,
        "tags": tag_words, "cofinancers": cof, "titles": sorted({" ".join(t.split())[:80] for t in p["title"]}),
        "status": {k: float(v) for k, v in status.items()},
        "share_multi": float(scope.get("multi-region", 0.03)), "share_national": float(scope.get("national", 0.02)),
        "n_real": len(p), "n_budgets": len(budgets),
    }


THEMES_CALLS = ["ESS", "Économie circulaire", "Insertion", "Alimentation durable", "Mobilité solidaire", "Tiers-lieux",
                "Innovation sociale", "Coopérations territoriales", "Transition écologique", "Jeunesse et emploi"]


PROFILES = ("template", "eu_2014_2020", "eu_2021_2027", "scdl")


def _profile_columns(profile: str, seed: int) -> str:
    """The columns of a published format, from the synthetic row ``w`` (EU lists: French headers and decimals as
    managing authorities print them; SCDL: the schema's 14 columns, SIRETs with a right Luhn key, 5 % of grants
    split between two beneficiaries, 60 % and 40 %)."""
    dec = "replace(format('{{:.2f}}', round({x}, 2)), '.', ',')"
    org = f"'Structure ' || (hash(i, {seed}, 30) % 200000)"
    title = "w.titles[title_no + 1] || ' – ' || i"
    if profile == "eu_2014_2020":
        return f"""{org} AS "Nom du bénéficiaire", {title} AS "Intitulé de l'opération",
            'Opération cofinancée : ' || w.calls[call_theme + 1] AS "Résumé de l'opération",
            strftime(d0, '%d/%m/%Y') AS "Date de début de l'opération",
            strftime(d0 + duration, '%d/%m/%Y') AS "Date de fin de l'opération",
            {dec.format(x='budget')} AS "Montant total des dépenses éligibles",
            {dec.format(x='rate * 100')} || '%' AS "Taux de cofinancement UE",
            postcode AS "Code postal de l'opération", 'France' AS "Pays", 'FSE' AS "Fonds",
            '10' || (call_theme % 9) AS "Catégorie d'intervention", '30/06/2024' AS "Date de dernière mise à jour" """
    if profile == "eu_2021_2027":
        return f"""{org} AS "Nom du bénéficiaire", {title} AS "Nom de l'opération",
            'Finalité : ' || w.calls[call_theme + 1] AS "Finalité et réalisations attendues",
            strftime(d0, '%Y-%m-%d') AS "Date de début", strftime(d0 + duration, '%Y-%m-%d') AS "Date de fin prévue",
            {dec.format(x='budget')} AS "Coût total de l'opération",
            CASE WHEN u_fse < 0.8 THEN 'FSE+' WHEN u_fse < 0.95 THEN 'FEDER' ELSE 'FTJ' END AS "Fonds concerné",
            'ESO4.' || (call_theme % 12 + 1) AS "Objectif spécifique concerné",
            round(rate * 100)::INT || ' %' AS "Taux de cofinancement de l'Union",
            postcode || ' ' || commune AS "Indicateur de localisation ou géolocalisation", 'France' AS "Pays",
            '1' || (call_theme % 9) || '4' AS "Type d'intervention" """
    if profile == "scdl":
        # a grant key: two rows share one when the grant is split between two beneficiaries
        split = f"hash(i // 2, {seed}, 40) % 20 = 0"
        gk = f"CASE WHEN {split} THEN i // 2 ELSE -1 - i END"
        base8 = f"lpad((hash(i, {seed}, 41) % 100000000)::VARCHAR, 8, '0')"
        luhn = (f"(10 - list_sum(list_transform(range(1, 9), lambda k: CASE WHEN k % 2 = 0 THEN "
                f"({base8}[k]::INTEGER * 2) // 10 + ({base8}[k]::INTEGER * 2) % 10 ELSE {base8}[k]::INTEGER END)) "
                f"% 10) % 10")
        authority = f"w.authorities[((hash({gk}, {seed}, 42) % len(w.authorities)) + 1)::BIGINT]"
        day = f"(DATE '2016-01-01' + (hash({gk}, {seed}, 48) % 3650)::INTEGER)"  # the grant's, both rows of a split
        return f"""{authority}[1] AS nomAttribuant, {authority}[2] AS idAttribuant,
            strftime({day}, '%Y-%m-%d') AS dateConvention, 'D' || year({day}) || '-' || abs({gk}) AS referenceDecision,
            'Association ' || (hash(i, {seed}, 43) % 150000) AS nomBeneficiaire,
            {base8} || {luhn} || lpad((hash(i, {seed}, 44) % 100000)::VARCHAR, 5, '0') AS idBeneficiaire,
            w.titles[((hash({gk}, {seed}, 45) % len(w.titles)) + 1)::BIGINT] || ' – ' || abs({gk}) AS objet,
            format('{{:.2f}}', round(exp({gk_budget(seed)}), 2)) AS montant, 'aide en numéraire' AS nature,
            CASE WHEN duration > 600 THEN 'échelonné' ELSE 'unique' END AS conditionsVersement,
            strftime({day}, '%Y-%m-%d') || CASE WHEN duration > 600 THEN '/' || strftime({day} + 365, '%Y-%m-%d')
                                                ELSE '' END AS datesPeriodeVersement,
            '' AS idRAE, 'non' AS notificationUE,
            CASE WHEN {split} THEN CASE WHEN i % 2 = 0 THEN '0.60' ELSE '0.40' END ELSE '1.00' END AS pourcentageSubvention"""
    raise ValueError(profile)


def gk_budget(seed: int) -> str:
    """A grant's log amount, from its key (the two rows of a split grant print the same total)."""
    g = f"CASE WHEN hash(i // 2, {seed}, 40) % 20 = 0 THEN i // 2 ELSE -1 - i END"
    return f"(9.5 + 1.2 * sqrt(-2 * ln(greatest(((hash({g}, {seed}, 46) % 1000003)::DOUBLE + 1) / 1000004, 1e-12))) " \
           f"* cos(2 * pi() * (hash({g}, {seed}, 47) % 1000003)::DOUBLE / 1000003))"


def generate(rows: int, out: Path, seed: int = 7, params: dict | None = None, threads: int | None = None,
             profile: str = "template") -> dict:
    params = params or learn()
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    # communes weighted by population, each with one real postcode
    con.execute(f"""
        CREATE TABLE comm AS
        SELECT c.name, p.postcode, sum(c.population::BIGINT) OVER (ORDER BY c.commune_code) - c.population::BIGINT AS cum
        FROM read_csv('{REF_DIR / "communes.csv"}', all_varchar = true) c
        JOIN (SELECT commune_code, min(postcode) AS postcode FROM read_csv('{REF_DIR / "postcodes.csv"}', all_varchar = true)
              GROUP BY 1) p USING (commune_code)
        WHERE c.kind = 'COM' AND c.population::BIGINT > 0""")
    total_pop = con.execute("SELECT max(cum) FROM comm").fetchone()[0]
    regions = [r[0] for r in con.execute(f"SELECT name FROM read_csv('{REF_DIR / 'regions.csv'}') "
                                         f"WHERE region_code >= '10' ORDER BY 1").fetchall()]
    # the words the rows are made of, as bound lists (a title read from a document is never SQL text)
    # awarding authorities of a grants file: the regions and departments, with fake SIRETs of 14 digits
    departments = [r[0] for r in con.execute(f"SELECT name FROM read_csv('{REF_DIR / 'departments.csv'}') "
                                             f"ORDER BY 1").fetchall()]
    authorities = [[f"Région {n}", f"2{k:08d}00017"] for k, n in enumerate(regions)] + \
        [[f"Département de {n}", f"2{100 + k:08d}00014"] for k, n in enumerate(departments)]
    con.execute("CREATE TABLE words AS SELECT $regions AS regions, $calls AS calls, $titles AS titles, $tags AS tags, "
                "$cofinancers AS cofinancers, $authorities AS authorities",
                {"regions": regions, "calls": THEMES_CALLS, "titles": params["titles"], "tags": params["tags"],
                 "cofinancers": params["cofinancers"], "authorities": authorities})
    st = params["status"]
    p_funded, p_laureate = st.get("funded", 0.4), st.get("laureate", 0.3)
    themes_calls = THEMES_CALLS
    # u(k): a uniform in [0, 1) from the row number, the seed and a stream number k
    u = "((hash(i, {seed}, {k}) % 1000000007)::DOUBLE / 1000000007)"

    def U(k: int) -> str:
        return u.format(seed=seed, k=k)

    normal = f"(sqrt(-2 * ln(greatest({U(1)}, 1e-12))) * cos(2 * pi() * {U(2)}))"
    normal2 = f"(sqrt(-2 * ln(greatest({U(3)}, 1e-12))) * cos(2 * pi() * {U(4)}))"
    ntags = len(params["tags"])
    ncof = len(params["cofinancers"])
    eur = "replace(format('{{:,.0f}}', {x}), ',', ' ') || ' €'"
    sql = f"""
    WITH base AS (
        SELECT i,
               2015 + floor({U(5)} * 12)::INT AS year,
               floor({U(6)} * {len(themes_calls)})::INT AS call_theme,
               floor({U(7)} * 5)::INT AS call_no,
               exp({params['log_mu']} + {params['log_sigma']} * {normal}) AS budget,
               {U(8)} AS u_status, {U(9)} AS u_scope, {U(10)} * {total_pop} AS target, {U(11)} AS u_fse,
               CASE WHEN {U(12)} < 0.05 THEN 0.2 + 0.7 * {U(13)}
                    ELSE least(0.95, greatest(0.05, {params['rate_mu']} + {params['rate_sigma']} * {normal2})) END AS rate,
               {U(14)} AS u_bad, floor({U(15)} * 3)::INT + 1 AS n_tags,
               floor({U(16)} * {ntags})::INT AS t1, floor({U(17)} * {ntags})::INT AS t2, floor({U(18)} * {ntags})::INT AS t3,
               floor({U(19)} * {len(regions)})::INT AS r1, floor({U(20)} * {len(regions)})::INT AS r2,
               floor({U(21)} * 730)::INT AS start_offset, 180 + floor({U(22)} * 900)::INT AS duration,
               floor({U(23)} * ({ncof} + 2))::INT AS cof, floor({U(24)} * {len(params['titles'])})::INT AS title_no
        FROM range({int(rows)}) t(i)),
    placed AS (
        SELECT b.*, c.name AS commune, c.postcode FROM base b ASOF JOIN comm c ON b.target >= c.cum),
    worded AS (SELECT * FROM placed CROSS JOIN words w),
    shaped AS (
        SELECT *,
            CASE WHEN u_status < {p_funded} THEN 'financé' WHEN u_status < {p_funded + p_laureate} THEN 'lauréat'
                 ELSE 'éligible' END AS statut,
            u_fse < 0.45 AS has_fse,
            CASE WHEN u_scope < {params['share_national']} THEN 'National'
                 WHEN u_scope < {params['share_national'] + params['share_multi']}
                     THEN w.regions[r1 + 1] || ' et ' || w.regions[(r1 + 1 + r2 % 5) % {len(regions)} + 1]
                 ELSE postcode || ' ' || commune END AS lieu,
            make_date(year, 1, 1) + start_offset AS d0
        FROM worded w)
    SELECT {"COLUMNS" if profile != "template" else ""}
        'Appel à projets ' || w.calls[call_theme + 1] || ' ' || year || ' – vague ' || (call_no + 1) AS appel,
        year AS annee,
        'S{seed}-' || lpad(i::VARCHAR, 10, '0') AS identifiant,
        w.titles[title_no + 1] || ' – ' || i AS titre,
        'Structure ' || (hash(i, {seed}, 30) % 200000) AS porteur,
        statut,
        CASE WHEN has_fse THEN '2' || lpad((hash(i, {seed}, 31) % 100000000)::VARCHAR, 8, '0') END AS code_fse,
        strftime(d0, '%d/%m/%Y') AS date_debut,
        strftime(CASE WHEN u_bad < 0.005 THEN d0 - 30 ELSE d0 + duration END, '%d/%m/%Y') AS date_fin,
        lieu AS localisation,
        CASE WHEN u_bad BETWEEN 0.02 AND 0.021 THEN '12 OOO €' ELSE {eur.format(x='round(budget)')} END AS budget_total,
        CASE WHEN has_fse THEN {eur.format(x='round(budget * CASE WHEN u_bad BETWEEN 0.005 AND 0.015 THEN 1.1 ELSE rate END)')} END AS montant_fse,
        CASE WHEN has_fse THEN (CASE WHEN u_bad BETWEEN 0.015 AND 0.02 THEN 50 ELSE round(rate * 100)::INT END) || ' %' END AS taux_fse,
        CASE WHEN statut = 'lauréat' THEN {eur.format(x=f"round(budget * {params['grant_share']})")} END AS subvention,
        CASE WHEN statut = 'lauréat' THEN 'accordée' END AS type_subvention,
        array_to_string(list_slice([w.tags[t1 + 1], w.tags[t2 + 1],
                                    w.tags[t3 + 1]], 1, n_tags), ' | ') AS themes,
        CASE WHEN cof < {ncof} THEN w.cofinancers[cof + 1] END AS cofinanceurs
    FROM shaped w ORDER BY i"""
    if profile != "template":  # the same rows, in a published format's columns
        head, tail = sql.split("SELECT COLUMNS", 1)
        sql = head + "SELECT " + _profile_columns(profile, seed) + " FROM shaped w ORDER BY i"
    started = time.perf_counter()
    target = str(out).replace("'", "''")  # the operator's output path
    if out.suffix.lower() == ".parquet":
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    else:
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT csv, DELIMITER ';', HEADER true)")
    con.close()
    return {"rows": rows, "seconds": time.perf_counter() - started, "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m etl.synth", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True, help="a .csv or .parquet file")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", choices=PROFILES, default="template",
                    help="the format: the project's template, an EU list of operations (2014-2020, 2021-2027) or a "
                         "SCDL grants file")
    args = ap.parse_args(argv)
    if args.out.suffix.lower() not in (".csv", ".parquet"):
        print(f"{args.out}: the output must be a .csv or .parquet file", file=sys.stderr)
        return 2
    res = generate(args.rows, args.out, args.seed, profile=args.profile)
    print(f"wrote {args.out}: {res['rows']} rows, {res['bytes'] / 1e6:.1f} MB in {res['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
