"""Themes: what the projects are about, by call and by region; a project with several themes counted once in totals."""

import streamlit as st

from analytics import charts, ui
from analytics import queries as Q
from analytics.i18n import coverage, fmt_eur, fmt_int, lsep, plural, sep, t


def page():
    lg, f = ui.lang(), ui.filters()
    s = ui.header("th_title")
    d = Q.distinct_themed(f)
    st.caption(t("th_note", lg) + " " + t("th_distinct", lg, n=fmt_int(d["n"], lg), a=fmt_int(d["a"], lg)))
    totals = Q.theme_totals(f)
    if totals.empty:
        st.info(t("empty", lg))
        return
    label = "label_fr" if lg == "fr" else "label_en"
    themed = coverage("themed", d["n"], s["n"], lg)
    # the amounts half covers only the projects with a budget: the subtitle says how many
    amounts = coverage("budget", Q.coverage(f)["with_total"], s["n"], lg)
    table = totals[[label, "n", "budget_eur", "fse_eur", "grant_eur"]]
    ui.chart(charts.theme_bars(totals, lg, f"{themed}{lsep(lg)}{t('total_budget', lg).lower()}{sep(lg)}{amounts}"),
             table, "theme_totals")
    tp = Q.theme_programme(f)
    tp["programme"] = tp["programme"].replace({Q.OTHERS: t("others", lg)})
    ui.chart(charts.theme_heatmap(tp, lg, "programme", "th_by_programme", themed), tp[[label, "programme", "n"]],
             "theme_programme")
    tr = Q.theme_region(f)
    if not tr.empty:
        ui.chart(charts.theme_heatmap(tr, lg, subtitle=themed), tr[[label, "region", "n"]], "theme_region")
    top = totals.iloc[0]
    st.caption(f"{top[label]}{sep(lg)}{plural('project', top['n'], lg)}, {t('budget', lg).lower()} "
               f"{fmt_eur(top['budget_eur'], lg)}")


ui.run(page)
