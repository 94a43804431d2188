"""Batch publishing: every unit's report of one or more plans for one period, fanned out on Dask
distributed (DESIGN.md §7).

How a batch runs:

1. In this process, once per plan: `publish.prepare` brings the plan's measure cache up to date
   for all units (the only write connection to the warehouse, closed again at once), traces
   which rows and files each unit's report reads (`lineage`), and writes plotly.js into
   reports/assets/.
2. Each report's fingerprint (digest of the rows under its unit in the plan's ledgers, catalog
   digest, notebook hash, code version, reference series, parameters) is compared with the one
   stored in its sidecar JSON: an unchanged report is skipped unless `force`. A street that
   re-delivers a ledger rebuilds its own report and those of the units above it, no other.
3. The remaining reports go to Dask: a LocalCluster of `workers` single-threaded workers in this
   process (`_client`; or an existing cluster's scheduler, whose workers are processes). When
   some report will surely be rendered, the cluster is opened in the background before step 1,
   and every worker starts its kernel and loads the report modules at once (`_Cluster`), so that
   start-up overlaps the preparation. Each worker renders with `publish.render` in a warm kernel
   of its own (`engines.WARM`, `kernels.slot`), the kernels reading the warehouse through
   read-only connections, which DuckDB allows from many processes at once. A failing report is
   recorded with its unit and error; the others carry on.
4. reports/index.html is rebuilt once at the end; the workers' kernels are shut down.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from analysis.config import REPORTS_DIR, WAREHOUSE
from analysis.errors import AnalysisError, WarehouseError
from analysis.plans.catalog import plan_files
from analysis.plans.periods import Quarter
from analysis.report.site import read_fingerprint

LEAF_LEVELS = ("社区", "村")
"""Units `--units all` leaves out: communities and villages are rolled up into their street or
town, not assessed on their own."""

PUBLISHED, SKIPPED, FAILED = "published", "skipped", "failed"


@dataclass(frozen=True)
class Outcome:
    plan_id: str
    unit_id: str
    status: str
    """published, skipped or failed."""
    path: str | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def published(self) -> list[Outcome]:
        return self.of(PUBLISHED)

    @property
    def skipped(self) -> list[Outcome]:
        return self.of(SKIPPED)

    @property
    def failed(self) -> list[Outcome]:
        return self.of(FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed


def plan_ids(plan: str) -> list[str]:
    """`all` -> every catalog in the plans folder; else the one id."""
    return sorted(plan_files()) if plan == "all" else [plan]


NOT_BATCHED = ("全国",)
"""Levels a batch over all units leaves out: the nation (its published figures sit beside a
district's tree, not above it; name it with --units CN)."""


def assessed_units(db: Path) -> list[str]:
    """Every unit above the community/village level (LEAF_LEVELS), by id; not the nation, nor units
    registered by their published statistics alone (no level)."""
    from analysis.store.warehouse import connect

    skip = [*LEAF_LEVELS, *NOT_BATCHED]
    marks = ", ".join("?" * len(skip))
    with connect(db, read_only=True) as con:
        rows = con.execute(f"SELECT unit_id FROM org_units WHERE level NOT IN ({marks}) ORDER BY unit_id",
                           skip).fetchall()
    return [r[0] for r in rows]


def _unknown(db: Path, units: list[str]) -> list[str]:
    from analysis.publish.pipeline import check_units
    from analysis.store.warehouse import connect

    with connect(db, read_only=True) as con:
        return check_units(con, units)


def up_to_date(prep, unit_id: str) -> bool:
    """The report, its sidecar, its scoreboard and every file asked for exist, made from the same inputs."""
    out = prep.out(unit_id)
    files = prep.outputs(unit_id) + ([out.with_suffix(".xlsx")] if prep.kind == "quarterly" else [])
    if not all(f.exists() for f in files):
        return False
    fingerprint = prep.report_fingerprint(unit_id)
    stored = read_fingerprint(out)
    return bool(stored) and stored.get("digest") == fingerprint["digest"]


def _message(e: BaseException) -> str:
    if isinstance(e, AnalysisError):
        return str(e)
    return f"{type(e).__name__}: {e}".strip()


def render_job(prep, unit_id: str) -> Outcome:
    """Runs on a Dask worker: one report in this process's warm kernel; never raises."""
    from distributed import get_worker

    from analysis.publish.engines import WARM
    from analysis.publish.kernels import slot
    from analysis.publish.pipeline import render

    start = time.perf_counter()
    try:
        with slot(str(get_worker().name)):
            path = render(prep, unit_id, engine=WARM)
    except Exception as e:  # noqa: BLE001 - recorded, the batch carries on
        logging.getLogger(__name__).debug("report %s/%s failed:\n%s", prep.plan_id, unit_id,
                                          traceback.format_exc())
        return Outcome(prep.plan_id, unit_id, FAILED, error=_message(e),
                       seconds=time.perf_counter() - start)
    return Outcome(prep.plan_id, unit_id, PUBLISHED, path=str(path), seconds=time.perf_counter() - start)


def _client(workers: int, scheduler: str | None):
    """(client, cluster or None): a LocalCluster of `workers` single-threaded workers in this
    process, or a client of the existing scheduler. Threads, not processes: a report's own work
    runs in its worker's kernel, a process of its own; the worker only hands notebooks to it and
    writes the files (0.1 CPU-s a report), and a worker process would cost 2.4 CPU-s of start-up
    to import distributed and the renderer again."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as e:
            raise AnalysisError(f"无法连接 Dask 调度器 / cannot reach the Dask scheduler {scheduler}: {e}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None,
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


PRELOAD = ("import IPython.display, analysis.report.context, analysis.report.review, analysis.report.scoreboard, analysis.report.sections, "
           "analysis.report.site, analysis.report.charts, analysis.store.memo; analysis.report.charts.setup_matplotlib(); "
           "analysis.store.memo.enable()")
"""Run in every worker's kernel as soon as the cluster is up: what each report notebook imports
(about 1.5 s), done while the client is still preparing the plans; and the warehouse-wide figures
kept between its reports (`store.memo`)."""


def _load_renderer() -> None:
    """The renderer and what it loads on first use: papermill, nbclient, nbformat (engines),
    nbconvert (exporter); 1.5 s of imports."""
    import analysis.publish.engines
    import analysis.publish.exporter
    import analysis.publish.pipeline  # noqa: F401


def _warm_worker(dask_worker) -> None:
    """On a Dask worker (paths of the worker's own installation): start its kernel and load the
    renderer, both in the background — `client.run` calls this on the worker's event loop, which
    must stay free for the worker's heartbeats."""
    from analysis.config import ROOT
    from analysis.publish.kernels import KERNEL, slot, warm_up

    with slot(str(dask_worker.name)):
        warm_up(KERNEL, str(ROOT), PRELOAD)
    threading.Thread(target=_load_renderer, name="load-renderer", daemon=True).start()


class _Cluster:
    """The batch's Dask client. Opened in a background thread as soon as some report will
    certainly be rendered, so that the workers and their kernels start while the client prepares
    the plans (a forced or first run); otherwise only once the prepared fingerprints show work.
    Closing stops the workers' kernels, then the client and the LocalCluster."""

    def __init__(self, workers: int, scheduler: str | None):
        self.workers, self.scheduler = workers, scheduler
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dask-start")
        self._opening: Future | None = None

    def open(self) -> None:
        if self._opening is None:
            self._opening = self._pool.submit(self._open)

    def _open(self):
        client, cluster = _client(self.workers, self.scheduler)
        client.run(_warm_worker, on_error="ignore")  # an optimisation: the first report starts a kernel anyway
        return client, cluster

    def client(self):
        self.open()
        return self._opening.result()[0]

    def close(self, shutdown: Callable[[], int]) -> None:
        self._pool.shutdown(wait=True)
        if self._opening is None or self._opening.exception() is not None:
            return
        client, cluster = self._opening.result()
        with contextlib.suppress(Exception):  # workers already gone: their kernels went with them
            client.run(shutdown, on_error="ignore")
        client.close()
        if cluster is not None:
            cluster.close()


def _surely_work(plans: list[str], unit_ids: list[str], period: str | None, kind: str, reports_dir: Path) -> bool:
    """Some report will be rendered whatever the fingerprints say: a quarterly report that does not
    exist yet (a review's period is only known once its plan is prepared)."""
    if kind != "quarterly" or not period:
        return False
    from analysis.publish.pipeline import report_path

    known = plan_files()
    plans = [p for p in plans if p in known]  # an unknown plan fails before any rendering
    try:
        q = str(Quarter.parse(period))
    except AnalysisError:
        return False  # prepare reports the bad period
    return any(not report_path(reports_dir, p, u, q).exists() for p in plans for u in unit_ids)


def _plan_jobs(plans: list[str], unit_ids: list[str], unknown: set[str], period: str | None, kind: str,
               reports_dir: Path, db: Path, force: bool, formats: tuple[str, ...]) -> tuple[list, list[Outcome]]:
    """Prepare each plan once; ([(prepared plan, unit id)] to render, outcomes already settled:
    skipped as up to date, or failed — a plan that cannot be prepared, a unit not in the warehouse)."""
    from analysis.publish.pipeline import prepare

    settled: list[Outcome] = []
    preps = []
    for plan_id in plans:
        try:
            preps.append(prepare(plan_id, period, kind, reports_dir, db, formats=formats))
        except AnalysisError as e:
            settled.append(Outcome(plan_id, "*", FAILED, error=_message(e)))
    jobs = []
    for prep in preps:
        for unit_id in unit_ids:
            if unit_id in unknown:
                settled.append(Outcome(prep.plan_id, unit_id, FAILED,
                                       error=f"数据仓库中没有单位 / unknown unit {unit_id!r}"))
            elif not force and up_to_date(prep, unit_id):
                settled.append(Outcome(prep.plan_id, unit_id, SKIPPED, path=str(prep.out(unit_id))))
            else:
                jobs.append((prep, unit_id))
    return jobs, settled


def run_batch(plan: str, period: str | None, units: Sequence[str] | None = None, kind: str = "quarterly",
              workers: int = 2, scheduler: str | None = None, force: bool = False,
              reports_dir: Path = REPORTS_DIR, db: Path = WAREHOUSE,
              on_start: Callable[[int, list[Outcome]], None] | None = None,
              on_done: Callable[[Outcome], None] | None = None, formats: tuple[str, ...] = ("docx",)) -> BatchResult:
    """Publish every (plan, unit) report; see the module docstring.

    plan: a plan id or `all`; units: ids, or None / ["all"] for every assessed unit; formats: the
    files beside each HTML (docx, pdf: `pipeline.FORMATS`).
    on_start(n to render, outcomes already settled: skipped or failed before rendering) and
    on_done(outcome) report progress. Raises AnalysisError only for problems that concern the
    whole batch (no warehouse, scheduler unreachable); a plan or unit that fails is an outcome."""
    from analysis.publish.kernels import shutdown_warm_kernels
    from analysis.publish.pipeline import build_index, report_css

    t0 = time.perf_counter()
    if not db.exists():
        raise WarehouseError(f"数据仓库不存在 / warehouse not found: {db}; run `python -m analysis ingest` first")
    cluster = _Cluster(workers, scheduler)
    try:
        if force:  # every report will be rendered: the workers start before the units are even read
            cluster.open()
        wanted = None if not units or list(units) == ["all"] else list(dict.fromkeys(units))
        unit_ids = assessed_units(db) if wanted is None else wanted
        plans = plan_ids(plan)
        unknown = set(_unknown(db, unit_ids)) if wanted else set()
        if not force and _surely_work(plans, [u for u in unit_ids if u not in unknown], period, kind, reports_dir):
            cluster.open()
        jobs, settled = _plan_jobs(plans, unit_ids, unknown, period, kind, reports_dir, db, force, formats)
        result = BatchResult(outcomes=list(settled))
        if on_start:
            on_start(len(jobs), settled)
        if jobs:
            result.workers = _fan_out(jobs, cluster.client(), result, on_done)
    finally:
        cluster.close(shutdown_warm_kernels)
    build_index(reports_dir, report_css())
    result.seconds = time.perf_counter() - t0
    return result


def _fan_out(jobs, client, result: BatchResult, on_done) -> int:
    """Submit every job, collect outcomes as they complete; the number of workers used."""
    from distributed import as_completed

    n_workers = len(client.scheduler_info().get("workers", {}))
    token = uuid.uuid4().hex[:8]
    shared = {}
    for prep, _ in jobs:  # each plan's prepared inputs travel to every worker once
        if id(prep) not in shared:
            shared[id(prep)] = client.scatter(prep, broadcast=True, hash=False)
    futures = {}
    for prep, unit_id in jobs:
        fut = client.submit(render_job, shared[id(prep)], unit_id, pure=False,
                            key=f"report-{prep.plan_id}-{prep.kind}-{unit_id}-{token}")
        futures[fut] = (prep.plan_id, unit_id)
    for fut in as_completed(futures):
        plan_id, unit_id = futures[fut]
        try:
            outcome = fut.result()
        except Exception as e:  # noqa: BLE001 - e.g. KilledWorker: the worker died repeatedly
            outcome = Outcome(plan_id, unit_id, FAILED, error=_message(e))
        fut.release()
        result.outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return n_workers
