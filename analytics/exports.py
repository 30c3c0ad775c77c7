"""Files users take away: tables as CSV/XLSX, charts as PNG/SVG. No Streamlit here.

Every table file starts with the filters and the data date. Cells that a spreadsheet
would read as a formula (starting with =, +, -, @) are neutralised: prefixed with an
apostrophe in CSV, written as text cells in XLSX.
Charts are rendered offline by Kaleido with the machine's Chromium (one server kept running).
"""

from __future__ import annotations

import io
import threading

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _neutral(v):
    return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v


# columns of the read side a user has no use for (keys, masks, the issues' values as JSON)
INTERNAL = {"pk", "prog_no", "org_no", "region_mask", "theme_mask", "params", "band", "bin", "x0", "x1", "sy", "bx",
             "share_lo", "share_hi", "theme_no", "region_no", "dept_no", "link"}


def localised(df: pd.DataFrame, lang: str, labels: dict[str, dict]) -> tuple[pd.DataFrame, set[str]]:
    """A table as a reader takes it away: the columns named in the user's language (common/locales, [col]), codes
    in words (``labels``: column -> {code: label}, e.g. statuses), internal keys dropped. Returns it and the names of
    its columns in euros (for the XLSX's money format)."""
    from common.i18n import catalogue

    cat = catalogue(lang)
    out = df.drop(columns=[c for c in df.columns if c in INTERNAL])
    for col, words in labels.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
    money = {cat.get(f"col.{c}", c) for c in out.columns if str(c).endswith("_eur") or c in ("budget_eur", "q1", "median",
                                                                                          "q3", "min", "max", "total")}
    out.columns = [cat.get(f"col.{c}", c) for c in out.columns]
    return out, money


def csv_bytes(df: pd.DataFrame, description: str, data_date: str, lang: str = "fr") -> bytes:
    safe = df.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]) and not pd.api.types.is_datetime64_any_dtype(safe[col]):
            safe[col] = safe[col].map(_neutral)
    safe.columns = [_neutral(str(c)) for c in safe.columns]
    buf = io.StringIO()
    buf.write(f"# {_neutral(description)}\n# {data_date}\n")
    safe.to_csv(buf, index=False, sep=";" if lang == "fr" else ",", decimal="," if lang == "fr" else ".",
                date_format="%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, description: str, data_date: str, sheet: str = "data",
               money_columns: set[str] | None = None) -> bytes:
    """An XLSX workbook: filters and data date in the first rows, then the table. Strings stay strings."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet[:31])
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "# ##0 €"})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_string(0, 0, description)
    ws.write_string(1, 0, data_date)
    for j, col in enumerate(df.columns):
        ws.write_string(3, j, str(col), bold)
        ws.set_column(j, j, min(60, max(10, len(str(col)) + 2)))
    for i, row in enumerate(df.itertuples(index=False), start=4):
        for j, v in enumerate(row):
            col = str(df.columns[j])
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                ws.write_blank(i, j, None)
            elif isinstance(v, str):
                ws.write_string(i, j, v)
            elif hasattr(v, "year") and hasattr(v, "month"):
                ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime(), date_fmt)
            elif isinstance(v, (int, float)) or hasattr(v, "as_tuple"):
                in_eur = col in money_columns if money_columns is not None else (col.endswith("_eur") or "€" in col)
                ws.write_number(i, j, float(v), money if in_eur else None)
            else:
                ws.write_string(i, j, str(v))
    ws.freeze_panes(4, 0)
    wb.close()
    return buf.getvalue()


_kaleido_lock = threading.Lock()
_kaleido_started = False


def figure_bytes(fig, fmt: str = "png", width: int = 1100, height: int = 620, font_size: int | None = None) -> bytes:
    """PNG or SVG of a Plotly figure, rendered offline (Kaleido + Debian chromium)."""
    if font_size:
        import plotly.graph_objects as go

        fig = go.Figure(fig).update_layout(font={"size": font_size}, title={"font": {"size": font_size + 4}})
    global _kaleido_started
    with _kaleido_lock:  # one render at a time through the one server
        if not _kaleido_started:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            _kaleido_started = True
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fig.to_image(format=fmt, width=width, height=height, scale=2 if fmt == "png" else 1)
