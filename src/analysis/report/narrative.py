"""Auto-drafted assessment text (主要成效 / 存在问题 / 下步建议) written from the numbers only: which
targets are met, which lag and by how much, which units lag, which tasks are overdue. A draft for
the planner to edit, never a verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from analysis.labels import group
from analysis.method.progress import ACHIEVED, BEHIND, NO_DATA, OFF_TRACK, ON_TRACK
from analysis.report.markup import fmt_date, fmt_pct, fmt_value

MAX_ITEMS = 5


@dataclass
class Draft:
    achievements: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


def _v(a: dict, key: str = "value") -> str:
    return fmt_value(a[key], a["decimals"], a["unit"])


def _names(items: list[str]) -> str:
    shown = items[:MAX_ITEMS]
    more = f"等 {len(items)} 项" if len(items) > MAX_ITEMS else ""
    return "、".join(shown) + more


def draft(card: pd.DataFrame, tasks: pd.DataFrame, ranking: pd.DataFrame | None = None,
          accidents: dict | None = None, missing_denominators: int = 0, outliers: int = 0) -> Draft:
    d = Draft()
    rows = card.to_dict("records")
    total = len(rows)
    by = {s: [a for a in rows if a["status"] == s] for s in (ACHIEVED, ON_TRACK, BEHIND, OFF_TRACK, NO_DATA)}

    # 主要成效
    if by[ACHIEVED]:
        items = [f"{a['name']}{_v(a)}（目标{group('target_kind')[a['kind']]}{_v(a, 'target')}）"
                 if a["target"] is not None and not _nan(a["target"]) else f"{a['name']}{_v(a)}" for a in by[ACHIEVED]]
        d.achievements.append(f"{total} 项指标中 {len(by[ACHIEVED])} 项已达到当期目标：{_names(items)}。")
    if by[ON_TRACK]:
        d.achievements.append(f"{len(by[ON_TRACK])} 项指标按序时进度正常推进："
                              f"{_names([a['name'] for a in by[ON_TRACK]])}。")
    improving = [a for a in rows if a["trend"].endswith("_good")]
    if improving:
        d.achievements.append(f"与上季度相比，{_names([a['name'] for a in improving])}向好。")
    if not tasks.empty:
        done = tasks[tasks["state"] == "done_on_time"]
        if len(done):
            d.achievements.append(f"{len(tasks)} 项重点任务中 {len(done)} 项已按期完成。")
    if accidents:
        for key, name in (("deaths", "死亡人数"), ("accidents", "事故起数")):
            now, before = accidents.get(key), accidents.get(key + "_ly")
            if now is not None and before is not None and now < before:
                d.achievements.append(f"年初以来{name} {now:.0f}，较上年同期 {before:.0f} 下降。")

    # 存在问题
    lagging = sorted(by[OFF_TRACK] + by[BEHIND], key=lambda a: (a["status"] != OFF_TRACK, a["name"]))
    for a in lagging[:MAX_ITEMS]:
        status = group("status")[a["status"]]
        gap = ""
        if a["kind"] == "year_on_year_decline" and a["yoy_value"] is not None:
            gap = f"，上年同期 {_v(a, 'yoy_value')}"
        elif a["task_progress"] is not None and a["time_progress"] is not None and not _nan(a["task_progress"]):
            gap = f"，任务进度 {fmt_pct(a['task_progress'])}，低于阶段序时进度 {fmt_pct(a['time_progress'])}"
        target = "" if a["target"] is None or _nan(a["target"]) else \
            f"（{fmt_date(a['target_by'])}前目标 {_v(a, 'target')}）"
        likely = "，按近四季度趋势预计难以如期达标" if a["likely_met"] is False else ""
        d.problems.append(f"{a['name']}{status}：当前 {_v(a)}{target}{gap}{likely}。")
    if len(lagging) > MAX_ITEMS:
        d.problems.append(f"另有 {len(lagging) - MAX_ITEMS} 项指标滞后。")
    if not tasks.empty:
        overdue = tasks[tasks["state"] == "overdue"].sort_values("days_overdue", ascending=False)
        if len(overdue):
            worst = "；".join(f"{r.text[:40]}（{r.lead}，逾期 {r.days_overdue} 天）" for r in overdue.head(3).itertuples())
            d.problems.append(f"{len(overdue)} 项任务已超过完成时限仍未完成，逾期最久的是：{worst}。")
    if ranking is not None and len(ranking) >= 3 and ranking["score"].notna().any():
        low = ranking[ranking["score"].notna()].tail(3)
        names = "、".join(f"{r.unit_name}（{r.score:.0f} 分）" for r in low.itertuples())
        d.problems.append(f"下级单位中综合得分靠后的是：{names}。")
    if accidents:
        now, before = accidents.get("deaths"), accidents.get("deaths_ly")
        if now is not None and before is not None and now > before:
            d.problems.append(f"年初以来事故死亡 {now:.0f} 人，较上年同期 {before:.0f} 人上升。")
    if by[NO_DATA]:
        d.problems.append(f"{len(by[NO_DATA])} 项指标因缺少数据无法评估：{_names([a['name'] for a in by[NO_DATA]])}。")
    if missing_denominators or outliers:
        d.problems.append(f"数据质量：{missing_denominators} 处分母缺失、{outliers} 处数值异常，需核实。")

    # 下步建议
    for a in lagging[:3]:
        d.actions.append(f"聚焦“{a['name']}”，由{a['responsible']}制定赶超措施，按月调度，确保{fmt_date(a['target_by'])}前达到"
                         f"{_v(a, 'target')}。" if a["target"] is not None and not _nan(a["target"]) and a["target_by"]
                         else f"聚焦“{a['name']}”，由{a['responsible']}制定整改措施。")
    if not tasks.empty and (tasks["state"] == "overdue").any():
        leads = tasks.loc[tasks["state"] == "overdue", "lead"].value_counts()
        d.actions.append(f"对逾期任务挂牌督办，重点督促{_names(list(leads.index))}限期完成并报送进展。")
    if ranking is not None and len(ranking) >= 3 and ranking["score"].notna().any():
        low = ranking[ranking["score"].notna()].tail(2)
        d.actions.append(f"对{'、'.join(low['unit_name'])}开展专项督导，帮助查找差距。")
    if by[NO_DATA] or missing_denominators:
        d.actions.append("督促相关单位补报缺失台账和分母数据，下季度评估前完成核实。")
    if not d.actions:
        d.actions.append("保持现有工作力度，巩固已达标指标，防止反弹。")
    return d


def _nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)
