"""Batch publishing on Dask: failures isolated and listed, resumable runs, the same HTML as a single
publish; the warm-kernel engine keeps no variable between notebooks and replaces a dead kernel."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from analysis.publish.batch import FAILED, PUBLISHED, SKIPPED, assessed_units, run_batch
from analysis.publish.engines import WARM
from analysis.publish.kernels import shutdown_warm_kernels, warm_kernel_pids
from analysis.publish.pipeline import publish, report_path
from analysis.report.site import read_fingerprint
from analysis.store.warehouse import ingest
from tests.conftest import PERIOD, PLAN, redelivered_drills, site_data

pytestmark = pytest.mark.slow

GENERATED = re.compile(r'<span class="generated-at">[^<]*</span>')
BROKEN = "SLQ-NY"
"""The unit whose report cannot be finished: its scoreboard path is taken by a folder, so the real
notebook's last cell (write_scoreboard) raises for this unit only — no test hook in the notebook."""


@pytest.fixture(scope="module")
def batch_env(warehouse, tmp_path_factory):
    """A private copy of the session warehouse (this module re-ingests a ledger) and a report folder."""
    root = tmp_path_factory.mktemp("batch")
    db = root / "warehouse.duckdb"
    shutil.copy(warehouse, db)
    return db, root / "reports"


def _batch_cli(db, reports, *extra) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "240"}
    return subprocess.run([sys.executable, "-m", "analysis", "batch", "--plan", PLAN, "--period", PERIOD,
                           "--workers", "2", "--db", str(db), "--out", str(reports), *extra],
                          check=False, capture_output=True, text=True, env=env, timeout=600)


def test_batch_isolates_failure_resumes_and_rebuilds_on_new_data(batch_env, sample_dir, tmp_path):
    db, reports = batch_env
    units = assessed_units(db)
    assert "SLQ" in units and BROKEN in units and not any(u.count("-") > 1 for u in units)  # no communities
    blocker = report_path(reports, PLAN, BROKEN, PERIOD).with_suffix(".xlsx")
    blocker.mkdir(parents=True)

    # 1. one unit fails: the others are published, the failure is listed, the exit code says so
    run = _batch_cli(db, reports)
    assert run.returncode == 1, run.stdout + run.stderr
    failures = run.stdout[run.stdout.index("failed reports"):]
    assert BROKEN in failures and "IsADirectoryError" in failures
    for unit in units:
        html = report_path(reports, PLAN, unit, PERIOD)
        assert html.exists() == (unit != BROKEN), unit
    hrefs = {r[2] for p in site_data(reports)["plans"] for rs in p["reports"].values() for r in rs}
    assert f"{PLAN}/SLQ-QF/{PERIOD}.html" in hrefs and f"{PLAN}/{BROKEN}/{PERIOD}.html" not in hrefs
    assert len(list((reports / "assets").glob("plotly-*.min.js"))) == 1  # plotly.js, once

    # 2. the cause removed, a rerun renders only what is missing; 3. then nothing is left to do
    blocker.rmdir()
    second = run_batch(PLAN, PERIOD, units, workers=2, reports_dir=reports, db=db)
    assert [o.unit_id for o in second.published] == [BROKEN] and not second.failed
    assert len(second.skipped) == len(units) - 1
    third = run_batch(PLAN, PERIOD, None, workers=2, reports_dir=reports, db=db)
    assert len(third.skipped) == len(units) and not third.published and third.workers == 0  # no cluster
    fp = read_fingerprint(report_path(reports, PLAN, "SLQ-QF", PERIOD))
    assert {"data", "coverage", "reference", "catalog", "notebook", "code", "parameters", "digest"} <= set(fp)

    # 4. one street re-delivers its drills ledger with one changed row: that street's report and the
    #    district's (which rolls it up) rebuild, the other streets' are skipped
    changed = redelivered_drills(sample_dir, tmp_path)
    ingest([changed], db=db)
    fourth = run_batch(PLAN, PERIOD, None, workers=2, reports_dir=reports, db=db)
    assert sorted(o.unit_id for o in fourth.published) == ["SLQ", "SLQ-QF"] and not fourth.failed
    assert len(fourth.skipped) == len(units) - 2
    assert read_fingerprint(report_path(reports, PLAN, "SLQ-QF", PERIOD))["data"] != fp["data"]
    footer = report_path(reports, PLAN, "SLQ-QF", PERIOD).read_text(encoding="utf-8").split('class="provenance"')[1]
    assert hashlib.sha256(changed.read_bytes()).hexdigest() in footer  # the new delivery is its input now
    assert "drills__SLQ-DM.csv" not in footer  # a neighbour's files are not

    # the batch's page is publish()'s page, but for the time it was made: a street's, and the
    # district's, whose accidents and reporting grid the batch kernel cut from the whole tree's (memo)
    for unit in ("SLQ", "SLQ-QF"):
        batch_html = report_path(reports, PLAN, unit, PERIOD).read_text(encoding="utf-8")
        single = publish(PLAN, unit, PERIOD, reports_dir=reports, db=db)
        assert GENERATED.sub("", single.read_text(encoding="utf-8")) == GENERATED.sub("", batch_html), unit
    summary = json.loads(single.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["unit_id"] == "SLQ-QF" and summary["fingerprint"]["parameters"]["unit"] == "SLQ-QF"


def test_unknown_unit_and_plan_are_failures_not_crashes(batch_env):
    db, reports = batch_env
    result = run_batch("no_such_plan", PERIOD, ["SLQ-QF"], reports_dir=reports, db=db)
    assert [(o.plan_id, o.status) for o in result.outcomes] == [("no_such_plan", FAILED)]
    result = run_batch(PLAN, PERIOD, ["NOPE", "SLQ-QF"], reports_dir=reports, db=db)
    status = {o.unit_id: o.status for o in result.outcomes}
    assert status["NOPE"] == FAILED and status["SLQ-QF"] in (SKIPPED, PUBLISHED)


# --------------------------------------------------------------------------- the warm engine


def _probe(path, *cells: str):
    nb = new_notebook(cells=[new_code_cell('set_leak = False\nexit_kernel = False',
                                           metadata={"tags": ["parameters"]}), *map(new_code_cell, cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _run(src, out, **params):
    return pm.execute_notebook(str(src), str(out), parameters=params, engine_name=WARM, kernel_name="python3",
                               progress_bar=False, cwd=str(src.parent))


def test_warm_kernel_is_reused_with_a_clean_namespace(tmp_path):
    src = _probe(tmp_path / "probe.ipynb",
                 'assert "leak" not in globals(), "a variable leaked from the previous notebook"',
                 "if set_leak:\n    leak = 42",
                 "import os\nprint(os.getpid())")
    try:
        first = _run(src, tmp_path / "a.ipynb", set_leak=True)
        second = _run(src, tmp_path / "b.ipynb")
        pids = [nb.cells[-1].outputs[0]["text"].strip() for nb in (first, second)]
        assert pids[0] == pids[1] == str(warm_kernel_pids()[0])  # one kernel, reused
        for nb in (first, second):  # counted from 1 each time, as in a fresh kernel
            assert [c.execution_count for c in nb.cells] == list(range(1, len(nb.cells) + 1))
    finally:
        shutdown_warm_kernels()


def test_dead_kernel_is_replaced(tmp_path):
    src = _probe(tmp_path / "probe.ipynb", "import os\nif exit_kernel:\n    os._exit(1)", "print(os.getpid())")
    try:
        before = _run(src, tmp_path / "a.ipynb").cells[-1].outputs[0]["text"].strip()
        with pytest.raises(Exception, match="(?i)dead|died"):
            _run(src, tmp_path / "b.ipynb", exit_kernel=True)
        after = _run(src, tmp_path / "c.ipynb").cells[-1].outputs[0]["text"].strip()
        assert after != before and warm_kernel_pids() == [int(after)]
    finally:
        shutdown_warm_kernels()
    assert warm_kernel_pids() == []


def test_province_layout_is_deterministic_and_province_sized():
    from analysis.sample.generator import DISTRICT_ID, province_layout

    a, b = province_layout(), province_layout()
    assert a.streets == b.streets and a.middle == b.middle
    levels = [m[3] for m in a.middle]
    assert levels.count("市") == 16 and 1_700 <= len(a.streets) <= 1_900
    assert len(set(a.street_ids)) == len(a.street_ids)
    assert len({sid.split("-")[-1] for sid in a.street_ids}) == len(a.street_ids)  # record-id codes unique
    assert a.parent("SLQ-QF") == DISTRICT_ID and sum(len(s.leaves) for s in a.streets) < 4 * len(a.streets)
