"""Projects: the filtered projects, sortable and paged, and every field of one with where it came from."""

import html
import math
import re

import pandas as pd
import streamlit as st

from analytics import deck_render, sheet, ui
from analytics import queries as Q
from analytics.i18n import field_label, fmt_eur, fmt_int, issue_text, sep, t

PAGE_SIZE = 25
SORTS = {"budget": "budget", "title": "title", "fse": "fse_amount", "start": "year", "programme": "programme",
         "status": "status"}


_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")  # Markdown's bold marks of the exported documents


def _plain(text) -> str:
    """A line as a reader reads it: the documents' Markdown bold marks (``**1 361 600 €**``) dropped."""
    return _EMPHASIS.sub(r"\2", str(text)) if isinstance(text, str) else text


def _excerpt(d: dict, kept: str, lg: str) -> None:
    """The record's lines as printed, wrapped, numbered, the lines its values were read from highlighted; every
    character escaped (a document's text is never markup)."""
    if d["excerpt"].empty:
        st.caption(kept)
        return
    cited = set(int(x) for x in d["sources"]["source_line"].dropna()) if not d["sources"].empty else set()
    rows = "".join(
        f"<div class='{'ess-cited' if n in cited else ''}'><span>{n}</span>{html.escape(_plain(str(txt))) or '&nbsp;'}</div>"
        for n, txt in d["excerpt"].itertuples(index=False))
    st.html("<style>.ess-ex{font-family:monospace;font-size:.82rem;line-height:1.45;white-space:pre-wrap;"
            "word-break:break-word;max-height:28rem;overflow:auto;border:1px solid #d5dae0;padding:.4rem .6rem}"
            ".ess-ex span{display:inline-block;width:3.2rem;color:#555964;user-select:none}"
            ".ess-cited{background:#fff3bf}</style>" + f"<div class='ess-ex'>{rows}</div>")
    st.caption(t("pr_cited", lg))


def _detail(pid: str, pk: int, lg: str) -> None:
    d = Q.project_detail(pid, pk)
    if d["project"].empty:
        return
    p = d["project"].iloc[0]
    st.subheader(p["title"])
    titles = Q.source_titles()
    st.caption(sheet.provenance(p, titles, lg), help=p["source_file"])
    st.download_button(t("sheet_pdf", lg), lambda: deck_render.print_pdf(sheet.to_html(d, lg, titles, ui.data_date())),
                       file_name=f"projet-{pk}.pdf", mime="application/pdf", key="pr_sheet", on_click="ignore",
                       icon=":material/print:")
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('pr_fields', lg)}**")
        rows = [{t("field", lg): k, t("value", lg): v} for k, v in sheet.fields(d, lg)]
        st.dataframe(rows, hide_index=True, width="stretch")
        for key, title in (("partners", "pr_partners"), ("cofinancers", "pr_cofinancers")):
            if not d[key].empty:
                st.markdown(f"**{t(title, lg)}**{sep(lg)}" + " · ".join(ui.md_escape(x) for x in d[key]["name"]))
        if not d["key_figures"].empty:
            st.markdown(f"**{t('pr_key_figures', lg)}**")
            for text, amount, line in d["key_figures"].itertuples(index=False):
                st.markdown(f"- {ui.md_escape(text)}"
                            + (f" — **{fmt_eur(amount, lg)}**" if amount == amount and amount is not None else "")
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
        kept = t("pr_not_kept", lg, n=fmt_int(Q.DETAIL_ROWS, lg), file=titles.get(p["source_file"], p["source_file"]),
                 line=fmt_int(p["source_line_start"], lg))
        if d["sources"].empty:
            st.caption(kept)
        else:
            sources = d["sources"].assign(field=d["sources"]["field"].map(lambda x: field_label(x, lg)),
                                          raw_value=d["sources"]["raw_value"].map(_plain))
            st.dataframe(sources.rename(columns={"field": t("field", lg), "raw_value": t("raw_value", lg),
                                                      "source_line": t("line", lg)}), hide_index=True, width="stretch")
    with st.expander(t("pr_excerpt", lg), expanded=False):
        _excerpt(d, kept, lg)


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
