"""Figure builders: a DataFrame in, a Plotly figure out. No Streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.chartkit import FLAG, OK, PALETTE, SEQUENTIAL, count_axis, eur_axis, eur_hover, kept, layout, short, shorts
from analytics.i18n import fmt_eur, fmt_int, plural, t


# -- overview -----------------------------------------------------------------------------------------------
def _lab(labels: dict | None):
    """A key's label: ``labels`` is a dict (part of a kept figure's key, where a function could not be), the key
    itself when it has none."""
    return lambda k: (labels or {}).get(k, str(k))


@kept
def funnel(row, lang: str) -> go.Figure:
    """One call's funnel (its own stages, in its own order); the call's name shortened at a word on one line (a
    second line was cut at the top), whole in the hover."""
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
                              connector={"fillcolor": "#dde8f2"}, hovertext=[row.name] * len(xs),
                              hovertemplate="%{hovertext}<br>%{y}" + (" : " if lang == "fr" else ": ")
                                            + "%{x:,d}<extra></extra>"))
    fig = layout(fig, short(row.name, 50), lang, height=290)
    fig.update_layout(title={"font": {"size": 13}}, showlegend=False)
    return fig


@kept
def stacked_counts(df: pd.DataFrame, x: str, color: str, title: str, lang: str, color_labels: dict | None = None,
                   subtitle: str = "") -> go.Figure:
    """Counts per category (``x``, shortened on the axis, whole in the hover), stacked by ``color``."""
    names = list(dict.fromkeys(df[x]))
    label = dict(zip(names, shorts(names, 45)))
    fig = go.Figure()
    for i, (key, sub) in enumerate(df.groupby(color, sort=False)):
        fig.add_trace(go.Bar(name=_lab(color_labels)(key), y=sub[x].map(label), x=sub["n"],
                             orientation="h", marker_color=PALETTE[i % len(PALETTE)], customdata=sub[x],
                             hovertemplate="%{customdata}<br>%{x:,d}<extra>%{fullData.name}</extra>"))
    fig = layout(fig, title, lang, height=max(360, 190 + 24 * len(names)), subtitle=subtitle)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("n_projects", lang), **count_axis(df.groupby(x)["n"].sum().max() if len(df) else 0))
    fig.update_yaxes(title=None, autorange="reversed", dtick=1)  # every bar named, none skipped
    return fig


# -- budgets ------------------------------------------------------------------------------------------------
@kept
def budget_histogram(df: pd.DataFrame, log: bool, lang: str, group_labels: dict, subtitle: str = "") -> go.Figure:
    fig = go.Figure()
    for i, (grp, sub) in enumerate(df.groupby("grp", sort=False)):
        centres = (sub["x0"] + sub["x1"]) / 2
        widths = sub["x1"] - sub["x0"]
        labels = [f"{fmt_eur(a, lang)} – {fmt_eur(b, lang)}" for a, b in zip(sub["lo_eur"], sub["hi_eur"])]
        full = str(_lab(group_labels)(grp))
        fig.add_trace(go.Bar(x=centres, y=sub["n"], width=widths, name=shorts([full], 38)[0], customdata=labels,
                             marker_color=PALETTE[i % len(PALETTE)], hovertext=[full] * len(sub),
                             hovertemplate="%{hovertext}<br>%{customdata}<br>%{y:,d}<extra></extra>"))
    n_groups = df["grp"].nunique()
    fig = layout(fig, t("bu_hist", lang), lang, height=420 + 22 * ((n_groups + 1) // 2), subtitle=subtitle)
    fig.update_layout(barmode="stack", bargap=0.05, margin={"b": 40 + 22 * ((n_groups + 1) // 2)})
    fig.update_yaxes(title=t("n_projects", lang), **count_axis(df.groupby("x0")["n"].sum().max() if len(df) else 0))
    if log:
        fig.update_xaxes(**_log_axis(df, lang))
    else:
        fig.update_xaxes(title=t("budget", lang) + " (€)", **eur_axis(lang, df["x1"].max() if len(df) else None))
    return fig


def _log_axis(df: pd.DataFrame, lang: str) -> dict:
    """An axis of log10 budgets (bins ``x0``..``x1``) labelled in euros: 1-2-5 ticks over a few decades."""
    lo, hi = (df["x0"].min(), df["x1"].max()) if len(df) else (4, 7)
    ticks = [v for v in range(int(lo), int(hi) + 2)]
    steps = (0, 0.30103, 0.69897) if hi - lo <= 3 else (0,)  # 1-2-5 ticks over a few decades, else decades only
    sub_ticks = [k + m for k in ticks for m in steps if lo - 0.05 <= k + m <= hi + 0.05]
    return {"title": t("budget", lang) + " (€, " + t("bu_log", lang).lower() + ")", "tickvals": sub_ticks,
            "ticktext": [fmt_eur(10 ** v, lang) for v in sub_ticks], "range": [lo - 0.05, hi + 0.05]}


@kept
def budget_box(df: pd.DataFrame, log: bool, lang: str, group_labels: dict, subtitle: str = "") -> go.Figure:
    """Boxes from quartiles computed in SQL (no raw points are sent); groups shortened on the axis, whole in the
    hover."""
    fig = go.Figure()
    full = [str(_lab(group_labels)(g)) for g in df["grp"]]
    for i, (row, name, whole) in enumerate(zip(df.itertuples(), shorts(full, 32), full)):
        fig.add_trace(go.Box(name=name, y=[name], q1=[row.q1], median=[row.median], q3=[row.q3],
                             lowerfence=[row.min], upperfence=[row.max], orientation="h",
                             marker_color=PALETTE[i % len(PALETTE)], boxpoints=False, hovertext=whole,
                             hoverinfo="x+text"))
    fig = layout(fig, t("bu_box", lang), lang, height=190 + 70 * max(1, len(df)), subtitle=subtitle)
    fig.update_layout(showlegend=False, margin={"b": 10})
    if log and len(df):
        lo, hi = float(df["min"].min()), float(df["max"].max())
        steps = (1, 2, 5) if hi <= lo * 1000 else (1,)  # 1-2-5 ticks over a few decades, else decades only
        ticks = [m * 10 ** e for e in range(0, 12) for m in steps if lo / 2 <= m * 10 ** e <= hi * 2]
        fig.update_xaxes(type="log", tickvals=ticks, ticktext=[fmt_eur(v, lang) for v in ticks])
    else:
        fig.update_xaxes(**eur_axis(lang, df["max"].max() if len(df) else None))
    fig.update_xaxes(title=t("budget", lang) + " (€)")
    return fig


@kept
def grant_vs_budget(df: pd.DataFrame, lang: str, subtitle: str = "") -> go.Figure:
    fig = go.Figure()
    for i, (kind, sub) in enumerate(df.groupby("grant_kind")):
        fig.add_trace(go.Scatter(
            x=sub["total_budget_eur"], y=sub["grant_amount_eur"], mode="markers",
            name=t(f"grant_{kind}", lang) if kind in ("granted", "requested") else str(kind),
            marker={"size": 11, "color": PALETTE[i], "symbol": ["circle", "diamond"][i % 2]},
            hovertext=sub["title"].to_numpy(), customdata=sub["grant_share"].astype(float).to_numpy(),
            hovertemplate="%{hovertext}<br>" + t("grant", lang) + " " + eur_hover("y", lang) + "<br>"
                          + t("budget", lang) + " " + eur_hover("x", lang) + " (%{customdata:.0%})<extra></extra>"))
    fig = layout(fig, t("bu_grant_vs_budget", lang), lang, subtitle=subtitle)
    fig.update_xaxes(title=t("budget", lang) + " (€)", **eur_axis(lang, df["total_budget_eur"].max()))
    fig.update_yaxes(title=t("grant", lang) + " (€)", **eur_axis(lang, df["grant_amount_eur"].max()))
    return fig


@kept
def grant_budget_density(df: pd.DataFrame, lang: str, subtitle: str = "") -> go.Figure:
    """Laureates counted per budget bin and grant share bin (``queries.grant_budget_cells``): too many for a point
    each."""
    labels = [f"{fmt_eur(a, lang)} – {fmt_eur(b, lang)}<br>{t('bu_share', lang)} "
              + (f"≥ {hi - 0.05:.0%}" if hi > 1 else f"{lo:.0%} – {hi:.0%}")
              for a, b, lo, hi in zip(df["lo_eur"], df["hi_eur"], df["share_lo"], df["share_hi"])]
    fig = go.Figure(go.Heatmap(
        x=(df["x0"] + df["x1"]) / 2, y=(df["share_lo"] + df["share_hi"]) / 2, z=df["n"], customdata=labels,
        xgap=1, ygap=1, colorscale=SEQUENTIAL, colorbar={"title": {"text": t("n_projects", lang)}, "tickformat": ",d"},
        hovertemplate="%{customdata}<br>%{z:,d} " + t("bu_laureates", lang) + "<extra></extra>"))
    fig = layout(fig, t("bu_grant_vs_budget", lang), lang, subtitle=subtitle)
    fig.update_xaxes(**_log_axis(df, lang))
    fig.update_yaxes(title=t("bu_share", lang), tickformat=".0%", range=[0, 1.05])
    return fig


# -- FSE ----------------------------------------------------------------------------------------------------
@kept
def fse_scatter(df: pd.DataFrame, lang: str, subtitle: str = "") -> go.Figure:
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
            text=shorts(sub["title"], 28) if labelled else None, textposition="top center",
            hovertext=sub["title"].to_numpy(), customdata=sub["flags"].to_numpy(),
            hovertemplate="%{hovertext}<br>FSE " + eur_hover("y", lang) + " / " + eur_hover("x", lang)
                          + "<br>%{customdata}<extra></extra>"))
    fig = layout(fig, t("fse_scatter", lang), lang, height=460, subtitle=subtitle)
    fig.update_xaxes(title=t("total_budget", lang) + " (€)", rangemode="tozero", **eur_axis(lang, top))
    fig.update_yaxes(title=t("fse_amount", lang) + " (€)", rangemode="tozero",
                     **eur_axis(lang, max(top / 2, float(df["fse_amount_eur"].max()))))
    return fig


@kept
def fse_rates(df: pd.DataFrame, lang: str, subtitle: str = "") -> go.Figure:
    d = df.sort_values("fse_rate_computed")
    labels = shorts(d["title"], 34)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=d["fse_rate_stated"], y=labels, mode="markers", name=t("rate_stated", lang),
                             marker={"symbol": "line-ns-open", "size": 16, "color": "#555", "line": {"width": 2}},
                             hovertext=d["title"].to_numpy(), hovertemplate="%{hovertext}<br>%{x:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=d["fse_rate_computed"], y=labels, mode="markers", name=t("rate_computed", lang),
                             marker={"size": 10, "color": [FLAG if f else OK for f in d["flags"]]},
                             hovertext=d["title"].to_numpy(), hovertemplate="%{hovertext}<br>%{x:.1%}<extra></extra>"))
    fig = layout(fig, t("fse_rates", lang), lang, height=190 + 26 * len(d), subtitle=subtitle)
    fig.update_xaxes(title=t("rate", lang), tickformat=".0%")
    fig.update_yaxes(title=None, dtick=1)
    return fig


@kept
def fse_stacked(df: pd.DataFrame, lang: str, subtitle: str = "") -> go.Figure:
    d = df.sort_values("total_budget_eur")
    labels = shorts(d["title"], 34)
    fig = go.Figure()
    for col, name, colour in (("fse_amount_eur", t("fse_amount", lang), OK), ("other_eur", t("fse_other", lang),
                                                                               PALETTE[1])):
        fig.add_trace(go.Bar(y=labels, x=d[col].clip(lower=0), name=name, orientation="h", marker_color=colour,
                             hovertext=d["title"].to_numpy(),
                             hovertemplate="%{hovertext}<br>" + eur_hover("x", lang) + f"<extra>{name}</extra>"))
    fig = layout(fig, t("fse_stacked", lang), lang, height=190 + 26 * len(d), subtitle=subtitle)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(dtick=1)
    fig.update_xaxes(title=t("amount_eur", lang),
                     **eur_axis(lang, (d["fse_amount_eur"] + d["other_eur"].clip(lower=0)).max() if len(d) else None))
    return fig


@kept
def cofinancer_bars(df: pd.DataFrame, lang: str, top: int = 12, subtitle: str = "") -> go.Figure:
    """The cofinancers cited by the most projects; past ``top``, one bar 'Others (k)'."""
    head = df.head(top)
    rest = df.iloc[top:]
    names = shorts(head["name"], 40)
    counts = list(head["n_projects"])
    full = list(head["name"])
    if len(rest):
        names.append(t("others_k", lang, k=fmt_int(len(rest), lang)))
        counts.append(int(rest["n_projects"].sum()))
        full.append(", ".join(rest["name"].head(12)) + ("…" if len(rest) > 12 else ""))
    fig = go.Figure(go.Bar(y=names[::-1], x=counts[::-1], orientation="h", marker_color=OK, customdata=full[::-1],
                           hovertemplate="%{customdata}<br>%{x:,d}<extra></extra>"))
    fig = layout(fig, t("fse_cofinancers", lang), lang, height=150 + 26 * len(names), subtitle=subtitle)
    fig.update_xaxes(title=t("n_projects", lang), **count_axis(max(counts) if counts else 0))
    fig.update_yaxes(dtick=1)
    return fig


# -- themes -------------------------------------------------------------------------------------------------
@kept
def theme_bars(df: pd.DataFrame, lang: str, subtitle: str = "") -> go.Figure:
    """Projects and amounts per theme, side by side on one list of themes: a project with several themes counts in
    each."""
    label = "label_fr" if lang == "fr" else "label_en"
    d = df.iloc[::-1]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=(t("n_projects", lang), t("total_budget", lang) + " (€)"))
    fig.add_trace(go.Bar(y=d[label], x=d["n"], orientation="h", marker_color=OK, name=t("n_projects", lang),
                         hovertemplate="%{y}<br>%{x:,d}<extra></extra>", showlegend=False), row=1, col=1)
    fig.add_trace(go.Bar(y=d[label], x=d["budget_eur"].fillna(0), orientation="h", marker_color=PALETTE[2],
                         name=t("total_budget", lang), showlegend=False,
                         customdata=[[fmt_eur(a, lang), fmt_eur(b, lang)] for a, b in zip(d["fse_eur"], d["grant_eur"])],
                         hovertemplate="%{y}<br>" + t("total_budget", lang) + " " + eur_hover("x", lang) + "<br>"
                                       + t("fse_amount", lang) + " %{customdata[0]}<br>" + t("grant", lang)
                                       + " %{customdata[1]}<extra></extra>"), row=1, col=2)
    fig = layout(fig, t("th_bar", lang), lang, height=170 + 28 * len(d), subtitle=subtitle)
    fig.update_xaxes(count_axis(d["n"].max() if len(d) else 0), row=1, col=1)
    fig.update_xaxes(eur_axis(lang, d["budget_eur"].max() if len(d) else None), row=1, col=2)
    fig.update_annotations(font={"size": 12, "color": "#4a4a4a"})
    return fig


@kept
def theme_heatmap(df: pd.DataFrame, lang: str, column: str = "region", title_key: str = "th_heatmap",
                  subtitle: str = "") -> go.Figure:
    """Projects per theme and region (or call): the count written in each cell, the names shortened on the axis
    and whole in the hover."""
    label = "label_fr" if lang == "fr" else "label_en"
    pivot = df.pivot_table(index=label, columns=column, values="n", aggfunc="sum", fill_value=0)
    cols = [str(c) for c in pivot.columns]
    fig = go.Figure(go.Heatmap(z=pivot.values, x=shorts(cols, 28), y=list(pivot.index), colorscale=SEQUENTIAL,
                               customdata=[cols] * len(pivot), texttemplate="%{z:,.0f}",
                               hovertemplate="%{y}<br>%{customdata}<br>%{z:,.0f}<extra></extra>",
                               colorbar={"title": {"text": t("projects_n", lang)}, "tickformat": ",d"}))
    fig = layout(fig, t(title_key, lang), lang, height=200 + 30 * len(pivot), subtitle=subtitle)
    fig.update_xaxes(tickangle=-35)
    return fig


# -- quality ------------------------------------------------------------------------------------------------
@kept
def issues_bars(df: pd.DataFrame, lang: str, rule_labels: dict, subtitle: str = "") -> go.Figure:
    colors = {"error": FLAG, "warning": PALETTE[1], "info": PALETTE[4]}
    fig = go.Figure()
    for sev in ("error", "warning", "info"):
        sub = df[df["severity"] == sev]
        if sub.empty:
            continue
        fig.add_trace(go.Bar(y=[_lab(rule_labels)(r) for r in sub["rule"]], x=sub["n"], orientation="h",
                             name=t(f"sev_{sev}", lang), marker_color=colors[sev],
                             hovertemplate="%{y}<br>%{x:,d}<extra>%{fullData.name}</extra>"))
    fig = layout(fig, t("qu_by_rule", lang), lang, height=190 + 28 * max(1, df["rule"].nunique()), subtitle=subtitle)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("count", lang), **count_axis(df.groupby("rule")["n"].sum().max() if len(df) else 0))
    fig.update_yaxes(autorange="reversed", dtick=1)
    return fig


# -- organisations ------------------------------------------------------------------------------------------
@kept
def organisation_bars(df: pd.DataFrame, lang: str, top: int = 15, subtitle: str = "") -> go.Figure:
    """The organisations receiving the most: grants and EU contributions, stacked; names shortened on the axis, whole
    in the hover."""
    d = df.head(top).iloc[::-1]
    short = shorts(d["name"], 40)
    fig = go.Figure()
    for col, label, colour in (("grant_eur", t("or_grants", lang), PALETTE[0]), ("eu_eur", t("or_eu", lang), PALETTE[1])):
        fig.add_trace(go.Bar(y=short, x=d[col].fillna(0), name=label, orientation="h", marker_color=colour,
                             customdata=d["name"], hovertemplate="%{customdata}<br>" + eur_hover("x", lang)
                             + "<extra>" + label + "</extra>"))
    fig = layout(fig, t("or_chart", lang, orgs=plural("organisation", len(d), lang)), lang, height=190 + 26 * len(d),
                 subtitle=subtitle)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(dtick=1)
    fig.update_xaxes(title=t("amount_eur", lang), **eur_axis(lang, (d["grant_eur"].fillna(0) + d["eu_eur"].fillna(0)).max()))
    return fig
