"""Map figures: offline choropleths on our own boundaries (no tile server), with overseas insets."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.chartkit import SUBTLE, kept
from analytics.i18n import fmt_eur, fmt_int, plotly_separators

GEO_DIR = Path(__file__).resolve().parent.parent / "static" / "geo"
# The same files as Streamlit serves them (server.enableStaticServing): the browser fetches a boundary file once and
# every map names it, instead of each figure carrying (and the server copying and sending) its shapes
GEO_URL = {"region": "app/static/geo/regions.geojson", "department": "app/static/geo/departments.geojson"}
# Plotly's SVG maps ask for a base map (world_110m.json) from a CDN even when it draws none: ours is an empty one
TOPOJSON_URL = "app/static/topojson/"
# The overseas regions, drawn in a strip under the main map
OVERSEAS = ("01", "02", "03", "04", "06")


# -- choropleth ----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=2)
def geojson(level: str) -> dict:
    return json.loads((GEO_DIR / ("regions.geojson" if level == "region" else "departments.geojson"))
                      .read_text(encoding="utf-8"))


# Light to dark with the amount; zero is its own light grey, distinct from the smallest amount (a region without any
# project was drawn in the darkest colour of the scale).
MAP_SCALE = [[0.0, "#ececec"], [1e-9, "#deebf7"], [0.25, "#9ecae1"], [0.5, "#4292c6"], [0.75, "#2171b5"],
             [1.0, "#08306b"]]


@lru_cache(maxsize=64)
def _features(level: str, codes: tuple[str, ...] | None) -> dict:
    """The boundary file, or only the features of ``codes``: an overseas map carries its own shapes, not the
    country's."""
    g = geojson(level)
    if codes is None:
        return g
    keep = set(codes)
    return {"type": "FeatureCollection", "features": [f for f in g["features"] if f["properties"]["code"] in keep]}


@lru_cache(maxsize=256)
def _bbox(level: str, code: str) -> tuple[float, float, float, float]:
    """lon_min, lat_min, lon_max, lat_max of one region or department."""
    xs, ys = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for x in c:
                walk(x)

    for f in geojson(level)["features"]:
        if f["properties"]["code"] == code:
            walk(f["geometry"]["coordinates"])
    return (min(xs), min(ys), max(xs), max(ys)) if xs else (-5.2, 41.3, 9.6, 51.1)


def view_of(level: str, codes: tuple[str, ...], height: int = 600) -> tuple[tuple[float, float], float]:
    """The centre and zoom that show ``codes`` (the filtered regions) whole; metropolitan France without them."""
    boxes = [_bbox(level, c) for c in codes] if codes else []
    if not boxes:
        return (46.6, 2.4), 4.75
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    span = max(x1 - x0, (y1 - y0) * 1.5, 0.2)
    zoom = max(1.5, min(9.0, math.log2(360 / span) - 0.9 + (0.3 if height > 500 else 0)))
    return ((y0 + y1) / 2, (x0 + x1) / 2), zoom


@kept
def choropleth(df: pd.DataFrame, level: str, measure: str, lang: str, title: str, *, center=(46.6, 2.4),
               zoom: float = 4.75, height: int = 600, show_scale: bool = True, zmax: float | None = None,
               scale_title: str = "", subtitle: str = "", inline: bool = True) -> go.Figure:
    """Offline choropleth (no tile server): white background and our own boundaries — carried in the figure
    (``inline``: images, the deck) or named by their local URL (the app). Zero is light grey; the colour bar names the
    measure."""
    code = "region_code" if level == "region" else "department_code"
    values = df[measure].astype(float)
    text = [fmt_int(v, lang) if measure == "n" else fmt_eur(v, lang) for v in values]
    top = zmax if zmax is not None else max(1.0, float(values.max() or 1))
    fig = go.Figure(go.Choroplethmap(
        geojson=_features(level, None) if inline else GEO_URL[level], featureidkey="properties.code",
        locations=df[code], z=values, colorscale=MAP_SCALE, zmin=0, zmax=top,
        marker={"line": {"width": 0.6, "color": "white"}}, customdata=list(zip(df["name"], text)),
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>", showscale=show_scale,
        colorbar={"title": {"text": scale_title, "side": "right"}, "thickness": 12,
                  **({"tickformat": ",d"} if measure == "n" else {"tickformat": ",.0f"})}))
    fig.update_layout(map={"style": "white-bg", "center": {"lat": center[0], "lon": center[1]}, "zoom": zoom},
                      title={"text": title, "x": 0, "font": {"size": 15 if height > 300 else 12},
                             "subtitle": {"text": subtitle, "font": {"size": 12, "color": SUBTLE}}},
                      margin={"l": 0, "r": 0, "t": (40 if title else 0) + (22 if subtitle else 0), "b": 0}, height=height,
                      separators=plotly_separators(lang), clickmode="event+select")
    return fig


@kept
def overseas_strip(df: pd.DataFrame, level: str, measure: str, lang: str, zmax: float, title: str = "") -> go.Figure:
    """The five overseas regions side by side in one light figure: SVG maps (Plotly's geo, no base layer, each
    fitted to its own shapes, carried inline: a few kilobytes), the same colour scale as the main map. One figure
    instead of five WebGL maps: what made the Map page slow to draw."""
    code_col = "region_code" if level == "region" else "department_code"
    names = {c: (df[df["region_code"] == c]["name"].iloc[0] if level == "region" and (df["region_code"] == c).any()
                 else "") for c in OVERSEAS}
    fig = make_subplots(rows=1, cols=len(OVERSEAS), specs=[[{"type": "choropleth"}] * len(OVERSEAS)],
                        subplot_titles=[names[c] or c for c in OVERSEAS], horizontal_spacing=0.01)
    for i, code in enumerate(OVERSEAS, start=1):
        sub = df[df["region_code"] == code]
        values = sub[measure].astype(float)
        text = [fmt_int(v, lang) if measure == "n" else fmt_eur(v, lang) for v in values]
        fig.add_trace(go.Choropleth(
            geojson=_features(level, tuple(sub[code_col])), featureidkey="properties.code", locations=sub[code_col],
            z=values, zmin=0, zmax=max(zmax, 1.0), colorscale=MAP_SCALE, showscale=False,
            marker={"line": {"width": 0.6, "color": "white"}}, customdata=list(zip(sub["name"], text)),
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>"), row=1, col=i)
    fig.update_geos(visible=False, fitbounds="locations", projection_type="mercator", bgcolor="rgba(0,0,0,0)")
    fig.update_layout(height=190, margin={"l": 0, "r": 0, "t": 46 if title else 24, "b": 0},
                      title={"text": title, "x": 0, "font": {"size": 13}} if title else None,
                      separators=plotly_separators(lang), dragmode=False)
    fig.update_annotations(font={"size": 12, "color": "#4a4a4a"})
    return fig
