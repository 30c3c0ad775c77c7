"""Import: a program officer adds projects from a spreadsheet, sees every problem first, then confirms."""

import hashlib

import pandas as pd
import streamlit as st

from analytics import importing, ui
from analytics.i18n import field_label, fmt_date, fmt_eur, fmt_num, fmt_pct, plural, t


def _token_ok(lg: str) -> bool:
    if st.session_state.get("im_ok"):
        return True
    token = st.text_input(t("im_token", lg), type="password", key="im_token")
    wait = importing.THROTTLE.wait(st.session_state)
    if wait > 0:
        st.error(t("im_wait", lg, s=int(wait) + 1))
        return False
    if not token:
        return False
    ok, wait = importing.THROTTLE.check(token, st.session_state)
    if not ok:
        st.error(t("im_wait", lg, s=int(wait) + 1) if wait > 0 else t("im_token_bad", lg))
        return False
    st.session_state["im_ok"] = True
    return True


def _sample(rows: list[dict], lg: str) -> pd.DataFrame:
    """The first valid rows as they will be stored, in the user's words and formats."""
    def fmt(col: str, v):
        if v is None:
            return "–"
        if col in ("total_budget", "fse_amount", "grant"):
            return fmt_eur(v, lg)
        if col == "fse_rate":
            return fmt_pct(v, lg)
        if col in ("start_date", "end_date"):
            return fmt_date(v, lg)
        if col == "status":
            return t(f"status_{v}", lg)
        return v

    df = pd.DataFrame([{k: fmt(k, v) for k, v in r.items()} for r in rows])
    return df.rename(columns={c: t("im_col_row", lg) if c == "row" else field_label(c, lg).capitalize()
                              for c in df.columns})


def _error(answer: dict, lg: str) -> str | None:
    if "error" not in answer:
        return None
    return t("im_failed", lg, e=answer["error"]) if answer["error"] else t("im_internal", lg)


def page():
    lg = ui.lang()
    st.title(t("im_title", lg))
    if not importing.import_enabled():
        st.warning(t("im_disabled", lg))
        return
    if not importing.token_configured():
        st.warning(t("im_no_token", lg))
        return
    if not _token_ok(lg):
        return
    mb = importing.max_upload_mb()
    st.caption(t("im_help", lg, mb=mb))
    st.download_button(t("im_template", lg), importing.template_csv(lg), "modele-import-projets.csv", "text/csv")
    up = st.file_uploader(t("im_upload", lg), type=["csv", "xlsx", "parquet"], key="im_file")
    if up is not None:
        data = up.getvalue()
        key = (hashlib.sha256(data).hexdigest(), up.name, lg)  # one preview per file, not one per rerun
        if st.session_state.get("_im_preview", (None,))[0] != key:
            st.session_state["_im_preview"] = (key, importing.run("preview", up.name, data, lg, max_bytes=mb * 1024 * 1024))
        pv = st.session_state["_im_preview"][1]
        if _error(pv, lg):
            st.error(_error(pv, lg))
        elif pv.get("fatal"):
            st.error(pv["fatal"])
        else:
            st.info(t("im_rows", lg, n=pv["n_rows"], v=pv["n_valid"], r=pv["n_rejected"]))
            st.caption(t("im_profile", lg, p=pv["profile_label"]))
            st.caption(t("im_columns", lg, c=", ".join(f"« {v} » → {field_label(k, lg)}" if lg == "fr" else
                                                       f"'{v}' → {field_label(k, lg)}" for k, v in pv["columns"].items())))
            if pv["ignored_columns"]:
                st.caption(t("im_ignored", lg, c=", ".join(pv["ignored_columns"])))
            for w in pv["warnings"]:
                st.warning(w)
            if pv["rejected"]:
                st.subheader(t("im_problems", lg))
                st.dataframe(pd.DataFrame(pv["rejected"])[["row", "column", "value", "message"]].rename(columns={
                    "row": t("im_col_row", lg), "column": t("im_col_column", lg), "value": t("im_col_value", lg),
                    "message": t("im_col_message", lg)}), hide_index=True, width="stretch")
            if pv["sample"]:
                st.subheader(t("im_preview", lg))
                st.dataframe(_sample(pv["sample"], lg), hide_index=True, width="stretch")
            accept = False
            if pv["rejected"] and pv["n_valid"]:
                accept = st.checkbox(t("im_accept", lg, v=pv["n_valid"], r=pv["n_rejected"]), key="im_accept")
            if pv["n_valid"] and (accept or not pv["rejected"]) and st.button(t("im_confirm", lg), type="primary"):
                with st.spinner(t("im_building", lg)):
                    done = importing.run("commit", up.name, data, lg, accept=accept)
                if _error(done, lg):
                    st.error(_error(done, lg))
                else:
                    st.success(t("im_done", lg, projects=plural("project", done["n_projects"], lg),
                                 s=fmt_num(done["seconds"], lg)))
    existing = importing.run("list", lang=lg, timeout=60).get("imports", [])
    if existing:
        st.subheader(t("im_existing", lg))
        for item in existing:
            c1, c2 = st.columns([4, 1])
            c1.write(f"{item['file']} ({item['bytes'] / 1024:.1f} KB)")
            if c2.button(t("im_remove", lg), key=f"rm_{item['file']}"):
                done = importing.run("remove", item["file"], lang=lg)
                if _error(done, lg):
                    st.error(_error(done, lg))
                else:
                    st.rerun()


ui.run(page)
