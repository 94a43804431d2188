"""Plan reviews (中期评估 / 总结评估): every target by phase — met, missed, or likely by its deadline —
whole-period trajectories from the baseline, a summary per action, and the unfinished tasks."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from analysis.method.progress import STATUSES, phase_levels, target_met
from analysis.plans.catalog import Catalog, TargetKind
from analysis.plans.periods import Quarter
from analysis.report.context import ReportContext
from analysis.report.format import fmt_date, fmt_value, nan, target_text
from analysis.report.model import Column, Row, Section, Span, Table, badge
from analysis.report.sections import TASK_COLUMNS, note, task_rows, trend

STAGES = {"midterm": "中期评估", "final": "总结评估"}


def review_quarter(catalog: Catalog, stage: str, data_until: date | None) -> Quarter:
    """The quarter a review assesses: the stage's milestone (plan end for `final`), or the last
    quarter with data when the milestone lies beyond the data."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}")
    m = catalog.plan.milestones
    when = (m.midterm if stage == "midterm" else m.final) or (
        catalog.plan.period.end if stage == "final" else _middle(catalog))
    q = Quarter.of(when)
    if data_until is not None and q.end > data_until:
        last = Quarter.of(data_until)
        q = last if last.end <= data_until else last.shift(-1)
    return q


def _middle(catalog: Catalog) -> date:
    p = catalog.plan.period
    return p.start + (p.end - p.start) / 2


def phase_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per indicator × phase: the target, the value at its deadline (if passed), whether
    it was met, or — for phases still ahead — the projection and whether it is likely."""
    rows = []
    card = ctx.card.set_index("indicator_id")
    for ind in ctx.catalog.indicators:
        a = card.loc[ind.id]
        series = ctx.indicator_series(ind.id)
        phases = phase_levels(ind, a["baseline"]) or [(None, None)]
        for p, level in phases:
            by = p.by if p else ctx.catalog.plan.period.end
            passed = by <= ctx.quarter.end
            at = Quarter.of(by) if passed else ctx.quarter
            value = series["value"].get(str(at), math.nan)
            if ind.target.kind in (TargetKind.year_on_year_decline, TargetKind.contain):
                before = series["value"].get(str(at.shift(-4)), math.nan)
                ok = value <= before if ind.target.kind == TargetKind.contain else (value < before or value == before == 0)
                met = None if math.isnan(value) or math.isnan(before) else bool(ok)
                verdict = "no_data" if met is None else ("met" if met else "missed") if passed else (
                    "likely" if met else "unlikely")
            elif level is None or math.isnan(value):
                verdict = "no_data"
            elif passed:
                verdict = "met" if target_met(ind.direction, value, level) else "missed"
            else:
                proj = a["projected"]
                verdict = "no_data" if nan(proj) else ("likely" if target_met(ind.direction, proj, level) else "unlikely")
            rows.append({"indicator_id": ind.id, "name": ind.name, "action": ind.action, "unit": ind.unit,
                         "decimals": ind.decimals, "kind": str(ind.target.kind), "by": by if p else None,
                         "target": level, "value": value, "value_at": str(at), "projected": a["projected"],
                         "verdict": verdict, "status": a["status"], "note": p.note if p else None,
                         "target_text": target_text({**a.to_dict(), "target": level,
                                                     "target_change": p.value if p else None})})
    return pd.DataFrame(rows)


VERDICTS = {"met": ("已实现", "achieved"), "missed": ("未实现", "missed"), "likely": ("预计可实现", "on_track"),
            "unlikely": ("预计难实现", "behind"), "no_data": ("数据不足", "no_data")}


def phase_targets(ctx: ReportContext, phases: pd.DataFrame) -> Section:
    counts = phases["verdict"].value_counts()
    summary = "，".join(f"{VERDICTS[v][0]} {int(counts[v])} 项" for v in VERDICTS if counts.get(v))
    rows = []
    for r in phases.to_dict("records"):
        label, status = VERDICTS[r["verdict"]]
        rows.append(Row(cells=[[r["name"]], [fmt_date(r["by"])], [r["target_text"]],
                               [f"{fmt_value(r['value'], r['decimals'], r['unit'])}（{Quarter.parse(r['value_at']).label}）"],
                               [fmt_value(r["projected"], r["decimals"], r["unit"]) if r["verdict"] in ("likely", "unlikely")
                                else "—"],
                               [Span(text=label, style="badge", status=status)],
                               [r["note"] if isinstance(r["note"], str) else ""]],
                        attrs={"data-indicator": r["indicator_id"], "data-verdict": r["verdict"]}))
    table = Table(columns=[Column(label="指标", kind="long"), Column(label="阶段时限", kind="date"),
                           Column(label="阶段目标"), Column(label="实际值（季度）", kind="number"),
                           Column(label="趋势预测", kind="number"), Column(label="判定", kind="status"),
                           Column(label="说明", kind="long")], rows=rows, role="phases", caption="分阶段目标完成情况")
    return Section(title="目标完成情况（分阶段）", anchor="phases", where="appendix", blocks=[
        note(f"共 {len(phases)} 个阶段目标：{summary}。已到期的阶段按期末实际值判定；未到期的按近四个季度趋势预测至时限判定。"),
        table])


def action_summary(ctx: ReportContext, phases: pd.DataFrame) -> Section:
    rows = []
    for action in ctx.catalog.plan.actions:
        card = ctx.card[ctx.card["action"] == action.id]
        tasks = ctx.tasks[ctx.tasks["action"] == action.id] if not ctx.tasks.empty else ctx.tasks
        if card.empty and tasks.empty:
            continue
        counts = card["status"].value_counts()
        badges: list = []
        for s in STATUSES:
            if counts.get(s):
                badges += [badge(s), f"{int(counts[s])} "]
        done = int(tasks["state"].isin(["done_on_time", "done_late"]).sum()) if not tasks.empty else 0
        overdue = int((tasks["state"] == "overdue").sum()) if not tasks.empty else 0
        ph = phases[phases["action"] == action.id]
        met = int(ph["verdict"].isin(["met", "likely"]).sum())
        rows.append(Row(cells=[[action.title], badges or ["—"], [f"{met}/{len(ph)}" if len(ph) else "—"],
                               [f"{done}/{len(tasks)}" if len(tasks) else "—"], [str(overdue) if overdue else "—"]]))
    table = Table(columns=[Column(label="行动", kind="long"), Column(label="指标状态"),
                           Column(label="阶段目标实现", kind="number"), Column(label="任务完成", kind="number"),
                           Column(label="逾期任务", kind="number")], rows=rows, role="actions-summary")
    return Section(title="分行动总结", anchor="action-summary",
                   blocks=[note("每项行动的指标状态、阶段目标实现（含预计可实现）数和任务完成数。"), table])


def trajectories(ctx: ReportContext) -> Section:
    """Whole-period series from the baseline with every phase target."""
    start = Quarter(ctx.catalog.plan.baseline_year, 1) if ctx.catalog.plan.baseline_year else \
        Quarter.of(ctx.catalog.plan.period.start).shift(-4)
    figs: list = []
    for a in ctx.card.to_dict("records"):
        series = ctx.indicator_series(a["indicator_id"])
        series = series[(series.index >= str(start)) & (series.index <= str(ctx.quarter))]
        figs.append(trend(ctx, a, series, f"trajectory-{a['indicator_id']}"))
    return Section(title="全周期走势", anchor="trajectories", where="screen",
                   blocks=[note(f"自{start.label}起各指标的季度走势、序时路径与各阶段目标（★）。"), *figs])


def open_tasks(ctx: ReportContext) -> Section:
    if ctx.tasks.empty:
        return Section(title="未完成与逾期任务", anchor="tasks", blocks=[note("本规划未列出带时限的任务。")])
    open_ = ctx.tasks[~ctx.tasks["state"].isin(["done_on_time", "done_late"])]
    done = len(ctx.tasks) - len(open_)
    blocks: list = [note(f"{len(ctx.tasks)} 项任务中已完成 {done} 项，未完成 {len(open_)} 项（逾期任务在前）。")]
    blocks.append(Table(columns=TASK_COLUMNS, rows=task_rows(ctx, open_), role="tasks", caption="未完成与逾期任务")
                  if len(open_) else note("全部任务已完成。"))
    return Section(title="未完成与逾期任务", anchor="tasks", blocks=blocks, where="appendix")


REVIEW_CONTENTS = (("summary", "总体判断"), ("scorecard", "核心指标"), ("phases", "目标完成情况"),
                   ("narrative", "结论与建议"), ("action-summary", "分行动总结"), ("trajectories", "全周期走势"),
                   ("accidents", "事故情况"), ("tasks", "未完成任务"), ("quality", "数据质量"), ("method", "方法说明"))

