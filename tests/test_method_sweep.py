"""The method's invariants over every plan × every unit × every quarter of the sample: 完成率 never
negative and bounded, projections within what is possible and never past a deadline that has come,
deadlines judged as met or not, intervals only for values that exist, severity monotone in the value."""

from __future__ import annotations

import math

import pytest

from analysis.method.measures import data_cutoff
from analysis.method.progress import (
    LEVEL_KINDS,
    SEVERITY,
    STATUSES,
    Assessment,
    as_row,
    assess,
    is_share,
    unit_series,
)
from analysis.plans.catalog import get_plan, plan_files
from analysis.plans.periods import Quarter, quarter_range
from analysis.report.context import measure_values
from analysis.report.format import task_progress_text
from analysis.store.warehouse import connect

LEVEL = {str(k) for k in LEVEL_KINDS}


@pytest.fixture(scope="module")
def sweep(warehouse):
    """(plan, unit, quarter, indicator, series, assessment) for every combination the sample holds."""
    out = []
    with connect(warehouse, read_only=True) as con:
        units = con.execute("SELECT unit_id, level FROM org_units ORDER BY unit_id").fetchall()
        last = Quarter.of(data_cutoff(con))
        catalogs = [get_plan(p) for p in plan_files()]
        values = {c.plan.id: measure_values(con, c) for c in catalogs}
    for c in catalogs:
        series = unit_series(c, values[c.plan.id])
        quarters = quarter_range(Quarter.of(c.plan.period.start), min(last, Quarter.of(c.plan.period.end)))
        for unit, level in units:
            mine = series.get(unit, {})
            for q in quarters:
                for ind in c.indicators:
                    s = mine[ind.id]
                    out.append((c, unit, level, q, ind, s, assess(ind, c, None, unit, q, s, level)))
    return out


def test_the_sweep_covers_every_plan_unit_and_quarter(sweep):
    assert {c.plan.id for c, *_ in sweep} == {p for p in plan_files() if get_plan(p).indicators}
    assert len({u for _, u, *_ in sweep}) > 80 and len(sweep) > 90_000


def test_completion_is_never_negative_and_bounded(sweep):
    for c, unit, _, q, ind, _, a in sweep:
        if a.completion is None:
            continue
        assert a.completion >= 0, (c.plan.id, unit, q, ind.id, a.completion)
        if a.completion_basis in ("ratio", "usage"):
            assert a.completion == pytest.approx(a.value / a.target), (c.plan.id, unit, q, ind.id)
            if is_share(ind):
                assert a.completion <= max(100, a.value) / a.target + 1e-9


def test_shares_never_exceed_100_percent(sweep):
    over = {(c.plan.id, ind.id) for c, _, _, _, ind, _, a in sweep if is_share(ind) and not _nan(a.value)
            and a.value > 100 + 1e-9}
    assert not over, sorted(over)


def test_projections_within_what_is_possible(sweep):
    for c, unit, _, q, ind, _, a in sweep:
        if a.projected is None:
            assert a.pace_needed is None or a.target_by > q.end
            continue
        where = (c.plan.id, unit, q, ind.id, a.projected)
        assert a.projected >= 0, where
        if is_share(ind):
            assert a.projected <= 100, where
        assert a.target_by > q.end, where  # never a forecast of a date that has come
        assert a.target_by <= c.plan.period.end


def test_deadlines_reached_are_met_or_missed(sweep):
    for c, unit, _, q, ind, _, a in sweep:
        assert a.status in STATUSES
        if a.kind in LEVEL and a.target_by is not None and a.target_by <= q.end:
            assert a.status in ("achieved", "missed", "no_data", "not_applicable") or a.method == "relapse", (
                c.plan.id, unit, q, ind.id)
        if a.status == "missed" and a.kind in LEVEL:
            assert a.deadline_state == "missed" and a.overdue_days >= 0
        if (a.deadline_state == "met_on_time" and a.target_by <= q.end
                and a.status not in ("achieved", "no_data", "not_applicable")):
            assert a.method == "relapse" and a.status == "behind"  # met at the deadline, lower since


def test_intervals_only_for_values_that_exist(sweep):
    for *_, a in sweep:
        if _nan(a.value):
            assert a.ci_low is None and a.ci_high is None and a.status in ("no_data", "not_applicable")


def test_a_value_nearer_the_target_is_never_graded_worse(sweep):
    checked = 0
    for c, unit, level, q, ind, series, a in sweep[::5]:
        if a.kind not in LEVEL or a.status not in ("on_track", "behind", "off_track") or a.target is None:
            continue
        nearer = series.copy()
        nearer.loc[str(q), "value"] = a.value + (a.target - a.value) * 0.3
        b: Assessment = assess(ind, c, None, unit, q, nearer, level)
        assert SEVERITY[b.status] <= SEVERITY[a.status], (c.plan.id, unit, q, ind.id, a.value, b.value)
        checked += 1
    assert checked > 100


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def test_task_progress_reads_within_0_to_100_percent(sweep):
    """The 任务进度 a planner reads is a share of the phase's requirement: 0–100 %, else words."""
    seen = set()
    for c, unit, _, q, ind, _, a in sweep:
        task = task_progress_text(as_row(a)).split(" / ")[0]
        seen.add(task if not task.endswith("%") else "pct")
        if task.endswith("%"):
            assert 0 <= float(task.rstrip("%")) <= 100, (c.plan.id, unit, q, ind.id, task)
    assert {"pct", "超出阶段要求", "较起点倒退"} <= seen
