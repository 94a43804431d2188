"""Everything one report needs, read once from the warehouse: the plan, the unit and its
subordinate units, measure values, scorecards, tasks, accidents, data quality and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from analysis.config import WAREHOUSE
from analysis.errors import WarehouseError
from analysis.labels import group
from analysis.method import collection
from analysis.method.accidents import accident_frame
from analysis.method.measures import cache_is_current, compute_measures, data_cutoff, load_values
from analysis.method.progress import (
    empty_series,
    phase_levels,
    scorecard,
    time_progress_of_plan,
    unit_series,
)
from analysis.method.quality import cross_section_outliers, missing_denominators, reporting
from analysis.method.ranking import composite, unit_cards, weights
from analysis.method.tasks import task_table
from analysis.plans.catalog import Catalog, get_plan
from analysis.plans.periods import Quarter
from analysis.report.changes import PUBLISHED, files_since, previous_sidecar, published
from analysis.report.narrative import Draft, draft
from analysis.store import memo, planner_text
from analysis.store.planner_text import Entry
from analysis.store.statistics import figures, stored_rates
from analysis.store.warehouse import connect, fetch_one, holds_sample


@dataclass
class ReportContext:
    catalog: Catalog
    unit_id: str
    unit_name: str
    quarter: Quarter
    values: pd.DataFrame
    """Measure values (long form) of the unit and its subordinate units: for readers of the executed notebook."""
    card: pd.DataFrame
    tasks: pd.DataFrame
    accidents: pd.DataFrame
    children: pd.DataFrame
    child_cards: pd.DataFrame
    ranking: pd.DataFrame
    reporting: pd.DataFrame
    outliers: pd.DataFrame
    missing_denominators: pd.DataFrame
    is_sample: bool
    national: pd.DataFrame | None
    """National reference rates by year (None when the reference series is not loaded)."""
    series: dict[str, pd.DataFrame]
    """indicator_id -> this unit's quarterly numerator, denominator and value."""
    unit_level: str | None = None
    """org_units.level of the unit (区县, 街道 …)."""
    cutoff: date | None = None
    """The latest date any dated ledger reaches (数据截止日期)."""
    generated_on: date = field(default_factory=date.today)
    planner: dict[str, Entry] = field(default_factory=dict)
    """The planner's own text for this report (`store.planner_text`), by key."""
    previous: dict | None = None
    """The previous quarter's published report of this plan and unit (its sidecar), if any."""
    files_since: list[str] = field(default_factory=list)
    """Ledger files with rows of this unit loaded since the previous report was made."""
    collection: pd.DataFrame | None = None
    """Who owes which ledger for this quarter (`method.collection.status`)."""
    parent: tuple[str, str] | None = None
    """(unit id, name) of the unit above, if any."""
    statistics: pd.DataFrame | None = None
    """The unit's own published figures (the `statistics` ledger), by indicator and year."""
    accident_rows: int = 0
    """Rows of the accidents ledger in the unit's subtree: none for a unit assessed on published
    statistics (a province, the nation), whose accident section shows those instead."""

    @classmethod
    def load(cls, plan: str, unit: str, period: str, db: str | Path | None = None,
             reports: str | Path | None = None) -> ReportContext:
        """Everything one report reads; `reports` is the report folder, where last quarter's
        published report is found."""
        catalog = get_plan(plan)
        q = Quarter.parse(period)
        db = Path(db) if db else WAREHOUSE
        with connect(db, read_only=True) as con:
            found = fetch_one(con, "SELECT name, level, parent_id FROM org_units WHERE unit_id = ?", [unit])
            if not found:
                raise WarehouseError(f"数据仓库中没有单位 / unit not in warehouse: {unit}")
            children = con.execute("SELECT unit_id, name, level FROM org_units WHERE parent_id = ? ORDER BY unit_id",
                                   [unit]).fetchdf()
            values = measure_values(con, catalog, [unit, *children["unit_id"]])
            tasks = task_table(con, catalog, unit, q)
            accidents = _accidents(con, db, q, [unit, *children["unit_id"]])
            is_sample = holds_sample(con, unit)
            stats = figures(con, unit)
            accident_rows = fetch_one(con, """SELECT count(*) FROM accidents a JOIN org_closure c
                                              ON c.descendant_id = a.unit_id WHERE c.ancestor_id = ?""", [unit])[0]
            national = memo.remembered(con, db, "national", lambda: stored_rates(con))
            cutoff = memo.remembered(con, db, "cutoff", lambda: data_cutoff(con))
            planner = planner_text.load(con, catalog.plan.id, unit, str(q))
            previous = previous_sidecar(reports, catalog.plan.id, unit, q)
            since = files_since(con, unit, previous)
            grid = _reporting_grid(con, db, unit, q)
            parent = fetch_one(con, "SELECT unit_id, name FROM org_units WHERE unit_id = ?", [found[2]]) \
                if found[2] else None
        series = unit_series(catalog, values[values["unit_id"] == unit]).get(unit, {})
        card = scorecard(catalog, values, unit, q, series, unit_level=found[1])
        child_cards = unit_cards(catalog, values, children, q)
        ranking = composite(child_cards, weights(catalog))
        outliers = cross_section_outliers(child_cards) if not child_cards.empty else pd.DataFrame()
        own = card.assign(unit_id=unit, unit_name=found[0])
        missing = missing_denominators(pd.concat([own, child_cards], ignore_index=True), catalog, unit)
        owed = grid[grid["period_end"] == q.end].reset_index(drop=True)
        return cls(catalog, unit, found[0], q, values, card, tasks, accidents, children, child_cards, ranking,
                   reporting(grid), outliers, missing, bool(is_sample), national, series, found[1], cutoff,
                   planner=planner, previous=previous, files_since=since, collection=owed,
                   parent=tuple(parent) if parent else None, statistics=stats, accident_rows=accident_rows)

    def summary(self, kind: str) -> dict:
        """What the report index shows for this report."""
        plan = self.catalog.plan
        overdue = int((self.tasks["state"] == "overdue").sum()) if not self.tasks.empty else 0
        return {"kind": kind, "plan_id": plan.id, "plan_title": plan.title, "unit_id": self.unit_id,
                "unit_name": self.unit_name, "period": str(self.quarter), "sample": self.is_sample,
                "parent_id": self.parent[0] if self.parent else None, "level": self.unit_level,
                "statuses": {k: int(v) for k, v in self.card["status"].value_counts().sort_index().items()},
                "overdue_tasks": overdue, PUBLISHED: published(list(self.indicator_rows.values()), self.tasks, self.draft,
                                                 self.unit_name, self.ranking)}

    def indicator_series(self, indicator_id: str) -> pd.DataFrame:
        """This unit's quarterly numerator, denominator and value of one indicator."""
        found = self.series.get(indicator_id)
        return empty_series() if found is None else found

    @cached_property
    def draft(self) -> Draft:
        """The drafted 总体判断 and 评估意见 (one per report: several sections show parts of it)."""
        return draft(self.card, self.tasks, self.ranking, self.accident_row, len(self.missing_denominators),
                     len(self.outliers), as_of=self.quarter.end,
                     time_progress=time_progress_of_plan(self.catalog, self.quarter))

    def level_name(self, a: dict) -> str:
        """The org level an indicator's target is set for, in Chinese (区县级 …)."""
        ind = self.catalog.indicator(a["indicator_id"])
        return group("plan_level")[ind.target.level or self.catalog.plan.level]

    def phase_levels(self, ind, baseline: float | None) -> list:
        return phase_levels(ind, baseline)

    @cached_property
    def indicator_rows(self) -> dict[str, dict]:
        """The scorecard as one dict per indicator, by id: converted once, since pandas' row
        conversion in each section cost more than the sections' own work. Read-only."""
        return {a["indicator_id"]: a for a in self.card.to_dict("records")}

    def rows_of(self, card: pd.DataFrame) -> list[dict]:
        """The rows of a slice of the scorecard (one action's, the headline indicators …), in its order."""
        return [self.indicator_rows[i] for i in card["indicator_id"]]

    @property
    def accident_row(self) -> dict:
        return self.accidents.set_index("unit_id").loc[self.unit_id].to_dict()


def measure_values(con, catalog: Catalog, units: list[str] | None = None) -> pd.DataFrame:
    """The values of `units` (a report asks for its unit and the subordinate units, all it reads,
    so a province-sized cache is not loaded whole for each report), or of every unit (None).
    Cached values when current, else computed now (read-only: nothing is stored)."""
    if cache_is_current(con, catalog):
        return load_values(con, catalog.plan.id, units)
    values = compute_measures(con, catalog)
    return values if units is None else values[values["unit_id"].isin(units)].reset_index(drop=True)


def _accidents(con, db: Path, q: Quarter, units: list[str]) -> pd.DataFrame:
    """`accident_frame` of these units; in a batch kernel cut from every unit's, computed once."""
    if not memo.enabled():
        return accident_frame(con, q, units)
    every = memo.remembered(con, db, ("accidents", str(q)), lambda: accident_frame(con, q))
    return every[every["unit_id"].isin(set(units))].reset_index(drop=True)


def _reporting_grid(con, db: Path, unit: str, q: Quarter) -> pd.DataFrame:
    """Who owes which ledger under `unit` for the year so far (the economy rates need every
    quarter of it); in a batch kernel cut from the grid of the unit's whole tree, computed once."""
    since = Quarter(q.year, 1)
    if not memo.enabled():
        return collection.status(con, unit, q, since)
    below = [r[0] for r in con.execute("SELECT descendant_id FROM org_closure WHERE ancestor_id = ?", [unit]).fetchall()]
    root = fetch_one(con, """SELECT c.ancestor_id FROM org_closure c JOIN org_units o ON o.unit_id = c.ancestor_id
                             WHERE c.descendant_id = ? AND o.parent_id IS NULL""", [unit])[0]
    tree = memo.remembered(con, db, ("reporting", root, str(q)), lambda: collection.status(con, root, q, since))
    return collection.within(tree, below)
