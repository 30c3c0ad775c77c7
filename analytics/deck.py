"""The steering-committee deck for the current filters: what it says, slide by slide. No Streamlit here.

One list of slides — title, key figures, calls (funnel and envelope), budgets, FSE, map, themes, projects, data
caveats, sources and method — rendered twice by ``analytics.deck_render``: a PPTX a presenter uses as it is (a title
placeholder on every slide, native editable charts, speaker notes giving each figure's basis and sources) and a PDF
(the same slides printed by the machine's Chromium, charts as vector SVG). Everything offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics import charts, maps
from analytics import queries as Q
from analytics.chartkit import short
from analytics.deck_render import to_html, to_pdf, to_pptx  # noqa: F401 - the deck's two renderings, from here
from analytics.filters import Filters
from analytics.i18n import (
    based_on,
    coverage,
    fmt_date,
    fmt_eur,
    fmt_eur_short,
    fmt_int,
    fmt_pct,
    issue_text,
    lsep,
    plural,
    sep,
    t,
)
from common.contract import ENVELOPE_TOLERANCE, RATE_TOLERANCE


@dataclass
class Native:
    """A chart PowerPoint draws itself (editable): ``kind`` bar (horizontal), column or scatter; ``series`` as
    (name, values) — for a scatter, values are (x, y) pairs."""
    kind: str
    categories: list[str]
    series: list[tuple[str, list]]
    number_format: str = "#,##0"
    title: str = ""
    value_title: str = ""
    category_title: str = ""
    stacked: bool = False
    whole: bool = False  # counts: ticks on whole numbers


@dataclass
class Slide:
    title: str
    subtitle: str = ""
    bullets: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    chart: object | None = None  # a Plotly figure: the PDF's (SVG), and the PPTX's picture when no native chart
    native: Native | None = None
    table: list[list[str]] | None = None
    note: str = ""  # the line at the foot of the slide: what the figures count
    notes: str = ""  # the presenter's notes: basis, filters, sources


def build_slides(f: Filters, lang: str, describe, rule_label, status_label) -> list[Slide]:
    """The deck's content: data from the query module, figures from the chart builders."""
    s, k, cov = Q.summary(f), Q.kpis(f), Q.coverage(f)
    built = Q.ranges().get("built_at")
    filters = t("filtered_by", lang, desc=describe(f, lang))
    basis = based_on(s, lang)
    sources = _sources(lang)
    common = f"{filters}\n{basis}\n" + (t("data_date", lang, d=fmt_date(built, lang)) if built else "")
    slides = [Slide(title=t("deck_title", lang), subtitle=t("deck_subtitle", lang) + " — " + fmt_date(date.today(), lang),
                    bullets=[filters, basis, t("data_date", lang, d=fmt_date(built, lang)) if built else ""],
                    notes=common + "\n" + t("deck_notes_sources", lang, sources=lsep(lang).join(sources)))]
    figures = [(t("kpi_projects", lang), fmt_int(k["projects"], lang)),
               (t("kpi_budget", lang), fmt_eur_short(k["total_budget"], lang)),  # 108,1 M€ rather than 12 digits
               (t("kpi_fse", lang), fmt_eur_short(k["fse_amount"], lang)),
               (t("kpi_median_rate", lang), fmt_pct(k["median_rate"], lang)),
               (t("kpi_grants", lang), fmt_eur_short(k["grants"], lang)),
               (t("kpi_regions", lang), fmt_int(k["regions_covered"], lang))]
    what = t("kpi_cover", lang, budget=coverage("budget", cov["with_total"], s["n"], lang),
             fse=coverage("fse", cov["fse"], s["n"], lang), grants=coverage("all", cov["grant"], s["n"], lang))
    slides.append(Slide(title=t("deck_key_figures", lang), figures=figures, note=what,
                        notes=common + "\n" + what + "\n" + t("bu_budget_note", lang) + "\n"
                        + lsep(lang).join(f"{a}{sep(lang)}{fmt_eur(k[c], lang)}" for a, c in (
                            (t("kpi_budget", lang), "total_budget"), (t("kpi_fse", lang), "fse_amount"),
                            (t("kpi_grants", lang), "grants")))))
    if s["n"] == 0:
        slides.append(Slide(title=t("empty", lang), notes=common))
        return slides
    calls = _calls_slide(f, lang, common)
    if calls:
        slides.append(calls)
    slides += _chart_slides(f, lang, s, cov, common, rule_label)
    slides.append(_projects_slide(f, lang, s, common, status_label))
    slides.append(_caveats_slide(f, lang, s, cov, common, rule_label))
    slides.append(Slide(title=t("deck_method", lang), bullets=[
        t("deck_method_sources", lang, sources=lsep(lang).join(sources)),
        t("deck_method_read", lang),
        t("deck_method_checks", lang, rate=fmt_pct(RATE_TOLERANCE, lang), env=fmt_pct(ENVELOPE_TOLERANCE, lang)),
        t("deck_method_counts", lang), filters], notes=common))
    return slides


def _sources(lang: str) -> list[str]:
    """Each file loaded by its own title and what it gave ('Appel à projets PTCE 2015 (26 projets)')."""
    files = Q.source_files()
    files = files[files["status"] == "loaded"]
    return [f"{short(r.title, 90)} ({plural('project', r.n_records or 0, lang)})" for r in files.itertuples()]


def _calls_slide(f: Filters, lang: str, common: str) -> Slide | None:
    """The calls: how many applied, were kept and won; and whether the laureates' grants add up to the envelope."""
    fun, rec = Q.funnels(f), Q.envelope_reconciliation(f)
    if fun.empty and rec.empty:
        return None
    stages = ["applications", "admissible", "preselected", "laureates", "supported"]
    rows = [[t("programme", lang)] + [t(f"funnel_{c}", lang) for c in stages]]
    for r in fun.itertuples():
        rows.append([short(r.name, 60)] + [fmt_int(getattr(r, c), lang) for c in stages])
    bullets = []
    for r in rec.itertuples():
        share = abs(r.gap_eur) / r.envelope_eur if r.envelope_eur else 0
        verdict = t("within_tolerance" if r.within_tolerance else "outside_tolerance", lang,
                    tol=fmt_pct(ENVELOPE_TOLERANCE, lang))
        bullets.append(t("deck_envelope", lang, call=short(r.name, 70), grants=fmt_eur(r.grants_eur, lang),
                         envelope=fmt_eur(r.envelope_eur, lang), gap=fmt_eur(r.gap_eur, lang),
                         share=fmt_pct(share, lang, 2), verdict=verdict, laureates=plural("laureate", r.n_grants, lang)))
    return Slide(title=t("deck_calls", lang), table=rows if len(rows) > 1 else None, bullets=bullets,
                 note=t("cov_funnel", lang, n=fmt_int(len(fun), lang)) + (
                     " " + t("call_level_note", lang) if f != Filters(programmes=f.programmes) else ""),
                 notes=common + "\n" + t("deck_calls_notes", lang))


def _chart_slides(f: Filters, lang: str, s: dict, cov: dict, common: str, rule_label) -> list[Slide]:
    out = []
    with_budget = coverage("budget", s["n"] - s["no_budget"], s["n"], lang)
    hist = Q.budget_histogram(f, True, "programme")
    if not hist.empty:
        bins = hist.groupby(["x0", "lo_eur", "hi_eur"], as_index=False)["n"].sum().sort_values("x0")
        cats = [f"{fmt_eur_short(a, lang)} – {fmt_eur_short(b, lang)}" for a, b in zip(bins["lo_eur"], bins["hi_eur"])]
        out.append(Slide(title=t("bu_title", lang), chart=charts.budget_histogram(
                             hist, True, lang, {Q.OTHERS: t("others", lang)}, with_budget),
                         native=Native("column", cats, [(t("n_projects", lang), [int(x) for x in bins["n"]])],
                                       title=t("bu_hist", lang), value_title=t("n_projects", lang),
                                       category_title=t("budget", lang), whole=True),
                         note=with_budget, notes=common + "\n" + with_budget + "\n" + t("bu_budget_note", lang)))
    fse = Q.fse_projects(f)
    if not fse.empty:
        fs = Q.fse_summary(f)
        flagged = fse[fse["flags"] != ""]
        basis = coverage("fse", len(fse), s["n"], lang)
        lines = [f"{r.title}{sep(lang)}{', '.join(rule_label(x) for x in r.flags.split(', '))} — FSE "
                 f"{fmt_eur(r.fse_amount_eur, lang)} / {fmt_eur(r.total_budget_eur, lang)}" for r in flagged.itertuples()]
        ok = fse[fse["flags"] == ""]
        series = [(t("fse_ok", lang), list(zip(ok["total_budget_eur"].astype(float), ok["fse_amount_eur"].astype(float))))]
        if len(flagged):
            series.append((t("fse_flagged", lang), list(zip(flagged["total_budget_eur"].astype(float),
                                                            flagged["fse_amount_eur"].astype(float)))))
        out.append(Slide(title=t("fse_title", lang), chart=charts.fse_scatter(fse, lang, basis),
                         native=Native("scatter", [], series, "#,##0 €", t("fse_scatter", lang),
                                       t("fse_amount", lang) + " (€)", t("total_budget", lang) + " (€)"),
                         note=basis + (f" ; {t('issues_flagged', lang).lower()}{sep(lang)}{fmt_int(fs['flagged'], lang)}"
                                       if fs["flagged"] else ""),
                         notes=common + "\n" + basis + "\n" + "\n".join(lines[:12])))
    regions = Q.map_regions(f)
    center, zoom = maps.view_of("region", tuple(f.regions))
    off = Q.off_map(f).set_index("scope")["n"]
    outside = int(off.get("national", 0)) + int(off.get("none", 0))
    on_map = coverage("map", s["n"] - outside, s["n"], lang)
    listed = regions[regions["n"] > 0].sort_values("n", ascending=False)
    out.append(Slide(title=t("map_title", lang),
                     chart=maps.choropleth(regions, "region", "n", lang, t("map_title_fmt", lang, measure=t(
                         "m_count", lang), level=t("level_region", lang)), height=620, center=center, zoom=zoom,
                         scale_title=t("m_count", lang), subtitle=on_map),
                     note=on_map + ". " + t("deck_offmap", lang, n=int(off.get("national", 0)), u=int(off.get("none", 0))),
                     notes=common + "\n" + on_map + "\n" + t("map_multi_note", lang) + "\n" + lsep(lang).join(
                         f"{r.name}{sep(lang)}{plural('project', r.n, lang)}" for r in listed.itertuples())))
    totals = Q.theme_totals(f)
    if not totals.empty:
        label = "label_fr" if lang == "fr" else "label_en"
        themed = coverage("themed", cov["themed"], s["n"], lang)
        d = totals.iloc[::-1]
        out.append(Slide(title=t("th_title", lang), chart=charts.theme_bars(totals, lang, themed),
                         native=Native("bar", list(d[label]), [(t("n_projects", lang), [int(x) for x in d["n"]])],
                                       title=t("th_bar", lang), value_title=t("n_projects", lang), whole=True),
                         note=themed, notes=common + "\n" + themed + "\n" + t("th_note", lang) + "\n" + lsep(lang).join(
                             f"{r[label]}{sep(lang)}{fmt_eur(r['budget_eur'], lang)}" for _, r in totals.iterrows())))
    return out


def _projects_slide(f: Filters, lang: str, s: dict, common: str, status_label) -> Slide:
    top = Q.projects_page(f, "budget", True, 1, 12)
    rows = [[t("budget", lang), t("title", lang), t("lead_org", lang), t("status", lang), t("grant", lang)]]
    for r in top.itertuples():
        lead = r.lead_org if isinstance(r.lead_org, str) else "–"
        rows.append([fmt_eur(r.budget_eur, lang), short(r.title, 70), short(lead, 40), status_label(r.status),
                     fmt_eur(r.grant_amount_eur, lang)])
    more = s["n"] - len(top)
    return Slide(title=t("deck_projects", lang), table=rows,
                 note=t("deck_more", lang, more=plural("project", more, lang)) if more > 0 else "",
                 notes=common + "\n" + "\n".join(f"{r.title} — {r.programme}" for r in top.itertuples()))


def _caveats_slide(f: Filters, lang: str, s: dict, cov: dict, common: str, rule_label) -> Slide:
    n = max(cov["n"], 1)
    bullets = [t("deck_coverage", lang, b=fmt_pct(cov["with_budget"] / n, lang, 0), m=fmt_pct(cov["on_map"] / n, lang, 0),
                 t=fmt_pct(cov["themed"] / n, lang, 0)),
               coverage("issues", cov["with_issue"], s["n"], lang)]
    issues = Q.issues_by_rule(f)
    by_sev = issues.groupby("severity")["n"].sum() if not issues.empty else pd.Series(dtype=int)
    if len(by_sev):
        bullets.append(lsep(lang).join(f"{t('sev_' + sev, lang)}{sep(lang)}{fmt_int(by_sev[sev], lang)}"
                                  for sev in ("error", "warning", "info") if sev in by_sev))
    for r in issues.head(5).itertuples():
        bullets.append(f"{rule_label(r.rule)}{sep(lang)}{fmt_int(r.n, lang)} ({t('sev_' + r.severity, lang).lower()})")
    details = []
    for r in Q.issues_list(f, severities=("error",), limit=6).itertuples():
        what = r.record if isinstance(r.record, str) else (r.source_file or "?")
        details.append(f"{short(what, 60)}{sep(lang)}{issue_text(r.rule, r.params, r.message, lang)}")
    return Slide(title=t("deck_caveats", lang), bullets=bullets + details[:3],
                 notes=common + "\n" + "\n".join(details))
