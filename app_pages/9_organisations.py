"""Organisations: who receives what — per lead organisation, its projects across calls, funders and years, and its
amounts; one organisation's projects, each a link to its page, and its amounts by call."""

import streamlit as st

from analytics import charts, ui
from analytics import queries as Q
from analytics.i18n import coverage, fmt_eur, fmt_int, plural, t

LIMIT = 50


def _money(lg: str) -> dict:
    """The amount columns: grouped the user's way ('288 600 €'), right-aligned (the grid cannot group digits)."""
    return {c: st.column_config.TextColumn(t(k, lg), alignment="right")
            for c, k in (("grant_eur", "or_grants"), ("fse_eur", "fse_amount"), ("eu_eur", "or_eu"),
                         ("budget_eur", "budget"), ("budget_eur_p", "budget"), ("grant_amount_eur", "grant"),
                         ("fse_amount_eur", "fse_amount"), ("eu_amount_eur", "or_eu"))}


def _euros(df, lg: str):
    return df.assign(**{c: df[c].map(lambda v: fmt_eur(v, lg)) for c in df.columns if c in _money(lg)})


def _detail(org_id: str, lg: str) -> None:
    d = Q.organisation(org_id)
    if d["org"].empty:
        return
    o = d["org"].iloc[0]
    st.subheader(o["name"])
    st.caption(t("or_identity", lg, siren=o["siren"] or "–", projects=plural("project", o["n_projects"], lg),
                 names=o["names"]))
    if st.button(t("or_filter", lg), key="or_filter"):
        st.session_state["_pending"] = {"f_org": [org_id]}
        st.rerun()
    projects = d["projects"].assign(link="projects?pid=" + d["projects"]["project_id"],
                                    org_match=d["projects"]["org_match"].map(lambda m: t(f"or_match_{m}", lg)))
    cols = ["link", "title", "programme_name", "funder", "year_from", "year_to", "budget_eur", "grant_amount_eur",
            "fse_amount_eur", "eu_amount_eur", "fund", "lead_org", "org_match", "source_title"]
    st.markdown(f"**{t('or_projects', lg)}**")
    st.dataframe(_euros(projects[cols], lg), hide_index=True, width="stretch", column_config={
        "link": st.column_config.LinkColumn(t("or_open", lg), display_text=t("or_open", lg)),
        "title": t("title", lg), "programme_name": t("programme", lg), "funder": t("or_funder", lg),
        "year_from": st.column_config.NumberColumn(t("or_from", lg), format="%d"),
        "year_to": st.column_config.NumberColumn(t("or_to", lg), format="%d"), "fund": t("or_fund", lg),
        "lead_org": t("or_spelling", lg), "org_match": t("or_match", lg), "source_title": t("or_source", lg),
        **_money(lg)})
    ui.downloads(projects[cols[1:]], f"organisation-{org_id}")
    st.markdown(f"**{t('or_by_call', lg)}**")
    st.dataframe(_euros(d["by_call"], lg), hide_index=True, width="stretch", column_config={
        "programme": t("programme", lg), "funder": t("or_funder", lg), "n_projects": t("n_projects", lg),
        "n_programmes": None, "n_funders": None, "year_from": st.column_config.NumberColumn(t("or_from", lg), format="%d"),
        "year_to": st.column_config.NumberColumn(t("or_to", lg), format="%d"), **_money(lg)})


def page():
    lg, f = ui.lang(), ui.filters()
    ui.header("or_title")
    n = Q.n_organisations(f)
    search = st.text_input(t("or_search", lg), key="or_q", max_chars=100)
    orgs = Q.organisations(f, search, LIMIT)
    st.caption(t("or_count", lg, shown=fmt_int(len(orgs), lg), n=fmt_int(n, lg)))
    if orgs.empty:
        st.info(t("empty", lg), icon=":material/search_off:")
        return
    fig = charts.organisation_bars(orgs, lg, subtitle=coverage("orgs", min(len(orgs), 15), n, lg, "organisation"))
    table = orgs.drop(columns=["org_id", "names"])
    ui.chart(fig, table, "organisations")
    st.divider()
    names = dict(zip(orgs["org_id"], orgs["name"]))
    chosen = st.selectbox(t("or_pick", lg), list(names), format_func=lambda k: names[k], key="or_pick")
    if chosen:
        _detail(chosen, lg)


ui.run(page)
