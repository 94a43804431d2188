"""Numbers, dates and targets in the planners' words: one place for how a value, a target, a 完成率,
a 同比 or a deadline reads, so every section, the narrative, Word and Excel say it the same way.
The Chinese phrasing comes from the label file (`labels.group("phrase")`)."""

from __future__ import annotations

import math
from datetime import date
from functools import cache

from analysis.labels import group
from analysis.plans.periods import Quarter


def nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


@cache
def _phrases() -> dict[str, str]:
    return group("phrase")


def phrase(key: str, **fmt) -> str:
    return _phrases()[key].format(**fmt)


@cache
def unit_label(unit: str) -> str:
    """The one spelling of a unit (人/十万人, not 人/10万人)."""
    return group("unit_aliases").get(unit, unit)


def fmt_number(v, decimals: int) -> str:
    return "—" if nan(v) else f"{v:,.{decimals}f}"


def fmt_value(v, decimals: int, unit: str) -> str:
    """Number with the indicator's unit: '61.2%' or '0.012 人/亿元'."""
    if nan(v):
        return "—"
    text = f"{v:,.{decimals}f}"
    unit = unit_label(unit)
    return text + "%" if unit == "%" else f"{text} {unit}".strip()


def fmt_pct(v, decimals: int = 0) -> str:
    """A share (0.58) as a percentage ('58%')."""
    return "—" if nan(v) else f"{v * 100:.{decimals}f}%"


def fmt_date(d: date | None) -> str:
    """成文日期 style: 2026年1月5日 (no leading zeros)."""
    return "—" if d is None else f"{d.year}年{d.month}月{d.day}日"


def fmt_period(label: str) -> str:
    """A delivery period's label (`collection.periods`: 2025Q3, 2025H1, 2025) as a planner writes it."""
    year, rest = label[:4], label[4:]
    if rest.startswith("Q"):
        return Quarter.parse(label).label
    return f"{year}年" + {"": "", "H1": "上半年", "H2": "下半年"}[rest]


def fmt_duration(days: int) -> str:
    """How long overdue: days under a month, else months."""
    if days < 31:
        return phrase("days", n=days)
    months = round(days / 30.44)
    if months < 12:
        return phrase("months", n=months)
    years, rest = divmod(months, 12)
    return phrase("years", n=years) + (phrase("months", n=rest) if rest else "")


def _signed(v: float, decimals: int) -> str:
    return ("+" if v > 0 else "−" if v < 0 else "±"), f"{abs(v):.{decimals}f}"


def baseline_label(a: dict) -> str:
    """The baseline's period as the plan says it: 2020年 for a whole year, else the quarter."""
    q = Quarter.parse(a["baseline_period"])
    return f"{q.year}年" if a["baseline_year_end"] else q.label


def target_text(a: dict) -> str:
    """The target as the plan states it: ≥100%, ≤0.01 人/亿元, 较2020年下降15%（≤11.9人）, 动态清零…"""
    kind, d, unit = a["kind"], a["decimals"], a["unit"]
    level = fmt_value(a["target"], d, unit)
    if kind == "change_from_baseline" and not nan(a["target_change"]):
        key = "target_change_down" if a["target_change"] < 0 else "target_change_up"
        level = fmt_value(a["target"], d + 1 if d < 2 else d, unit)
        return phrase(key, base=baseline_label(a), pct=f"{abs(a['target_change']):g}", level=level)
    if kind in ("zero", "none_allowed", "year_on_year_decline", "contain"):
        return phrase(f"target_{kind}")
    return "—" if nan(a["target"]) else phrase(f"target_{kind}", level=level)


def target_by_text(a: dict) -> str:
    return phrase("target_by", date=fmt_date(a["target_by"])) if a["target_by"] else ""


def target_rule_text(a: dict, level_name: str = "") -> str | None:
    """Why the target reads otherwise here (a tiny baseline, a target set for the level above)."""
    rule = a.get("target_rule")
    if rule == "not_above_baseline":
        return phrase("target_rule_not_above_baseline", count=fmt_value(a["baseline"], 0, a["unit"]),
                      pct=f"{abs(a['target_change']):g}")
    if rule == "zero_baseline":
        return phrase("target_rule_zero_baseline")
    if a["status"] == "not_applicable":
        return phrase("target_below_none", level=level_name or "上级单位")
    return None


def completion_text(a: dict) -> str:
    """完成率 as planners compute it for the kind; '—' where the ratio says nothing."""
    basis, c = a["completion_basis"], a["completion"]
    if basis == "reduction" or (a["kind"] == "change_from_baseline" and not nan(a["achieved_change"])
                                and basis is None):
        achieved = a["achieved_change"]
        required = abs(a["target_change"])
        if achieved is not None and achieved > 0:
            return phrase("completion_rose", achieved=f"{achieved * 100:.1f}", required=f"{required:g}")
        return phrase("completion_reduction", achieved=f"{-achieved * 100:.1f}", required=f"{required:g}")
    if basis == "remaining":
        if not nan(a["value"]) and a["value"] <= 0:
            return phrase("completion_cleared")
        start = a["path_start_value"]
        return phrase("completion_remaining", value=fmt_value(a["value"], a["decimals"], a["unit"]),
                      start=fmt_value(start, a["decimals"], a["unit"]))
    if nan(c):
        return "—"
    if basis == "usage":
        return phrase("completion_usage", pct=fmt_pct(c, 1))
    return fmt_pct(c, 1)


def task_progress_text(a: dict) -> str:
    """任务进度 / 阶段序时进度; a fall below the phase start reads 较起点倒退 and progress past what the
    phase asks 超出阶段要求 (4 deaths against a ceiling of 11.9 is not "476 %"), never a share outside 0–100 %."""
    if nan(a["time_progress"]):
        return "—"
    tp = a["task_progress"]
    task = "—" if nan(tp) else phrase("regressed") if tp < 0 else phrase("beyond_phase") if tp > 1 else fmt_pct(tp)
    return phrase("task_progress", task=task, time=fmt_pct(a["time_progress"]))


def status_detail(a: dict) -> str:
    """The second line under a status badge: the deadline's state or what the status rests on."""
    state = a["deadline_state"]
    if state == "missed" and a["target_by"] and a["target_by"] == a["deadline_passed"]:
        return phrase("due_now") if a["overdue_days"] == 0 else phrase("overdue", duration=fmt_duration(a["overdue_days"]))
    if state:
        label = group("deadline_state")[state]
        when = a["deadline_passed"]
        if state == "missed":
            label = f"{label}（{fmt_duration(a['overdue_days'])}）"
        return f"{when.year}年目标{label}" if when and a["target_by"] and when != a["target_by"] else label
    if a["method"] in ("regression", "relapse", "yoy_exact"):
        return group("method")[a["method"]]
    return ""


def is_percent(a: dict) -> bool:
    return unit_label(a["unit"]) == "%"


def yoy_text(a: dict) -> tuple[str, str]:
    """(change, the earlier value): 百分点 for percentages, a relative change otherwise."""
    d, unit = a["decimals"], a["unit"]
    before = a["yoy_value"]
    if nan(before) or nan(a["value"]):
        return "—", ""
    was = phrase("yoy_was", value=fmt_value(before, d, unit))
    if is_percent(a):
        sign, v = _signed(a["yoy_points"], d)
        return phrase("yoy_points", sign=sign, value=v), was
    if before == 0:
        return "—", phrase("yoy_was_zero", value=fmt_value(a["value"], d, unit))
    sign, v = _signed(a["yoy_change"] * 100, 1)
    return phrase("yoy_relative", sign=sign, value=v), was


def trend_text(a: dict) -> tuple[str, str]:
    """(arrow and judgement, what was compared)."""
    arrow = group("trend")[a["trend"]]
    if a["trend"] == "none":
        return arrow, ""
    d, unit = a["decimals"], a["unit"]
    if not nan(a["current_own"]):
        return arrow, phrase("trend_quarters", now=fmt_value(a["current_own"], d, unit),
                             before=fmt_value(a["previous"], d, unit))
    return arrow, phrase("trend_previous", value=fmt_value(a["previous"], d, unit))


def projection_text(a: dict) -> tuple[str, str]:
    """(projected value and verdict, pace still needed)."""
    if nan(a["projected"]):
        return "—", ""
    d, unit = a["decimals"], a["unit"]
    key = {"recent_faster": "projection_recent_faster", "recent_slower": "projection_recent_slower"}.get(
        a["projection_note"] or "", "projection_likely" if a["likely_met"] else "projection_unlikely")
    return f"{fmt_value(a['projected'], d, unit)}（{phrase(key)}）", pace_text(a)


def pace_text(a: dict) -> str:
    pace = a["pace_needed"]
    if nan(pace) or pace == 0:
        return ""
    d, unit = a["decimals"], a["unit"]
    if is_percent(a):
        value = f"{abs(pace):.{d}f}个百分点"
    else:
        value = fmt_value(abs(pace), d if d else 1, unit)
    verb = "pace_add" if a["kind"] == "cumulative_count" else ("pace_up" if pace > 0 else "pace_down")
    return phrase("pace", verb=phrase(verb), value=value)


def gap_text(a: dict) -> str:
    """What remains to the target in the indicator's unit (百分点 for percentages)."""
    if nan(a["target"]) or nan(a["value"]):
        return ""
    gap = abs(a["target"] - a["value"])
    if is_percent(a):
        return f"{gap:.{a['decimals']}f}个百分点"
    return fmt_value(gap, a["decimals"], a["unit"])


def units_short(a: dict) -> str | None:
    """For a share of counted things: how many more the target needs (ceil(target × den) − num),
    counted in what the denominator counts (人, 家单位, 个小区 …)."""
    if not is_percent(a) or nan(a["denominator"]) or nan(a["numerator"]) or nan(a["target"]):
        return None
    need = math.ceil(a["target"] / 100 * a["denominator"] - 1e-9) - a["numerator"]
    return f"{int(need)}{count_noun(a.get('denominator_label') or '')}" if need > 0 else None


def count_noun(label: str) -> str:
    """The counting word for a denominator's label: …人数 → 人, …单位数 → 家单位, …小区数 → 个小区."""
    label = label.removesuffix("（期末）").strip()
    if label.endswith("人数"):
        return "人"
    if label.endswith("人次"):
        return "人次"
    for word, noun in (("单位数", "家单位"), ("企业数", "家企业")):
        if label.endswith(word):
            return noun
    tail = label.removesuffix("数")
    for sep in ("的", "在营"):
        tail = tail.rsplit(sep, 1)[-1]
    return f"个{tail[-4:]}" if tail else "个"


def lead_unit(responsible: str) -> str:
    """The lead unit of a 责任单位 text: the first named, without 牵头单位： or a note in brackets."""
    import re

    first = re.split(r"[；;，,、]", responsible.strip())[0]
    first = re.sub(r"^(牵头单位|责任单位|牵头)[:：]", "", first)
    return re.sub(r"[（(].*$", "", first).removesuffix("牵头").strip() or responsible


def note_basis(a: dict) -> str:
    """What a planner's 情况说明 is written against: the indicator's value and status as shown."""
    return f"{fmt_value(a['value'], a['decimals'], a['unit'])} {group('status')[a['status']]}"


def progress_basis(r: dict) -> str:
    """What a planner's 进展说明 is written against: the task's state and completion date as shown."""
    return f"{group('task_state')[r['state']]} {fmt_date(r['completed_on'])}"
