"""FSE cofinancing: how much the European Social Fund brings, at what rate, and where the figures disagree."""

import streamlit as st

from analytics import charts, ui
from analytics import queries as Q
from analytics.i18n import coverage, fmt_eur, fmt_eur_short, fmt_int, fmt_pct, sep, t

LIMIT = 2000  # points on the scatter plot
ROWS = 30  # lines on the labelled charts


def page():
    lg, f = ui.lang(), ui.filters()
    head = ui.header("fse_title")
    df = Q.fse_projects(f, LIMIT)
    if df.empty:
        st.info(t("fse_none", lg), icon=":material/info:")
        return
    s = Q.fse_summary(f)
    flagged = df[df["flags"] != ""]
    c = st.columns(4)
    c[0].metric(t("kpi_projects", lg), fmt_int(s["n"], lg))
    c[1].metric(t("kpi_fse", lg), fmt_eur_short(s["fse"], lg), help=fmt_eur(s["fse"], lg))
    c[2].metric(t("kpi_budget", lg), fmt_eur_short(s["budget"], lg), help=fmt_eur(s["budget"], lg))
    c[3].metric(t("issues_flagged", lg), fmt_int(s["flagged"], lg))
    if s["n"] > len(df):
        st.caption(t("fse_sampled", lg, shown=fmt_int(len(df), lg), n=fmt_int(s["n"], lg),
                     cap=fmt_int(LIMIT // Q.FSE_FLAGGED_SHARE, lg)))
    for row in flagged.head(5).itertuples():
        labels = ", ".join(ui.rule_label(r) for r in row.flags.split(", "))
        st.warning(f"**{row.title}** — {labels}{sep(lg)}FSE {fmt_eur(row.fse_amount_eur, lg)} / "
                   f"{t('total_budget', lg).lower()} {fmt_eur(row.total_budget_eur, lg)} "
                   f"({t('rate_stated', lg).lower()} {fmt_pct(row.fse_rate_stated, lg, 0)}, "
                   f"{t('rate_computed', lg).lower()} {fmt_pct(row.fse_rate_computed, lg)})", icon=":material/warning:")
    cols = {"title": t("title", lg), "fse_code": t("fse_code", lg), "total_budget_eur": t("total_budget", lg),
            "fse_amount_eur": t("fse_amount", lg),
            "other_eur": t("fse_other", lg), "fse_rate_stated": t("rate_stated", lg),
            "fse_rate_computed": t("rate_computed", lg), "flags": t("issues_flagged", lg)}
    labels = {s: ", ".join(ui.rule_label(r) for r in s.split(", ")) if s else "" for s in df["flags"].unique()}
    table = df[list(cols)].assign(flags=df["flags"].map(labels)).rename(columns=cols)  # once per distinct value
    few = df.head(ROWS)  # labelled charts: one line per project, so a readable number of them
    shown_n = coverage("fse", len(few), s["n"], lg)  # the labelled charts: a line per project, a readable number
    left, right = st.columns(2)
    with left:
        ui.chart(charts.fse_scatter(df, lg, coverage("fse", len(df), head["n"], lg)), table, "fse_scatter")
    with right:
        ui.chart(charts.fse_rates(few, lg, shown_n), table.head(ROWS), "fse_rates")
        if len(df) > ROWS:
            st.caption(t("fse_top", lg, k=ROWS))
    left, right = st.columns(2)
    with left:
        ui.chart(charts.fse_stacked(few, lg, shown_n), table.head(ROWS), "fse_stacked")
    with right:
        cof = Q.cofinancers(f)
        if cof.empty:
            st.caption(t("empty", lg))
        elif cof["n_projects"].max() <= 1:  # every one cited once: bars of 1 say nothing, the list says who
            st.markdown(f"**{t('fse_cofinancers', lg)}**")
            st.caption(t("fse_cofin_once", lg, n=fmt_int(len(cof), lg)))
            st.dataframe(cof[["name", "projects"]], hide_index=True, width="stretch", column_config={
                "name": t("cofinancer", lg), "projects": t("page_projects", lg)})
        else:
            ui.chart(charts.cofinancer_bars(cof, lg, subtitle=coverage("fse", s["n"], head["n"], lg)), cof,
                     "cofinancers")


ui.run(page)
