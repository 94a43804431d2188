"""Auto-drafted assessment text (总体判断 / 主要成效 / 存在问题 / 下步建议) written from the numbers
only: which targets are met, which lag and by how much, which deadlines have passed, which units
and tasks lag. Problems come worst first; each proposal is tied to its own gap (what remains, by
when, who leads). A draft for the planner to edit, never a verdict: every sentence has a key, so
the planner's own text for that key replaces it on every re-run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analysis.labels import group
from analysis.method.progress import (
    ACHIEVED,
    BEHIND,
    MISSED,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    SEVERITY,
)
from analysis.report.format import (
    fmt_date,
    fmt_duration,
    fmt_pct,
    fmt_value,
    gap_text,
    lead_unit,
    nan,
    pace_text,
    target_text,
    units_short,
)

MAX_ITEMS = 5


@dataclass
class Draft:
    """Each part a list of (key, sentence); keys are stable across re-runs for the same subject."""

    summary: list[tuple[str, str]] = field(default_factory=list)
    achievements: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)

    def parts(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(part key, heading, sentences) of the 评估意见, in order."""
        return [("achievements", "主要成效", self.achievements), ("problems", "存在问题", self.problems),
                ("actions", "下步建议", self.actions)]

    def text(self) -> str:
        return "\n".join(s for part in (self.summary, self.achievements, self.problems, self.actions)
                         for _, s in part)


def _v(a: dict, key: str = "value") -> str:
    return fmt_value(a[key], a["decimals"], a["unit"])


def _names(items: list[str]) -> str:
    shown = items[:MAX_ITEMS]
    more = f"等 {len(items)} 项" if len(items) > MAX_ITEMS else ""
    return "、".join(shown) + more


def _severity(a: dict) -> tuple:
    """Worst first: missed before off-track before behind; within each, the longest overdue, then
    the largest remaining gap relative to the target."""
    gap = 0.0
    if not nan(a["target"]) and not nan(a["value"]) and a["target"]:
        gap = abs(a["target"] - a["value"]) / abs(a["target"])
    return (-SEVERITY.get(a["status"], 0), -(a["overdue_days"] or 0), -gap, a["name"])


def _lead(a: dict) -> str:
    return lead_unit(a["responsible"])


def _short(a: dict) -> str:
    """The remaining gap in the plan's terms, with how many units that is where it counts units."""
    gap = gap_text(a)
    n = units_short(a)
    return f"尚差{gap}" + (f"（约{n}）" if n else "") if gap else ""


def draft(card: pd.DataFrame, tasks: pd.DataFrame, ranking: pd.DataFrame | None = None,
          accidents: dict | None = None, missing_denominators: int = 0, outliers: int = 0,
          as_of: date | None = None, time_progress: float | None = None) -> Draft:
    """The draft from a scorecard (`progress.scorecard`), the task table, the subordinate units'
    ranking and the accident row; `as_of` is the quarter end (no proposal cites a date before it)."""
    d = Draft()
    rows = card.to_dict("records")
    total = len(rows)
    by = {s: [a for a in rows if a["status"] == s] for s in group("status")}
    counts = "，".join(f"{group('status')[s]}{len(by[s])}项" for s in group("status") if by[s])
    tp = f"规划序时进度{fmt_pct(time_progress, 1)}" if time_progress is not None else ""
    if total:
        d.summary.append(("summary.indicators", f"纳入评估的{total}项量化指标中，{counts}" + (f"，{tp}" if tp else "") + "。"))
    else:  # a plan of tasks only (the 教育系统 plan sets no figure)
        d.summary.append(("summary.indicators", "本规划未设量化指标，按重点任务评估" + (f"；{tp}" if tp else "") + "。"))
    if not tasks.empty:
        states = tasks["state"].value_counts()
        names = group("task_state")
        task_counts = "，".join(f"{names[s]}{int(n)}项" for s, n in states.items())
        d.summary.append(("summary.tasks", f"{len(tasks)}项重点任务中，{task_counts}。"))

    # 主要成效
    if by[ACHIEVED]:
        items = [f"{a['name']}{_v(a)}（目标{target_text(a)}）" for a in by[ACHIEVED]]
        d.achievements.append(("achievements.achieved",
                               f"{total}项指标中{len(by[ACHIEVED])}项已达到当期目标：{_names(items)}。"))
    if by[ON_TRACK]:
        d.achievements.append(("achievements.on_track", (f"{len(by[ON_TRACK])}项指标按序时进度正常推进："
                                                         f"{_names([a['name'] for a in by[ON_TRACK]])}。")))
    improving = [a for a in rows if a["trend"].endswith("_good")]
    if improving:
        d.achievements.append(("achievements.improving",
                               f"与上季度相比，{_names([a['name'] for a in improving])}向好。"))
    if not tasks.empty:
        done = tasks[tasks["state"] == "done_on_time"]
        if len(done):
            d.achievements.append(("achievements.tasks", f"{len(tasks)}项重点任务中{len(done)}项已按期完成。"))
    if accidents:
        for key, name in (("deaths", "死亡人数"), ("accidents", "事故起数")):
            now, before = accidents.get(key), accidents.get(key + "_ly")
            if now is not None and before is not None and now < before:
                d.achievements.append((f"achievements.{key}", f"年初以来{name}{now:.0f}，较上年同期{before:.0f}下降。"))

    # 存在问题, worst first
    lagging = sorted(by[MISSED] + by[OFF_TRACK] + by[BEHIND], key=_severity)
    for a in lagging[:MAX_ITEMS]:
        d.problems.append((f"problems.{a['indicator_id']}", _problem(a)))
    if len(lagging) > MAX_ITEMS:
        rest = lagging[MAX_ITEMS:]
        d.problems.append(("problems.more", f"另有{len(rest)}项指标滞后：{_names([a['name'] for a in rest])}。"))
    if not tasks.empty:
        overdue = tasks[tasks["state"] == "overdue"].sort_values("days_overdue", ascending=False)
        if len(overdue):
            worst = "；".join(f"{r.text[:40]}（{r.lead}，逾期{fmt_duration(r.days_overdue)}）"
                             for r in overdue.head(3).itertuples())
            d.problems.append(("problems.tasks", f"{len(overdue)}项任务已超过完成时限仍未完成，逾期最久的是：{worst}。"))
    scored = ranking[ranking["score"].notna()] if ranking is not None and len(ranking) >= 3 else None
    if scored is not None and len(scored):
        low = scored.sort_values(["score", "unit_id"], ascending=[True, True]).head(3)  # worst first
        names = "、".join(f"{r.unit_name}（{r.score:.0f}分）" for r in low.itertuples())
        d.problems.append(("problems.units", f"下级单位中综合得分最低的是：{names}。"))
    if accidents:
        now, before = accidents.get("deaths"), accidents.get("deaths_ly")
        if now is not None and before is not None and now > before:
            d.problems.append(("problems.deaths", f"年初以来事故死亡{now:.0f}人，较上年同期{before:.0f}人上升。"))
    if by[NO_DATA]:
        d.problems.append(("problems.no_data",
                           f"{len(by[NO_DATA])}项指标因缺少数据无法评估：{_names([a['name'] for a in by[NO_DATA]])}。"))
    if missing_denominators or outliers:
        found = "、".join(f"{n}处{what}" for n, what in ((missing_denominators, "分母缺失"), (outliers, "数值异常")) if n)
        d.problems.append(("problems.quality", f"数据质量：{found}，需核实（见“数据质量”）。"))

    # 下步建议: each tied to its own gap
    for a in lagging[:3]:
        d.actions.append((f"actions.{a['indicator_id']}", _proposal(a, as_of)))
    if not tasks.empty and (tasks["state"] == "overdue").any():
        leads = tasks.loc[tasks["state"] == "overdue", "lead"].value_counts()
        d.actions.append(("actions.tasks", (f"对{int(leads.sum())}项逾期任务挂牌督办，由{_names(list(leads.index))}"
                                           f"逐项明确补办时限，下季度评估前报送进展。")))
    if scored is not None and len(scored):
        low = scored.sort_values(["score", "unit_id"]).head(2)
        d.actions.append(("actions.units", f"对{'、'.join(low['unit_name'])}开展专项督导，对照未达标指标逐项查找差距。"))
    if by[NO_DATA] or missing_denominators:
        d.actions.append(("actions.data", "督促相关单位补报缺失台账和分母数据，下季度评估前完成核实。"))
    if not d.actions:
        d.actions.append(("actions.keep", "保持现有工作力度，巩固已达标指标，防止反弹。"))
    return d


def _problem(a: dict) -> str:
    """One lagging indicator: where it stands against which target, and since when it is late."""
    status = group("status")[a["status"]]
    name, now = a["name"], _v(a)
    if a["kind"] in ("year_on_year_decline", "contain", "none_allowed"):
        before = "" if a["yoy_value"] is None else f"，上年同期{_v(a, 'yoy_value')}"
        return f"{name}{status}：当前{now}（目标{target_text(a)}）{before}。"
    target = f"{target_text(a)}（{fmt_date(a['target_by'])}前）"
    if a["status"] == MISSED:
        late = "到期" if not a["overdue_days"] else f"已逾期{fmt_duration(a['overdue_days'])}"
        return f"{name}目标{target}{late}仍未完成：当前{now}，{_short(a)}。"
    progress = ""
    if not nan(a["task_progress"]) and not nan(a["time_progress"]):
        task = "较阶段起点倒退" if a["task_progress"] < 0 else f"任务进度{fmt_pct(a['task_progress'])}"
        progress = f"，{task}，低于阶段序时进度{fmt_pct(a['time_progress'])}"
    likely = "，按近四季度趋势预计难以如期达标" if a["likely_met"] is False else ""
    earlier = ""
    if a["deadline_state"] == "missed" and a["deadline_passed"] and a["deadline_passed"] != a["target_by"]:
        earlier = f"；{fmt_date(a['deadline_passed'])}的阶段目标已逾期{fmt_duration(a['overdue_days'])}未完成"
    return f"{name}{status}：当前{now}，目标{target}{progress}{likely}{earlier}。"


def _proposal(a: dict, as_of: date | None) -> str:
    """What to do about one lagging indicator: the gap, the date it must close by (never a date
    that has passed), the pace that takes, and who leads."""
    name, lead = a["name"], _lead(a)
    if a["kind"] in ("year_on_year_decline", "contain", "none_allowed"):
        return (f"“{name}”年内{_v(a)}，{'超过' if a['kind'] != 'none_allowed' else '突破'}目标"
                f"（{target_text(a)}），由{lead}逐起分析原因，落实防范措施，力争全年{target_text(a)}。")
    short = _short(a)
    due = a["target_by"]
    if a["status"] == MISSED or (due is not None and as_of is not None and due <= as_of):
        if a.get("next_target") is not None and a.get("next_by") and (as_of is None or a["next_by"] > as_of):
            return (f"“{name}”{fmt_date(due)}的阶段目标已过时限，下一阶段须在{fmt_date(a['next_by'])}前"
                    f"达到{fmt_value(a['next_target'], a['decimals'], a['unit'])}，{short}，由{lead}制定补齐计划、按月调度。")
        return (f"“{name}”目标时限（{fmt_date(due)}）已过，{short}，由{lead}提出补齐时限，"
                f"对未达标对象逐一销号，在下季度评估中报告进展。")
    pace = pace_text(a)
    return (f"“{name}”距{fmt_date(due)}前{target_text(a)}的目标{short}"
            + (f"，{pace}" if pace else "") + f"，由{lead}牵头制定赶超措施、按月调度。")
