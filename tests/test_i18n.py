"""Number formats: French first (narrow no-break spaces, decimal comma), English available."""

import pytest

from analytics.i18n import NBSP, NNBSP, fmt_eur, fmt_eur_short


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
