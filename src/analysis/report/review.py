"""Plan reviews (中期评估 / 总结评估): every target by phase — met, missed, or likely by its deadline —
whole-period trajectories from the baseline, a summary per action, and the unfinished tasks."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from analysis.labels import group
from analysis.method.progress import STATUSES, target_met
from analysis.plans.catalog import Catalog, TargetKind
from analysis.plans.periods import Quarter
from analysis.report import charts
from analysis.report.context import ReportContext
from analysis.report.markup import esc, fmt_date, fmt_value, note, section, status_badge, table

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
        phases = [p for p in ind.target.phases if p.value is not None] or [None]
        for p in phases:
            by = p.by if p else ctx.catalog.plan.period.end
            level = _level(ind.target.kind, p.value if p else None, a["baseline"])
            if ind.target.kind in (TargetKind.none_allowed, TargetKind.zero) and level is None:
                level = 0.0
            passed = by <= ctx.quarter.end
            at = Quarter.of(by) if passed else ctx.quarter
            value = series["value"].get(str(at), math.nan)
            if ind.target.kind == TargetKind.year_on_year_decline:
                before = series["value"].get(str(at.shift(-4)), math.nan)
                met = None if math.isnan(value) or math.isnan(before) else bool(value < before or value == before == 0)
                verdict = "no_data" if met is None else ("met" if met else "missed") if passed else (
                    "likely" if met else "unlikely")
            elif level is None or math.isnan(value):
                verdict = "no_data"
            elif passed:
                verdict = "met" if target_met(ind.direction, value, level) else "missed"
            else:
                proj = a["projected"]
                verdict = "no_data" if proj is None or _nan(proj) else (
                    "likely" if target_met(ind.direction, proj, level) else "unlikely")
            rows.append({"indicator_id": ind.id, "name": ind.name, "action": ind.action, "unit": ind.unit,
                         "decimals": ind.decimals, "kind": str(ind.target.kind), "by": by if p else None,
                         "target": level, "value": value, "value_at": str(at), "projected": a["projected"],
                         "verdict": verdict, "status": a["status"], "note": p.note if p else None})
    return pd.DataFrame(rows)


def _level(kind: TargetKind, value: float | None, baseline: float) -> float | None:
    if value is None:
        return None
    if kind == TargetKind.change_from_baseline:
        return None if _nan(baseline) else baseline * (1 + value / 100)
    return value


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


VERDICTS = {"met": ("已实现", "achieved"), "missed": ("未实现", "off_track"), "likely": ("预计可实现", "on_track"),
            "unlikely": ("预计难实现", "behind"), "no_data": ("数据不足", "no_data")}


def phase_targets_html(ctx: ReportContext, phases: pd.DataFrame) -> str:
    counts = phases["verdict"].value_counts()
    summary = "，".join(f"{VERDICTS[v][0]} {int(counts[v])} 项" for v in VERDICTS if counts.get(v))
    rows, attrs = [], []
    for r in phases.to_dict("records"):
        label, status = VERDICTS[r["verdict"]]
        color = group("status_color")[status]
        badge = f'<span class="badge" style="--c:{color}">{esc(label)}</span>'
        rows.append([esc(r["name"]), esc(fmt_date(r["by"])),
                     esc(f"{group('target_kind')[r['kind']]} {fmt_value(r['target'], r['decimals'], r['unit'])}"
                         if not _nan(r["target"]) else group("target_kind")[r["kind"]]),
                     esc(f"{fmt_value(r['value'], r['decimals'], r['unit'])}（{r['value_at']}）"),
                     esc(fmt_value(r["projected"], r["decimals"], r["unit"])), badge,
                     esc(r["note"] if isinstance(r["note"], str) else "")])
        attrs.append({"data-indicator": r["indicator_id"], "data-verdict": r["verdict"]})
    body = note(f"共 {len(phases)} 个阶段目标：{summary}。已到期的阶段按期末实际值判定；未到期的按近四个季度趋势预测至时限判定。") \
        + table(["指标", "阶段时限", "阶段目标", "实际值（季度）", "趋势预测", "判定", "说明"], rows, cls="phases", row_attrs=attrs)
    return section("目标完成情况（分阶段）", body, anchor="phases")


def action_summary_html(ctx: ReportContext, phases: pd.DataFrame) -> str:
    rows = []
    for action in ctx.catalog.plan.actions:
        card = ctx.card[ctx.card["action"] == action.id]
        tasks = ctx.tasks[ctx.tasks["action"] == action.id] if not ctx.tasks.empty else ctx.tasks
        if card.empty and tasks.empty:
            continue
        counts = card["status"].value_counts()
        badges = " ".join(f"{status_badge(s)}{int(counts[s])}" for s in STATUSES if counts.get(s)) or "—"
        done = int(tasks["state"].isin(["done_on_time", "done_late"]).sum()) if not tasks.empty else 0
        overdue = int((tasks["state"] == "overdue").sum()) if not tasks.empty else 0
        ph = phases[phases["action"] == action.id]
        met = int(ph["verdict"].isin(["met", "likely"]).sum())
        rows.append([esc(action.title), badges, esc(f"{met}/{len(ph)}" if len(ph) else "—"),
                     esc(f"{done}/{len(tasks)}" if len(tasks) else "—"), esc(overdue or "—")])
    body = note("每项行动的指标状态、阶段目标实现（含预计可实现）数和任务完成数。") + table(
        ["行动", "指标状态", "阶段目标实现", "任务完成", "逾期任务"], rows, cls="actions-summary")
    return section("分行动总结", body, anchor="action-summary")


def trajectories_html(ctx: ReportContext) -> str:
    """Whole-period series from the baseline with every phase target."""
    figs = []
    start = Quarter(ctx.catalog.plan.baseline_year, 1) if ctx.catalog.plan.baseline_year else \
        Quarter.of(ctx.catalog.plan.period.start).shift(-4)
    for a in ctx.card.to_dict("records"):
        ind = ctx.catalog.indicator(a["indicator_id"])
        series = ctx.indicator_series(ind.id)
        series = series[(series.index >= str(start)) & (series.index <= str(ctx.quarter))]
        phases = [(str(Quarter.of(p.by)), v) for p in ind.target.phases
                  if (v := _level(ind.target.kind, p.value, a["baseline"])) is not None]
        fig = charts.trend_figure(series, a, phases)
        figs.append(charts.plotly_div(fig, f"trajectory-{ind.id}", f"{ind.name}（{ind.unit}）" if ind.unit else ind.name))
    return section("全周期走势", note(f"自 {start.label} 起各指标的季度走势、序时路径与各阶段目标（★）。")
                   + '<div class="chart-grid">' + "".join(figs) + "</div>", anchor="trajectories")


def open_tasks_html(ctx: ReportContext) -> str:
    if ctx.tasks.empty:
        return section("未完成与逾期任务", note("本规划未列出带时限的任务。"), anchor="tasks")
    open_ = ctx.tasks[~ctx.tasks["state"].isin(["done_on_time", "done_late"])]
    states = group("task_state")
    rows, attrs = [], []
    for r in open_.to_dict("records"):
        state = states[r["state"]] + (f"（{r['days_overdue']} 天）" if r["state"] == "overdue" else "")
        rows.append([esc(r["task_id"]), esc(r["text"]), esc(r["responsible"]), esc(fmt_date(r["deadline"])),
                     f'<span class="task-{esc(r["state"])}">{esc(state)}</span>', esc(r["note"] or "")])
        attrs.append({"class": "overdue" if r["state"] == "overdue" else "", "data-task": r["task_id"]})
    done = len(ctx.tasks) - len(open_)
    body = note(f"{len(ctx.tasks)} 项任务中已完成 {done} 项，未完成 {len(open_)} 项（逾期任务在前）。") + (
        table(["编号", "任务", "责任单位", "完成时限", "进展", "进展说明"], rows, cls="tasks", row_attrs=attrs)
        if rows else note("全部任务已完成。"))
    return section("未完成与逾期任务", body, anchor="tasks")


REVIEW_CONTENTS = (("scorecard", "核心指标"), ("phases", "目标完成情况"), ("narrative", "结论与建议"),
                   ("action-summary", "分行动总结"), ("trajectories", "全周期走势"), ("accidents", "事故情况"),
                   ("tasks", "未完成任务"), ("quality", "数据质量"), ("method", "方法说明"))
