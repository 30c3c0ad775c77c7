"""Parsers on documents the tests write: other values, other layouts, malformed input."""

from datetime import date
from decimal import Decimal

import pytest

from etl import build as pipeline
from etl.parsers import avise, fse, ptce, registry, rtes

FSE_VARIANT = """

Fablab des Monts : un atelier partagé pour l'emploi

Projet cofinancé par le FSE

Appel à projets FSE 2023 – 2024

« Coopérer pour l'emploi dans les territoires ruraux »

LE PROJET

► Objectif et parties prenantes

L'**objectif du projet** est d'ouvrir un atelier partagé. Le projet **associe 3 partenaires** : la Mairie de Guéret, Tiers Lab (animation), et la SCIC Bois Local.

► Principales actions

Le projet se décline en 2 grandes actions :

- Ouvrir l'atelier
- Former des jeunes

PORTEUR DE PROJET

Présentation

L'**association Fablab des Monts** est née en 2016.

Site web

<https://fablab.example.org/>

SYNTHÈSE DU PROJET

► Codification FSE |

202399001

► Période de réalisation |

01/09/2023 — 30/06/2024 |

► Localisation

Creuse

► Budget prévisionnel total

1 234 567,00 €

► Cofinancement FSE prévisionnel

555 555 € (45 %)

► Autres partenaires cofinanceurs

Département de la Creuse

Banque des Territoires

Le garage solidaire

Projet cofinancé par le FSE

SYNTHÈSE DU PROJET

► Codification FSE

202399002

► Période de réalisation

01/01/2024 - 31/12/2023

► Localisation

Quelque part

► Budget prévisionnel total

12 OOO €

► Cofinancement FSE prévisionnel

8 000 € (50%)
"""


def test_fse_variant_other_year_values_and_layout():
    doc = fse.parse(FSE_VARIANT, "variant.txt")
    assert fse.detect(FSE_VARIANT)
    assert [p.key for p in doc.programmes] == ["fse-2023-2024"]
    first, second = doc.projects
    assert first.title == "Fablab des Monts : un atelier partagé pour l'emploi"
    assert first.fse_code == "202399001"
    assert (first.start_date, first.end_date) == (date(2023, 9, 1), date(2024, 6, 30))
    assert first.total_budget_eur == Decimal("1234567.00")
    assert first.fse_amount_eur == Decimal("555555")
    assert first.fse_rate_stated == Decimal("0.45")
    assert first.cofinancers == ["Département de la Creuse", "Banque des Territoires"]
    assert first.partners == ["la Mairie de Guéret", "Tiers Lab", "la SCIC Bois Local"]
    assert first.lead_org == "Association Fablab des Monts"  # the bold name with its legal form
    assert first.n_actions == 2
    assert first.website == "https://fablab.example.org/"
    assert first.sources["total_budget"].raw == "1 234 567,00 €"
    # the malformed sheet: unparseable budget, no crash
    assert second.fse_code == "202399002"
    assert second.total_budget_eur is None
    assert [(i.rule, i.field) for i in second.issues] == [("unparseable_amount", "total_budget_eur"),
                                                          ("missing_field", "lead_org")]


def test_fse_malformed_sheet_becomes_quality_issues(tmp_path):
    (tmp_path / "fse.txt").write_text(FSE_VARIANT, encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    pipeline.build(tmp_path, db)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    rules = con.execute("SELECT project_id, rule FROM quality_issues ORDER BY project_id, rule").fetchall()
    assert ("fse-2023-2024-202399002", "end_before_start") in rules
    assert ("fse-2023-2024-202399002", "unparseable_amount") in rules
    assert ("fse-2023-2024-202399002", "unresolved_location") in rules
    line = con.execute("SELECT source_line FROM quality_issues WHERE rule = 'unparseable_amount'").fetchone()[0]
    assert FSE_VARIANT.splitlines()[line - 1] == "12 OOO €"
    # the good sheet is placed in the Creuse, Nouvelle-Aquitaine
    assert con.execute("SELECT department_code FROM project_departments WHERE project_id = 'fse-2023-2024-202399001'"
                   ).fetchall() == [("23",)]
    assert con.execute("SELECT rule FROM quality_issues WHERE project_id = 'fse-2023-2024-202399001'").fetchall() == []


PTCE_VARIANT = """PÔLES DE COOPÉRATION

RÉSULTAT DE L'APPEL À PROJETS 2019

Les 2 lauréats retenus, parmi les 40 candidatures déposées, se partagent une enveloppe globale de 300 000 €.
Au total, 40 dossiers de candidatures ont été réceptionnés et 31 d'entre eux se sont avérés recevables.
La Caisse des Dépôts et l'État soutiennent les PTCE.

LES 2 LAURÉATS

ÎLE-DE-FRANCE

LA CYCLERIE DU FAUBOURG

Paris 11e

VÉLO
RÉEMPLOI

LE PROJET

Un atelier vélo solidaire.

PARTENAIRES

Ville de Paris, Régie de quartier, Emmaüs

COORDINATEUR DU PROJET

Association La Cyclerie, association loi 1901

SUBVENTION DEMANDÉE

150 k€ pour un budget triennal de **450 000 €**

CONTACT

Jeanne Martin
jeanne@cyclerie.example
12 rue du Faubourg 75011 Paris

**ÉNERGIE
CITOYENNE**

SOLEIL DU LOT

Pays de Figeac

LE PROJET

Des centrales villageoises.

COORDINATEUR DU PROJET

SCIC Soleil du Lot

SUBVENTION

149 000 € pour un budget triennal de
**900 000 €**

CONTACT

Paul Durand
10 place Carnot 46100 Figeac

LES 3 PROJETS ÉLIGIBLES

MAISON DES COOPÉRATIONS
ÉCONOMIE SOCIALE
Ce projet vise à créer une maison des coopérations au cœur de Dijon et de sa métropole pour les acteurs de l'ESS.
Dijon Métropole, CRESS Bourgogne-Franche-Comté.
Anne Petit, présidente de l'association Maison des Coopérations
anne@example.org
"""


def test_ptce_variant_laureate_blocks():
    assert ptce.detect(PTCE_VARIANT)
    doc = ptce.parse(PTCE_VARIANT, "ptce2019.txt", {"ile de france"})
    prog = doc.programmes[0]
    assert (prog.key, prog.year, prog.applications, prog.admissible, prog.laureates) == ("ptce-2019", 2019, 40, 31, 2)
    assert prog.envelope_eur == Decimal("300000")
    assert prog.funder == "État + Caisse des Dépôts"
    lau = [p for p in doc.projects if p.status == "laureate"]
    assert [p.title for p in lau] == ["LA CYCLERIE DU FAUBOURG", "SOLEIL DU LOT"]
    a, b = lau
    assert a.tags == ["VÉLO", "RÉEMPLOI"]  # one tag per line: 'RÉEMPLOI' names a theme of its own
    assert a.location_raw == "Paris 11e"
    assert (a.grant_amount_eur, a.grant_kind, a.total_budget_eur) == (Decimal("150000.00"), "requested", Decimal("450000"))
    assert (a.postcode, a.city) == ("75011", "Paris")
    assert a.partners == ["Ville de Paris", "Régie de quartier", "Emmaüs"]
    assert a.lead_org == "Association La Cyclerie"
    assert b.tags == ["ÉNERGIE CITOYENNE"]
    assert (b.grant_amount_eur, b.grant_kind, b.total_budget_eur) == (Decimal("149000"), "granted", Decimal("900000"))
    assert b.postcode == "46100"
    eligible = [p for p in doc.projects if p.status == "eligible"]
    assert [p.title for p in eligible] == ["MAISON DES COOPÉRATIONS"]
    assert eligible[0].tags == ["ÉCONOMIE SOCIALE"]
    # announced 3 eligible, 1 found: an extraction error, "announced 3, found 1"
    from etl.parsers import extraction

    assert [(c.what, c.announced, c.found) for c in doc.counts] == [("laureates", 2, 2), ("eligible", 3, 1)]
    extraction.check(doc)
    assert [(i.rule, i.severity, i.category) for _, i in doc.issues] == [("records_missing", "error", "extraction")]


def test_ptce_variant_envelope_gap_is_flagged(tmp_path):
    (tmp_path / "ptce.txt").write_text(PTCE_VARIANT, encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    pipeline.build(tmp_path, db)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    msg = con.execute("SELECT message FROM quality_issues WHERE rule = 'envelope_mismatch'").fetchone()[0]
    assert msg == "grants add up to 299 000 €, envelope is 300 000 € (gap 1 000 €, 0.33%)"
    placed = con.execute("SELECT p.title, d.department_code, l.geo_method FROM projects p JOIN places l USING (place_no) "
                         "JOIN project_departments d USING (project_id) ORDER BY 1").fetchall()
    assert placed == [("LA CYCLERIE DU FAUBOURG", "75", "postcode"), ("MAISON DES COOPÉRATIONS", "21", "text"),
                      ("SOLEIL DU LOT", "46", "postcode")]


@pytest.mark.parametrize("text, family", [
    (FSE_VARIANT, "fse_sheets"),
    (PTCE_VARIANT, "ptce_call"),
    ("# FICHES\n\n# Ville de Brest : un jardin\n\n## Pourquoi ce projet ?\n\n- Pour nourrir\n", "rtes_sheets"),
    ("Un texte quelconque sans structure connue.\n", None),
])
def test_family_detection_by_content(text, family):
    assert registry.detect_family(text) == family


def test_rtes_sheet_without_title_takes_toc_title():
    text = ("# FICHES\n\n1. Ville de Brest : un jardin partagé\n2. Département du Gers : des cantines bio\n\n"
            "# Ville de Brest : un jardin partagé\n\n## Pourquoi ce projet ?\n\n- Pour nourrir\n\n"
            "## Le projet en 3 chiffres\n\n**12 000 €** de subvention\n\n"
            "## Pourquoi ce projet ?\n\n- Pour manger bio\n\n## Le projet en 3 chiffres\n\n**1,5 M€** par an\n")
    doc = rtes.parse(text, "rtes.txt")
    assert [p.title for p in doc.projects] == ["Ville de Brest : un jardin partagé", "Département du Gers : des cantines bio"]
    assert [p.lead_org_level for p in doc.projects] == ["commune", "departement"]
    assert doc.projects[0].key_figures == [("12 000 € de subvention", Decimal("12000"))]
    assert doc.projects[1].key_figures[0][1] == Decimal("1500000.00")
    assert [i.rule for i in doc.projects[1].issues] == ["title_from_toc"]


def test_avise_variant_headings_and_hashtags():
    text = ("Avise – guide\n\nJuin 2024\n\nS'INSPIRER\n\nDES TIERS-LIEUX RURAUX : 2 EXEMPLES INSPIRANTS\n\n"
            "UN CAFÉ ASSOCIATIF QUI FAIT VIVRE LE VILLAGE (GERS)\n\n#LIEN SOCIAL #ALIMENTATION #ASSOCIATION\n\n"
            "Le territoire\n\nUn village.\n\nLe Café des Amis\n\nDu texte.\n\n"
            "UNE SCIC D'ÉNERGIE CITOYENNE (NATIONAL)\n\n#ÉNERGIE #SCIC\n\nLe territoire\n\nPartout.\n\nÉnergie Partagée\n\n"
            "#A #B\n")
    assert avise.detect(text)
    doc = avise.parse(text, "avise.txt")
    assert [(p.title, p.location_raw, p.structure_type) for p in doc.projects] == [
        ("Le Café des Amis", "GERS", "Association"), ("Énergie Partagée", "NATIONAL", "SCIC")]
    assert doc.projects[0].tags == ["LIEN SOCIAL", "ALIMENTATION", "ASSOCIATION"]
    assert doc.programmes[0].year == 2024


def test_duplicate_fse_codes_are_kept_and_flagged(tmp_path):
    sheet = FSE_VARIANT.split("Le garage solidaire")[0]
    (tmp_path / "a.txt").write_text(sheet, encoding="utf-8")
    (tmp_path / "b.txt").write_text(sheet.replace("Fablab des Monts : un atelier", "Autre titre : un atelier"),
                                    encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    pipeline.build(tmp_path, db)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    ids = [r[0] for r in con.execute("SELECT project_id FROM projects ORDER BY 1").fetchall()]
    assert ids == ["fse-2023-2024-202399001", "fse-2023-2024-202399001-2"]
    issues = con.execute("SELECT project_id, rule, severity FROM quality_issues WHERE rule = 'duplicate_identifier' "
                         "ORDER BY 1").fetchall()
    assert ("fse-2023-2024-202399001-2", "duplicate_identifier", "error") in issues
