"""The steering-committee deck for the current filters, as PPTX and PDF. No Streamlit here.

One list of slides (title, key figures, budgets, FSE, map, themes, projects, data caveats)
rendered twice: python-pptx for the PPTX (charts as PNG), and an HTML page printed to PDF by
the machine's Chromium (charts as SVG, so the PDF stays vector). Everything offline.
"""

from __future__ import annotations

import html
import io
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from analytics import charts, exports, maps
from analytics import queries as Q
from analytics.filters import Filters
from analytics.i18n import based_on, fmt_date, fmt_eur, fmt_eur_short, fmt_int, fmt_pct, plural, sep, t
from common import settings

CHROMIUM = settings.chromium()


@dataclass
class Slide:
    title: str
    subtitle: str = ""
    bullets: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    chart: object | None = None  # a Plotly figure
    table: list[list[str]] | None = None
    note: str = ""


def build_slides(f: Filters, lang: str, describe, rule_label, status_label) -> list[Slide]:
    """The deck's content: data from the query module, figures from the chart builders."""
    s = Q.summary(f)
    k = Q.kpis(f)
    built = Q.ranges().get("built_at")
    src = Q.sources()
    slides = [Slide(
        title=t("deck_title", lang), subtitle=t("deck_subtitle", lang) + " — " + fmt_date(date.today(), lang),
        bullets=[t("filtered_by", lang, desc=describe(f, lang)),
                 based_on(s, lang),
                 t("data_date", lang, d=fmt_date(built, lang)) if built else "",
                 t("deck_sources", lang) + sep(lang) + ", ".join(f"{r.source_file} ({r.n_records})"
                                                              for r in src.itertuples())])]
    slides.append(Slide(title=t("deck_key_figures", lang), figures=[
        (t("kpi_projects", lang), fmt_int(k["projects"], lang)),
        (t("kpi_budget", lang), fmt_eur_short(k["total_budget"], lang)),  # tiles: 108,1 M€ rather than 12 digits
        (t("kpi_fse", lang), fmt_eur_short(k["fse_amount"], lang)), (t("kpi_median_rate", lang), fmt_pct(k["median_rate"], lang)),
        (t("kpi_grants", lang), fmt_eur_short(k["grants"], lang)), (t("kpi_regions", lang), fmt_int(k["regions_covered"], lang))],
        note=t("bu_budget_note", lang)))
    if s["n"] == 0:
        slides.append(Slide(title=t("empty", lang)))
        return slides
    hist = Q.budget_histogram(f, True, "programme")
    if not hist.empty:
        slides.append(Slide(title=t("bu_title", lang), chart=charts.budget_histogram(
            hist, True, lang, lambda g: t("others", lang) if g == Q.OTHERS else str(g)),
                            note=t("bu_budget_note", lang)))
    fse = Q.fse_projects(f)
    if not fse.empty:
        flagged = fse[fse["flags"] != ""]
        note = "; ".join(f"{r.title[:60]}{sep(lang)}{', '.join(rule_label(x) for x in r.flags.split(', '))}"
                         for r in flagged.head(5).itertuples())  # a slide note, not the whole list
        n_flagged = int(Q.fse_summary(f)["flagged"])
        if n_flagged > 5:
            note += f" (+ {fmt_int(n_flagged - 5, lang)})"
        slides.append(Slide(title=t("fse_title", lang), chart=charts.fse_scatter(fse, lang), note=note))
    off = Q.off_map(f).set_index("scope")["n"]
    slides.append(Slide(title=t("map_title", lang),
                        chart=maps.choropleth(Q.map_regions(f), "region", "n", lang,
                                                t("map_title_fmt", lang, measure=t("m_count", lang),
                                                  level=t("level_region", lang)), height=620),
                        note=t("deck_offmap", lang, n=int(off.get("national", 0)), u=int(off.get("none", 0)))
                        + ". " + t("map_multi_note", lang)))
    totals = Q.theme_totals(f)
    if not totals.empty:
        slides.append(Slide(title=t("th_title", lang), chart=charts.theme_bars(totals, lang), note=t("th_note", lang)))
    top = Q.projects_page(f, "budget", True, 1, 12)
    rows = [[t("title", lang), t("lead_org", lang), t("status", lang), t("budget", lang), t("grant", lang)]]
    for r in top.itertuples():
        lead = r.lead_org if isinstance(r.lead_org, str) else "–"
        rows.append([r.title[:70], lead[:40], status_label(r.status), fmt_eur(r.budget_eur, lang),
                     fmt_eur(r.grant_amount_eur, lang)])
    more = s["n"] - len(top)
    slides.append(Slide(title=t("deck_projects", lang), table=rows,
                        note=t("deck_more", lang, more=plural("project", more, lang)) if more > 0 else ""))
    cov = Q.coverage(f)
    issues = Q.issues_by_rule(f)
    bullets = [t("deck_coverage", lang, b=fmt_pct(cov["with_budget"] / cov["n"], lang, 0),
                 m=fmt_pct(cov["on_map"] / cov["n"], lang, 0), t=fmt_pct(cov["themed"] / cov["n"], lang, 0))]
    for r in issues.head(8).itertuples():
        bullets.append(f"{t('sev_' + r.severity, lang)} — {rule_label(r.rule)}{sep(lang)}{r.n}")
    errors = Q.issues_list(f, severities=("error",), limit=4)
    for r in errors.itertuples():  # an issue may be about a file's row, with neither project nor programme
        what = r.record if isinstance(r.record, str) else f"{r.source_file or '?'}" + (
            f", {t('line', lang).lower()} {int(r.source_line)}" if r.source_line == r.source_line and r.source_line else "")
        bullets.append(f"{what[:60]}{sep(lang)}{rule_label(r.rule)}" + (f" ({r.values})" if isinstance(r.values, str)
                                                                  and r.values else ""))
    slides.append(Slide(title=t("deck_caveats", lang), bullets=bullets))
    return slides


# -- PPTX -------------------------------------------------------------------------------------------------------------
def to_pptx(slides: list[Slide]) -> bytes:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    blue = RGBColor(0x00, 0x72, 0xB2)

    def text(slide, x, y, w, h, value, size=18, bold=False, color=None):
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        tf = box.text_frame
        tf.word_wrap = True
        lines = value if isinstance(value, list) else [value]
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            p.font.size, p.font.bold = Pt(size), bold
            if color:
                p.font.color.rgb = color
        return box

    for i, s in enumerate(slides):
        slide = prs.slides.add_slide(blank)
        if i == 0:
            text(slide, 0.8, 2.0, 11.5, 1.2, s.title, 44, True, blue)
            text(slide, 0.8, 3.2, 11.5, 0.8, s.subtitle, 24)
            text(slide, 0.8, 4.3, 11.5, 2.8, [b for b in s.bullets if b], 14)
            continue
        text(slide, 0.5, 0.3, 12.3, 0.8, s.title, 28, True, blue)
        if s.figures:
            for j, (label, value) in enumerate(s.figures):
                x, y = 0.6 + (j % 3) * 4.1, 1.6 + (j // 3) * 2.3
                text(slide, x, y, 3.9, 0.5, label, 16)
                text(slide, x, y + 0.5, 3.9, 1.0, value, 32, True)
        if s.chart is not None:
            png = exports.figure_bytes(s.chart, "png", width=1200, height=620, font_size=15)
            slide.shapes.add_picture(io.BytesIO(png), Inches(0.6), Inches(1.2), width=Inches(12.1))
        if s.table:
            rows, cols = len(s.table), len(s.table[0])
            shape = slide.shapes.add_table(rows, cols, Inches(0.5), Inches(1.2), Inches(12.3), Inches(0.4 * rows))
            widths = [5.0, 3.0, 1.3, 1.5, 1.5]
            for c in range(cols):
                shape.table.columns[c].width = Inches(widths[c] if c < len(widths) else 1.5)
                for r in range(rows):
                    cell = shape.table.cell(r, c)
                    cell.text = s.table[r][c]
                    for p in cell.text_frame.paragraphs:
                        p.font.size = Pt(11 if r else 12)
                        p.font.bold = r == 0
        if s.bullets:
            text(slide, 0.6, 1.3, 12.1, 5.6, ["• " + b for b in s.bullets if b], 16)
        if s.note:
            text(slide, 0.5, 6.75, 12.3, 0.6, s.note[:400], 11)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# -- PDF --------------------------------------------------------------------------------------------------------------
_CSS = """
@page { size: 13.333in 7.5in; margin: 0; }
body { margin: 0; font-family: 'Source Sans Pro', 'DejaVu Sans', Arial, sans-serif; color: #222; }
section { width: 13.333in; height: 7.5in; box-sizing: border-box; padding: 0.45in 0.6in; page-break-after: always;
          position: relative; overflow: hidden; }
h1 { color: #0072B2; font-size: 28pt; margin: 0 0 0.2in 0; }
section.title h1 { font-size: 44pt; margin-top: 1.4in; }
.sub { font-size: 22pt; margin-bottom: 0.4in; }
ul { font-size: 15pt; line-height: 1.5; }
.figs { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.35in; margin-top: 0.4in; }
.fig .l { font-size: 15pt; color: #555; } .fig .v { font-size: 30pt; font-weight: bold; }
.chart svg { width: 12.1in; height: auto; max-height: 5.6in; }
table { border-collapse: collapse; font-size: 11pt; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 4px 8px; text-align: left; } th { background: #eef4f9; }
.note { position: absolute; bottom: 0.3in; left: 0.6in; right: 0.6in; font-size: 10pt; color: #555; }
"""


def to_html(slides: list[Slide], lang: str) -> str:
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><style>{_CSS}</style></head><body>"]
    for i, s in enumerate(slides):
        e = html.escape
        parts.append(f"<section class='{'title' if i == 0 else ''}'><h1>{e(s.title)}</h1>")
        if s.subtitle:
            parts.append(f"<div class='sub'>{e(s.subtitle)}</div>")
        if s.figures:
            parts.append("<div class='figs'>" + "".join(
                f"<div class='fig'><div class='l'>{e(a)}</div><div class='v'>{e(b)}</div></div>" for a, b in s.figures)
                + "</div>")
        if s.chart is not None:
            svg = exports.figure_bytes(s.chart, "svg", width=1200, height=560, font_size=15).decode("utf-8")
            parts.append(f"<div class='chart'>{svg}</div>")
        if s.table:
            head, *body = s.table
            parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in head) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in body) + "</table>")
        if s.bullets:
            parts.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets if b) + "</ul>")
        if s.note:
            parts.append(f"<div class='note'>{e(s.note[:500])}</div>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(slides: list[Slide], lang: str) -> bytes:
    """Print the HTML deck to PDF with headless Chromium (no network: the page has no outside reference)."""
    with tempfile.TemporaryDirectory() as d:
        page, out = Path(d) / "deck.html", Path(d) / "deck.pdf"
        page.write_text(to_html(slides, lang), encoding="utf-8")
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run", f"--user-data-dir={d}/profile", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", page.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, timeout=120)
        if not out.exists():
            raise RuntimeError(f"chromium could not print the deck (exit {proc.returncode}): "
                               f"{proc.stderr.decode(errors='replace')[-500:]}")
        return out.read_bytes()
