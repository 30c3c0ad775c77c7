"""What every figure shares: the palette, the layout (title, the subtitle that says what the chart counts, legend),
euro and count axes, and labels shortened at a word with the whole text kept for the hover. No Streamlit here."""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analytics.i18n import fmt_eur_short, plotly_separators

# Every figure of the app has the white template. Set once as the default, it is copied once per figure (at its
# creation); set per figure in update_layout it was copied a second time: 10-25 ms a chart.
pio.templates.default = "plotly_white"

# -- built figures, kept --------------------------------------------------------------------------------------------
# A figure costs 5-20 ms to build (Plotly validates every property) and a page has up to six: a page shown again
# (another user, a return to it, a language switched back) gets the figures built for the same data. The key is the
# builder and its arguments' contents (a DataFrame by a hash of its values), so a figure is never stale; a builder
# given a function (a label function) is not kept. Kept figures are shared: nobody changes them (exports copy them).
FIGURES_KEPT = 512
_KEPT: OrderedDict = OrderedDict()
_KEPT_LOCK = threading.Lock()


class _Unkeyable(Exception):
    pass


def _fingerprint(v):
    if isinstance(v, (pd.DataFrame, pd.Series)):
        frame = v if isinstance(v, pd.DataFrame) else v.to_frame()
        try:
            h = int(pd.util.hash_pandas_object(frame, index=True).sum()) if len(frame) else 0
        except TypeError as exc:  # a cell holding a list
            raise _Unkeyable from exc
        return ("frame", tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), len(frame), h)
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:  # a NumPy scalar
        return v.item()
    if isinstance(v, dict):  # labels
        return ("dict", tuple(sorted((str(k), _fingerprint(x)) for k, x in v.items())))
    if isinstance(v, tuple):  # a tuple, or a row of itertuples()
        return (type(v).__name__, tuple(_fingerprint(x) for x in v))
    raise _Unkeyable


def kept(builder):
    """Decorator: the figure built by ``builder`` for these arguments, built once (see FIGURES_KEPT)."""
    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        try:
            key = (builder.__qualname__, _fingerprint(args), _fingerprint(tuple(sorted(kwargs.items()))))
        except _Unkeyable:
            return builder(*args, **kwargs)
        with _KEPT_LOCK:
            fig = _KEPT.get(key)
            if fig is not None:
                _KEPT.move_to_end(key)
                return fig
        fig = builder(*args, **kwargs)
        with _KEPT_LOCK:
            _KEPT[key] = fig
            while len(_KEPT) > FIGURES_KEPT:
                _KEPT.popitem(last=False)
        return fig
    return wrapper


# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"]
SEQUENTIAL = "Cividis"
FLAG = "#D55E00"
OK = "#0072B2"
SUBTLE = "#4a4a4a"  # 9:1 on white: the subtitle stays readable (WCAG AA asks 4.5:1)


def layout(fig: go.Figure, title: str, lang: str, height: int = 420, subtitle: str = "") -> go.Figure:
    """Title at the top left, its subtitle (what the chart counts: '14 projets FSE sur 159') below it, the legend
    under the plot where no axis title sits, numbers in the user's separators."""
    top = 56 + (22 if subtitle else 0) + (20 * title.count("<br>"))
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "xref": "container", "y": 0.98, "yanchor": "top",
               "yref": "container", "font": {"size": 16},
               "subtitle": {"text": subtitle, "font": {"size": 12, "color": SUBTLE}}},
        separators=plotly_separators(lang), height=height, margin={"l": 10, "r": 10, "t": top, "b": 10},
        colorway=PALETTE, font={"family": "Source Sans Pro, Arial, sans-serif"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 0.01, "yref": "container", "x": 0, "xanchor": "left",
                "font": {"size": 12}})
    # the margins grow to hold the tick labels and axis titles (the browser and Kaleido alike: without it the
    # images cut the theme names to their last letter)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if any(getattr(tr, "showlegend", None) is not False for tr in fig.data) and len(fig.data) > 1:
        fig.update_layout(margin={"b": 70})  # the legend's own strip, below the axis title
    return fig


def short(text, n: int = 40) -> str:
    """A label of at most ``n`` characters, cut between words (never inside one) and marked with '…'."""
    s = " ".join(str(text).split())
    if len(s) <= n:
        return s
    cut = s[:n - 1]
    if " " in cut and len(cut.rsplit(" ", 1)[0]) >= n // 2:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-—(") + "…"


def shorts(texts, n: int = 40) -> list[str]:
    """``short`` of each text, kept distinct: two names alike up to the cut would share one bar of a category axis."""
    out, seen = [], {}
    for text in texts:
        s = short(text, n)
        seen[s] = seen.get(s, 0) + 1
        out.append(s if seen[s] == 1 else f"{s} ({seen[s]})")
    return out


def eur_hover(var: str, lang: str) -> str:
    """A euro amount in a hover label, formatted by Plotly with the layout's separators (no Python per point)."""
    return f"%{{{var}:,.0f}} €" if lang == "fr" else f"€%{{{var}:,.0f}}"


def eur_axis(lang: str, vmax=None) -> dict:
    """A euro axis: whole euros (``50 000 €``); from ten million on, about five round ticks in millions or
    billions (``20 M€``), which keep their labels short and horizontal."""
    if vmax is None or pd.isna(vmax) or float(vmax) < 1e7:
        # at most five ticks: '100 000 €' labels ran into each other on a half-width chart
        return {"tickformat": ",.0f", "ticksuffix": " €" if lang == "fr" else "",
                "tickprefix": "" if lang == "fr" else "€", "nticks": 5}
    raw = float(vmax) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    ticks = [i * step for i in range(int(float(vmax) // step) + 2)]
    unit = 1e9 if float(vmax) >= 1e9 else 1e6
    return {"tickvals": ticks, "ticktext": [fmt_eur_short(v, lang, unit) if v else "0" for v in ticks]}


def count_axis(vmax) -> dict:
    """An axis of counts: whole numbers only (no 0,5 project), about six ticks, from zero."""
    top = 0 if vmax is None or pd.isna(vmax) else float(vmax)
    raw = max(1.0, top / 6)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return {"tickformat": ",d", "dtick": max(1, int(step)), "tick0": 0, "rangemode": "tozero"}
