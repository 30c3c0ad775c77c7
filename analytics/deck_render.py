"""The deck's two renderings: PPTX (python-pptx: a title placeholder on every slide, native charts a presenter can
edit, speaker notes) and PDF (an HTML page printed by the machine's Chromium, charts as SVG, the document titled).
No Streamlit here; the slides come from ``analytics.deck``."""

from __future__ import annotations

import html
import io
import subprocess
import tempfile
from pathlib import Path

from analytics import exports
from common import settings

CHROMIUM = settings.chromium()
BLUE = (0x00, 0x72, 0xB2)
GREY = (0x4A, 0x4A, 0x4A)


# -- PPTX -------------------------------------------------------------------------------------------------------------
def _text(slide, x, y, w, h, value, size=18, bold=False, color=None):
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    tf = box.text_frame
    tf.word_wrap = True
    for i, line in enumerate(value if isinstance(value, list) else [value]):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = line
        p.font.size, p.font.bold = Pt(size), bold
        if color:
            p.font.color.rgb = RGBColor(*color)
    return box


def _native(slide, spec, x, y, w, h) -> None:
    """A chart PowerPoint draws (its data editable in the presentation)."""
    from pptx.chart.data import CategoryChartData, XyChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    if spec.kind == "scatter":
        data = XyChartData()
        for name, points in spec.series:
            ser = data.add_series(name, number_format=spec.number_format)
            for px, py in points:
                ser.add_data_point(px, py)
        kind = XL_CHART_TYPE.XY_SCATTER
    else:
        data = CategoryChartData(number_format=spec.number_format)
        data.categories = spec.categories
        for name, values in spec.series:
            data.add_series(name, values)
        kind = {("bar", False): XL_CHART_TYPE.BAR_CLUSTERED, ("bar", True): XL_CHART_TYPE.BAR_STACKED,
                ("column", False): XL_CHART_TYPE.COLUMN_CLUSTERED,
                ("column", True): XL_CHART_TYPE.COLUMN_STACKED}[(spec.kind, spec.stacked)]
    chart = slide.shapes.add_chart(kind, Inches(x), Inches(y), Inches(w), Inches(h), data).chart
    chart.font.size = Pt(12)
    chart.has_title = bool(spec.title)
    if spec.title:
        chart.chart_title.text_frame.text = spec.title
        chart.chart_title.text_frame.paragraphs[0].font.size = Pt(16)
    chart.has_legend = len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.tick_labels.number_format, value_axis.tick_labels.number_format_is_linked = spec.number_format, False
    if spec.whole:
        top = max((max(v) for _, v in spec.series if v), default=1)
        value_axis.major_unit = max(1, round(top / 6)) if top > 6 else 1
        value_axis.minimum_scale = 0
    for axis, title in ((value_axis, spec.value_title), (chart.category_axis, spec.category_title)):
        if title:
            axis.has_title = True
            axis.axis_title.text_frame.text = title
            axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)
    if spec.kind == "scatter":
        chart.category_axis.tick_labels.number_format = spec.number_format
        chart.category_axis.tick_labels.number_format_is_linked = False


def to_pptx(slides) -> bytes:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    title_layout, title_only = prs.slide_layouts[0], prs.slide_layouts[5]
    prs.core_properties.title = slides[0].title if slides else ""
    for i, s in enumerate(slides):
        slide = prs.slides.add_slide(title_layout if i == 0 else title_only)
        title = slide.shapes.title
        title.text = s.title
        if i == 0:
            title.left, title.top, title.width, title.height = Inches(0.8), Inches(1.6), Inches(11.7), Inches(1.4)
            sub = slide.placeholders[1]
            sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(3.0), Inches(11.7), Inches(0.8)
            sub.text = s.subtitle
            _text(slide, 0.8, 4.2, 11.7, 2.6, [b for b in s.bullets if b], 16)
        else:
            title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.9)
            p = title.text_frame.paragraphs[0]
            p.font.size, p.font.bold = Pt(30), True
            p.font.color.rgb = RGBColor(*BLUE)
        if i > 0:
            _body(slide, s)
        if s.notes:
            slide.notes_slide.notes_text_frame.text = s.notes
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _body(slide, s) -> None:
    from pptx.util import Inches, Pt

    top = 1.3
    if s.figures:
        for j, (label, value) in enumerate(s.figures):
            x, y = 0.6 + (j % 3) * 4.1, 1.5 + (j // 3) * 2.2
            _text(slide, x, y, 3.9, 0.5, label, 16, color=GREY)
            _text(slide, x, y + 0.5, 3.9, 1.0, value, 34, True)
    if s.native is not None:
        _native(slide, s.native, 0.6, top, 12.1, 5.3)
    elif s.chart is not None:  # no native chart of its kind (a map): the figure as a picture
        png = exports.figure_bytes(s.chart, "png", width=1200, height=620, font_size=15)
        slide.shapes.add_picture(io.BytesIO(png), Inches(1.3), Inches(top), height=Inches(5.4))
    if s.table:
        rows, cols = len(s.table), len(s.table[0])
        height = min(0.36 * rows, 5.2 if not s.bullets else 2.6)
        shape = slide.shapes.add_table(rows, cols, Inches(0.5), Inches(top), Inches(12.3), Inches(height))
        first = 4.6 if cols > 5 else 1.6  # the call's name, or the budget first
        widths = [first] + [(12.3 - first) / (cols - 1)] * (cols - 1) if cols > 1 else [12.3]
        if cols == 5:
            widths = [1.6, 5.0, 3.0, 1.2, 1.5]
        for c in range(cols):
            shape.table.columns[c].width = Inches(widths[c])
            for r in range(rows):
                cell = shape.table.cell(r, c)
                cell.text = s.table[r][c]
                for p in cell.text_frame.paragraphs:
                    p.font.size, p.font.bold = Pt(11 if r else 12), r == 0
        top += height + 0.3
    if s.bullets:
        _text(slide, 0.6, top, 12.1, 6.6 - top, ["• " + b for b in s.bullets if b], 15 if len(s.bullets) < 7 else 13)
    if s.note:
        _text(slide, 0.5, 6.8, 12.3, 0.5, s.note[:300], 11, color=GREY)


# -- PDF --------------------------------------------------------------------------------------------------------------
_CSS = """
@page { size: 13.333in 7.5in; margin: 0; }
body { margin: 0; font-family: 'Source Sans Pro', 'DejaVu Sans', Arial, sans-serif; color: #222; }
section { width: 13.333in; height: 7.5in; box-sizing: border-box; padding: 0.4in 0.6in; page-break-after: always;
          position: relative; overflow: hidden; }
h1 { color: #0072B2; font-size: 28pt; margin: 0 0 0.15in 0; }
section.title h1 { font-size: 44pt; margin-top: 1.4in; }
.sub { font-size: 22pt; margin-bottom: 0.4in; }
ul { font-size: 14pt; line-height: 1.45; }
.figs { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.35in; margin-top: 0.4in; }
.fig .l { font-size: 15pt; color: #4a4a4a; } .fig .v { font-size: 30pt; font-weight: bold; }
.chart svg { display: block; margin: 0 auto; width: auto; height: 5.5in; max-width: 12.1in; }
table { border-collapse: collapse; font-size: 11pt; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 4px 8px; text-align: left; } th { background: #eef4f9; }
td.num, th.num { text-align: right; white-space: nowrap; }
.note { position: absolute; bottom: 0.3in; left: 0.6in; right: 0.6in; font-size: 10pt; color: #4a4a4a; }
"""


def _is_number(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "-€–") and any(c.isdigit() for c in text)


def to_html(slides, lang: str) -> str:
    e = html.escape
    title = e(f"{slides[0].title} — {slides[0].subtitle}") if slides else ""
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
             f"<style>{_CSS}</style></head><body>"]
    for i, s in enumerate(slides):
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
            numeric = [all(_is_number(r[c]) or r[c] == "–" for r in body) and body for c in range(len(head))]
            cls = ["num" if n else "" for n in numeric]
            parts.append("<table><tr>" + "".join(f"<th class='{k}'>{e(c)}</th>" for c, k in zip(head, cls)) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td class='{k}'>{e(c)}</td>" for c, k in zip(r, cls)) + "</tr>"
                                   for r in body) + "</table>")
        if s.bullets:
            parts.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets if b) + "</ul>")
        if s.note:
            parts.append(f"<div class='note'>{e(s.note[:500])}</div>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(slides, lang: str) -> bytes:
    """The HTML deck printed to PDF; the PDF's title is the deck's (Chromium takes the page's <title>)."""
    return print_pdf(to_html(slides, lang))


def print_pdf(page_html: str) -> bytes:
    """An HTML page of ours printed to PDF by headless Chromium (no network: the page has no outside reference)."""
    with tempfile.TemporaryDirectory() as d:
        page, out = Path(d) / "page.html", Path(d) / "page.pdf"
        page.write_text(page_html, encoding="utf-8")
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run", f"--user-data-dir={d}/profile", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", page.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, timeout=120)
        if not out.exists():
            raise RuntimeError(f"chromium could not print the page (exit {proc.returncode}): "
                               f"{proc.stderr.decode(errors='replace')[-500:]}")
        return out.read_bytes()
