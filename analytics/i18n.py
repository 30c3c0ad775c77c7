"""French-first texts and number formats, with English available. The texts are the catalogues
common/locales/fr.toml and en.toml (one file per language); this module formats numbers, amounts, rates and dates."""

from __future__ import annotations

from datetime import date, datetime

from common.i18n import catalogue
from common.i18n import message as message_of

LANGS = ("fr", "en")
NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"


def t(key: str, lang: str = "fr", **kw) -> str:
    """The dashboard's text ``key`` in ``lang`` (the catalogues common/locales/fr.toml and en.toml, section [app])."""
    text = catalogue(lang if lang in LANGS else "fr").get(f"app.{key}")
    if text is None:
        return key
    return text.format(**kw) if kw else text


def lsep(lang: str = "fr") -> str:
    """The semicolon between the items of a list: ' ; ' in French (a narrow no-break space before it), '; ' in
    English."""
    return f"{NNBSP}; " if lang == "fr" else "; "


def sep(lang: str = "fr") -> str:
    """The colon between a label and its value: a narrow no-break space before it in French ('Région : Bretagne'),
    none in English ('Region: Brittany')."""
    return f"{NNBSP}: " if lang == "fr" else ": "


def plural(key: str, n, lang: str = "fr") -> str:
    """A count and its noun, agreed ('1 projet', '0 projet', '12 projets'; '1 project', '0 projects'): the noun's two
    forms are the catalogue's [noun] entry, 'singular|plural'. French takes the singular below 2."""
    forms = (catalogue(lang if lang in LANGS else "fr").get(f"noun.{key}") or f"{key}|{key}").split("|")
    count = 0 if _missing(n) else float(n)
    one = abs(count) < 2 if lang == "fr" else count == 1
    return f"{fmt_int(count, lang)} {forms[0] if one else forms[-1]}"


def noun(key: str, n, lang: str = "fr") -> str:
    """The noun alone, agreed with ``n`` ('projet', 'projets')."""
    return plural(key, n, lang).split(" ", 1)[1]


def coverage(kind: str, n, total, lang: str = "fr", noun_key: str = "project") -> str:
    """What a chart counts, for its subtitle: '14 projets FSE sur 159' (catalogue ``cov_<kind>``)."""
    return t(f"cov_{kind}", lang, n=fmt_int(n, lang), noun=noun(noun_key, n, lang), total=fmt_int(total, lang))


def based_on(s: dict, lang: str = "fr") -> str:
    """'Sur la base de 23 projets sur 159' / 'Based on 23 of 159 projects' (s: n, total)."""
    return t("based_on", lang, n=fmt_int(s["n"], lang), projects=plural("project", s["n"], lang),
             total=fmt_int(s["total"], lang), total_projects=plural("project", s["total"], lang))


def geo_method(method: str, lang: str = "fr") -> str:
    """How a project was placed, in words ('postcode' -> 'code postal'); an unknown method shows as it is."""
    return catalogue(lang if lang in LANGS else "fr").get(f"geo.{method}", method)


def field_label(field: str, lang: str = "fr") -> str:
    """A field's name for a reader ('total_budget_eur' -> 'budget total'); an unknown field shows as it is."""
    import re

    base = field.split("@")[0]
    m = re.fullmatch(r"(.+?)_(\d+)", base)  # key_figure_2: the second key figure
    label = catalogue(lang if lang in LANGS else "fr").get(f"field.{m.group(1) if m else base}")
    return (f"{label} {m.group(2)}" if m else label) if label else base


def _param(key: str, value, lang: str) -> str:
    """A value of an issue's message, formatted by what its name says it is."""
    if value is None or value == "":
        return "–"
    try:
        if key.endswith("_eur"):
            return fmt_eur(float(value), lang)
        if key.endswith("_rate"):
            return fmt_pct(float(value), lang, 2)
        if key.endswith("_date"):
            return fmt_date(value, lang)
    except (TypeError, ValueError):
        return str(value)
    if key == "field":
        return field_label(str(value), lang)
    if key == "what":
        return field_label(str(value), lang)
    if key in ("announced", "found", "line", "row", "applications", "admissible") and str(value).isdigit():
        return fmt_int(int(value), lang)
    return str(value)


def issue_text(rule: str, params: str | None, message: str, lang: str = "fr") -> str:
    """A quality issue in the user's language: its rule's template ([issue] of the catalogue) with the values the
    warehouse keeps (fact_issues.params, JSON); a rejected row's, the problem's own words. Without them, the message
    the build wrote (English)."""
    import json

    if not isinstance(params, str) or not params:
        return message
    try:
        p = json.loads(params)
        if rule == "rejected_row":
            from common.contract import MAX_CELL

            problem = message_of(f"problem.{p.get('problem')}", lang, detail=p.get("detail") or "", limit=MAX_CELL)
            value = str(p.get("value") or "")
            value = value if len(value) <= 40 else value[:39] + "…"
            key = "problem.row" if value else "problem.row_no_value"
            return message_of(key, lang, row=p.get("row"), column=p.get("column"), value=value, problem=problem)
        if rule == "table_warning":
            return message_of(p.pop("key", ""), lang, **p) or message
        template = catalogue(lang if lang in LANGS else "fr").get(f"issue.{rule}")
        if not template:
            return message
        text = template.format(**{k: _param(k, v, lang) for k, v in p.items()})
        return text[:1].upper() + text[1:]
    except (ValueError, KeyError, IndexError, TypeError):
        return message


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
    if lang == "fr":
        return f"{n}{NBSP}€"
    return f"-€{n[1:]}" if n.startswith("-") else f"€{n}"  # -€771, as English writes it (and Streamlit's arrow reads)


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
    return (s.replace(".", ",") + f"{NNBSP}%") if lang == "fr" else f"{s}%"


def fmt_num(v, lang: str = "fr", digits: int = 1) -> str:
    """A decimal number: '1,5' in French, '1.5' in English."""
    if _missing(v):
        return "–"
    s = f"{float(v):,.{digits}f}"
    return s.replace(",", NNBSP).replace(".", ",") if lang == "fr" else s


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


