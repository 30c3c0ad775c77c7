"""Import: a program officer adds projects from a spreadsheet, sees every problem first, then confirms."""

import pandas as pd
import streamlit as st

from analytics import importing, ui
from analytics.i18n import t
from etl import importer, tabular
from etl.pipeline import EtlError


def page():
    lg = ui.lang()
    st.title(t("im_title", lg))
    if not importing.import_enabled():
        st.warning(t("im_disabled", lg))
        return
    if not importing.token_configured():
        st.warning(t("im_no_token", lg))
        return
    if not st.session_state.get("im_ok"):
        token = st.text_input(t("im_token", lg), type="password", key="im_token")
        if not token:
            return
        if not importing.check_token(token):
            st.error(t("im_token_bad", lg))
            return
        st.session_state["im_ok"] = True
    mb = importing.max_upload_mb()
    st.caption(t("im_help", lg, mb=mb))
    st.download_button(t("im_template", lg), tabular.template_csv(lg), "modele-import-projets.csv", "text/csv")
    up = st.file_uploader(t("im_upload", lg), type=["csv", "xlsx"], key="im_file")
    if up is not None:
        data = up.getvalue()
        pv = importer.preview(data, up.name, max_bytes=mb * 1024 * 1024)
        if pv.fatal:
            st.error(pv.fatal)
        else:
            st.info(t("im_rows", lg, n=pv.n_rows, v=pv.n_valid, r=pv.n_rejected_rows))
            st.caption(t("im_columns", lg, c=", ".join(f"{v} → {k}" for k, v in pv.columns.items())))
            if pv.ignored_columns:
                st.caption(t("im_ignored", lg, c=", ".join(pv.ignored_columns)))
            for w in pv.warnings:
                st.warning(w["message"])
            if pv.rejected:
                st.subheader(t("im_problems", lg))
                st.dataframe(pd.DataFrame(pv.rejected).rename(columns={
                    "row": t("im_col_row", lg), "column": t("im_col_column", lg), "value": t("im_col_value", lg),
                    "message": t("im_col_message", lg)}), hide_index=True, width="stretch")
            if pv.sample:
                st.subheader(t("im_preview", lg))
                st.dataframe(pd.DataFrame(pv.sample), hide_index=True, width="stretch")
            accept = False
            if pv.rejected and pv.n_valid:
                accept = st.checkbox(t("im_accept", lg, v=pv.n_valid, r=pv.n_rejected_rows), key="im_accept")
            if pv.n_valid and (accept or not pv.rejected) and st.button(t("im_confirm", lg), type="primary"):
                try:
                    with st.spinner("…"):
                        report = importer.commit(data, up.name, accept_valid_rows=accept)
                    st.success(t("im_done", lg, n=report.n_projects, s=f"{report.seconds:.1f}"))
                except (EtlError, OSError) as exc:
                    st.error(t("im_failed", lg, e=str(exc)))
    existing = importer.list_imports()
    if existing:
        st.subheader(t("im_existing", lg))
        for item in existing:
            c1, c2 = st.columns([4, 1])
            c1.write(f"{item['file']} ({item['bytes'] / 1024:.1f} KB)")
            if c2.button(t("im_remove", lg), key=f"rm_{item['file']}"):
                try:
                    importer.remove(item["file"])
                    st.rerun()
                except (EtlError, OSError) as exc:
                    st.error(t("im_failed", lg, e=str(exc)))


ui.run(page)
