"""Plan reviews (中期评估 / 总结评估) in the structure a 安全生产 mid-term review uses: 主要目标指标进展 →
重点任务进展 → 问题和风险挑战 → 对策建议 (for the final review: what carries into the next plan).

Per target: the baseline, the value at the review date, the target and the grade (`progress.grade`:
提前实现 / 快于预期 / 基本符合预期 / 滞后 / 未完成 at mid-term; 完成 / 基本完成 / 未完成 at the end). The
mid-term says the pace the rest of the plan needs; the final review judges every year of a 逐年
target, makes no forecast past the plan's end, and lists the unfinished work."""

from __future__ import annotations

import itertools
import math
from datetime import date

import pandas as pd

from analysis.labels import group, t
from analysis.method.progress import LEVEL_KINDS, grade, phase_levels, target_met
from analysis.plans.catalog import Catalog, TargetKind
from analysis.plans.periods import Quarter
from analysis.report import sections
from analysis.report.context import ReportContext
from analysis.report.format import (
    baseline_label,
    completion_text,
    fmt_date,
    fmt_duration,
    fmt_value,
    gap_text,
    is_percent,
    lead_unit,
    nan,
    target_rule_text,
    target_text,
)
from analysis.report.model import (
    BR,
    Column,
    Header,
    Items,
    Paragraph,
    Row,
    Section,
    Span,
    Table,
    small,
    strong,
)
from analysis.report.sections import TASK_COLUMNS, has_points, note, planner_item, task_rows, trend

STAGES = {"midterm": "中期评估", "final": "总结评估"}
GRADE_STATUS = {"ahead": "achieved", "faster": "achieved", "as_expected": "on_track", "behind": "behind",
                "not_done": "missed", "done": "achieved", "nearly_done": "behind", "no_data": "no_data",
                "not_applicable": "not_applicable"}
"""The colour each grade is shown in (the status it stands nearest to)."""
YEARLY_KINDS = (TargetKind.year_on_year_decline, TargetKind.contain, TargetKind.none_allowed)
GRADE_ORDER = {"midterm": ("ahead", "faster", "as_expected", "behind", "not_done", "no_data", "not_applicable"),
               "final": ("done", "nearly_done", "not_done", "no_data", "not_applicable")}


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


def _grade_badge(key: str) -> Span:
    return Span(text=group("grade")[key], style="badge", status=GRADE_STATUS[key])


def tally(grades, stage: str) -> dict[str, int]:
    """How many of each grade, in the stage's grade order (grades that occur only)."""
    counts = pd.Series(list(grades), dtype=object).value_counts()
    return {g: int(counts[g]) for g in GRADE_ORDER[stage] if counts.get(g)}


def tally_text(counts: dict[str, int]) -> str:
    """完成3项，基本完成1项: a tally in words."""
    names = group("grade")
    return "，".join(f"{names[g]}{n}项" for g, n in counts.items())


# --- every year of a 逐年 target ---------------------------------------------------------------

def yearly(ctx: ReportContext, ind) -> list[tuple[int, float]]:
    """(year, the full year's value) from the baseline year to the review year: the fourth quarter
    of a yearly window."""
    series = ctx.indicator_series(ind.id)["value"]
    first = ctx.catalog.plan.baseline_year or ctx.catalog.plan.period.start.year - 1
    years = range(first, ctx.quarter.year + (1 if ctx.quarter.q == 4 else 0))
    return [(y, float(series.get(f"{y}Q4", math.nan))) for y in years]


def yearly_verdict(kind: TargetKind, values: list[tuple[int, float]], plan_start: int) -> tuple[bool | None, list[int]]:
    """Met every plan year (below / not above the year before, none at all), and the years it was not."""
    missed, known = [], False
    for (y0, v0), (y1, v1) in itertools.pairwise(values):
        if y1 < plan_start or math.isnan(v1) or (kind != TargetKind.none_allowed and math.isnan(v0)):
            continue
        known = True
        ok = v1 <= 0 if kind == TargetKind.none_allowed else (
            v1 <= v0 if kind == TargetKind.contain else (v1 < v0 or v1 == v0 == 0))
        if not ok:
            missed.append(y1)
    return (None if not known else not missed), missed


# --- 主要目标指标进展 -------------------------------------------------------------------------------

def _final_phase(ind, baseline):
    levels = phase_levels(ind, baseline)
    return levels[-1] if levels else (None, None)


def pace_rest(ctx: ReportContext, a: dict) -> str:
    """The pace the rest of the plan needs to reach its last target (mid-term)."""
    ind = ctx.catalog.indicator(a["indicator_id"])
    phase, level = _final_phase(ind, a["baseline"])
    if phase is None or nan(a["value"]) or level is None or ind.target.kind not in LEVEL_KINDS:
        return ""
    if target_met(a["direction"], a["value"], level):
        return f"已达到{fmt_date(phase.by)}目标，需保持"
    years = (phase.by - ctx.quarter.end).days / 365.25
    if years <= 0:
        return ""
    gap = level - a["value"]
    unit = "个百分点" if is_percent(a) else (" " + a["unit"] if a["unit"] else "")
    verb = "提高" if gap > 0 else "降低"
    per = abs(gap) / years
    return f"至{fmt_date(phase.by)}尚需年均{verb}{per:.{a['decimals'] if is_percent(a) else max(a['decimals'], 1)}f}{unit}"


def target_grade(ctx: ReportContext, a: dict, stage: str) -> tuple[str, list[int] | None]:
    """The review's grade of one target, and for a 逐年 target the years it was not met: every
    year counts (33, 24, 16, 24, 16 is not 逐年下降), at the end as 完成 / 未完成, at mid-term a year
    already missed makes it 滞后."""
    g = grade(a, stage)
    ind = ctx.catalog.indicator(a["indicator_id"])
    if ind.target.kind not in YEARLY_KINDS or g in ("no_data", "not_applicable"):
        return g, None
    ok, missed = yearly_verdict(ind.target.kind, yearly(ctx, ind), ctx.catalog.plan.period.start.year)
    if ok is None:
        return g, None
    if stage == "final":
        return ("done" if ok else "not_done"), missed
    return (g if ok else "behind"), missed


def targets(ctx: ReportContext, stage: str) -> Section:
    """Per target: baseline, the value at the review date, the plan's target, the grade and what it means."""
    if ctx.card.empty:
        return Section(title="主要目标指标进展", anchor="targets", blocks=[note(sections.NO_INDICATORS)])
    rows, grades = [], []
    for a in ctx.indicator_rows.values():
        ind = ctx.catalog.indicator(a["indicator_id"])
        g, missed = target_grade(ctx, a, stage)
        phase, level = _final_phase(ind, a["baseline"])
        final = {**a, "target": level, "target_change": phase.value if phase else None} if phase else a
        goal = [target_text(final)] + ([BR, small(f"{fmt_date(phase.by)}前")] if phase else [])
        rule = target_rule_text(a, ctx.level_name(a))
        if rule:
            goal += [BR, small(rule)]
        name = [a["name"]] + ([BR, small("口径说明：" + a["scope_note"])] if a["scope_note"] else [])
        base = "—" if nan(a["baseline"]) else f"{fmt_value(a['baseline'], a['decimals'], a['unit'])}（{baseline_label(a)}）"
        if missed is not None:
            explain = "、".join(f"{y}年" for y in missed) + "未实现" if missed else "逐年均已实现"
        elif stage == "final":
            done = completion_text(a)
            explain = f"完成率{done}" if a["completion_basis"] == "ratio" else done
        else:
            explain = pace_rest(ctx, a) or completion_text(a)
        grades.append(g)
        rows.append(Row(cells=[name, [base], goal, [fmt_value(a["value"], a["decimals"], a["unit"])],
                               [_grade_badge(g)], [explain]],
                        attrs={"data-indicator": a["indicator_id"], "data-grade": g}))
    summary = tally_text(tally(grades, stage))
    table = Table(columns=[Column(label="指标", kind="long"), Column(label="基期值", kind="number"),
                           Column(label="规划目标"), Column(label=f"{ctx.quarter.label}末", kind="number"),
                           Column(label="评价", kind="status"), Column(label="说明", kind="long")],
                  rows=rows, role="targets", caption="主要目标指标完成情况")
    lead = ("评价按规划最后一个阶段的目标：" if stage == "final" else "评价按评估时所处阶段：") + summary + "。"
    return Section(title="主要目标指标进展", anchor="targets", blocks=[note(lead), table])


def yearly_table(ctx: ReportContext) -> Section | None:
    """逐年 targets year by year (deaths and accidents per year with the 逐年 checks)."""
    inds = [i for i in ctx.catalog.indicators if i.target.kind in YEARLY_KINDS]
    if not inds:
        return None
    years = [y for y, _ in yearly(ctx, inds[0])]
    rows = []
    for ind in inds:
        values = yearly(ctx, ind)
        ok, missed = yearly_verdict(ind.target.kind, values, ctx.catalog.plan.period.start.year)
        verdict = "—" if ok is None else ("逐年实现" if ok else "、".join(f"{y}年" for y in missed) + "未实现")
        rows.append(Row(cells=[[ind.name], *[[fmt_value(v, ind.decimals, ind.unit)] for _, v in values], [strong(verdict)]],
                        attrs={"data-indicator": ind.id}))
    return Section(title="逐年目标完成情况", anchor="yearly", blocks=[
        note("逐年下降须每年低于上一年，有效遏制须每年不高于上一年，不得发生须每年为0；年度值取各年第四季度末的全年数。"),
        Table(columns=[Column(label="指标", kind="long"), *[Column(label=f"{y}年", kind="number") for y in years],
                       Column(label="逐年检查", kind="status")], rows=rows, role="yearly", caption="逐年目标")])


# --- 重点任务进展 -----------------------------------------------------------------------------------

TASK_GRADES = {"done_on_time": "done", "done_late": "done", "in_progress": "nearly_done", "not_started": "not_done",
               "overdue": "not_done", "no_report": "no_data"}


def task_grade(r: dict, stage: str) -> str:
    """A task's verdict: 完成 when done; at the end, 基本完成 for a 成效/长期 task under way; else 未完成."""
    g = TASK_GRADES[r["state"]]
    if g == "nearly_done" and (stage != "final" or r["kind"] == "milestone"):
        return "not_done" if stage == "final" else "as_expected"
    return g


def tasks_progress(ctx: ReportContext, stage: str) -> tuple[Section, pd.DataFrame]:
    """重点任务进展 by action, and the tasks not done (for the appendix)."""
    if ctx.tasks.empty:
        return Section(title="重点任务进展", anchor="tasks", blocks=[note("本规划未列出带时限的任务。")]), ctx.tasks
    tasks = ctx.tasks.assign(grade=[task_grade(r, stage) for r in ctx.tasks.to_dict("records")])
    names = group("grade")
    total = tally(tasks["grade"], stage)
    shown = list(total)  # the summary's grades, in the same order
    rows = []
    for action in ctx.catalog.plan.actions:
        mine = tasks[tasks["action"] == action.id]
        if mine.empty:
            continue
        n = mine["grade"].value_counts()
        rows.append(Row(cells=[[action.title], [str(len(mine))], *[[str(int(n.get(g, 0)))] for g in shown],
                               [str(int((mine["state"] == "overdue").sum()))]]))
    summary = tally_text(total)
    open_ = tasks[~tasks["grade"].isin(["done"])]
    blocks = [note(f"{len(tasks)}项重点任务：{summary}。" + ("规划未写明时限的任务按规划期末计。" if tasks["undated"].any() else "")),
              Table(columns=[Column(label="行动", kind="long"), *[Column(label=x, kind="number") for x in
                                                               ("任务数", *[names[g] for g in shown], "其中已逾期")]],
                    rows=rows, role="tasks-summary", caption="分行动任务完成情况")]
    return Section(title="重点任务进展", anchor="tasks", blocks=blocks), open_


def projects(ctx: ReportContext, stage: str) -> Section | None:
    """重大工程项目进展: each task of the chapters the catalog marks as the plan's major projects."""
    chapters = {a.id for a in ctx.catalog.plan.actions if a.projects}
    mine = ctx.tasks[ctx.tasks["action"].isin(chapters)] if chapters and not ctx.tasks.empty else ctx.tasks.iloc[0:0]
    if mine.empty:
        return None
    summary = tally_text(tally([task_grade(r, stage) for r in mine.to_dict("records")], stage))
    return Section(title="重大工程项目进展", anchor="projects", blocks=[
        note(f"规划列出的{len(mine)}项重点工程：{summary}。"),
        Table(columns=TASK_COLUMNS, rows=task_rows(ctx, mine), role="tasks", caption="重点工程项目进展")])


def open_tasks(ctx: ReportContext, frame: pd.DataFrame, stage: str) -> Section:
    title = "结转下一规划期的任务" if stage == "final" else "未完成与逾期任务"
    if frame.empty:
        return Section(title=title, anchor="open-tasks", blocks=[note("全部任务已完成。")], where="appendix")
    return Section(title=title, anchor="open-tasks", where="appendix", blocks=[
        note(f"{len(frame)}项任务尚未完成（逾期任务在前）。"),
        Table(columns=TASK_COLUMNS, rows=task_rows(ctx, frame), role="tasks", caption=title)])


# --- 问题和风险挑战, 对策建议 -----------------------------------------------------------------------

def review_findings(ctx: ReportContext, stage: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(问题, 建议) drafted from the grades: the gap of every target behind or not done, worst first,
    and for each what to do — by the plan's end at mid-term, in the next plan at the end."""
    problems, actions = [], []
    order = {"not_done": 0, "behind": 1, "nearly_done": 2}
    lagging = [(a, target_grade(ctx, a, stage)[0]) for a in ctx.indicator_rows.values()]
    lagging = sorted([(a, g) for a, g in lagging if g in order], key=lambda x: (order[x[1]], -(x[0]["overdue_days"] or 0)))
    for a, g in lagging:
        ind = ctx.catalog.indicator(a["indicator_id"])
        lead = lead_unit(a["responsible"])
        if ind.target.kind in YEARLY_KINDS:
            values = dict(yearly(ctx, ind))
            _, missed = target_grade(ctx, a, stage)
            years = "、".join(f"{y}年{fmt_value(values[y], a['decimals'], a['unit'])}（上年{fmt_value(values.get(y - 1), a['decimals'], a['unit'])}）"
                             if ind.target.kind != TargetKind.none_allowed else f"{y}年{fmt_value(values[y], a['decimals'], a['unit'])}"
                             for y in missed or [])
            problems.append((f"review.problems.{a['indicator_id']}",
                             f"{a['name']}{group('grade')[g]}：目标为{target_text(a)}，" + (f"{years}未实现。" if years else "未实现。")))
            actions.append((f"review.actions.{a['indicator_id']}",
                            f"“{a['name']}”由{lead}逐年分析未实现年份的原因，" + (
                                "将其列入下一规划期的逐年目标。" if stage == "final" else "在规划后半程逐年落实防范措施。")))
            continue
        gap = gap_text(a)
        when = f"（目标{target_text(a)}，{fmt_date(a['target_by'])}前）" if a["target_by"] else ""
        late = f"，已逾期{fmt_duration(a['overdue_days'])}" if a["overdue_days"] else ""
        problems.append((f"review.problems.{a['indicator_id']}",
                         f"{a['name']}{group('grade')[g]}：当前{fmt_value(a['value'], a['decimals'], a['unit'])}{when}"
                         + (f"，尚差{gap}" if gap else "") + f"{late}。"))
        if stage == "final":
            actions.append((f"review.actions.{a['indicator_id']}",
                            f"将“{a['name']}”列入下一规划期目标，" + (f"补齐{gap}差距，" if gap else "")
                            + f"由{lead}牵头明确新的时限和年度安排。"))
        else:
            pace = pace_rest(ctx, a)
            actions.append((f"review.actions.{a['indicator_id']}",
                            f"“{a['name']}”{pace or '须加快进度'}，由{lead}牵头制定后半程推进计划，按季度调度。"))
    if not ctx.tasks.empty:
        overdue = ctx.tasks[ctx.tasks["state"] == "overdue"]
        if len(overdue):
            problems.append(("review.problems.tasks", f"{len(overdue)}项重点任务逾期未完成，涉及"
                             + "、".join(overdue["lead"].value_counts().index[:5]) + "等牵头单位。"))
            actions.append(("review.actions.tasks", ("逾期任务逐项列出结转清单，明确牵头单位和新的完成时限。" if stage == "final"
                                                     else "逾期任务挂牌督办，逐项明确补办时限，纳入季度评估跟踪。")))
    if not problems:
        problems.append(("review.problems.none", "各项主要目标均已实现或符合预期。"))
        actions.append(("review.actions.keep", "巩固已实现的目标，防止反弹。"))
    return problems, actions


def findings(ctx: ReportContext, stage: str) -> list[Section]:
    problems, actions = review_findings(ctx, stage)
    mark = Paragraph(content=[t("report.draft")], role="draft_mark")
    return [Section(title="问题和风险挑战", anchor="problems",
                    blocks=[mark, Items(items=[planner_item(ctx, k, s) for k, s in problems])]),
            Section(title="下一规划期建议" if stage == "final" else "对策建议", anchor="proposals",
                    blocks=[Items(items=[planner_item(ctx, k, s) for k, s in actions])])]


def grade_counts(ctx: ReportContext, stage: str) -> dict[str, int]:
    """How many targets got each grade, in the stage's grade order."""
    return tally([target_grade(ctx, a, stage)[0] for a in ctx.indicator_rows.values()], stage)


def header(ctx: ReportContext, stage: str, title: str, subtitle: str) -> Header:
    """The review's title block: the facts of every report, with the grades where a quarterly counts statuses."""
    grades: list = []
    for g, n in grade_counts(ctx, stage).items():
        grades += [_grade_badge(g), strong(str(n)), "  "]
    return sections.header(ctx, title, subtitle, verdicts=(sections.GRADE_FACT, grades))


def review_summary(ctx: ReportContext, stage: str) -> Section:
    counts = grade_counts(ctx, stage)
    lines = [f"规划确定的{sum(counts.values())}项量化目标中，{tally_text(counts)}。" if counts else sections.NO_INDICATORS]
    if not ctx.tasks.empty:
        done = int(ctx.tasks["state"].isin(["done_on_time", "done_late"]).sum())
        lines.append(f"{len(ctx.tasks)}项重点任务已完成{done}项，逾期未完成{int((ctx.tasks['state'] == 'overdue').sum())}项。")
    if stage == "final" and ctx.quarter.end < ctx.catalog.plan.period.end:
        lines.append(f"数据截至{fmt_date(ctx.quarter.end)}，规划期末（{fmt_date(ctx.catalog.plan.period.end)}）的全年数据尚未齐全，"
                     "以下按现有数据评价，不作规划期以后的预测。")
    return Section(title="总体判断", anchor="summary", blocks=[Paragraph(content=[x]) for x in lines])


# --- appendices -------------------------------------------------------------------------------------

def phase_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per indicator × phase: the target, the value at its deadline (if passed), whether it
    was met, or — for phases still ahead — the projection and whether it is likely; 逐年 targets
    one row per plan year."""
    rows = []
    card = ctx.card.set_index("indicator_id")
    plan_start = ctx.catalog.plan.period.start.year
    for ind in ctx.catalog.indicators:
        a = card.loc[ind.id]
        base = {"indicator_id": ind.id, "name": ind.name, "action": ind.action, "unit": ind.unit,
                "decimals": ind.decimals, "kind": str(ind.target.kind), "projected": a["projected"]}
        if ind.target.kind in YEARLY_KINDS:
            values = yearly(ctx, ind)
            for (_, v0), (y1, v1) in itertools.pairwise(values):
                if y1 < plan_start:
                    continue
                _, missed = yearly_verdict(ind.target.kind, [(y1 - 1, v0), (y1, v1)], plan_start)
                verdict = "no_data" if math.isnan(v1) else ("missed" if missed else "met")
                rows.append({**base, "by": date(y1, 12, 31), "target_text": target_text(a.to_dict()), "value": v1,
                             "value_at": f"{y1}Q4", "verdict": verdict, "note": None})
            continue
        series = ctx.indicator_series(ind.id)
        for p, level in phase_levels(ind, a["baseline"]):
            passed = p.by <= ctx.quarter.end
            at = Quarter.of(p.by) if passed else ctx.quarter
            value = series["value"].get(str(at), math.nan)
            if math.isnan(value):
                verdict = "no_data"
            elif passed:
                verdict = "met" if target_met(ind.direction, value, level) else "missed"
            elif Quarter.of(p.by) > ctx.quarter and not nan(a["projected"]) and a["target_by"] == p.by:
                verdict = "likely" if target_met(ind.direction, a["projected"], level) else "unlikely"
            else:
                verdict = "ahead"
            rows.append({**base, "by": p.by, "target": level, "value": value, "value_at": str(at), "verdict": verdict,
                         "note": p.note, "target_text": target_text({**a.to_dict(), "target": level,
                                                                     "target_change": p.value})})
    return pd.DataFrame(rows)


VERDICTS = {"met": ("已实现", "achieved"), "missed": ("未实现", "missed"), "likely": ("预计可实现", "on_track"),
            "unlikely": ("预计难实现", "behind"), "ahead": ("尚未到期", "not_applicable"), "no_data": ("数据不足", "no_data")}


def phase_targets(ctx: ReportContext, phases: pd.DataFrame) -> Section:
    if phases.empty:  # a plan without indicators has no phase targets
        return Section(title="分阶段目标完成情况", anchor="phases", where="appendix",
                       blocks=[note("本规划未设量化指标，没有分阶段目标。")])
    counts = phases["verdict"].value_counts()
    summary = "，".join(f"{VERDICTS[v][0]} {int(counts[v])} 项" for v in VERDICTS if counts.get(v))
    rows = []
    for r in phases.to_dict("records"):
        label, status = VERDICTS[r["verdict"]]
        proj = fmt_value(r["projected"], r["decimals"], r["unit"]) if r["verdict"] in ("likely", "unlikely") else "—"
        rows.append(Row(cells=[[r["name"]], [fmt_date(r["by"])], [r["target_text"]],
                               [f"{fmt_value(r['value'], r['decimals'], r['unit'])}（{Quarter.parse(r['value_at']).label}）"],
                               [proj], [Span(text=label, style="badge", status=status)],
                               [r["note"] if isinstance(r["note"], str) else ""]],
                        attrs={"data-indicator": r["indicator_id"], "data-verdict": r["verdict"]}))
    table = Table(columns=[Column(label="指标", kind="long"), Column(label="阶段时限", kind="date"),
                           Column(label="阶段目标"), Column(label="实际值（季度）", kind="number"),
                           Column(label="趋势预测", kind="number"), Column(label="判定", kind="status"),
                           Column(label="说明", kind="long")], rows=rows, role="phases", caption="分阶段目标完成情况")
    return Section(title="分阶段目标完成情况", anchor="phases", where="appendix", blocks=[
        note(f"共 {len(phases)} 个阶段目标：{summary}。已到期的阶段按时限所在季度的实际值判定，逐年目标按每一年判定；"
             "当前阶段按近四个季度趋势预测至时限判定，更晚的阶段尚未到期。"), table])


def trajectories(ctx: ReportContext) -> Section:
    """Whole-period series from the baseline with every phase target."""
    start = Quarter(ctx.catalog.plan.baseline_year, 1) if ctx.catalog.plan.baseline_year else \
        Quarter.of(ctx.catalog.plan.period.start).shift(-4)
    figs: list = []
    for a in ctx.indicator_rows.values():
        series = ctx.indicator_series(a["indicator_id"])
        series = series[(series.index >= str(start)) & (series.index <= str(ctx.quarter))]
        if has_points(ctx, a, series):
            figs.append(trend(ctx, a, series, f"trajectory-{a['indicator_id']}"))
    lead = f"自{start.label}起各指标的季度走势、序时路径与各阶段目标（★）。" if figs else "没有可绘制走势的指标。"
    return Section(title="全周期走势", anchor="trajectories", where="screen", blocks=[note(lead), *figs])


REVIEW_CONTENTS = (("summary", "总体判断"), ("targets", "主要目标指标进展"), ("yearly", "逐年目标"),
                   ("tasks", "重点任务进展"), ("projects", "重大工程"), ("problems", "问题和风险挑战"), ("proposals", "对策建议"),
                   ("drilldown", "下级单位"), ("accidents", "事故情况"), ("phases", "分阶段目标"),
                   ("open-tasks", "未完成任务"), ("trajectories", "全周期走势"), ("quality", "数据质量"),
                   ("method", "方法说明"))

