"""Every page under AppTest: default filters, one filtered state, one interaction each."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = {"overview": "app_pages/1_overview.py", "budgets": "app_pages/2_budgets.py", "fse": "app_pages/3_fse.py",
         "map": "app_pages/4_map.py", "themes": "app_pages/5_themes.py", "projects": "app_pages/6_projects.py",
         "quality": "app_pages/7_quality.py", "organisations": "app_pages/9_organisations.py",
         "sources": "app_pages/10_sources.py"}
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture(autouse=True)
def _env(app_env):
    yield


def open_page(name: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if name != "overview":
        at.switch_page(PAGES[name])
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def metrics(at) -> dict:
    return {m.label: m.value.replace(NNBSP, " ").replace(NBSP, " ") for m in at.metric}


def plain(text: str) -> str:
    """French narrow and plain no-break spaces read as spaces."""
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def caption_text(at) -> str:
    """The captions, with the French narrow and plain no-break spaces read as spaces."""
    return " ".join(c.value for c in at.caption).replace(NNBSP, " ").replace(NBSP, " ")


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_with_default_filters(name):
    at = open_page(name)
    if name != "sources":  # the files loaded, whatever the filters
        assert "Sur la base de 159 projets sur 159 ; 131 sans budget" in caption_text(at)


def test_overview_figures_and_region_filter():
    at = open_page("overview")
    m = metrics(at)
    assert m["Projets"] == "159"
    assert m["Montant FSE"] == "887 735 €"
    assert m["Subventions"] == "2 749 229 €"
    assert m["Taux FSE médian"] == "50,0 %"
    assert m["Enveloppe"] == "2 750 000 €"
    assert any("dans la tolérance de 0,1 %" in s.value.replace(NNBSP, " ").replace(NBSP, " ") for s in at.success)
    at.multiselect(key="f_reg").set_value(["76"]).run()
    assert metrics(at)["Projets"] == "23"
    assert "Région : Occitanie" in caption_text(at)


def test_filters_come_from_the_url():
    at = open_page("overview", reg="76", status="funded")
    assert metrics(at)["Projets"] == "2"
    assert at.query_params["reg"] in ("76", ["76"])


def test_english_labels_and_formats():
    at = open_page("overview", lang="en")
    m = metrics(at)
    assert m["ESF amount"] == "€887,735"
    assert m["Median ESF rate"] == "50.0%"


def test_budgets_status_filter():
    at = open_page("budgets")
    at.multiselect(key="f_status").set_value(["funded"]).run()
    assert not at.exception
    assert "Sur la base de 14 projets sur 159" in caption_text(at)
    top = next(d.value for d in at.dataframe if "Titre" in d.value.columns)
    assert len(top) == 10 and top["Titre"].iloc[0].startswith("De la conception")


def test_budgets_counts_laureates_per_cell_above_the_scatter_limit(monkeypatch):
    from analytics import queries as Q

    monkeypatch.setattr(Q, "SCATTER_MAX", 10)
    at = open_page("budgets")
    assert "Lauréats avec une subvention et un budget : 14, trop pour un point chacun" in caption_text(at)
    at.multiselect(key="f_status").set_value(["funded"]).run()  # no laureate: neither chart nor caption
    assert not at.exception and "lauréats avec une subvention" not in caption_text(at)


def test_fse_page_shows_the_flagged_project_and_search():
    at = open_page("fse")
    m = metrics(at)
    assert (m["Projets"], m["Montant FSE"], m["Budget total"], m["Incohérences signalées"]) == (
        "14", "887 735 €", "1 714 103 €", "1")
    warning = at.warning[0].value
    assert "Créer et diffuser un modèle de monnaie locale" in warning and "Montant FSE supérieur au budget" in warning
    at.text_input(key="f_q").set_value("mobicoop").run()
    assert metrics(at)["Projets"] == "1"
    assert len(at.warning) == 0


def test_map_off_map_panel_and_region_pick():
    at = open_page("map")
    m = metrics(at)
    assert m["National"] == "3 projets" and m["Non localisé"] == "3 projets" and m["Multi-régions"] == "5 projets"
    at.selectbox(key="map_pick").set_value("76").run()
    assert not at.exception
    assert at.multiselect(key="f_reg").value == ["76"]
    assert "Sur la base de 23 projets sur 159" in caption_text(at)


def test_themes_page_counts_and_theme_filter():
    at = open_page("themes")
    assert "Projets distincts : 159" in caption_text(at)
    at.multiselect(key="f_theme").set_value(["mobilite"]).run()
    assert "Sur la base de 6 projets sur 159" in caption_text(at)


def test_projects_detail_shows_issues_and_sources():
    at = open_page("projects")
    assert len(at.dataframe[0].value) == 25
    at.selectbox(key="pr_pick").set_value("fse-2020-2021-202004086").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Montant FSE 62 414 € supérieur au budget" in e for e in map(plain, errors))
    sources = at.dataframe[2].value
    assert "62 414 € (50%)" in sources.iloc[:, 1].tolist()


def test_quality_page_severity_filter():
    at = open_page("quality")
    m = metrics(at)
    assert m["Projets localisés (nationaux compris)"] == "98 %"  # the map page says 153 on the map: nationals beside it
    at.multiselect(key="qu_sev").set_value(["error"]).run()
    table = at.dataframe[-1].value
    assert len(table) == 1 and "62 414" in plain(table.iloc[0]["Message"])


def test_empty_filters_give_a_helpful_message():
    at = open_page("overview", q="zzz-nothing-matches")
    assert any("Aucun projet ne correspond" in i.value for i in at.info)


def test_missing_warehouse_says_how_to_build(monkeypatch, tmp_path):
    monkeypatch.setenv("ESS_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("python -m etl" in w.value for w in at.warning)


def test_import_page_is_off_unless_enabled_and_asks_for_the_token(monkeypatch):
    monkeypatch.delenv("ESS_IMPORT_ENABLED", raising=False)
    at = open_page("overview")
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in the navigation
        at.switch_page("app_pages/8_import.py")
    monkeypatch.setenv("ESS_IMPORT_ENABLED", "1")
    monkeypatch.setenv("ESS_IMPORT_TOKEN", "s3cret")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/8_import.py")
    at.run()
    assert not at.exception
    at.text_input(key="im_token").set_value("wrong").run()
    assert [e.value for e in at.error] == ["Mot de passe incorrect."]
    at.text_input(key="im_token").set_value("s3cret").run()
    assert not at.error
    assert any("Taille maximale : 20 Mo" in plain(c.value) for c in at.caption)


def test_import_page_without_token_stays_closed(monkeypatch):
    monkeypatch.setenv("ESS_IMPORT_ENABLED", "1")
    monkeypatch.delenv("ESS_IMPORT_TOKEN", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/8_import.py")
    at.run()
    assert any("aucun jeton n'est configuré" in w.value for w in at.warning)


def test_quality_page_lists_the_documents_read_and_no_banner_on_the_bundled_data():
    at = open_page("quality")
    docs = at.dataframe[0].value
    assert list(docs["Fichier"]) == sorted(docs["Fichier"])
    assert len(docs) == 5 and set(docs["État"]) == {"lu"}
    ptce = docs.set_index("Fichier").loc["001_6583b7b1693e3b80.txt"]
    assert ptce["Annoncés / lus"].replace("\u202f", " ") == "éligibles : 85 annoncés / 85 lus ; lauréats : 14 annoncés / 14 lus"
    assert ptce["Famille"] == "Appel PTCE" and ptce["Titre"] == "PÔLES DE COOPÉRATION"  # in words, not codes
    assert ptce["Erreurs de lecture"] == 0
    assert not at.error  # no banner: every record the documents announce was read


def test_banner_and_skipped_documents_while_something_could_not_be_read(tmp_path, raw_copy, monkeypatch):
    """A document skipped and a document short of its announced records: the Overview and Data quality pages say
    so in a banner, and the documents table names the skipped file and its reason."""
    from etl.build import build

    (raw_copy / "zz_notes.txt").write_text("Compte rendu : les PTCE du département.\n", encoding="utf-8")
    ptce = (raw_copy / "001_6583b7b1693e3b80.txt").read_text(encoding="utf-8")
    (raw_copy / "001_6583b7b1693e3b80.txt").write_text(ptce.split("CONTACT PRESSE")[0][:-20000], encoding="utf-8")
    db = tmp_path / "w.duckdb"
    build(raw_copy, db)
    monkeypatch.setenv("ESS_WAREHOUSE", str(db))
    for name in ("overview", "quality"):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.run()
        if name != "overview":
            at.switch_page(PAGES[name])
            at.run()
        assert not at.exception
        banner = [e.value for e in at.error]
        assert len(banner) == 1 and plain(banner[0]).startswith("Données incomplètes : 2 erreur(s) de lecture"), banner
    docs = at.dataframe[0].value.set_index("Fichier")
    assert docs.loc["zz_notes.txt", "État"] == "ignoré"
    assert "ptce_call" in docs.loc["zz_notes.txt", "Raison"]
    assert docs.loc["001_6583b7b1693e3b80.txt", "Erreurs de lecture"] == 1


def test_organisations_page_lists_who_receives_what_and_filters_on_one():
    at = open_page("organisations")
    caption = caption_text(at)
    assert "Organisations affichées : 50 sur 99" in caption
    assert all(len(d.value) != 50 for d in at.dataframe)  # the chart's table twin is built when opened
    at.session_state["twin_organisations"] = True  # the user opens it
    at.run()
    table = at.dataframe[0].value  # the chart's table twin: one row per organisation
    assert len(table) == 50 and table["Nom"].notna().all()  # headers in French
    # the organisation receiving the most comes first: its grants and EU funds are the largest sum
    assert at.selectbox(key="or_pick").value is not None
    at.text_input(key="or_q").set_value("coop").run()
    assert not at.exception
    names = at.dataframe[0].value["Nom"]
    assert len(names) >= 1 and all("coop" in n.lower() for n in names)
    at.button(key="or_filter").click().run()
    assert not at.exception
    assert at.session_state["f_org"] and "Organisation :" in caption_text(at)


def test_sources_page_lists_every_file_with_its_title():
    at = open_page("sources")
    table = at.dataframe[0].value
    assert len(table) == 5
    assert set(table["kind"]) == {"Fiches FSE", "Appel PTCE", "Guide Avise", "Fiches RTES",
                                  "Présentation ou lettre CRESS"}
    assert not any(t.endswith(".txt") for t in table["title"])  # a document's own title, never its hash name
    assert all(len(x) == 17 for x in table["sha"])
    # what each document announces against what was read, in words (not the warehouse's 'laureates: 14 / 14')
    holds = " ".join(table["holds"]).replace("\u202f", " ")
    assert "lauréats : 14 annoncés / 14 lus" in holds and "laureates" not in holds
    at.switch_page(PAGES["sources"]).run()
    assert not at.exception


def test_a_link_names_the_project_shown_and_unknown_codes_are_said():
    """The Projects page writes the project shown to the URL (a link to share); a link with codes this warehouse
    does not know keeps the others and says which parameters it dropped."""
    at = open_page("projects")
    pick = at.selectbox(key="pr_pick")
    other = pick.options[3]
    pick.select_index(3).run()
    assert not at.exception
    assert at.session_state["pr_pick"] == at.query_params["pid"] and other
    at = open_page("overview", reg=["76", "zz"])
    assert list(at.session_state["f_reg"]) == ["76"]
    assert any("reg" in i.value for i in at.info)
