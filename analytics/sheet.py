"""One project as the app shows it and on one printable page (PDF): its fields in words, where each came from (the
source's own title, not its file name), its issues in the user's language. No Streamlit here: the Projects page and
the sheet both call ``fields``."""

from __future__ import annotations

import html
import math
from datetime import date

import pandas as pd

from analytics.i18n import fmt_date, fmt_eur, fmt_int, fmt_pct, geo_method, issue_text, rule_label, sep, t


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT or (isinstance(v, str) and not v)


def fields(d: dict, lg: str) -> list[tuple[str, str]]:
    """The project's fields as (label, value in words) from ``queries.project_detail``; '–' when absent."""
    p = d["project"].iloc[0]
    out = [
        (t("programme", lg), p["programme_name"]), (t("status", lg), t(f"status_{p['status']}", lg)),
        (t("lead_org", lg), p["lead_org"]), (t("fse_code", lg), p["fse_code"]),
        (t("f_period", lg), f"{fmt_date(p['start_date'], lg)} – {fmt_date(p['end_date'], lg)}"
         if pd.notna(p["start_date"]) or pd.notna(p["end_date"]) else None),
        (t("total_budget", lg), None if _blank(p["total_budget_eur"]) else fmt_eur(p["total_budget_eur"], lg)
         + (f" ({t('kind_' + p['budget_kind'], lg)})" if p["budget_kind"] else "")),
        (t("fse_amount", lg), None if _blank(p["fse_amount_eur"]) else fmt_eur(p["fse_amount_eur"], lg)),
        (t("rate_stated", lg), None if _blank(p["fse_rate_stated"]) else fmt_pct(p["fse_rate_stated"], lg)),
        (t("rate_computed", lg), None if _blank(p["fse_rate_computed"]) else fmt_pct(p["fse_rate_computed"], lg)),
        (t("grant", lg), None if _blank(p["grant_amount_eur"]) else fmt_eur(p["grant_amount_eur"], lg)
         + (f" ({t('kind_' + p['grant_kind'], lg)})" if p["grant_kind"] else "")),
        (t("scope", lg), t(f"scope_{p['scope'] or 'none'}", lg)), (t("loc_printed", lg), p["location_raw"]),
        (t("regions", lg), ", ".join(d["regions"]["name"])),
        (t("department", lg), ", ".join(f"{n} ({c})" for c, n in d["departments"].itertuples(index=False))),
        (t("geo_method", lg), f"{geo_method(p['geo_method'], lg)}{sep(lg)}{p['geo_evidence'] or ''}"
         if p["geo_method"] else None),
        (t("pr_themes", lg), ", ".join(f"{a if lg == 'fr' else b} ({r})" for a, b, r in d["themes"].itertuples(index=False))),
        (t("tags", lg), p["tags"]), (t("structure", lg), p["structure_type"]), (t("website", lg), p["website"]),
        (t("postcode", lg), " ".join(x for x in (p["postcode"], p["city"]) if isinstance(x, str))),
        (t("objective", lg), p["objective"]), (t("description", lg), p["description"]),
    ]
    return [(k, "–" if _blank(v) else str(v)) for k, v in out]


def provenance(p, titles: dict[str, str], lg: str) -> str:
    """'<the document's title>, lines 870–923' (the file's name is the tooltip's business)."""
    a, b = int(p["source_line_start"]), int(p["source_line_end"])
    name = titles.get(p["source_file"], p["source_file"])
    return t("pr_lines" if b > a else "pr_line", lg, file=name, a=fmt_int(a, lg), b=fmt_int(b, lg))


_CSS = """@page { size: A4; margin: 14mm 14mm 16mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; color: #1f1f1f; margin: 0; }
h1 { font-size: 15pt; color: #0b4f7a; margin: 0 0 2mm; line-height: 1.2; }
.sub { color: #4a4a4a; margin-bottom: 4mm; }
.figs { display: flex; gap: 3mm; margin-bottom: 4mm; }
.fig { flex: 1; border: 1px solid #c9d6df; border-radius: 2mm; padding: 2mm 3mm; }
.fig .l { font-size: 8pt; color: #4a4a4a; } .fig .v { font-size: 13pt; font-weight: bold; color: #0b4f7a; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th { text-align: left; width: 32%; color: #4a4a4a; font-weight: normal; vertical-align: top; }
th, td { border-bottom: 1px solid #e3e8ec; padding: 1mm 1.5mm; }
td { white-space: pre-wrap; word-break: break-word; }
h2 { font-size: 10.5pt; color: #0b4f7a; margin: 3mm 0 1.5mm; }
li { margin-bottom: 1mm; } .error { color: #a4161a; } .warning { color: #8a5a00; }
.foot { margin-top: 4mm; color: #4a4a4a; font-size: 8pt; border-top: 1px solid #c9d6df; padding-top: 1.5mm; }"""


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1].rsplit(" ", 1)[0] + " […]"


def to_html(d: dict, lg: str, titles: dict[str, str], built: str = "") -> str:
    """The sheet: title, programme and status, four key figures, the fields, the issues, the source; every value
    escaped. Long texts are cut (description and objective at 600 characters, the partners at 300, eight issues) so
    that the sheet stays one page; themes by name only, the placement by its method in words."""
    e = html.escape
    p = d["project"].iloc[0]
    plain = {t("pr_themes", lg): ", ".join(a if lg == "fr" else b for a, b, _ in d["themes"].itertuples(index=False)),
             t("geo_method", lg): geo_method(p["geo_method"], lg) if p["geo_method"] else "–"}
    figs = [(t("total_budget", lg), p["total_budget_eur"], fmt_eur), (t("fse_amount", lg), p["fse_amount_eur"], fmt_eur),
            (t("grant", lg), p["grant_amount_eur"], fmt_eur), (t("rate_computed", lg), p["fse_rate_computed"], fmt_pct)]
    shown = {figs[0][0], figs[1][0], figs[2][0], t("programme", lg), t("status", lg)}  # in the heading already
    rows = [(k.split(" (")[0] if k in plain else k, _cut(plain.get(k, v) or "–", 600)) for k, v in fields(d, lg)
            if k not in shown and v != "–"]
    issues = [f"<li class='{e(sev)}'><b>{e(rule_label(rule, lg))}</b> — {e(issue_text(rule, params, msg, lg))}</li>"
              for rule, sev, msg, _values, _line, params in d["issues"].itertuples(index=False)]
    cofin = _cut(", ".join(d["cofinancers"]["name"]), 300) if not d["cofinancers"].empty else ""
    partners = _cut(", ".join(d["partners"]["name"]), 300) if not d["partners"].empty else ""
    parts = [f"<!doctype html><html lang='{e(lg)}'><head><meta charset='utf-8'><title>{e(str(p['title']))}</title>"
             f"<style>{_CSS}</style></head><body>",
             f"<h1>{e(str(p['title']))}</h1>",
             f"<div class='sub'>{e(str(p['programme_name']))} · {e(t('status_' + p['status'], lg))}</div>",
             "<div class='figs'>" + "".join(
                 f"<div class='fig'><div class='l'>{e(label)}</div><div class='v'>"
                 f"{'–' if _blank(v) else e(fmt(v, lg))}</div></div>" for label, v, fmt in figs) + "</div>",
             "<table>" + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows) + "</table>"]
    if partners:
        parts.append(f"<h2>{e(t('pr_partners', lg))}</h2><div>{e(partners)}</div>")
    if cofin:
        parts.append(f"<h2>{e(t('pr_cofinancers', lg))}</h2><div>{e(cofin)}</div>")
    parts.append(f"<h2>{e(t('pr_issues', lg))}</h2>"
                 + (f"<ul>{''.join(issues[:8])}</ul>" if issues else f"<div>{e(t('pr_no_issue', lg))}</div>"))
    parts.append(f"<div class='foot'>{e(t('sheet_source', lg))}{e(sep(lg))}{e(provenance(p, titles, lg))}<br>"
                 f"{e(built)}{' — ' if built else ''}{e(t('sheet_printed', lg, d=fmt_date(date.today(), lg)))}</div>")
    parts.append("</body></html>")
    return "".join(parts)
