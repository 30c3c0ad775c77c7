"""Published formats in: EU lists of operations (2014-2020, 2021-2027) and SCDL grants files, recognised by their
headers and loaded with exact values (amounts to the cent, codes, SIREN, a grant split between two beneficiaries),
and the organisations across sources."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from openpyxl import Workbook

from etl import importer
from etl.build import build
from tests.conftest import RAW

EU14 = """Nom du bénéficiaire;Intitulé de l'opération;Résumé de l'opération;Date de début de l'opération;Date de fin de l'opération;Montant total des dépenses éligibles;Taux de cofinancement UE;Code postal de l'opération;Pays;Catégorie d'intervention;Date de dernière mise à jour;SIRET
Recyclerie du Léon;Ressourcerie et insertion;Collecte, tri et revente;01/01/2019;31/12/2020;12 345,67;50,00%;29600;France;102;30/06/2021;380 475 558 00058
Kan Ar Mor;"Chantier d'insertion
en deux lignes";Entretien du littoral;01/03/2019;28/02/2021;80000;85 %;97200;France;102;30/06/2021;
Association Corsica Solidaire;Épicerie solidaire d'Ajaccio;Aide alimentaire;15/04/2019;14/04/2020;20 000,50;60 %;20000;France;109;30/06/2021;
Bastia Emploi;Accompagnement vers l'emploi;Parcours;01/09/2019;31/08/2020;45 000;0.5;20200;France;102;30/06/2021;
Travail en Belgique;Opération à l'étranger;Partenariat;01/01/2020;31/12/2020;10 000;50 %;1000;Belgique;102;30/06/2021;
"""


def _rows(db, sql, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _build(tmp_path, name: str, data: bytes):
    d = tmp_path / "in"
    d.mkdir(exist_ok=True)
    (d / name).write_bytes(data)
    db = tmp_path / "w.duckdb"
    build([RAW, d], db, skip_invalid_rows=True)
    return db


def test_eu_2014_2020_list_in_french_csv(tmp_path):
    pv = importer.preview(EU14.encode("utf-8"), "liste_operations_fse.csv", lang="fr")
    assert (pv.fatal, pv.profile, pv.n_rows, pv.n_valid) == (None, "eu_2014_2020", 5, 5)
    assert pv.profile_label == "Liste des opérations UE 2014-2020"
    assert pv.columns["total_budget"] == "Montant total des dépenses éligibles" and pv.columns["lead_org_id"] == "SIRET"
    db = _build(tmp_path, "liste_operations_fse.csv", EU14.encode("utf-8"))
    got = _rows(db, """SELECT p.title, p.lead_org, p.total_budget_eur, p.eu_rate, p.eu_amount_eur, p.eu_amount_method,
                              p.fund, p.fse_amount_eur, p.lead_org_siren, p.start_date, p.end_date, p.country,
                              p.intervention, list_sort(list(r.region_code)), list_sort(list(d.department_code))
                       FROM projects p LEFT JOIN project_regions r USING (project_id)
                       LEFT JOIN project_departments d USING (project_id)
                       WHERE p.source_file = 'liste_operations_fse.csv' GROUP BY ALL ORDER BY any_value(p.source_line_start)""")
    assert got[0] == ("Ressourcerie et insertion", "Recyclerie du Léon", Decimal("12345.67"), Decimal("0.5"),
                      Decimal("6172.84"), "total_x_rate", None, None, "380475558", date(2019, 1, 1),
                      date(2020, 12, 31), "France", "102", ["53"], ["29"])
    assert got[1][0] == "Chantier d'insertion\nen deux lignes" and got[1][13:] == (["02"], ["972"])
    assert got[1][4] == Decimal("68000.00")  # 80 000 € at 85 %
    assert got[2][13:] == (["94"], ["2A"]) and got[2][4] == Decimal("12000.30")  # 20 000,50 € at 60 %
    assert got[3][13:] == (["94"], ["2B"]) and got[3][3] == Decimal("0.5")
    assert got[4][13:] == ([None], [None])  # Belgium: not on the map, and said
    rules = _rows(db, "SELECT rule FROM quality_issues WHERE source_file = 'liste_operations_fse.csv' ORDER BY 1")
    assert ("outside_france",) in rules
    prog = _rows(db, "SELECT name FROM programmes WHERE source_file = 'liste_operations_fse.csv'")
    assert prog == [("Liste des opérations UE 2014-2020 — liste_operations_fse",)]


def test_eu_2014_2020_in_english_with_a_fund_column(tmp_path):
    text = ("Beneficiary name,Operation name,Operation summary,Operation start date,Operation end date,"
            "Total eligible expenditure,Union co-financing rate,Operation postcode,Country,Category of intervention,"
            "Date of last update,Fund\n"
            "Coop Lyon,Atelier vélo,Réparation,2019-05-01,2020-04-30,30000.00,0.6,69001,France,102,2021-06-30,ESF\n")
    db = _build(tmp_path, "operations_en.csv", text.encode())
    assert _rows(db, "SELECT fund, eu_amount_eur, fse_amount_eur, fse_rate_stated FROM projects "
                     "WHERE source_file = 'operations_en.csv'") == [("FSE", Decimal("18000.00"), Decimal("18000.00"),
                                                                      Decimal("0.6"))]


def _eu21_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Nom du bénéficiaire", "Nom de l'opération", "Finalité et réalisations attendues", "Date de début",
               "Date de fin prévue", "Coût total de l'opération", "Fonds concerné", "Objectif spécifique concerné",
               "Taux de cofinancement de l'Union", "Indicateur de localisation ou géolocalisation", "Pays",
               "Type d'intervention"])
    ws.append(["Tiers-lieu de Rennes", "Fabrique solidaire", "Insertion\net formation", datetime(2022, 1, 3),
               datetime(2023, 12, 31), 150000.5, "FSE+", "ESO4.1", 0.4, "35000 Rennes", "France", "134"])
    ws.append(["Énergies citoyennes", "Centrale villageoise", "Transition", date(2022, 6, 1), date(2024, 5, 31), 90000,
               "FEDER", "RSO2.2", 0.5, "Bretagne", "France", "048"])
    ws.append(["Réunion Emploi", "Parcours jeunes", "Accompagnement", datetime(2023, 2, 1), datetime(2024, 1, 31),
               40000, "Fonds social européen plus", "ESO4.1", 0.85, "97400", "France", "134"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_eu_2021_2027_list_in_xlsx(tmp_path):
    pv = importer.preview(_eu21_xlsx(), "liste_2021_2027.xlsx")
    assert (pv.fatal, pv.profile, pv.n_valid) == (None, "eu_2021_2027", 3)
    db = _build(tmp_path, "liste_2021_2027.xlsx", _eu21_xlsx())
    got = _rows(db, """SELECT p.title, p.description, p.total_budget_eur, p.fund, p.eu_amount_eur, p.fse_amount_eur,
                              p.objective, p.start_date, list_sort(list(r.region_code)),
                              list_sort(list(d.department_code) FILTER (WHERE d.department_code IS NOT NULL))
                       FROM projects p LEFT JOIN project_regions r USING (project_id)
                       LEFT JOIN project_departments d USING (project_id)
                       WHERE p.source_file = 'liste_2021_2027.xlsx' GROUP BY ALL ORDER BY any_value(p.source_line_start)""")
    assert got[0] == ("Fabrique solidaire", "Insertion\net formation", Decimal("150000.50"), "FSE+",
                      Decimal("60000.20"), Decimal("60000.20"), "ESO4.1", date(2022, 1, 3), ["53"], ["35"])
    assert got[1][3:6] == ("FEDER", Decimal("45000.00"), None) and got[1][8] == ["53"] and got[1][9] is None
    assert got[2][3:6] == ("FSE+", Decimal("34000.00"), Decimal("34000.00")) and got[2][8:] == (["04"], ["974"])


SCDL = """nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention
Région Bretagne,23350001600040,2023-03-14,2023-03-103,Asso Les Petits Débrouillards Bretagne,38047555800058,Animations climat-énergie dans les lycées,47800.20,aide en numéraire,échelonné,2023-03-14/2024-03-14,,non,0.60
Région Bretagne,23350001600040,2023-03-14,2023-03-103,Coop Énergie Bretagne,73282932000074,Animations climat-énergie dans les lycées,47800.20,aide en numéraire,échelonné,2023-03-14/2024-03-14,,non,0.40
Région Bretagne,23350001600040,2023-05-02,2023-05-12,Les Petits Débrouillards Bretagne,38047555800066,Fête de la science,5000.00,aide en numéraire,unique,2023-06-01,,non,1.00
Région Bretagne,23350001600040,2023-06-20,2023-06-7,Recyclerie Brestoise,12345678900011,Ressourcerie,12000,aide en numéraire,unique,2023-07-01,,non,1
Région Bretagne,23350001600040,2023-06-20,2023-06-8,Mauvaise ligne,1234567890001,Objet,1000,aide en numéraire,unique,2023-07-01,,non,1.5
"""


def test_scdl_grants_split_placed_and_organisations(tmp_path):
    pv = importer.preview(SCDL.encode(), "subventions_bretagne_2023.csv")
    assert (pv.fatal, pv.profile, pv.n_rows, pv.n_valid, pv.n_rejected) == (None, "scdl", 5, 4, 1)
    assert [r["message"] for r in pv.rejected] == [
        "row 6, idBeneficiaire: '1234567890001' is not a SIRET (14 digits, as the format requires)",
        "row 6, pourcentageSubvention: '1.5' is not a share between 0.01 and 1 (0.45 or 45 %)"]
    db = _build(tmp_path, "subventions_bretagne_2023.csv", SCDL.encode())
    got = _rows(db, """SELECT p.lead_org, p.grant_total_eur, p.grant_share, p.grant_amount_eur, p.lead_org_siren,
                              p.start_date, p.end_date, pl.geo_method, list_sort(list(r.region_code))
                       FROM projects p JOIN places pl USING (place_no) LEFT JOIN project_regions r USING (project_id)
                       WHERE p.source_file = 'subventions_bretagne_2023.csv' GROUP BY ALL ORDER BY any_value(p.source_line_start)""")
    assert got[0] == ("Asso Les Petits Débrouillards Bretagne", Decimal("47800.20"), Decimal("0.6"),
                      Decimal("28680.12"), "380475558", date(2023, 3, 14), date(2024, 3, 14), "awarding_authority",
                      ["53"])
    assert got[1][3] == Decimal("19120.08")  # 40 %: the split grant counts once in totals
    assert got[0][3] + got[1][3] == Decimal("47800.20")
    assert got[3][4] is None  # a SIRET whose Luhn key is wrong: no SIREN, and said
    rules = dict(_rows(db, "SELECT rule, count(*) FROM quality_issues WHERE source_file = "
                           "'subventions_bretagne_2023.csv' GROUP BY 1"))
    assert rules["invalid_siren"] == 1 and rules["placed_by_authority"] == 4 and rules["rejected_row"] == 2
    assert "shares_not_whole" not in rules
    # the same SIREN under two spellings: one organisation with both names, its two projects
    org = _rows(db, "SELECT o.name, o.names, o.n_projects, list_sort(list(p.org_match)) FROM organisations o "
                    "JOIN projects p USING (org_no) WHERE o.siren = '380475558' GROUP BY ALL")
    assert org == [("Les Petits Débrouillards Bretagne",
                    "Asso Les Petits Débrouillards Bretagne | Les Petits Débrouillards Bretagne", 2, ["siren", "siren"])]
    prog = _rows(db, "SELECT name, funder, year FROM programmes WHERE source_file = 'subventions_bretagne_2023.csv'")
    assert prog == [("Subventions — Région Bretagne", "Région Bretagne", 2023)]


def test_a_file_of_no_known_format_names_the_closest_and_what_it_misses():
    text = "Nom du bénéficiaire;Intitulé de l'opération;Code postal\nA;B;29600\n"
    pv = importer.preview(text.encode(), "presque.csv", lang="fr")
    assert pv.fatal.replace("\u202f", " ") == ("presque.csv : les colonnes ne correspondent à aucun format connu ; le plus proche est "
                        "Liste des opérations UE 2014-2020, auquel il manque : budget total (colonnes trouvées : "
                        "Nom du bénéficiaire, Intitulé de l'opération, Code postal)")


@pytest.mark.parametrize("header, profile", [
    ("nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;objet;montant;nature;"
     "conditionsVersement;datesPeriodeVersement;idRAE;notificationUE;pourcentageSubvention;dispositifAide", "scdl"),
    ("NOM DU BENEFICIAIRE;NOM DE L'OPERATION;COUT TOTAL DE L'OPERATION;FONDS CONCERNE", "eu_2021_2027"),
    ("Operation name;Beneficiary name;Total eligible expenditure", "eu_2014_2020"),
    ("appel;titre;budget_total", "template"),
])
def test_profiles_are_recognised_whatever_the_case_accents_and_order(header, profile):
    from etl.tables.columns import map_columns

    assert map_columns(header.split(";"), "x.csv").profile == profile
