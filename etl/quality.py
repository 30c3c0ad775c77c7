"""Consistency checks on parsed records. They flag, never correct."""

from __future__ import annotations

from decimal import Decimal

from common.contract import ENVELOPE_STATUSES, ENVELOPE_TOLERANCE, RATE_TOLERANCE
from etl.models import Issue, Programme, Project


def _eur(v: Decimal) -> str:
    return f"{v:,.0f} €".replace(",", " ")


def check_project(p: Project) -> list[Issue]:
    out: list[Issue] = []
    budget, fse, grant = p.total_budget_eur, p.fse_amount_eur, p.grant_amount_eur
    for name, v in (("total_budget_eur", budget), ("fse_amount_eur", fse), ("grant_amount_eur", grant)):
        if v is not None and v < 0:
            out.append(Issue("negative_amount", "error", f"{name} is negative", str(v), name,
                             params={"field": name, "value_eur": str(v)}))
    if budget is not None and fse is not None and fse > budget:
        out.append(Issue("fse_exceeds_budget", "error",
                         f"FSE amount {_eur(fse)} is larger than the total budget {_eur(budget)}",
                         f"fse={fse}; budget={budget}", "fse_amount_eur",
                         params={"fse_eur": str(fse), "budget_eur": str(budget)}))
    if budget is not None and grant is not None and grant > budget:
        out.append(Issue("grant_exceeds_budget", "error",
                         f"grant {_eur(grant)} is larger than the budget {_eur(budget)}",
                         f"grant={grant}; budget={budget}", "grant_amount_eur",
                         params={"grant_eur": str(grant), "budget_eur": str(budget)}))
    if budget and fse is not None and p.fse_rate_stated is not None:
        computed = fse / budget
        if abs(computed - p.fse_rate_stated) > RATE_TOLERANCE:
            out.append(Issue("rate_mismatch", "warning",
                             f"stated FSE rate {p.fse_rate_stated:.0%} but amount ÷ budget = {computed:.2%}",
                             f"stated={p.fse_rate_stated}; computed={computed:.4f}", "fse_rate_stated",
                             params={"stated_rate": str(p.fse_rate_stated), "computed_rate": f"{computed:.4f}"}))
    if p.start_date and p.end_date and p.end_date < p.start_date:
        out.append(Issue("end_before_start", "error", f"end date {p.end_date} is before start date {p.start_date}",
                         f"start={p.start_date}; end={p.end_date}", "end_date",
                         params={"start_date": str(p.start_date), "end_date": str(p.end_date)}))
    return out


def check_programme(prog: Programme, projects: list[Project]) -> list[Issue]:
    out: list[Issue] = []
    grants = [p.grant_amount_eur for p in projects if p.grant_amount_eur is not None
              and p.status in ENVELOPE_STATUSES]
    if prog.envelope_eur and grants:
        total = sum(grants, Decimal(0))
        gap = abs(total - prog.envelope_eur)
        if gap > prog.envelope_eur * ENVELOPE_TOLERANCE:
            out.append(Issue("envelope_mismatch", "warning",
                             f"grants add up to {_eur(total)}, envelope is {_eur(prog.envelope_eur)} "
                             f"(gap {_eur(gap)}, {gap / prog.envelope_eur:.2%})",
                             f"sum={total}; envelope={prog.envelope_eur}", "envelope_eur",
                             params={"sum_eur": str(total), "envelope_eur": str(prog.envelope_eur), "gap_eur": str(gap),
                                     "gap_rate": str(gap / prog.envelope_eur)}))
    if prog.applications is not None and prog.admissible is not None and prog.admissible > prog.applications:
        out.append(Issue("funnel_inconsistent", "warning", "more admissible applications than received",
                         f"applications={prog.applications}; admissible={prog.admissible}", "admissible",
                         params={"applications": prog.applications, "admissible": prog.admissible}))
    if prog.min_grant_eur is not None and prog.max_grant_eur is not None and prog.min_grant_eur > prog.max_grant_eur:
        out.append(Issue("grant_range_inverted", "error", "minimum grant above maximum grant",
                         f"min={prog.min_grant_eur}; max={prog.max_grant_eur}", "min_grant_eur",
                         params={"min_eur": str(prog.min_grant_eur), "max_eur": str(prog.max_grant_eur)}))
    return out
