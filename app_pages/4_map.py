"""Map: where the filtered projects are, by region or department, overseas and national projects included."""

import streamlit as st

from analytics import maps, ui
from analytics import queries as Q
from analytics.i18n import coverage, fmt_eur, plural, t

MEASURES = {"n": "m_count", "budget_eur": "m_budget", "fse_eur": "m_fse", "grant_eur": "m_grant"}


def _select_region(event, df) -> None:
    """A click on a region filters every page (through the sidebar's region filter)."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", []) or []
    codes = sorted({p.get("location") for p in points if p.get("location")})
    if not codes:
        return
    if "department_code" in df:
        regions = sorted(set(df[df["department_code"].isin(codes)]["region_code"]))
        pending = {"f_reg": regions, "f_dep": codes}
    else:
        pending = {"f_reg": codes, "f_dep": []}
    if pending["f_reg"] != list(ui.filters().regions) or pending["f_dep"] != list(ui.filters().departments):
        st.session_state["_pending"] = pending
        st.rerun()


def page():
    lg, f = ui.lang(), ui.filters()
    s = ui.header("map_title")
    c1, c2 = st.columns([3, 2])  # the measure's four words whole
    measure = c1.segmented_control(t("map_measure", lg), list(MEASURES), default="n", key="map_measure",
                                   format_func=lambda m: t(MEASURES[m], lg)) or "n"
    level = c2.segmented_control(t("map_level", lg), ["region", "department"], default="region", key="map_level",
                                 format_func=lambda v: t(f"level_{v}", lg)) or "region"
    df = Q.map_regions(f) if level == "region" else Q.map_departments(f)
    title = t("map_title_fmt", lg, measure=t(MEASURES[measure], lg), level=t(f"level_{level}", lg))
    off = Q.off_map(f).set_index("scope", drop=False)
    outside = off[off["scope"] != "multi-region"]
    on_map = coverage("map", s["n"] - int(outside["n"].sum()), s["n"], lg)
    main, side = st.columns([3, 1])
    with main:
        zmax = float(df[measure].max() or 1)
        # zoomed to the filtered regions (or departments), metropolitan France without a place filter
        chosen = tuple(f.departments) if level == "department" and f.departments else tuple(f.regions)
        if level == "department" and not f.departments and f.regions:
            chosen = tuple(df[df["region_code"].isin(f.regions)]["department_code"])
        center, zoom = maps.view_of(level, chosen)
        fig = maps.choropleth(df, level, measure, lg, title, zmax=zmax, center=center, zoom=zoom,
                              scale_title=t(MEASURES[measure], lg), subtitle=on_map, inline=False)
        event = st.plotly_chart(fig, width="stretch",
                                key=f"map_{level}_{measure}", on_select="rerun", selection_mode="points",
                                config=ui.plotly_config(lg, scrollZoom=False), alt=ui.alt(fig))
        st.caption(t("map_click", lg))
        strip = maps.overseas_strip(df, level, measure, lg, zmax, t("map_overseas", lg))
        st.plotly_chart(strip, width="stretch", key=f"overseas_{level}_{measure}", alt=ui.alt(strip),
                        config=ui.plotly_config(lg, displayModeBar=False, topojsonURL=maps.TOPOJSON_URL))
        _select_region(event, df)
    with side:
        st.markdown(f"**{t('map_outside', lg)}**")
        if outside.empty:
            st.caption("–")
        for row in outside.itertuples():
            st.metric(t(f"scope_{row.scope}", lg), plural('project', row.n, lg),
                      help=row.titles[:600])
            st.caption(f"{t('budget', lg)} {fmt_eur(row.budget_eur, lg)} · FSE {fmt_eur(row.fse_eur, lg)} · "
                       f"{t('grant', lg)} {fmt_eur(row.grant_eur, lg)}")
        multi = int(off["n"].get("multi-region", 0))
        st.metric(t("scope_multi-region", lg), plural('project', multi, lg))
        st.info(t("map_multi_note", lg), icon=":material/info:")
        regs = Q.regions()
        names = dict(zip(regs["region_code"], regs["name"]))
        pick = st.selectbox(t("map_pick", lg), [""] + list(names), format_func=lambda c: names.get(c, "–"),
                            key="map_pick")
        if pick and [pick] != list(f.regions):
            st.session_state["_pending"] = {"f_reg": [pick], "f_dep": []}
            st.session_state.pop("map_pick", None)
            st.rerun()
    code = "region_code" if level == "region" else "department_code"
    table = df[df["n"] > 0][[code, "name", "n", "budget_eur", "fse_eur", "grant_eur"]].rename(columns={
        code: "code", "name": t(f"level_{level}", lg), "n": t("m_count", lg), "budget_eur": t("m_budget", lg),
        "fse_eur": t("m_fse", lg), "grant_eur": t("m_grant", lg)})
    ui.table_twin(table, f"map_{level}")


ui.run(page)
