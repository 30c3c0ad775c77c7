"""What every page shares: language, current filters, the filter line, charts with their table twin."""

from __future__ import annotations

import functools
import json
import logging
import traceback

import pandas as pd
import streamlit as st

from analytics import exports
from analytics import queries as Q
from analytics.filters import Filters
from analytics.i18n import based_on, field_label, fmt_date, fmt_eur, fmt_int, fmt_pct, lsep, sep, t
from analytics.i18n import rule_label as i18n_rule_label
from common.contract import STATUSES
from common.i18n import catalogue

log = logging.getLogger("ess.dashboard")

# Captions readable: Streamlit fades them (opacity 0.6: 2.8:1 on white, under WCAG AA's 4.5:1); ours are 7:1
_STYLE = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #555964 !important; }
[data-testid="stCaptionContainer"] p, [data-testid="stCaptionContainer"] strong { color: #555964; }
[data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"] { color: #555964; }
</style>"""

# The document's language (Streamlit's page says "en"); our code only, the code as JSON.
_SCRIPT = """<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  doc.documentElement.lang = %(lang)s;
})();
</script>"""


def chrome(lg: str) -> None:
    """Once per run, from dashboard.py: the style and the page's language."""
    st.html(_STYLE)  # style only: sent to the event container, takes no room
    with st.sidebar:
        st.html(_SCRIPT % {"lang": json.dumps(lg)}, unsafe_allow_javascript=True)


def alt(fig) -> str:
    """A chart's accessible name: its title and subtitle (what it shows and what it counts); its data is the table
    twin below it."""
    title = fig.layout.title
    words = [title.text or "", (title.subtitle.text if title.subtitle else "") or ""]
    return " — ".join(w for w in words if w) or t("chart", lang())


@functools.cache
def plotly_config(lg: str, **extra) -> dict:
    """Plotly's configuration in the user's language: its toolbar and hover texts from the catalogue ([plotly])."""
    words = {k.split(".", 1)[1]: v for k, v in catalogue(lg).items() if k.startswith("plotly.")}
    return {"displaylogo": False, "locale": lg, "locales": {lg: {"dictionary": words}},
            "modeBarButtonsToRemove": ["select2d", "lasso2d"], **extra}


def lang() -> str:
    return st.session_state.get("lang", "fr")


def filters() -> Filters:
    return st.session_state.get("filters", Filters())


def _rule_label(rule: str, lg: str) -> str:
    return i18n_rule_label(rule, lg)


def rule_label(rule: str) -> str:
    return _rule_label(rule, lang())


def status_label(s: str) -> str:
    return t(f"status_{s}", lang())


_MD_SPECIAL = set("\\`*_[]<>|~$:")  # links, emphasis, code, HTML, tables, strikes, maths, icons and colours


def md_escape(text: str) -> str:
    """Text shown as Markdown shown as typed: no link, emphasis, icon or colour from a user's or a file's words."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in text)


def describe(f: Filters, lg: str, esc=str) -> str:
    """The filters in words, for the filter line (``esc=md_escape``: the names and the words searched shown as
    typed) and for exported files."""
    parts = []
    if f.programmes:
        names = Q.programmes().set_index("programme_id")["name"]
        parts.append(f"{t('f_programme', lg)}{sep(lg)}" + ", ".join(esc(str(names.get(p, p))[:50]) for p in f.programmes))
    if f.statuses:
        parts.append(f"{t('f_status', lg)}{sep(lg)}" + ", ".join(t(f"status_{s}", lg) for s in f.statuses))
    if f.regions:
        names = Q.regions().set_index("region_code")["name"]
        parts.append(f"{t('f_region', lg)}{sep(lg)}" + ", ".join(esc(str(names.get(r, r))) for r in f.regions))
    if f.departments:
        names = Q.departments().set_index("department_code")["name"]
        parts.append(f"{t('f_department', lg)}{sep(lg)}" + ", ".join(esc(f"{names.get(d, d)} ({d})") for d in f.departments))
    if f.themes:
        th = Q.themes().set_index("theme_id")["label_fr" if lg == "fr" else "label_en"]
        parts.append(f"{t('f_theme', lg)}{sep(lg)}" + ", ".join(esc(str(th.get(x, x))) for x in f.themes))
    if f.orgs:
        names = Q.org_options(tuple(f.orgs)).set_index("org_id")["name"]
        parts.append(f"{t('f_org', lg)}{sep(lg)}" + ", ".join(esc(str(names.get(o, o))) for o in f.orgs))
    if f.budget_min is not None or f.budget_max is not None:
        parts.append(f"{t('f_budget', lg)}{sep(lg)}{fmt_eur(f.budget_min or 0, lg)} – "
                     f"{fmt_eur(f.budget_max, lg) if f.budget_max is not None else '…'}")
    if f.year_from is not None or f.year_to is not None:
        parts.append(f"{t('f_period', lg)}{sep(lg)}{f.year_from or '…'}–{f.year_to or '…'}")
    if f.exclude:
        parts.append(f"{t('f_exclude', lg)}{sep(lg)}" + ", ".join(t(f"sev_{s}", lg).lower() for s in f.exclude))
    if f.search.strip():
        parts.append(f"{t('f_search', lg).split(' (')[0]}{sep(lg)}« {esc(f.search.strip())} »")
    return " ; ".join(parts) if parts else t("no_filter", lg)


def header(title_key: str) -> dict:
    """Page title and the line that says what is shown. Stops the page with a helpful message on no match."""
    lg, f = lang(), filters()
    st.title(t(title_key, lg))
    s = Q.summary(f)
    line = based_on(s, lg)
    if s["no_budget"]:
        line += (" ; " if lg == "fr" else "; ") + t("without_budget", lg, n=fmt_int(s["no_budget"], lg))
    st.caption(f"**{line}** — {t('filtered_by', lg, desc=describe(f, lg, md_escape))}", help=data_date())
    if s["n"] == 0:
        st.info(t("empty", lg), icon=":material/search_off:")
        st.stop()
    return s


def extraction_banner() -> None:
    """While the build could not read some records or documents, the Overview and Data quality pages say so."""
    lg = lang()
    e = Q.extraction_errors()
    if e["n_errors"] or e["n_skipped"]:
        st.error(t("extraction_banner", lg, n=fmt_int(e["n_errors"], lg), files=fmt_int(e["n_files"], lg),
                   skipped=fmt_int(e["n_skipped"], lg)), icon=":material/report:")


def source_kind(family, profile, lg: str) -> str:
    """A loaded file's family or format in words ('Appel PTCE', 'Subventions (SCDL)')."""
    if not isinstance(family, str):
        return t("so_unknown", lg)
    return t(f"so_kind_{profile if family == 'table' and isinstance(profile, str) else family}", lg)


def counts_text(counts, lg: str) -> str:
    """What a document announces against what was read: 'lauréats : 14 annoncés / 14 lus ; …' ('' if nothing)."""
    if not hasattr(counts, "__len__") or isinstance(counts, str) or not len(counts):  # none announced: NULL
        return ""
    return lsep(lg).join(t("so_count", lg, what=field_label(c["what"], lg), a=fmt_int(c["announced"], lg),
                           f=fmt_int(c["found"], lg)) for c in counts)


def data_date() -> str:
    built = Q.ranges().get("built_at")
    return t("data_date", lang(), d=fmt_date(built, lang())) if built else ""


def _words(lg: str) -> dict[str, dict]:
    """Codes a reader sees in words, per column."""
    return {"status": {s: t(f"status_{s}", lg) for s in STATUSES},
            "severity": {s: t(f"sev_{s}", lg) for s in ("error", "warning", "info")},
            "scope": {s: t(f"scope_{s}", lg) for s in ("local", "multi-region", "national")},
            "within_tolerance": {}}


def _localised(df: pd.DataFrame, lg: str) -> tuple[pd.DataFrame, set]:
    """Headers in the user's language, codes and quality rules in words (exports.localised); the money columns."""
    shown, money = exports.localised(df, lg, _words(lg))
    col = "Règle" if lg == "fr" else "Rule"
    if col in shown.columns:
        shown[col] = shown[col].map(lambda r: _rule_label(r, lg) if isinstance(r, str) else r)
    return shown, money


def readable(df: pd.DataFrame, lg: str) -> tuple[pd.DataFrame, dict]:
    """A table as the page shows it: headers in the user's language, codes in words, amounts ``1 714 103 €``,
    counts grouped, rates ``50,0 %``, dates ``22/11/2026`` — right-aligned text, as the browser's grid cannot group
    digits the French way. Returns the table and its column configuration."""
    shown, money = _localised(df, lg)
    config = {}
    for raw, col in zip(df.columns.drop([c for c in df.columns if c in exports.INTERNAL], errors="ignore"),
                        shown.columns):
        values = shown[col]
        if col in money:
            shown[col] = values.map(lambda v: fmt_eur(v, lg))
        elif str(raw).endswith(("_rate", "rate_stated", "rate_computed", "_share")) or raw in ("share",):
            shown[col] = values.map(lambda v: fmt_pct(v, lg))
        elif pd.api.types.is_datetime64_any_dtype(values):
            shown[col] = values.map(lambda v: fmt_date(v, lg))
        elif pd.api.types.is_numeric_dtype(values) and not str(raw).startswith("year") and raw != "source_line":
            shown[col] = values.map(lambda v: fmt_int(v, lg))
        else:
            continue
        config[col] = st.column_config.TextColumn(col, alignment="right")
    return shown, config


def downloads(df: pd.DataFrame, key: str) -> None:
    """CSV and XLSX of a table; files are made only when the user clicks."""
    lg, desc, when = lang(), t("filtered_by", lang(), desc=describe(filters(), lang())), data_date()
    shown, money = _localised(df, lg)
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(t("download_csv", lg), lambda: exports.csv_bytes(shown, desc, when, lg), file_name=f"{key}.csv",
                       mime="text/csv", key=f"dl_{key}", on_click="ignore")
    c2.download_button(t("download_xlsx", lg), lambda: exports.xlsx_bytes(shown, desc, when, key, money),
                       file_name=f"{key}.xlsx", key=f"dlx_{key}", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def table_twin(df: pd.DataFrame, key: str, column_config: dict | None = None, fig=None) -> None:
    """A chart's data as a table (its accessible twin), readable, with its downloads."""
    box = st.expander(t("data_table", lang()), key=f"twin_{key}", on_change="rerun")
    if not box.open:  # built when opened: a table and four downloads per chart were half a page's run
        return
    with box:
        shown, config = readable(df, lang())
        st.dataframe(shown, hide_index=True, width="stretch", column_config={**config, **(column_config or {})})
        downloads(df, key)
        if fig is not None:
            c1, c2, _ = st.columns([1, 1, 3])
            c1.download_button(t("download_png", lang()), lambda: exports.figure_bytes(fig, "png"),
                               file_name=f"{key}.png", mime="image/png", key=f"png_{key}", on_click="ignore")
            c2.download_button(t("download_svg", lang()), lambda: exports.figure_bytes(fig, "svg"),
                               file_name=f"{key}.svg", mime="image/svg+xml", key=f"svg_{key}", on_click="ignore")


def chart(fig, df: pd.DataFrame, key: str, column_config: dict | None = None, **kw):
    event = st.plotly_chart(fig, width="stretch", key=f"chart_{key}", config=plotly_config(lang()), alt=alt(fig), **kw)
    table_twin(df, key, column_config, fig=fig)
    return event


def deck_buttons() -> None:
    """Sidebar: the steering-committee deck for the current filters, PPTX and PDF, made on click."""
    from analytics import deck

    lg, f = lang(), filters()

    def slides():
        return deck.build_slides(f, lg, describe, lambda r: _rule_label(r, lg), lambda s: t(f"status_{s}", lg))

    st.caption(t("deck_help", lg))
    c1, c2 = st.columns(2)
    c1.download_button(t("deck_pptx", lg), lambda: deck.to_pptx(slides()), file_name="comite-pilotage-ess.pptx",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       key="deck_pptx", on_click="ignore", width="stretch")
    c2.download_button(t("deck_pdf", lg), lambda: deck.to_pdf(slides(), lg), file_name="comite-pilotage-ess.pdf",
                       mime="application/pdf", key="deck_pdf", on_click="ignore", width="stretch")


def run(page_fn) -> None:
    """Run a page body: a missing warehouse says how to build it; any other failure shows a message, not a traceback."""
    try:
        page_fn()
    except Q.WarehouseMissing:
        st.warning(t("no_warehouse", lang()), icon=":material/database:")
    except Exception as exc:  # noqa: BLE001 - the user sees a sentence; the log keeps the details
        if type(exc).__name__ in ("StopException", "RerunException"):
            raise
        log.error("page failed: %s", traceback.format_exc())
        st.error(t("error", lang(), kind=type(exc).__name__), icon=":material/warning:")
