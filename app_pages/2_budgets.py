"""Budgets: how large the projects are, by call and status, and which are the largest."""

import streamlit as st

from analytics import charts, ui
from analytics import queries as Q
from analytics.i18n import coverage, fmt_int, fmt_pct, t


def page():
    lg, f = ui.lang(), ui.filters()
    s = ui.header("bu_title")
    cov = Q.coverage(f)
    with_budget = coverage("budget", s["n"] - s["no_budget"], s["n"], lg)
    st.caption(t("bu_budget_note", lg))
    c1, c2 = st.columns(2)
    scale = c1.segmented_control(t("bu_scale", lg), ["log", "linear"], default="log", key="bu_scale",
                                 format_func=lambda s: t("bu_log" if s == "log" else "bu_linear", lg))
    group = c2.segmented_control(t("bu_group", lg), ["programme", "status"], default="programme", key="bu_group",
                                 format_func=lambda g: t("programme" if g == "programme" else "status", lg))
    log, group = (scale or "log") == "log", group or "programme"
    label = ui.status_label if group == "status" else (lambda g: t("others", lg) if g == Q.OTHERS else str(g))

    hist = Q.budget_histogram(f, log, group)
    if hist.empty:
        st.info(t("empty", lg))
        return
    left, right = st.columns(2)
    with left:
        table = hist.assign(grp=hist["grp"].map(label))[["grp", "lo_eur", "hi_eur", "n"]].rename(
            columns={"grp": t("bu_group", lg), "lo_eur": "min_eur", "hi_eur": "max_eur", "n": t("count", lg)})
        labels = {g: label(g) for g in hist["grp"].unique()}  # a dict: the figure is kept for these labels
        ui.chart(charts.budget_histogram(hist, log, lg, labels, subtitle=with_budget), table, "budget_histogram")
    with right:
        quart = Q.budget_quartiles(f, group)
        ui.chart(charts.budget_box(quart, log, lg, {g: label(g) for g in quart["grp"].unique()}, subtitle=with_budget),
                 quart.assign(grp=quart["grp"].map(label)), "budget_quartiles")
        if Q.quartiles_are_approximate(f):
            st.caption(t("bu_approx", lg, bands=fmt_int(Q.ranges()["bands"], lg), err=fmt_pct(Q.band_error(), lg)))
    if group == "programme" and (hist["grp"] == Q.OTHERS).any():
        st.caption(t("grouped_note", lg, k=Q.TOP_GROUPS))

    st.subheader(t("bu_top", lg, n=10))
    top = Q.largest_projects(f, 10)
    # the number they are ranked by first, then who and what
    cols = ["budget_eur", "title", "lead_org", "programme", "status", "fse_amount_eur", "grant_amount_eur"]
    shown, config = ui.readable(top[cols], lg)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    ui.downloads(top, "largest_projects")

    cells = Q.grant_budget_cells(f)
    n = int(cells["n"].sum())
    if n > Q.SCATTER_MAX:  # too many laureates for a point each: counted per budget band and grant share
        ui.chart(charts.grant_budget_density(cells, lg, coverage("grant_budget", n, s["n"], lg)),
                 cells[["lo_eur", "hi_eur", "share_lo", "share_hi", "n"]],
                 "grant_vs_budget")
        st.caption(t("bu_density", lg, n=fmt_int(n, lg)))
    elif n:
        gvb = Q.grant_vs_budget(f)
        ui.chart(charts.grant_vs_budget(gvb, lg, coverage("grant_budget", cov["grant_budget"], s["n"], lg)), gvb,
                 "grant_vs_budget")


ui.run(page)
