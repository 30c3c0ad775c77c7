"""Number formats: French first (narrow no-break spaces, decimal comma), English available."""

import re

import pytest

from analytics.i18n import NBSP, NNBSP, fmt_eur, fmt_eur_short
from tests.conftest import ROOT


@pytest.mark.parametrize("value, fr, en", [
    (159810, "159 810 €", "€159,810"),
    (9_999_999, "9 999 999 €", "€9,999,999"),           # exact up to ten million
    (10_000_000, "10,0 M€", "€10.0M"),
    (108_099_352.9, "108,1 M€", "€108.1M"),
    (999_960_000, "1,00 Md€", "€1.00bn"),                # rounds into the next unit, not to "1000,0 M€"
    (212_658_442_170, "212,7 Md€", "€212.7bn"),
    (1_234_567_890_123, "1 235 Md€", "€1,235bn"),
    (-25_000_000, "-25,0 M€", "-€25.0M"),
    (None, "–", "–"),
])
def test_short_amounts_for_key_figure_tiles(value, fr, en):
    def plain(s: str) -> str:
        return s.replace(NNBSP, " ").replace(NBSP, " ")

    assert plain(fmt_eur_short(value, "fr")) == fr
    assert plain(fmt_eur_short(value, "en")) == en
    if value is not None and abs(value) < 1e7:
        assert fmt_eur_short(value, "fr") == fmt_eur(value, "fr")


# -- counts and their nouns ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, fr, en", [
    (0, "0 projet", "0 projects"),
    (1, "1 projet", "1 project"),
    (2, "2 projets", "2 projects"),
    (1234, "1 234 projets", "1,234 projects"),
    (None, "0 projet", "0 projects"),
])
def test_plurals_agree_with_the_count(n, fr, en):
    from analytics.i18n import plural

    assert plural("project", n, "fr").replace(NNBSP, " ") == fr
    assert plural("project", n, "en") == en


def test_french_typography_narrow_space_before_high_punctuation():
    from analytics.i18n import fmt_pct, sep

    assert fmt_pct(0.79, "fr") == f"79,0{NNBSP}%" and fmt_pct(0.79, "en") == "79.0%"
    assert sep("fr") == f"{NNBSP}: " and sep("en") == ": "
    # no plain space before ':', ';', '?', '!' or '%' in any French text of the catalogue
    from common.i18n import catalogue

    bad = {k: v for k, v in catalogue("fr").items() if re.search(r" [:;?!%»]|« ", v)}
    assert bad == {}


def test_catalogues_have_the_same_keys_and_placeholders():
    from common.i18n import catalogue

    fr, en = catalogue("fr"), catalogue("en")
    assert set(fr) == set(en)
    holes = {k for k in fr if set(re.findall(r"\{(\w+)", fr[k])) != set(re.findall(r"\{(\w+)", en[k]))}
    assert holes == {"app.based_on"}  # "23 projets sur 159" / "23 of 159 projects": the noun goes elsewhere


def _emitted_rules() -> set[str]:
    """Every quality rule the ETL can raise, from its source (Python Issue(...) and SQL rows)."""
    rules = set()
    for path in (ROOT / "etl").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        rules |= set(re.findall(r"Issue\(\s*\"([a-z_]+)\"", text))
        rules |= set(re.findall(r"'([a-z_]+)' AS rule", text))
        rules |= set(re.findall(r"'([a-z_]+)',\s*'(?:error|warning|info)'", text))
    return rules - {"error"}


def test_every_rule_has_a_label_and_a_message_in_both_languages():
    from common.i18n import catalogue

    rules = _emitted_rules()
    assert len(rules) >= 40
    for lg in ("fr", "en"):
        cat = catalogue(lg)
        assert {r for r in rules if f"rule.{r}" not in cat} == set(), lg
        templated = {r for r in rules if f"issue.{r}" in cat}
        assert rules - templated <= {"rejected_row", "table_warning"}, lg  # these two: the problem's own words


def test_issue_messages_come_from_the_warehouse_values_not_its_english_sentence(con):
    from analytics.i18n import issue_text

    rows = con.execute("SELECT rule, params, message FROM fact_issues").fetchall()
    assert len(rows) >= 10
    for rule, params, message in rows:
        fr, en = issue_text(rule, params, message, "fr"), issue_text(rule, params, message, "en")
        assert fr != message and "{" not in fr and fr[0] == fr[0].upper(), (rule, fr)
        assert "{" not in en, (rule, en)
    fse = next(r for r in rows if r[0] == "fse_exceeds_budget")
    assert issue_text(*fse, "fr").replace(NNBSP, " ").replace(NBSP, " ") == \
        "Montant FSE 62 414 € supérieur au budget total 61 523 €"
    assert issue_text(*fse, "en") == "ESF amount €62,414 larger than the total budget €61,523"
    assert issue_text("fse_exceeds_budget", "not json", "the build's words", "fr") == "the build's words"


@pytest.mark.parametrize("field, fr, en", [
    ("total_budget_eur", "budget total", "total budget"),
    ("lead_org", "porteur", "lead organisation"),
    ("key_figure_2", "chiffre clé 2", "key figure 2"),
    ("something_else", "something_else", "something_else"),
])
def test_provenance_shows_field_labels(field, fr, en):
    from analytics.i18n import field_label

    assert field_label(field, "fr") == fr and field_label(field, "en") == en
