"""Entry point: page config, navigation, and the shared filter sidebar (kept in the URL)."""

from __future__ import annotations

import streamlit as st

from analytics import queries as Q
from analytics import ui
from analytics.filters import SEVERITY_BITS, STATUSES, Filters
from analytics.i18n import fmt_eur, t
from analytics.importing import import_enabled

st.set_page_config(page_title="Portefeuille ESS", layout="wide")

# Widget keys of the filters and the Filters field each one feeds.
KEYS = {"f_prog": "programmes", "f_status": "statuses", "f_reg": "regions", "f_dep": "departments", "f_theme": "themes",
        "f_org": "orgs", "f_q": "search", "f_excl": "exclude"}


def _init_from_url() -> None:
    """First run of a session: the URL's filters become the widgets' values (a shared link reopens identically)."""
    if st.session_state.get("_init"):
        return
    qp = st.query_params
    lg = qp.get("lang", "fr")
    st.session_state["lang"] = lg if lg in ("fr", "en") else "fr"
    f, dropped = Filters.parse_query(qp)
    st.session_state["_url_notes"] = dropped
    if qp.get("pid"):  # a link to one project (the Organisations page's): opened on the Projects page
        st.session_state["pr_goto"] = str(qp.get("pid"))[:200]
    for key, field in KEYS.items():
        v = getattr(f, field)
        st.session_state[key] = list(v) if isinstance(v, tuple) else v
    st.session_state["_budget"] = (f.budget_min, f.budget_max)
    st.session_state["_years"] = (f.year_from, f.year_to)
    st.session_state["_init"] = True


def _known(key: str, known, url: str) -> None:
    """Keep the widget's values that exist in this warehouse; a value from a link that does not is said (once: the
    state is clean afterwards)."""
    had = st.session_state.get(key, [])
    kept = [v for v in had if v in known]
    if len(kept) < len(had):
        st.session_state.setdefault("_url_notes", []).append(url)
    st.session_state[key] = kept


def _apply_pending() -> None:
    """Pages ask for filter changes (e.g. a click on the map) through '_pending'; applied before widgets exist."""
    pending = st.session_state.pop("_pending", None)
    if pending:
        for key, value in pending.items():
            st.session_state[key] = value


def _reset() -> None:
    for key in KEYS:
        st.session_state[key] = "" if key == "f_q" else []
    st.session_state["_budget"] = (None, None)
    st.session_state["_years"] = (None, None)
    for k in ("f_budget", "f_years"):
        st.session_state.pop(k, None)


def _clamped(pair: tuple, lo: int, hi: int, key: str) -> tuple[int, int]:
    """A range from the URL (or an earlier build) within the slider's bounds, in order; a value moved is noted."""
    a, b = pair
    a2 = lo if a is None else min(max(a, lo), hi)
    b2 = hi if b is None else min(max(b, lo), hi)
    if a2 > b2:
        a2, b2 = lo, hi
    if (a is not None and a2 != a) or (b is not None and b2 != b):
        st.session_state.setdefault("_url_notes", []).append(key)
    return a2, b2


def sidebar() -> Filters:
    lg = st.session_state["lang"]
    with st.sidebar:
        choice = st.segmented_control(t("language", lg), ["FR", "EN"], default=lg.upper(), key="lang_choice")
        if choice and choice.lower() != lg:
            st.session_state["lang"] = choice.lower()
            st.rerun()
        st.header(t("filters", lg))
        progs = Q.programmes()
        names = dict(zip(progs["programme_id"], progs["name"]))
        _known("f_prog", names, "prog")
        st.multiselect(t("f_programme", lg), list(names), format_func=lambda p: names[p], key="f_prog",
                       placeholder=t("all", lg))
        _known("f_status", STATUSES, "status")
        st.multiselect(t("f_status", lg), list(STATUSES), format_func=lambda s: t(f"status_{s}", lg), key="f_status",
                       placeholder=t("all", lg))
        regs = Q.regions()
        reg_names = dict(zip(regs["region_code"], regs["name"]))
        _known("f_reg", reg_names, "reg")
        st.multiselect(t("f_region", lg), list(reg_names), format_func=lambda r: reg_names[r], key="f_reg",
                       placeholder=t("all", lg))
        deps = Q.departments()
        if st.session_state["f_reg"]:
            deps = deps[deps["region_code"].isin(st.session_state["f_reg"])]
        dep_names = {c: f"{n} ({c})" for c, n in zip(deps["department_code"], deps["name"])}
        st.session_state["f_dep"] = [d for d in st.session_state.get("f_dep", []) if d in dep_names]
        st.multiselect(t("f_department", lg), list(dep_names), format_func=lambda d: dep_names[d], key="f_dep",
                       placeholder=t("all", lg))
        th = Q.themes()
        th_names = dict(zip(th["theme_id"], th["label_fr" if lg == "fr" else "label_en"]))
        _known("f_theme", th_names, "theme")
        st.multiselect(t("f_theme", lg), list(th_names), format_func=lambda x: th_names[x], key="f_theme",
                       placeholder=t("all", lg))
        orgs = Q.org_options(tuple(st.session_state.get("f_org", [])))
        org_names = dict(zip(orgs["org_id"], orgs["name"]))
        _known("f_org", org_names, "org")
        st.multiselect(t("f_org", lg), list(org_names), format_func=lambda o: org_names[o], key="f_org",
                       placeholder=t("all", lg))
        rng = Q.ranges()
        top = int(-(-rng["budget_max"] // 10_000) * 10_000) or 10_000
        b0, b1 = st.session_state.get("_budget", (None, None))
        if "f_budget" not in st.session_state:
            st.session_state["f_budget"] = _clamped((b0, b1), 0, top, "bmin/bmax")
        # compact ends ('60M'): the exact range, in the app's language, is the caption below
        bmin, bmax = st.slider(t("f_budget", lg), 0, top, step=10_000, key="f_budget", format="compact")
        st.caption(f"{fmt_eur(bmin, lg)} – {fmt_eur(bmax, lg)}")
        y0, y1 = st.session_state.get("_years", (None, None))
        ymin, ymax = rng["year_min"], rng["year_max"]
        if ymin >= ymax:  # a portfolio of one year: a slider needs two ends
            ymin, ymax = ymin - 1, ymax + 1
        if "f_years" not in st.session_state:
            st.session_state["f_years"] = _clamped((y0, y1), ymin, ymax, "y0/y1")
        yfrom, yto = st.slider(t("f_period", lg), ymin, ymax, key="f_years")
        st.text_input(t("f_search", lg), key="f_q", max_chars=200)
        st.session_state["f_excl"] = [s for s in st.session_state.get("f_excl", []) if s in SEVERITY_BITS]
        st.multiselect(t("f_exclude", lg), list(SEVERITY_BITS)[::-1], format_func=lambda s: t(f"sev_{s}", lg),
                       key="f_excl", placeholder=t("f_exclude_none", lg), help=t("f_exclude_help", lg))
        if st.session_state.get("_url_notes"):
            st.info(t("url_notes", lg, p=", ".join(dict.fromkeys(st.session_state["_url_notes"]))),
                    icon=":material/link_off:")
        st.button(t("f_reset", lg), on_click=_reset, width="stretch")
        st.header(t("exports", lg))
    return Filters(
        programmes=tuple(st.session_state["f_prog"]), statuses=tuple(st.session_state["f_status"]),
        regions=tuple(st.session_state["f_reg"]), departments=tuple(st.session_state["f_dep"]),
        themes=tuple(st.session_state["f_theme"]), orgs=tuple(st.session_state["f_org"]),
        budget_min=bmin if bmin > 0 else None, budget_max=bmax if bmax < top else None,
        year_from=yfrom if yfrom > ymin else None, year_to=yto if yto < ymax else None,
        search=st.session_state.get("f_q", "") or "", exclude=tuple(st.session_state["f_excl"]))


def main() -> None:
    _init_from_url()
    _apply_pending()
    lg = st.session_state["lang"]
    pages = [
        st.Page("app_pages/1_overview.py", title=t("page_overview", lg), icon="📊", default=True),
        st.Page("app_pages/2_budgets.py", title=t("page_budgets", lg), icon="💶", url_path="budgets"),
        st.Page("app_pages/3_fse.py", title=t("page_fse", lg), icon="🇪🇺", url_path="fse"),
        st.Page("app_pages/4_map.py", title=t("page_map", lg), icon="🗺️", url_path="map"),
        st.Page("app_pages/5_themes.py", title=t("page_themes", lg), icon="🏷️", url_path="themes"),
        st.Page("app_pages/6_projects.py", title=t("page_projects", lg), icon="🔎", url_path="projects"),
        st.Page("app_pages/7_quality.py", title=t("page_quality", lg), icon="✅", url_path="quality"),
        st.Page("app_pages/9_organisations.py", title=t("page_organisations", lg), icon="🏢", url_path="organisations"),
        st.Page("app_pages/10_sources.py", title=t("page_sources", lg), icon="📄", url_path="sources"),
    ]
    if import_enabled():
        pages.append(st.Page("app_pages/8_import.py", title=t("page_import", lg), icon="📥", url_path="import"))
    nav = st.navigation(pages)
    try:
        Q.pin()  # this run reads one build, the latest; says if the warehouse is missing
        f = sidebar()
    except Q.WarehouseMissing:
        st.warning(t("no_warehouse", lg), icon=":material/database:")
        st.stop()
    st.session_state["filters"] = f
    with st.sidebar:
        ui.deck_buttons()
    ui.chrome(lg)
    # The URL carries the filters on every page (navigation clears query parameters; we set them again).
    wanted = {**f.to_query(), **({"lang": lg} if lg != "fr" else {})}
    shown = st.session_state.get("pr_goto") or st.session_state.get("pr_pick")
    if nav.url_path == "projects" and shown:  # the project shown on the Projects page: a link to share
        wanted["pid"] = str(shown)[:200]
    current = {k: st.query_params.get_all(k) if isinstance(v, list) else st.query_params.get(k)
               for k, v in wanted.items()}
    if current != wanted or set(st.query_params.keys()) != set(wanted):
        st.query_params.from_dict(wanted)
    nav.run()


main()
