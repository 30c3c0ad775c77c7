"""French-first texts and number formats, with English available. The texts are the catalogues
common/locales/fr.toml and en.toml (one file per language); this module formats numbers, amounts, rates and dates."""

from __future__ import annotations

from datetime import date, datetime

from common.i18n import catalogue

LANGS = ("fr", "en")
NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"


def t(key: str, lang: str = "fr", **kw) -> str:
    """The dashboard's text ``key`` in ``lang`` (the catalogues common/locales/fr.toml and en.toml, section [app])."""
    text = catalogue(lang if lang in LANGS else "fr").get(f"app.{key}")
    if text is None:
        return key
    return text.format(**kw) if kw else text


def rule_label(rule: str, lang: str = "fr") -> str:
    """A quality rule's label (section [rule] of the catalogues); an unknown rule shows its name."""
    return catalogue(lang if lang in LANGS else "fr").get(f"rule.{rule}", rule)


def _missing(v) -> bool:
    if v is None:
        return True
    if type(v) in (int, str) or isinstance(v, float):  # the usual values, without pandas (charts format thousands)
        return bool(v != v)  # NaN
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def fmt_int(v, lang: str = "fr") -> str:
    if _missing(v):
        return "–"
    return _group(int(round(float(v))), NNBSP if lang == "fr" else ",")


def fmt_eur(v, lang: str = "fr") -> str:
    """``159 810 €`` in French, ``€159,810`` in English; whole euros."""
    if _missing(v):
        return "–"
    n = fmt_int(v, lang)
    return f"{n}{NBSP}€" if lang == "fr" else f"€{n}"


def fmt_eur_short(v, lang: str = "fr", unit: float | None = None) -> str:
    """An amount for a key-figure tile: exact below ten million euros (``9 999 999 €``), else in millions or
    billions with three significant digits at least (``108,1 M€``, ``2,35 Md€``; ``€108.1M``, ``€2.35bn``).
    ``unit`` (1e6 or 1e9) imposes the unit and drops trailing zeros, for the ticks of one axis (``20 M€``)."""
    if _missing(v):
        return "–"
    a = abs(float(v))
    if unit is None:
        if a < 1e7:
            return fmt_eur(v, lang)
        unit = 1e9 if a >= 999.95e6 else 1e6
        x = a / unit
        n = f"{x:,.{2 if x < 9.995 else 1 if x < 999.95 else 0}f}"
    else:
        n = f"{a / unit:,.2f}".rstrip("0").rstrip(".")
    name_fr, name_en = ("Md€", "bn") if unit >= 1e9 else ("M€", "M")
    sign = "-" if float(v) < 0 else ""
    if lang == "fr":
        return sign + n.replace(",", NNBSP).replace(".", ",") + f"{NBSP}{name_fr}"
    return f"{sign}€{n}{name_en}"


def fmt_pct(v, lang: str = "fr", digits: int = 1) -> str:
    if _missing(v):
        return "–"
    s = f"{float(v) * 100:.{digits}f}"
    return (s.replace(".", ",") + f"{NBSP}%") if lang == "fr" else f"{s}%"


def fmt_date(v, lang: str = "fr") -> str:
    if _missing(v):
        return "–"
    if isinstance(v, str):
        v = date.fromisoformat(v[:10])
    if isinstance(v, datetime):
        v = v.date()
    return v.strftime("%d/%m/%Y") if lang == "fr" else v.isoformat()


def date_format(lang: str) -> str:
    return "DD/MM/YYYY" if lang == "fr" else "YYYY-MM-DD"


def eur_format(lang: str) -> str:
    """printf-style format for st.column_config.NumberColumn."""
    return "%.0f €" if lang == "fr" else "€%.0f"


def plotly_separators(lang: str) -> str:
    """Plotly's ``separators``: decimal then thousands."""
    return ", " if lang == "fr" else ".,"


