"""Which rows and files each unit's report reads: its own subtree only, in the plan's ledgers."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from analysis.method.measures import coverage_stamp
from analysis.plans.catalog import Catalog, get_plan
from analysis.publish.lineage import plan_ledgers, unit_inputs
from tests.conftest import PLAN, UNIT


@pytest.fixture
def warehouse_copy(warehouse, tmp_path):
    """A private copy of the session warehouse, for a test that writes to it."""
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, db)
    return db


def _files(con) -> dict[str, int]:
    return {name: fid for fid, name in con.execute("SELECT file_id, name FROM _files").fetchall()}


def test_plan_ledgers_include_those_named_in_measure_sql():
    used = plan_ledgers(get_plan(PLAN))
    assert {"org_units", "accidents", "economy", "tasks_status", "drills", "personnel_training"} <= set(used)
    assert "chemical_processes" not in used  # a ledger this plan never reads
    base = get_plan(PLAN).model_dump(mode="json")
    measure = next(iter(base["measures"]))
    named = {**base["measures"][measure], "filter": "unit_id IN (SELECT unit_id FROM rescue_capacity)"}
    catalog = Catalog.model_validate({**base, "measures": {**base["measures"], measure: named}})
    assert "rescue_capacity" not in used and "rescue_capacity" in plan_ledgers(catalog)  # named only in SQL


def test_a_street_reads_its_own_files_and_the_district_reads_all(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        inputs, files = unit_inputs(con, get_plan(PLAN)), _files(con)
        streets = [r[0] for r in con.execute("SELECT unit_id FROM org_units WHERE parent_id = 'SLQ'").fetchall()]
    own, neighbour = files[f"drills__{UNIT}.csv"], files["drills__SLQ-DM.csv"]
    assert own in inputs[UNIT].files and neighbour not in inputs[UNIT].files
    assert files["accidents.xlsx"] in inputs[UNIT].files  # a shared file that holds rows of this street
    assert set(inputs["SLQ"].files) >= set().union(*(inputs[s].files for s in streets))
    assert len({inputs[s].digest for s in streets}) == len(streets)


def test_a_changed_row_changes_its_units_digests_only(warehouse_copy):
    catalog = get_plan(PLAN)
    with duckdb.connect(str(warehouse_copy)) as con:
        before = unit_inputs(con, catalog)
        unit = con.execute(f"SELECT unit_id FROM drills WHERE unit_id LIKE '{UNIT}-%' LIMIT 1").fetchone()[0]
        con.execute("UPDATE drills SET participants = participants + 1, _row_hash = _row_hash + 1 "
                    "WHERE rowid = (SELECT min(rowid) FROM drills WHERE unit_id = ?)", [unit])
        after = unit_inputs(con, catalog)
    changed = {u for u in before if before[u].digest != after[u].digest}
    assert changed == {unit, UNIT, "SLQ"}  # the community, its street, the district


def test_the_plan_units_task_reports_count_for_every_report(warehouse_copy):
    """A unit without task reports of its own shows the plan unit's (tasks.task_table)."""
    catalog = get_plan(PLAN)
    with duckdb.connect(str(warehouse_copy)) as con:
        before = unit_inputs(con, catalog)
        con.execute("UPDATE tasks_status SET _row_hash = _row_hash + 1 WHERE rowid = "
                    "(SELECT min(rowid) FROM tasks_status WHERE plan_id = ? AND unit_id = ?)",
                    [PLAN, catalog.plan.org_unit])
        after = unit_inputs(con, catalog)
    assert all(before[u].digest != after[u].digest for u in before)


def test_coverage_stamp_changes_when_a_ledger_starts_earlier_or_is_emptied(warehouse_copy):
    """What every unit's measures take from the whole warehouse is in every fingerprint."""
    with duckdb.connect(str(warehouse_copy)) as con:
        first = coverage_stamp(con, ["drills", "enterprises"])
        con.execute("DELETE FROM drills WHERE drill_date = (SELECT min(drill_date) FROM drills)")
        later = coverage_stamp(con, ["drills", "enterprises"])
        con.execute("DELETE FROM enterprises")
        emptied = coverage_stamp(con, ["drills", "enterprises"])
    assert first["drills"] != later["drills"] and first["enterprises"] == later["enterprises"]
    assert emptied["enterprises"] != later["enterprises"] and emptied["drills"] == later["drills"]
