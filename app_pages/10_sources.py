"""Sources: every file loaded — documents and tables — with its family or format, its own title, what it holds
against what it announces, when it was put in its folder, its SHA-256 and its issues."""

import streamlit as st

from analytics import queries as Q
from analytics import ui
from analytics.i18n import field_label, fmt_int, lsep, t


def _kind(row, lg: str) -> str:
    if row["family"] is None or row["family"] != row["family"]:
        return t("so_unknown", lg)
    key = row["profile"] if row["family"] == "table" and isinstance(row["profile"], str) else row["family"]
    return t(f"so_kind_{key}", lg)


def _holds(row, lg: str) -> str:
    if row["status"] == "skipped":
        return t("so_skipped", lg, why=row["skip_reason"] or "")
    if row["family"] == "table":
        rejected = int(row["n_rows"] or 0) - int(row["n_records"] or 0)
        return t("so_rows", lg, n=fmt_int(row["n_records"], lg), rows=fmt_int(row["n_rows"] or 0, lg),
                 r=fmt_int(max(rejected, 0), lg))
    out = t("so_records", lg, n=fmt_int(row["n_records"], lg))
    return out + (f" ({_counts(row['announced_found'], lg)})" if _counts(row["announced_found"], lg) else "")


def _counts(counts, lg: str) -> str:
    """What the document announces against what was read: 'lauréats : 14 annoncés / 14 lus ; …'."""
    if not hasattr(counts, "__len__") or isinstance(counts, str) or not len(counts):  # none announced: NULL
        return ""
    return lsep(lg).join(t("so_count", lg, what=field_label(c["what"], lg), a=fmt_int(c["announced"], lg),
                              f=fmt_int(c["found"], lg)) for c in counts)


def page():
    lg = ui.lang()
    st.title(t("so_title", lg))
    st.caption(t("so_help", lg))
    files = Q.source_files()
    show = files.assign(kind=[_kind(r, lg) for _, r in files.iterrows()],
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
        announced_found=[_counts(c, lg) for c in files["announced_found"]]), "sources")


ui.run(page)
