"""Overview: what the filtered portfolio holds, each call's funnel, and whether grants match envelopes."""

import streamlit as st

from analytics import charts, ui
from analytics import queries as Q
from analytics.filters import Filters
from analytics.i18n import coverage, fmt_eur, fmt_eur_short, fmt_int, fmt_pct, plural, sep, t
from common.contract import ENVELOPE_TOLERANCE


def page():
    lg, f = ui.lang(), ui.filters()
    s = ui.header("ov_title")
    ui.extraction_banner()
    k, cov = Q.kpis(f), Q.coverage(f)
    cols = st.columns(4) + st.columns(4)
    cols[0].metric(t("kpi_projects", lg), fmt_int(k["projects"], lg))
    # large amounts are shortened on the tiles (108,1 M€); the exact amount is in the tooltip
    cols[1].metric(t("kpi_budget", lg), fmt_eur_short(k["total_budget"], lg),
                   help=f"{fmt_eur(k['total_budget'], lg)}. {t('bu_budget_note', lg)}")
    cols[2].metric(t("kpi_fse", lg), fmt_eur_short(k["fse_amount"], lg),
                   help=f"{fmt_eur(k['fse_amount'], lg)} — {plural('project', k['n_fse'], lg)}")
    cols[3].metric(t("kpi_avg_rate", lg), fmt_pct(k["avg_rate"], lg))
    cols[4].metric(t("kpi_median_rate", lg), fmt_pct(k["median_rate"], lg))
    cols[5].metric(t("kpi_grants", lg), fmt_eur_short(k["grants"], lg),
                   help=f"{fmt_eur(k['grants'], lg)} — {plural('project', k['n_grants'], lg)}")
    cols[6].metric(t("kpi_regions", lg), fmt_int(k["regions_covered"], lg),
                   help=f"{t('scope_national', lg)}{sep(lg)}{fmt_int(k['n_national'], lg)} ; "
                        f"{t('scope_multi-region', lg)}{sep(lg)}{fmt_int(k['n_multi'], lg)} ; "
                        f"{t('scope_none', lg)}{sep(lg)}{fmt_int(k['n_unplaced'], lg)}")

    cols[7].metric(t("scope_national", lg), fmt_int(k["n_national"], lg),
                   help=f"{t('scope_multi-region', lg)}{sep(lg)}{fmt_int(k['n_multi'], lg)}")

    # what each tile adds up: '28 projets avec un budget, sur 159'
    st.caption(t("kpi_cover", lg, budget=coverage("budget", cov["with_total"], s["n"], lg),
                 fse=coverage("fse", cov["fse"], s["n"], lg), grants=coverage("all", cov["grant"], s["n"], lg)))

    st.subheader(t("funnel_title", lg))
    fun = Q.funnels(f)
    st.caption(t("cov_funnel", lg, n=fmt_int(len(fun), lg)) if not fun.empty else t("empty", lg))
    if not fun.empty and f != Filters(programmes=f.programmes):  # other filters set: say they do not apply here
        st.caption(t("call_level_note", lg))
    for i, col in enumerate(st.columns(max(1, min(3, len(fun))))):
        with col:
            for row in fun.iloc[i::3].itertuples():
                fig = charts.funnel(row, lg)
                st.plotly_chart(fig, width="stretch", key=f"funnel_{row.programme_id}", config=ui.plotly_config(lg),
                                alt=ui.alt(fig))
    if not fun.empty:
        ui.table_twin(fun, "funnels")
    bps = Q.by_programme_status(f)
    others = bps[bps["programme"] == Q.OTHERS]
    shown = bps[bps["programme"] != Q.OTHERS]  # a bar for hundreds of small calls would flatten the others
    ui.chart(charts.stacked_counts(shown, "programme", "status", t("by_programme", lg), lg,
                                   {x: ui.status_label(x) for x in shown["status"].unique()},
                                   subtitle=coverage("all", s["n"], s["total"], lg)),
             bps.replace({"programme": {Q.OTHERS: t("others", lg)}}).assign(status=bps["status"].map(ui.status_label)),
             "programme_status")
    if not others.empty:
        st.caption(t("by_programme_others", lg, projects=plural("project", others["n"].sum(), lg),
                     k=shown["programme"].nunique()))

    st.subheader(t("recon_title", lg))
    rec = Q.envelope_reconciliation(f)
    if rec.empty:
        st.caption(t("empty", lg))
    for row in rec.itertuples():
        ok = bool(row.within_tolerance)
        share = abs(row.gap_eur) / row.envelope_eur if row.envelope_eur else 0
        c1, c2, c3 = st.columns([3, 1, 1])
        c1.markdown(f"**{ui.md_escape(row.name)}**  \n{plural('laureate', row.n_grants, lg)}")
        c2.metric(t("envelope", lg), fmt_eur(row.envelope_eur, lg))
        c3.metric(t("grants_sum", lg), fmt_eur(row.grants_eur, lg),
                  delta=f"{fmt_eur(row.gap_eur, lg)} ({fmt_pct(share, lg, 2)})", delta_color="off")
        tolerance = t("within_tolerance" if ok else "outside_tolerance", lg, tol=fmt_pct(ENVELOPE_TOLERANCE, lg))
        (st.success if ok else st.warning)(f"{t('gap', lg)}{sep(lg)}{fmt_eur(row.gap_eur, lg)} — {tolerance}")
    if not rec.empty:
        ui.table_twin(rec, "envelope_reconciliation")


ui.run(page)
