from datetime import date
from decimal import Decimal

import pytest

from etl.clean import parse_amount, parse_date, parse_period, parse_rate


@pytest.mark.parametrize("text, expected", [
    ("159 810 €", Decimal("159810")),
    ("33077 €", Decimal("33077")),
    ("1 200400 €", Decimal("1200400")),
    ("**1 170 503 €**", Decimal("1170503")),
    ("de **1 361 600 €**", Decimal("1361600")),
    ("**1018710 €.**", Decimal("1018710")),
    ("245 300,00 €", Decimal("245300.00")),
    ("1\u202f234\u00a0€", Decimal("1234")),
    ("15 k€", Decimal("15000")),
    ("9,6M€ depuis 2016", Decimal("9600000")),
    ("2,75 millions d'euros", Decimal("2750000")),
    ("une enveloppe globale de 2.75 millions d'euros", Decimal("2750000")),
    ("à hauteur de 2,58 millions d'€", Decimal("2580000")),
    ("79 905 € (50%)", Decimal("79905")),
    ("1,234,567.89 €", Decimal("1234567.89")),  # English separators: the last mark is the decimal one
    ("1.234.567,89 €", Decimal("1234567.89")),
    ("1234567.89 €", Decimal("1234567.89")),
    ("12 OOO €", None),
    ("", None),
    ("aucun montant", None),
])
def test_parse_amount(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("79 905 € (50%)", Decimal("0.5")),
    ("50 %", Decimal("0.5")),
    ("taux de 42,5 %", Decimal("0.425")),
    ("sans taux", None),
])
def test_parse_rate(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("01/07/2020 - 31/12/2021", (date(2020, 7, 1), date(2021, 12, 31))),
    ("01/01/2021 – 31/12/2021", (date(2021, 1, 1), date(2021, 12, 31))),
    ("01/01/2020 - 31/12/2021 |", (date(2020, 1, 1), date(2021, 12, 31))),
    ("du 1er juillet 2020 au 31 décembre 2021", (date(2020, 7, 1), date(2021, 12, 31))),
    ("2020-2021", (date(2020, 1, 1), date(2021, 12, 31))),  # two years printed alone: the years whole
    ("juillet 2020 – décembre 2021", (date(2020, 7, 1), date(2021, 12, 31))),  # a month alone: to its last day
    ("01/2021 - 06/2022", (date(2021, 1, 1), date(2022, 6, 30))),
    ("2021-01-01 au 2022-06-30", (date(2021, 1, 1), date(2022, 6, 30))),
    ("31/02/2020 - 31/12/2021", (None, date(2021, 12, 31))),
])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


def test_parse_date_two_digit_year():
    assert parse_date("15/03/21") == date(2021, 3, 15)


@pytest.mark.parametrize("text, found", [
    ("Un tiers-lieu en Provence-Alpes-Côte d'Azur, près de la Communauté d'agglomération du Pays Basque",
     [("provence alpes cote d azur", "region", ("93",), ()), ("communaute d agglomeration du pays basque", "epci_named", ("75",), ("64",))]),
    ("Atelier à Clermont-Ferrand (63) et en Haute-Loire",
     [("clermont ferrand", "commune", ("84",), ("63",)), ("haute loire", "department", ("84",), ("43",)),
      ("(63)", "dep_code", ("84",), ("63",))]),
    ("Un atelier sans lieu nommé", []),
])
def test_places_named_in_free_text(text, found):
    """The geocoder's text scan: longest names first (up to the longest name starting with each word)."""
    from etl import geo

    assert [(p, pl.kind, pl.regions, pl.departments) for p, pl in geo.gazetteer().scan(text)] == found
