"""Plan catalogs (params/plans/*.yaml): a plan's targets, measures and tasks kept as data.

A new plan needs a YAML file, not code. The pydantic models below are the format; `load_plan`
turns every problem into one CatalogError that names the file and the field."""

from __future__ import annotations

import os
import re
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from analysis.config import PLANS_DIR
from analysis.errors import CatalogError
from analysis.intake.ledgers import LEDGERS
from analysis.plans.periods import WINDOWS

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetKind(StrEnum):
    at_least = "at_least"
    at_most = "at_most"
    change_from_baseline = "change_from_baseline"
    year_on_year_decline = "year_on_year_decline"
    zero = "zero"
    cumulative_count = "cumulative_count"
    frequency_compliance = "frequency_compliance"
    none_allowed = "none_allowed"
    contain = "contain"
    """遏制: not above the same period of the previous year (有效遏制较大事故); none_allowed is 杜绝."""


Level = Literal["national", "province", "city", "district", "street", "town", "sector"]
LEVEL_RANK = {"national": 0, "sector": 0, "province": 1, "city": 2, "district": 3, "street": 4, "town": 4}
"""Depth of a plan level in the org tree (a sector plan is national in reach)."""


class Action(Strict):
    id: Id
    title: str
    projects: bool = False
    """The chapter lists the plan's major projects (重点工程): reviews report each as 重大工程项目进展."""


class Milestones(Strict):
    midterm: date | None = None
    final: date | None = None


class Period(Strict):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError("结束日期须晚于开始日期 / end must be after start")
        return self


class Plan(Strict):
    id: Id
    title: str
    issuer: str
    document_no: str | None = None
    issued_on: date | None = None
    level: Level
    org_unit: str
    """Unit id in the warehouse the plan is assessed for by default."""
    org_unit_name: str
    period: Period
    baseline_year: int | None = None
    milestones: Milestones = Milestones()
    actions: list[Action]
    source_file: str | None = None
    """Seed document the catalog was encoded from."""
    source_images: dict[str, str] = Field(default_factory=dict)
    """The seed shows some characters as pictures ("[image: image1.png]" for "%"): how each
    reads, so quotes keep the seed's text verbatim and reports show what the plan says."""


class FrequencyRule(Strict):
    when: str = "TRUE"
    """SQL condition on the entity row choosing this rule; the first matching rule applies."""
    every_months: int = Field(gt=0, le=60)
    min_events: int = Field(default=1, ge=1)
    each_month: bool = False
    """Also require an event in every calendar month of the look-back (每月至少1次 read per month
    of the quarter: `{every_months: 3, each_month: true}`), not only `min_events` in all."""


class Frequency(Strict):
    events: str
    """Ledger holding the dated events (e.g. drills)."""
    key: str
    """Column joining events to entities (e.g. enterprise_id)."""
    date: str
    filter: str | None = None
    rules: list[FrequencyRule] = Field(min_length=1)


class Measure(Strict):
    label: str
    table: str
    aggregate: str = "count(*)"
    filter: str | None = None
    """SQL condition; may use `period_start` and `period_end` of the window."""
    date: str | None = None
    """Event date column: set for flow measures (counted within the indicator's window);
    leave out for stock measures (state as at the period end, via the filter)."""
    frequency: Frequency | None = None
    """Count of table rows that meet a frequency rule over their events (frequency compliance)."""

    @model_validator(mode="after")
    def _columns_exist(self):
        ledger = LEDGERS.get(self.table)
        if ledger is None:
            raise ValueError(f"没有这个台账 / unknown ledger table {self.table!r}; 可选 / known: {', '.join(LEDGERS)}")
        names = {c.name for c in ledger.columns}
        if self.date and self.date not in names:
            raise ValueError(f"日期列 {self.date!r} 不是 {self.table} 台账的列 / date column {self.date!r} is not a "
                             f"column of {self.table}")
        if ledger.own_figures and (self.date or self.frequency):
            raise ValueError(f"{self.table} 中的公开统计数字按年份、季度对应评估期，不写 date、frequency / published "
                             "figures are matched to the quarter by year and quarter: leave out `date` and `frequency`")
        if self.frequency:
            ev = LEDGERS.get(self.frequency.events)
            if ev is None:
                raise ValueError(f"没有这个台账 / unknown events ledger {self.frequency.events!r}")
            evcols = {c.name for c in ev.columns}
            for col in (self.frequency.key, self.frequency.date):
                if col not in evcols:
                    raise ValueError(f"{col!r} 不是 {ev.name} 台账的列 / column {col!r} is not a column of {ev.name}")
            if self.frequency.key not in names:
                raise ValueError(f"{self.frequency.key!r} 不是 {self.table} 台账的列 / key {self.frequency.key!r} is "
                                 f"not a column of {self.table}")
            if self.date:
                raise ValueError("频次口径按期末名册计，不写 date / a frequency measure is a stock of entities: "
                                 "leave out `date`")
        return self


class Phase(Strict):
    by: date
    value: float | None = None
    """Target level at `by` (for change_from_baseline: the change in percent, e.g. -15)."""
    note: str | None = None


class Baseline(Strict):
    value: float | None = None
    """Given baseline; when left out it is computed from the data at `period`."""
    period: str | None = None
    """Quarter whose value is the baseline, e.g. 2023Q4 (default: the quarter before the plan)."""
    source: str | None = None


class Target(Strict):
    kind: TargetKind
    phases: list[Phase] = Field(default_factory=list)
    baseline: Baseline | None = None
    level: Level | None = None
    """The org level the target is set for (default: the plan's level)."""
    below: Literal["same", "none"] = "same"
    """Units below `level`: held to the same target (coverage of 100 % applies to every street),
    or shown without a status (不单列考核: a district's count of 6 new stations)."""

    @model_validator(mode="after")
    def _phases(self):
        needs_values = {TargetKind.at_least, TargetKind.at_most, TargetKind.change_from_baseline,
                        TargetKind.cumulative_count, TargetKind.frequency_compliance}
        if self.kind in needs_values and not any(p.value is not None for p in self.phases):
            raise ValueError(f"目标类型 {self.kind} 至少要有一个带数值的阶段 / target kind {self.kind} needs at "
                             "least one phase with a value")
        if self.kind == TargetKind.change_from_baseline and self.baseline is None:
            raise ValueError("较基期变化须写明基期 baseline（value 或 period） / change_from_baseline needs a "
                             "baseline (value or period)")
        dates = [p.by for p in self.phases]
        if dates != sorted(dates):
            raise ValueError("各阶段须按日期先后排列 / phases must be in date order")
        return self


class Indicator(Strict):
    id: Id
    name: str
    action: Id
    unit: str = ""
    numerator: str
    denominator: str | None = None
    factor: float = 1.0
    direction: Literal["higher", "lower"]
    window: str = "quarter"
    target: Target
    responsible: str
    """责任单位 as the plan names them (no notes: those go to `responsible_note`)."""
    responsible_note: str | None = None
    """Why the responsible unit reads as it does (e.g. the plan names none for its goals)."""
    source: str
    """The plan sentence the target is quoted from."""
    scope_note: str | None = None
    """口径说明: where the indicator measures something other than the plan's words, what it
    measures instead; reports show it beside the indicator."""
    decimals: int = Field(default=1, ge=0, le=4)
    headline: bool = False
    small_numbers: bool = False
    """Counts are small (deaths): show exact Poisson intervals and a 小样本 flag."""

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        if v not in WINDOWS:
            raise ValueError(f"没有这个统计窗口 / unknown window {v!r}; 可选 / expected one of {', '.join(WINDOWS)}")
        return v


class Task(Strict):
    id: Id
    action: Id
    text: str
    responsible: list[str] = Field(min_length=1)
    deadline: date
    kind: Literal["milestone", "effect", "ongoing"] = "milestone"
    """milestone: done by the deadline; effect: 取得明显成效 by the deadline and kept up;
    ongoing: 长期坚持 with the deadline as first check."""
    undated: bool = False
    """The plan gives no date: `deadline` is the plan end, and reports say so."""
    source: str


class Catalog(Strict):
    plan: Plan
    measures: dict[Id, Measure]
    indicators: list[Indicator]
    tasks: list[Task] = Field(default_factory=list)
    ranking_weights: dict[Id, float] = Field(default_factory=dict)
    """Indicator id -> weight of the composite ranking (量化排名) of subordinate units."""

    @model_validator(mode="after")
    def _references(self):
        problems = reference_problems(self.model_dump())
        if problems:
            raise ValueError(_JOIN.join(problems))
        return self

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def action_title(self, action_id: str) -> str:
        return next(a.title for a in self.plan.actions if a.id == action_id)


_JOIN = "\n"
"""Separates the several problems one cross-reference check may raise at once."""


def _as_date(v) -> date | None:
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError:
        return None


def _items(v) -> list[dict]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def reference_problems(raw: dict) -> list[str]:
    """Cross-references of a catalog (ids unique, measures and actions that exist, phase dates in
    the plan period), checked on the plain data: they are listed together with the field errors
    even when some fields do not validate (`plans check` names every problem at once)."""
    problems = []
    plan = raw.get("plan") if isinstance(raw.get("plan"), dict) else {}
    actions = {a.get("id") for a in _items(plan.get("actions"))} if "actions" in plan else None
    period = plan.get("period") if isinstance(plan.get("period"), dict) else {}
    start, end = _as_date(period.get("start")), _as_date(period.get("end"))
    measures = raw.get("measures") if isinstance(raw.get("measures"), dict) else None
    seen: set[str] = set()
    for i, ind in enumerate(raw.get("indicators") or []):
        if not isinstance(ind, dict):
            continue
        where, iid = f"indicators.{i}", ind.get("id")
        if iid in seen:
            problems.append(f"{where}.id: 指标编号重复 / duplicate indicator id {iid!r}")
        seen.add(iid)
        for role in ("numerator", "denominator"):
            m = ind.get(role)
            if m is not None and measures is not None and m not in measures:
                problems.append(f"{where}.{role}: measures 中没有这个口径 / unknown measure {m!r} (indicator {iid})")
        if actions is not None and "action" in ind and ind["action"] not in actions:
            problems.append(f"{where}.action: plan.actions 中没有这个行动 / unknown action {ind['action']!r} "
                            f"(indicator {iid})")
        target = ind.get("target") if isinstance(ind.get("target"), dict) else {}
        for j, ph in enumerate(_items(target.get("phases"))):
            by = _as_date(ph.get("by"))
            if by and start and end and not (start <= by <= end):
                problems.append(f"{where}.target.phases.{j}.by: {by} 不在规划期 {start}—{end} 内 / is outside the "
                                f"plan period {start}–{end} (indicator {iid})")
    task_ids: set[str] = set()
    for i, t in enumerate(_items(raw.get("tasks"))):
        if t.get("id") in task_ids:
            problems.append(f"tasks.{i}.id: 任务编号重复 / duplicate task id {t.get('id')!r}")
        task_ids.add(t.get("id"))
        if actions is not None and "action" in t and t["action"] not in actions:
            problems.append(f"tasks.{i}.action: plan.actions 中没有这个行动 / unknown action {t['action']!r} "
                            f"(task {t.get('id')})")
    weights = raw.get("ranking_weights")
    for k in weights if isinstance(weights, dict) else ():
        if k not in seen:
            problems.append(f"ranking_weights.{k}: indicators 中没有这个指标 / unknown indicator")
    return problems


_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的键（拼写有误？）",
    "date_from_datetime_parsing": "日期无效，须为实际存在的日期，如 2025-12-31",
    "date_parsing": "日期无效，须为实际存在的日期，如 2025-12-31",
    "date_from_datetime_inexact": "须为日期，不带时刻",
    "date_type": "须为日期，如 2025-12-31",
    "literal_error": "取值不在允许的范围内",
    "enum": "取值不在允许的范围内",
    "string_pattern_mismatch": "只能用字母、数字、_ 和 -",
    "string_type": "须为文本",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "int_type": "须为整数",
    "float_parsing": "须为数值",
    "float_type": "须为数值",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "list_type": "须为列表",
    "dict_type": "须为映射（键: 值）",
    "model_type": "须为映射（键: 值）",
    "too_short": "至少要有一项",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
}
"""Chinese for pydantic's error types; our own validators write both languages themselves."""


def _message(e: dict) -> list[str]:
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "value_error":
        return msg.split(_JOIN)
    zh = _ZH.get(e["type"], "格式有误")
    shown = e.get("input")
    value = f"（{shown}）" if e["type"] not in ("missing", "extra_forbidden") and isinstance(shown, str | int | float) \
        and not isinstance(shown, bool) else ""
    return [f"{zh}{value} / {msg}"]


def _format_validation(path: Path, err: ValidationError, raw: dict) -> str:
    """Every problem on its own line as `file: field.path: message`: the field errors, then the
    cross-references (which pydantic checks only once every field is valid)."""
    lines = [f"计划目录文件有误 / invalid plan catalog: {path}"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        for msg in _message(e):
            lines.append(f"  - {path.name}: {loc + ': ' if loc else ''}{msg}")
    if not any(e["type"] == "value_error" and not e["loc"] for e in err.errors()):
        lines += [f"  - {path.name}: {p}" for p in reference_problems(raw)]
    return "\n".join(lines)


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates reach pydantic as text, so 2025-02-30 is a field
    error naming its field rather than an exception from the YAML reader."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        text = data.split(b"\n")[line - 1].decode("utf-8", "replace")
        key = re.match(r"\s*(?:-\s*)?\{?\s*([A-Za-z_]\w*)\s*:", text)
        field = f" {key.group(1)}" if key else ""
        try:
            data.decode("gb18030")
            hint = "（看来是 GBK/GB18030 编码，请另存为 UTF-8） / it looks like GBK/GB18030: save it as UTF-8"
        except UnicodeDecodeError:
            hint = "/ save it as UTF-8"
        raise CatalogError(f"计划目录文件须为 UTF-8 编码 / a catalog must be UTF-8: {path}: 第{line}行{field}（字节 "
                           f"{e.start}）起不是 UTF-8 / line {line}{field} (byte {e.start}) is not UTF-8 {hint}") from None


def load_plan(path: str | Path) -> Catalog:
    """Read and validate one catalog file; raise CatalogError naming file and fields."""
    path = Path(path)
    try:
        raw = yaml.load(_read_text(path), Loader=_Loader)
    except FileNotFoundError:
        raise CatalogError(f"找不到计划目录文件 / plan catalog not found: {path}") from None
    except IsADirectoryError:
        raise CatalogError(f"不是文件 / not a file: {path}") from None
    except yaml.YAMLError as e:
        parts = []
        for mark, what in ((getattr(e, "context_mark", None), getattr(e, "context", None)),
                           (getattr(e, "problem_mark", None), getattr(e, "problem", None))):
            if mark is not None and what:
                parts.append(f"第{mark.line + 1}行第{mark.column + 1}列 / line {mark.line + 1}, column "
                             f"{mark.column + 1}: {what}")
        raise CatalogError(f"计划目录文件不是有效的 YAML（检查缩进、冒号和引号） / not valid YAML: {path}: "
                           + ("; ".join(parts) or str(e).replace("\n", " "))) from None
    if not isinstance(raw, dict):
        raise CatalogError(f"计划目录文件须为映射 / a catalog must be a mapping at top level: {path}")
    try:
        return Catalog.model_validate(raw)
    except ValidationError as e:
        raise CatalogError(_format_validation(path, e, raw)) from None


def plans_dir() -> Path:
    """params/plans, or the folder named by ANALYSIS_PLANS_DIR (catalogs kept elsewhere)."""
    return Path(os.environ.get("ANALYSIS_PLANS_DIR") or PLANS_DIR)


def plan_files(folder: Path | None = None) -> dict[str, Path]:
    """Plan id (file stem) -> catalog path."""
    return {p.stem: p for p in sorted((folder or plans_dir()).glob("*.yaml"))}


@lru_cache(maxsize=32)
def _load_unchanged(path: str, mtime_ns: int, size: int) -> Catalog:
    """load_plan, kept while the file is unchanged: a batch asks for the same plan per report
    (catalogs are frozen models, so sharing one is safe)."""
    return load_plan(path)


def get_plan(plan_id: str, folder: Path | None = None) -> Catalog:
    files = plan_files(folder)
    if plan_id not in files:
        known = "、".join(files) or "(无)"
        raise CatalogError(f"未知的计划 / unknown plan {plan_id!r}; 可选 / known: {known}")
    path = files[plan_id]
    stat = path.stat()
    catalog = _load_unchanged(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if catalog.plan.id != plan_id:
        raise CatalogError(f"{files[plan_id]}: plan.id {catalog.plan.id!r} must equal the file name {plan_id!r}")
    return catalog
