"""Plan catalogs (params/plans/*.yaml): a plan's targets, measures and tasks kept as data.

A new plan needs a YAML file, not code. The pydantic models below are the format; `load_plan`
turns every problem into one CatalogError that names the file and the field."""

from __future__ import annotations

import os
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
            raise ValueError("end must be after start / 结束日期须晚于开始日期")
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
            raise ValueError(f"unknown ledger table {self.table!r}; known: {', '.join(LEDGERS)}")
        names = {c.name for c in ledger.columns}
        if self.date and self.date not in names:
            raise ValueError(f"date column {self.date!r} is not a column of {self.table}")
        if self.frequency:
            ev = LEDGERS.get(self.frequency.events)
            if ev is None:
                raise ValueError(f"unknown events ledger {self.frequency.events!r}")
            evcols = {c.name for c in ev.columns}
            for col in (self.frequency.key, self.frequency.date):
                if col not in evcols:
                    raise ValueError(f"column {col!r} is not a column of {ev.name}")
            if self.frequency.key not in names:
                raise ValueError(f"key {self.frequency.key!r} is not a column of {self.table}")
            if self.date:
                raise ValueError("a frequency measure is a stock of entities: leave out `date`")
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
            raise ValueError(f"target kind {self.kind} needs at least one phase with a value")
        if self.kind == TargetKind.change_from_baseline and self.baseline is None:
            raise ValueError("change_from_baseline needs a baseline (value or period)")
        dates = [p.by for p in self.phases]
        if dates != sorted(dates):
            raise ValueError("phases must be in date order")
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
            raise ValueError(f"unknown window {v!r}; expected one of {', '.join(WINDOWS)}")
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
        problems = []
        actions = {a.id for a in self.plan.actions}
        seen: set[str] = set()
        for i, ind in enumerate(self.indicators):
            where = f"indicators.{i}"
            if ind.id in seen:
                problems.append(f"{where}.id: duplicate indicator id {ind.id!r}")
            seen.add(ind.id)
            for role in ("numerator", "denominator"):
                m = getattr(ind, role)
                if m is not None and m not in self.measures:
                    problems.append(f"{where}.{role}: unknown measure {m!r} (indicator {ind.id})")
            if ind.action not in actions:
                problems.append(f"{where}.action: unknown action {ind.action!r} (indicator {ind.id})")
            for j, ph in enumerate(ind.target.phases):
                if not (self.plan.period.start <= ph.by <= self.plan.period.end):
                    problems.append(f"{where}.target.phases.{j}.by: {ph.by} is outside the plan period "
                                    f"{self.plan.period.start}–{self.plan.period.end} (indicator {ind.id})")
        task_ids: set[str] = set()
        for i, t in enumerate(self.tasks):
            if t.id in task_ids:
                problems.append(f"tasks.{i}.id: duplicate task id {t.id!r}")
            task_ids.add(t.id)
            if t.action not in actions:
                problems.append(f"tasks.{i}.action: unknown action {t.action!r} (task {t.id})")
        for k in self.ranking_weights:
            if k not in seen:
                problems.append(f"ranking_weights.{k}: unknown indicator")
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


def _format_validation(path: Path, err: ValidationError) -> str:
    """Every problem on its own line as `file: field.path: message`."""
    lines = [f"计划目录文件有误 / invalid plan catalog: {path}"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        for msg in e["msg"].removeprefix("Value error, ").split(_JOIN):
            lines.append(f"  - {path.name}: {loc + ': ' if loc else ''}{msg}")
    return "\n".join(lines)


def load_plan(path: str | Path) -> Catalog:
    """Read and validate one catalog file; raise CatalogError naming file and fields."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"找不到计划目录文件 / plan catalog not found: {path}") from None
    except yaml.YAMLError as e:
        raise CatalogError(f"计划目录文件不是有效的 YAML / not valid YAML: {path}: {e}") from None
    if not isinstance(raw, dict):
        raise CatalogError(f"计划目录文件须为映射 / a catalog must be a mapping at top level: {path}")
    try:
        return Catalog.model_validate(raw)
    except ValidationError as e:
        raise CatalogError(_format_validation(path, e)) from None


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
