"""Projects: the filtered projects, sortable and paged, and every field of one with where it came from."""

import math

import pandas as pd
import streamlit as st

from analytics import queries as Q
from analytics import ui
from analytics.i18n import field_label, fmt_date, fmt_eur, fmt_int, fmt_pct, issue_text, sep, t

PAGE_SIZE = 25
SORTS = {"budget": "budget", "title": "title", "fse": "fse_amount", "start": "year", "programme": "programme",
         "status": "status"}


def _detail(pid: str, pk: int, lg: str) -> None:
    d = Q.project_detail(pid, pk)
    if d["project"].empty:
        return
    p = d["project"].iloc[0]
    st.subheader(p["title"])
    a, b = int(p["source_line_start"]), int(p["source_line_end"])
    st.caption(t("pr_lines" if b > a else "pr_line", lg, file=p["source_file"], a=fmt_int(a, lg), b=fmt_int(b, lg)))
    fields = [
        (t("programme", lg), p["programme_name"]), (t("status", lg), ui.status_label(p["status"])),
        (t("lead_org", lg), p["lead_org"]), ("FSE", p["fse_code"]),
        (t("f_period", lg), f"{fmt_date(p['start_date'], lg)} – {fmt_date(p['end_date'], lg)}"
         if pd.notna(p["start_date"]) or pd.notna(p["end_date"]) else "–"),
        (t("total_budget", lg), fmt_eur(p["total_budget_eur"], lg)
         + (f" ({t('kind_' + p['budget_kind'], lg)})" if p["budget_kind"] else "")),
        (t("fse_amount", lg), fmt_eur(p["fse_amount_eur"], lg)),
        (t("rate_stated", lg), fmt_pct(p["fse_rate_stated"], lg)), (t("rate_computed", lg), fmt_pct(p["fse_rate_computed"], lg)),
        (t("grant", lg), fmt_eur(p["grant_amount_eur"], lg)
         + (f" ({t('kind_' + p['grant_kind'], lg)})" if p["grant_kind"] else "")),
        (t("scope", lg), t(f"scope_{p['scope'] or 'none'}", lg)), (t("loc_printed", lg), p["location_raw"]),
        (t("regions", lg), ", ".join(d["regions"]["name"])),
        (t("department", lg), ", ".join(f"{n} ({c})" for c, n in d["departments"].itertuples(index=False))),
        (t("geo_method", lg), f"{p['geo_method'] or '–'}{sep(lg)}{p['geo_evidence'] or ''}"),
        (t("pr_themes", lg), ", ".join(f"{a if lg == 'fr' else b} ({r})" for a, b, r in d["themes"].itertuples(index=False))),
        (t("tags", lg), p["tags"]), (t("structure", lg), p["structure_type"]), (t("website", lg), p["website"]),
        (t("postcode", lg), " ".join(x for x in (p["postcode"], p["city"]) if isinstance(x, str))),
        (t("objective", lg), p["objective"]), (t("description", lg), p["description"]),
    ]
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('pr_fields', lg)}**")
        rows = [{t("field", lg): k, t("value", lg): "–" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)}
                for k, v in fields]
        st.dataframe(rows, hide_index=True, width="stretch")
        for key, title in (("partners", "pr_partners"), ("cofinancers", "pr_cofinancers")):
            if not d[key].empty:
                st.markdown(f"**{t(title, lg)}**{sep(lg)}" + " · ".join(ui.md_escape(x) for x in d[key]["name"]))
        if not d["key_figures"].empty:
            st.markdown(f"**{t('pr_key_figures', lg)}**")
            for text, amount, line in d["key_figures"].itertuples(index=False):
                st.markdown(f"- {text}" + (f" — **{fmt_eur(amount, lg)}**" if amount == amount and amount is not None else "")
                            + f" _(l. {line})_")
    with right:
        st.markdown(f"**{t('pr_issues', lg)}**")
        if d["issues"].empty:
            st.success(t("pr_no_issue", lg))
        for rule, sev, msg, values, line, params in d["issues"].itertuples(index=False):
            box = {"error": st.error, "warning": st.warning}.get(sev, st.info)
            text = ui.md_escape(issue_text(rule, params, msg, lg))
            box(f"**{ui.rule_label(rule)}** — {text}" + (f" _(l. {int(line)})_" if line == line and line else ""))
        st.markdown(f"**{t('pr_sources', lg)}**")
        kept = t("pr_not_kept", lg, n=fmt_int(Q.DETAIL_ROWS, lg), file=p["source_file"],
                 line=fmt_int(p["source_line_start"], lg))
        if d["sources"].empty:
            st.caption(kept)
        else:
            sources = d["sources"].assign(field=d["sources"]["field"].map(lambda x: field_label(x, lg)))
            st.dataframe(sources.rename(columns={"field": t("field", lg), "raw_value": t("raw_value", lg),
                                                      "source_line": t("line", lg)}), hide_index=True, width="stretch")
    with st.expander(t("pr_excerpt", lg), expanded=False):
        if d["excerpt"].empty:
            st.caption(kept)
        else:
            st.code("\n".join(f"{n:>5}  {txt}" for n, txt in d["excerpt"].itertuples(index=False)), language=None)


def page():
    lg, f = ui.lang(), ui.filters()
    s = ui.header("pr_title")
    c1, c2, c3 = st.columns([2, 1, 1])
    sort = c1.selectbox(t("pr_sort", lg), list(SORTS), key="pr_sort",
                        format_func=lambda k: {"budget": t("budget", lg), "title": t("title", lg), "fse": t("fse_amount", lg),
                                               "start": t("year", lg), "programme": t("programme", lg),
                                               "status": t("status", lg)}[k])
    desc = c2.toggle(t("pr_desc", lg), value=True, key="pr_desc")
    pages = max(1, math.ceil(s["n"] / PAGE_SIZE))
    page_no = c3.number_input(t("pr_page", lg), 1, pages, 1, key="pr_page")
    df = Q.projects_page(f, sort, desc, int(page_no), PAGE_SIZE)
    st.caption(t("pr_pages", lg, p=int(page_no), n=pages))
    # the amount first (what the list is usually sorted by), then who and what; codes in words, amounts grouped
    cols = ["budget_eur", "title", "lead_org", "programme", "status", "fse_amount_eur", "grant_amount_eur", "scope",
            "regions", "start_date", "end_date", "n_issues"]
    shown, config = ui.readable(df[cols].assign(scope=df["scope"].fillna("none")), lg)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    ui.downloads(df, "projects")
    st.divider()
    st.subheader(t("pr_detail", lg))
    opts = Q.project_options(f)
    goto = st.session_state.pop("pr_goto", None)  # a link to one project (?pid=…): shown whatever the filters
    if goto:
        one = Q.project_by_id(goto)
        if not one.empty:
            opts = pd.concat([one, opts[opts["project_id"] != goto]], ignore_index=True)
            st.session_state["pr_pick"] = goto
    titles = dict(zip(opts["project_id"], opts["title"]))
    pid = st.selectbox(t("pr_pick", lg), list(titles), format_func=lambda k: titles[k][:110], key="pr_pick")
    if pid:
        _detail(pid, int(opts.set_index("project_id").loc[pid, "pk"]), lg)


ui.run(page)
