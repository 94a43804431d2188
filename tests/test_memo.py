"""A batch kernel's memo (`store.memo`): what a report reads cut from the whole tree's figures is
what it reads for its own unit; entries follow the warehouse's data; off, nothing is kept."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from analysis.plans.periods import Quarter
from analysis.report import context
from analysis.store import memo
from analysis.store.warehouse import ingest
from tests.conftest import PERIOD, redelivered_drills


@pytest.fixture
def memo_on():
    memo.enable()
    yield
    memo.enable(False)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values only: a root's missing parent is None in its own frame and NaN in the whole tree's."""
    return frame.astype(object).where(frame.notna(), None)


def test_cut_from_the_whole_tree_equals_the_units_own(warehouse, memo_on):
    q = Quarter.parse(PERIOD)
    con = duckdb.connect(str(warehouse), read_only=True)
    units = [r[0] for r in con.execute("SELECT unit_id FROM org_units ORDER BY unit_id").fetchall()]
    levels = {r[0] for r in con.execute("SELECT DISTINCT level FROM org_units").fetchall()}
    assert len(units) > 40 and {"区县", "街道", "社区"} <= levels
    for unit in units:
        ids = [unit, *(r[0] for r in con.execute("SELECT unit_id FROM org_units WHERE parent_id = ?",
                                                 [unit]).fetchall())]
        memo.enable(False)
        own_accidents, own_grid = context._accidents(con, warehouse, q, ids), context._reporting_grid(con, warehouse, unit, q)
        memo.enable()
        cut_accidents, cut_grid = context._accidents(con, warehouse, q, ids), context._reporting_grid(con, warehouse, unit, q)
        pd.testing.assert_frame_equal(_plain(own_accidents), _plain(cut_accidents), obj=unit)
        pd.testing.assert_frame_equal(_plain(own_grid), _plain(cut_grid), obj=unit)
    assert len(own_grid) == 0 and len(context._reporting_grid(con, warehouse, "SLQ", q)) > 100  # a leaf, the district
    con.close()


def test_entries_follow_the_data_and_are_kept_only_when_on(warehouse, sample_dir, tmp_path, memo_on):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, db)
    calls = []

    def count(con):
        calls.append(1)
        return con.execute("SELECT sum(participants) FROM drills").fetchone()[0]

    def read():
        with duckdb.connect(str(db), read_only=True) as con:
            return memo.remembered(con, db, "drills", lambda: count(con))

    first = read()
    assert read() == first and len(calls) == 1  # kept between reports
    ingest([redelivered_drills(sample_dir, tmp_path)], db=db)  # one more participant
    assert read() == first + 1 and len(calls) == 2  # a new delivery: computed again
    memo.enable(False)
    read(), read()
    assert len(calls) == 4  # off: computed every time
