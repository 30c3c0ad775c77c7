"""Sources: every file loaded — documents and tables — with its family or format, its own title, what it holds
against what it announces, when it was put in its folder, its SHA-256 and its issues."""

import streamlit as st

from analytics import queries as Q
from analytics import ui
from analytics.i18n import fmt_int, t


def _holds(row, lg: str) -> str:
    if row["status"] == "skipped":
        return t("so_skipped", lg, why=row["skip_reason"] or "")
    if row["family"] == "table":
        rejected = int(row["n_rows"] or 0) - int(row["n_records"] or 0)
        return t("so_rows", lg, n=fmt_int(row["n_records"], lg), rows=fmt_int(row["n_rows"] or 0, lg),
                 r=fmt_int(max(rejected, 0), lg))
    out = t("so_records", lg, n=fmt_int(row["n_records"], lg))
    counts = ui.counts_text(row["announced_found"], lg)
    return out + (f" ({counts})" if counts else "")


def page():
    lg = ui.lang()
    st.title(t("so_title", lg))
    st.caption(t("so_help", lg))
    files = Q.source_files()
    show = files.assign(kind=[ui.source_kind(r["family"], r["profile"], lg) for _, r in files.iterrows()],
                        holds=[_holds(r, lg) for _, r in files.iterrows()],
                        sha=files["sha256"].str.slice(0, 16) + "…")
    cols = ["title", "kind", "holds", "modified_at", "n_errors", "n_warnings", "n_infos", "source_file", "sha"]
    st.dataframe(show[cols], hide_index=True, width="stretch", height=min(36 * (len(show) + 1) + 3, 900), column_config={
        "title": st.column_config.TextColumn(t("so_col_title", lg), help=t("so_col_title_help", lg), width="large"),
        "kind": t("so_col_kind", lg), "holds": st.column_config.TextColumn(t("so_col_holds", lg), width="large"),
        "modified_at": st.column_config.DatetimeColumn(t("so_col_modified", lg),
                                                       format="DD/MM/YYYY HH:mm" if lg == "fr" else "YYYY-MM-DD HH:mm"),
        "n_errors": t("so_col_errors", lg), "n_warnings": t("so_col_warnings", lg), "n_infos": t("so_col_infos", lg),
        "source_file": t("so_col_file", lg), "sha": st.column_config.TextColumn("SHA-256", help=t("so_col_sha", lg))})
    ui.downloads(files.drop(columns=["skip_reason"]).assign(
        announced_found=[ui.counts_text(c, lg) for c in files["announced_found"]]), "sources")


ui.run(page)
