"""Figure builders: a DataFrame in, a Plotly figure out. No Streamlit here."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analytics.i18n import fmt_eur, fmt_eur_short, plotly_separators, plural, t

# Every figure of the app has the white template. Set once as the default, it is copied once per figure (at its
# creation); set per figure in update_layout it was copied a second time: 10-25 ms a chart.
pio.templates.default = "plotly_white"

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"]
SEQUENTIAL = "Cividis"
FLAG = "#D55E00"
OK = "#0072B2"



def _layout(fig: go.Figure, title: str, lang: str, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
                      separators=plotly_separators(lang), height=height, margin={"l": 10, "r": 10, "t": 60, "b": 10},
                      colorway=PALETTE, legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
                      font={"family": "Source Sans Pro, Arial, sans-serif"})
    return fig


def _eur_hover(var: str, lang: str) -> str:
    """A euro amount in a hover label, formatted by Plotly with the layout's separators (no Python per point)."""
    return f"%{{{var}:,.0f}} €" if lang == "fr" else f"€%{{{var}:,.0f}}"


def _eur_axis(lang: str, vmax=None) -> dict:
    """A euro axis: whole euros (``50 000 €``); from ten million on, about five round ticks in millions or
    billions (``20 M€``), which keep their labels short and horizontal."""
    if vmax is None or pd.isna(vmax) or float(vmax) < 1e7:
        return {"tickformat": ",.0f", "ticksuffix": " €" if lang == "fr" else "",
                "tickprefix": "" if lang == "fr" else "€"}
    raw = float(vmax) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    ticks = [i * step for i in range(int(float(vmax) // step) + 2)]
    unit = 1e9 if float(vmax) >= 1e9 else 1e6
    return {"tickvals": ticks, "ticktext": [fmt_eur_short(v, lang, unit) if v else "0" for v in ticks]}


# -- overview -----------------------------------------------------------------------------------------------
def funnel(row, lang: str) -> go.Figure:
    """One call's funnel (its own stages, in its own order)."""
    stages = [("applications", "funnel_applications"), ("admissible", "funnel_admissible"),
              ("preselected", "funnel_preselected"), ("laureates", "funnel_laureates"),
              ("supported", "funnel_supported")]
    xs, ys = [], []
    for col, key in stages:
        v = getattr(row, col)
        if pd.notna(v):
            xs.append(int(v))
            ys.append(t(key, lang))
    fig = go.Figure(go.Funnel(y=ys, x=xs, textinfo="value+percent initial", marker={"color": PALETTE[0]},
                              connector={"fillcolor": "#dde8f2"}))
    title = row.name if len(row.name) <= 60 else row.name[:58] + "…"
    fig = _layout(fig, title, lang, height=260)
    fig.update_layout(title={"font": {"size": 13}}, showlegend=False, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def stacked_counts(df: pd.DataFrame, x: str, color: str, title: str, lang: str, color_labels=None) -> go.Figure:
    fig = go.Figure()
    for i, (key, sub) in enumerate(df.groupby(color, sort=False)):
        fig.add_trace(go.Bar(name=color_labels(key) if color_labels else str(key), y=sub[x].str.slice(0, 45),
                             x=sub["n"], orientation="h", marker_color=PALETTE[i % len(PALETTE)],
                             hovertemplate="%{y}<br>%{x}<extra>%{fullData.name}</extra>"))
    fig = _layout(fig, title, lang, height=max(360, 160 + 24 * df[x].nunique()))  # a readable line per bar
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("n_projects", lang))
    fig.update_yaxes(title=None, autorange="reversed", dtick=1)  # every bar named, none skipped
    return fig


# -- budgets ------------------------------------------------------------------------------------------------
def budget_histogram(df: pd.DataFrame, log: bool, lang: str, group_label) -> go.Figure:
    fig = go.Figure()
    for i, (grp, sub) in enumerate(df.groupby("grp", sort=False)):
        centres = (sub["x0"] + sub["x1"]) / 2
        widths = sub["x1"] - sub["x0"]
        labels = [f"{fmt_eur(a, lang)} – {fmt_eur(b, lang)}" for a, b in zip(sub["lo_eur"], sub["hi_eur"])]
        fig.add_trace(go.Bar(x=centres, y=sub["n"], width=widths, name=group_label(grp)[:50], customdata=labels,
                             marker_color=PALETTE[i % len(PALETTE)],
                             hovertemplate="%{customdata}<br>%{y}<extra>%{fullData.name}</extra>"))
    n_groups = df["grp"].nunique()
    fig = _layout(fig, t("bu_hist", lang), lang, height=400 + 20 * n_groups)
    fig.update_layout(barmode="stack", bargap=0.05, legend={"y": -0.3 if n_groups > 3 else -0.22})
    fig.update_yaxes(title=t("n_projects", lang))
    if log:
        fig.update_xaxes(**_log_eur_axis(df, lang))
    else:
        fig.update_xaxes(title=t("budget", lang) + " (€)", **_eur_axis(lang, df["x1"].max() if len(df) else None))
    return fig


def _log_eur_axis(df: pd.DataFrame, lang: str) -> dict:
    """An axis of log10 budgets (bins ``x0``..``x1``) labelled in euros: 1-2-5 ticks over a few decades."""
    lo, hi = (df["x0"].min(), df["x1"].max()) if len(df) else (4, 7)
    ticks = [v for v in range(int(lo), int(hi) + 2)]
    steps = (0, 0.30103, 0.69897) if hi - lo <= 3 else (0,)  # 1-2-5 ticks over a few decades, else decades only
    sub_ticks = [k + m for k in ticks for m in steps if lo - 0.05 <= k + m <= hi + 0.05]
    return {"title": t("budget", lang) + " (€, " + t("bu_log", lang).lower() + ")", "tickvals": sub_ticks,
            "ticktext": [fmt_eur(10 ** v, lang) for v in sub_ticks], "range": [lo - 0.05, hi + 0.05]}


def budget_box(df: pd.DataFrame, log: bool, lang: str, group_label) -> go.Figure:
    """Boxes from quartiles computed in SQL (no raw points are sent)."""
    fig = go.Figure()
    for i, row in enumerate(df.itertuples()):
        name = group_label(row.grp)[:40]
        fig.add_trace(go.Box(name=name, y=[name], q1=[row.q1], median=[row.median], q3=[row.q3],
                             lowerfence=[row.min], upperfence=[row.max], orientation="h",
                             marker_color=PALETTE[i % len(PALETTE)], boxpoints=False,
                             hovertemplate=None))
    fig = _layout(fig, t("bu_box", lang), lang, height=180 + 80 * max(1, len(df)))
    fig.update_layout(showlegend=False)
    if log and len(df):
        lo, hi = float(df["min"].min()), float(df["max"].max())
        steps = (1, 2, 5) if hi <= lo * 1000 else (1,)  # 1-2-5 ticks over a few decades, else decades only
        ticks = [m * 10 ** e for e in range(0, 12) for m in steps if lo / 2 <= m * 10 ** e <= hi * 2]
        fig.update_xaxes(type="log", tickvals=ticks, ticktext=[fmt_eur(v, lang) for v in ticks])
    else:
        fig.update_xaxes(**_eur_axis(lang, df["max"].max() if len(df) else None))
    fig.update_xaxes(title=t("budget", lang) + " (€)")
    return fig


def grant_vs_budget(df: pd.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    for i, (kind, sub) in enumerate(df.groupby("grant_kind")):
        name = {"granted": "accordée" if lang == "fr" else "granted",
                "requested": "demandée" if lang == "fr" else "requested"}.get(kind, kind)
        fig.add_trace(go.Scatter(
            x=sub["total_budget_eur"], y=sub["grant_amount_eur"], mode="markers", name=f"{t('grant', lang)} {name}",
            marker={"size": 11, "color": PALETTE[i], "symbol": ["circle", "diamond"][i % 2]},
            hovertext=sub["title"].to_numpy(), customdata=sub["grant_share"].astype(float).to_numpy(),
            hovertemplate="%{hovertext}<br>" + t("grant", lang) + " " + _eur_hover("y", lang) + "<br>"
                          + t("budget", lang) + " " + _eur_hover("x", lang) + " (%{customdata:.0%})<extra></extra>"))
    fig = _layout(fig, t("bu_grant_vs_budget", lang), lang)
    fig.update_xaxes(title=t("budget", lang) + " (€)", **_eur_axis(lang, df["total_budget_eur"].max()))
    fig.update_yaxes(title=t("grant", lang) + " (€)", **_eur_axis(lang, df["grant_amount_eur"].max()))
    return fig


def grant_budget_density(df: pd.DataFrame, lang: str) -> go.Figure:
    """Laureates counted per budget bin and grant share bin (``queries.grant_budget_cells``): too many for a point
    each."""
    labels = [f"{fmt_eur(a, lang)} – {fmt_eur(b, lang)}<br>{t('bu_share', lang)} "
              + (f"≥ {hi - 0.05:.0%}" if hi > 1 else f"{lo:.0%} – {hi:.0%}")
              for a, b, lo, hi in zip(df["lo_eur"], df["hi_eur"], df["share_lo"], df["share_hi"])]
    fig = go.Figure(go.Heatmap(
        x=(df["x0"] + df["x1"]) / 2, y=(df["share_lo"] + df["share_hi"]) / 2, z=df["n"], customdata=labels,
        xgap=1, ygap=1, colorscale=SEQUENTIAL, colorbar={"title": {"text": t("n_projects", lang)}},
        hovertemplate="%{customdata}<br>%{z} " + t("bu_laureates", lang) + "<extra></extra>"))
    fig = _layout(fig, t("bu_grant_vs_budget", lang), lang)
    fig.update_xaxes(**_log_eur_axis(df, lang))
    fig.update_yaxes(title=t("bu_share", lang), tickformat=".0%", range=[0, 1.05])
    return fig


# -- FSE ----------------------------------------------------------------------------------------------------
def fse_scatter(df: pd.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    top = float(max(df["total_budget_eur"].max(), df["fse_amount_eur"].max() * 2)) * 1.05
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top / 2], mode="lines", name=t("fse_line50", lang),
                             line={"dash": "dash", "color": "#555"}, hoverinfo="skip"))
    for flagged, sub in ((False, df[df["flags"] == ""]), (True, df[df["flags"] != ""])):
        if sub.empty:
            continue
        labelled = flagged and len(sub) <= 5  # beyond a few, labels hide each other: the hover names them
        fig.add_trace(go.Scatter(
            x=sub["total_budget_eur"], y=sub["fse_amount_eur"], mode="markers+text" if labelled else "markers",
            name=t("fse_flagged" if flagged else "fse_ok", lang),
            marker={"size": 14 if flagged else 10, "color": FLAG if flagged else OK,
                    "symbol": "x" if flagged else "circle"},
            text=[s[:30] for s in sub["title"]] if labelled else None, textposition="top center",
            hovertext=sub["title"].to_numpy(), customdata=sub["flags"].to_numpy(),
            hovertemplate="%{hovertext}<br>FSE " + _eur_hover("y", lang) + " / " + _eur_hover("x", lang)
                          + "<br>%{customdata}<extra></extra>"))
    fig = _layout(fig, t("fse_scatter", lang), lang)
    fig.update_xaxes(title=t("total_budget", lang) + " (€)", rangemode="tozero", **_eur_axis(lang, top))
    fig.update_yaxes(title=t("fse_amount", lang) + " (€)", rangemode="tozero",
                     **_eur_axis(lang, max(top / 2, float(df["fse_amount_eur"].max()))))
    return fig


def fse_rates(df: pd.DataFrame, lang: str) -> go.Figure:
    d = df.sort_values("fse_rate_computed")
    labels = [s[:40] for s in d["title"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=d["fse_rate_stated"], y=labels, mode="markers", name=t("rate_stated", lang),
                             marker={"symbol": "line-ns-open", "size": 16, "color": "#555", "line": {"width": 2}}))
    colors = [FLAG if f else OK for f in d["flags"]]
    fig.add_trace(go.Scatter(x=d["fse_rate_computed"], y=labels, mode="markers", name=t("rate_computed", lang),
                             marker={"size": 10, "color": colors}))
    fig = _layout(fig, t("fse_rates", lang), lang, height=140 + 26 * len(d))
    fig.update_xaxes(title=t("rate", lang), tickformat=".0%")
    fig.update_yaxes(title=None)
    return fig


def fse_stacked(df: pd.DataFrame, lang: str) -> go.Figure:
    d = df.sort_values("total_budget_eur")
    labels = [s[:40] for s in d["title"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=d["fse_amount_eur"], name=t("fse_amount", lang), orientation="h",
                         marker_color=OK))
    fig.add_trace(go.Bar(y=labels, x=d["other_eur"].clip(lower=0), name=t("fse_other", lang), orientation="h",
                         marker_color=PALETTE[1]))
    fig = _layout(fig, t("fse_stacked", lang), lang, height=140 + 26 * len(d))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("amount_eur", lang),
                     **_eur_axis(lang, (d["fse_amount_eur"] + d["other_eur"].clip(lower=0)).max() if len(d) else None))
    return fig


def cofinancer_bars(df: pd.DataFrame, lang: str) -> go.Figure:
    d = df.head(20).iloc[::-1]
    fig = go.Figure(go.Bar(y=[s[:45] for s in d["name"]], x=d["n_projects"], orientation="h", marker_color=OK))
    fig = _layout(fig, t("fse_cofinancers", lang), lang, height=120 + 26 * len(d))
    # whole projects: a tick per project while there are few, else Plotly's own (a tick per unit on 66 000 would
    # print them all on top of each other)
    fig.update_xaxes(title=t("n_projects", lang), dtick=1 if len(d) and d["n_projects"].max() < 10 else None)
    return fig


# -- themes -------------------------------------------------------------------------------------------------
def theme_treemap(df: pd.DataFrame, lang: str) -> go.Figure:
    label = "label_fr" if lang == "fr" else "label_en"
    themes = df.groupby(label, as_index=False, sort=False)["n"].sum()
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(themes[label])}
    ids = list(themes[label]) + list(df[label] + "/" + df["programme"])
    labels = list(themes[label]) + list(df["programme"].str.slice(0, 40))
    parents = [""] * len(themes) + list(df[label])
    values = list(themes["n"]) + list(df["n"])
    fig = go.Figure(go.Treemap(ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
                               marker={"colors": list(colour.values()) + [colour[x] for x in df[label]]},
                               maxdepth=2, hovertemplate="%{id}<br>%{value}<extra></extra>", textinfo="label+value"))
    return _layout(fig, t("th_treemap", lang), lang, height=480)


def theme_bars(df: pd.DataFrame, lang: str) -> go.Figure:
    label = "label_fr" if lang == "fr" else "label_en"
    d = df.iloc[::-1]
    fig = go.Figure(go.Bar(y=d[label], x=d["n"], orientation="h", marker_color=OK,
                           customdata=[fmt_eur(v, lang) for v in d["budget_eur"]],
                           hovertemplate="%{y}<br>%{x} " + t("projects_n", lang) + "<br>"
                                         + t("budget", lang) + " %{customdata}<extra></extra>"))
    fig = _layout(fig, t("th_bar", lang), lang, height=120 + 28 * len(d))
    fig.update_xaxes(title=t("n_projects", lang))
    return fig


def theme_heatmap(df: pd.DataFrame, lang: str) -> go.Figure:
    label = "label_fr" if lang == "fr" else "label_en"
    pivot = df.pivot_table(index=label, columns="region", values="n", aggfunc="sum", fill_value=0)
    fig = go.Figure(go.Heatmap(z=pivot.values, x=list(pivot.columns), y=list(pivot.index), colorscale=SEQUENTIAL,
                               texttemplate="%{z:,.0f}",  # grouped digits with the layout's separators
                               hovertemplate="%{y}<br>%{x}<br>%{z:,.0f}<extra></extra>",
                               colorbar={"title": {"text": t("projects_n", lang)}}))
    fig = _layout(fig, t("th_heatmap", lang), lang, height=160 + 30 * len(pivot))
    fig.update_xaxes(tickangle=-35)
    return fig


# -- quality ------------------------------------------------------------------------------------------------
def issues_bars(df: pd.DataFrame, lang: str, rule_label) -> go.Figure:
    colors = {"error": FLAG, "warning": PALETTE[1], "info": PALETTE[4]}
    fig = go.Figure()
    for sev in ("error", "warning", "info"):
        sub = df[df["severity"] == sev]
        if sub.empty:
            continue
        fig.add_trace(go.Bar(y=[rule_label(r) for r in sub["rule"]], x=sub["n"], orientation="h",
                             name=t(f"sev_{sev}", lang), marker_color=colors[sev]))
    fig = _layout(fig, t("qu_by_rule", lang), lang, height=140 + 28 * max(1, df["rule"].nunique()))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("count", lang), dtick=1 if len(df) and df["n"].max() < 10 else None)
    fig.update_yaxes(autorange="reversed")
    return fig


# -- organisations ------------------------------------------------------------------------------------------
def organisation_bars(df: pd.DataFrame, lang: str, top: int = 15) -> go.Figure:
    """The organisations receiving the most: grants and EU contributions, stacked; names shortened on the axis, whole
    in the hover."""
    d = df.head(top).iloc[::-1]
    short = [n if len(n) <= 40 else n[:39].rsplit(" ", 1)[0] + "…" for n in d["name"]]
    fig = go.Figure()
    for col, label, colour in (("grant_eur", t("or_grants", lang), PALETTE[0]), ("eu_eur", t("or_eu", lang), PALETTE[1])):
        fig.add_trace(go.Bar(y=short, x=d[col].fillna(0), name=label, orientation="h", marker_color=colour,
                             customdata=d["name"], hovertemplate="%{customdata}<br>" + _eur_hover("x", lang)
                             + "<extra>" + label + "</extra>"))
    fig = _layout(fig, t("or_chart", lang, orgs=plural("organisation", len(d), lang)), lang, height=140 + 26 * len(d))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("amount_eur", lang), **_eur_axis(lang, (d["grant_eur"].fillna(0) + d["eu_eur"].fillna(0)).max()))
    return fig
