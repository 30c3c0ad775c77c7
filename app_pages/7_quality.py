"""Data quality: what the sources get wrong or leave out, for the filtered records, and how complete they are."""

import pandas as pd
import streamlit as st

from analytics import charts, ui
from analytics import queries as Q
from analytics.i18n import coverage, fmt_pct, issue_text, t


def page():
    lg, f = ui.lang(), ui.filters()
    s = ui.header("qu_title")
    ui.extraction_banner()
    cov = Q.coverage(f)
    st.subheader(t("qu_coverage", lg))
    c = st.columns(3)
    for col, key, label in ((c[0], "with_budget", "qu_with_budget"), (c[1], "on_map", "qu_on_map"),
                            (c[2], "themed", "qu_themed")):
        share = cov[key] / cov["n"] if cov["n"] else 0
        col.metric(f"{t('projects_n', lg).capitalize()} {t(label, lg)}", fmt_pct(share, lg, 0),
                   help=f"{cov[key]} / {cov['n']}")
        col.progress(share)
    files = Q.source_files().sort_values("source_file")
    docs = files[["title", "family", "profile", "status", "n_records", "announced_found", "n_read_errors",
                  "skip_reason", "source_file"]]
    st.subheader(t("qu_documents", lg), help=t("qu_documents_help", lg))
    # the document's own title first, its family and what it announces in words, the stored file's name last
    shown = docs.assign(status=docs["status"].map({"loaded": t("doc_loaded", lg), "skipped": t("doc_skipped", lg)}),
                        family=[ui.source_kind(a, b, lg) for a, b in zip(docs["family"], docs["profile"])],
                        announced_found=[ui.counts_text(c, lg) for c in docs["announced_found"]]).drop(columns="profile")
    st.dataframe(shown.rename(columns={
        "source_file": t("doc_file", lg), "title": t("doc_title", lg), "family": t("doc_family", lg),
        "status": t("doc_status", lg), "n_records": t("doc_records", lg), "announced_found": t("doc_announced", lg),
        "n_read_errors": t("doc_errors", lg), "skip_reason": t("doc_reason", lg)}), hide_index=True, width="stretch")
    by_rule = Q.issues_by_rule(f)
    if by_rule.empty:
        st.success(t("qu_none", lg))
        return
    table = by_rule.assign(label=by_rule["rule"].map(ui.rule_label),
                           severity=by_rule["severity"].map(lambda s: t(f"sev_{s}", lg)))
    ui.chart(charts.issues_bars(by_rule, lg, {r: ui.rule_label(r) for r in by_rule["rule"].unique()},
                                coverage("issues", cov["with_issue"], s["n"], lg)),
             table.drop(columns=["rule"]).rename(columns={"label": "rule"}), "issues_by_rule")

    st.subheader(t("qu_list", lg))
    c1, c2 = st.columns(2)
    rules = c1.multiselect(t("qu_rule", lg), list(by_rule["rule"].unique()), format_func=ui.rule_label, key="qu_rules",
                           placeholder=t("all", lg))
    sevs = c2.multiselect(t("qu_severity", lg), ["error", "warning", "info"], format_func=lambda s: t(f"sev_{s}", lg),
                          key="qu_sev", placeholder=t("all", lg))
    issues = Q.issues_list(f, tuple(rules), tuple(sevs))
    labels = {r: ui.rule_label(r) for r in issues["rule"].unique()}  # once per rule, not per row
    titles = Q.source_titles()  # a file is named by its own title (its name in the export)
    show = issues.assign(rule=issues["rule"].map(labels),
                         message=[issue_text(r, p, m, lg) for r, p, m in zip(issues["rule"], issues["params"],
                                                                                issues["message"])],
                         severity=issues["severity"].map({s: t(f"sev_{s}", lg) for s in ("error", "warning", "info")}),
                         record=issues["record"].fillna(t("qu_programme_level", lg)),
                         source=issues["source_file"].map(lambda x: titles.get(x, x) if isinstance(x, str) else "")
                         + issues["source_line"].map(lambda v: f", {t('line', lg).lower()} {int(v)}" if pd.notna(v)
                                                     else ""))
    st.dataframe(show[["severity", "rule", "record", "message", "values", "source"]].rename(columns={
        "severity": t("qu_severity", lg), "rule": t("qu_rule", lg), "record": t("qu_record", lg),
        "message": t("qu_message", lg), "values": t("qu_values", lg), "source": t("qu_source", lg)}),
        hide_index=True, width="stretch")
    ui.downloads(issues, "quality_issues")


ui.run(page)
