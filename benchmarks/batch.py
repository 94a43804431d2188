"""Batch publishing benchmark (not a test), on the province-sized sample (示例省).

    .venv/bin/python benchmarks/batch.py [--n 60] [--workers 2] [--plan P] [--period Q]
                                         [--skip-province] [--keep DIR]

1. Setup: `python -m analysis sample --scale province`, ingest, reference series; the plan's
   measures are materialized once (`publish.prepare`), so both ways below read a current cache.
2. The same N street/town quarterly reports, (a) the naive way a user would script it: for each
   unit the `papermill` CLI, then `jupyter nbconvert --to html --no-input` (both from the venv's
   bin, one subprocess each, a fresh kernel each time); (b) `python -m analysis batch --units …
   --force` into a fresh folder. Seconds per report for each, and the speedup.
3. What Word and PDF cost: the same N reports batched as HTML only (`--no-word`), against (b),
   which writes the Word file too (the default); and one district's reports (the district and its
   streets/towns) as HTML only and with `--pdf` — the PDFs' own time. Goals (issue 14): Word adds at
   most 15 % per report; a district's PDFs take under a minute.
4. The full province batch for one plan-quarter (`--units all`: every unit above the
   community/village level): wall time and peak memory.

Memory: a sampler thread walks the batch command's process tree (the CLI with its Dask workers as
threads, their warm kernels; psutil) every 0.25 s and sums RSS, and
PSS (proportional set size, shared pages split between the processes that share them); the peak
of each sum is reported. RSS summed over processes counts shared pages (e.g. the Python
libraries mapped by every process) more than once, so it overstates; PSS does not.

The last line printed is `speedup: N.Nx`. Goals (issue 7): ≥ 15x and ≤ 0.3 s per report
amortised; the province within 10 minutes and 4 GB."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "quarterly_assessment.ipynb"
REFERENCE_DIR = ROOT / "data" / "reference"


def run(*cmd: str, quiet: bool = True) -> float:
    """Run a command to completion; its wall time. Fails loudly."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=quiet, text=True, check=False)
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{(proc.stdout or '')[-3000:]}{(proc.stderr or '')[-3000:]}")
    return time.perf_counter() - start


class TreeMemory:
    """Peak summed RSS and PSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.25):
        self.root = psutil.Process(pid)
        self.every = every
        self.peak_rss = self.peak_pss = 0
        self.peak_procs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            rss = pss = 0
            for p in procs:
                try:
                    info = p.memory_full_info()
                except psutil.Error:
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, len(procs))
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def batch(args: list[str]) -> tuple[float, TreeMemory]:
    """Run `python -m analysis batch …`, sampling its process tree's memory; (seconds, memory)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "batch", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "160"})
    mem = TreeMemory(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    mem.stop()
    if proc.returncode:
        sys.exit(f"batch failed ({proc.returncode}):\n{out[-4000:]}\n{err[-2000:]}")
    return seconds, mem


def setup(folder: Path, plan: str, period: str) -> tuple[Path, dict]:
    """The province sample ingested into folder/warehouse.duckdb (reused when present), the plan's
    measures materialized; the setup timings."""
    from analysis.publish.pipeline import prepare

    db, sample = folder / "warehouse.duckdb", folder / "sample"
    times = {}
    if not db.exists():
        times["sample"] = run(sys.executable, "-m", "analysis", "sample", "--scale", "province", "--out", str(sample))
        times["ingest"] = run(sys.executable, "-m", "analysis", "ingest", str(sample), "--db", str(db))
        run(sys.executable, "-m", "analysis", "ingest", str(REFERENCE_DIR), "--db", str(db))
    start = time.perf_counter()
    prepare(plan, period, "quarterly", folder / "prepare", db)
    times["measures"] = time.perf_counter() - start
    return db, times


def pick_units(db: Path, n: int) -> list[str]:
    """n streets/towns spread over the province (every k-th by id)."""
    with duckdb.connect(str(db), read_only=True) as con:
        streets = [r[0] for r in con.execute(
            "SELECT unit_id FROM org_units WHERE level IN ('街道', '镇') ORDER BY unit_id").fetchall()]
    step = max(1, len(streets) // n)
    return streets[::step][:n]


def naive(units: list[str], db: Path, out: Path, plan: str, period: str) -> float:
    """papermill CLI, then nbconvert CLI, per unit; total seconds."""
    out.mkdir(parents=True)
    start = time.perf_counter()
    for unit in units:
        nb = out / f"{unit}.ipynb"
        run(str(BIN / "papermill"), str(NOTEBOOK), str(nb), "-p", "plan", plan, "-p", "unit", unit,
            "-p", "period", period, "-p", "db", str(db), "-p", "scoreboard", str(out / f"{unit}.xlsx"),
            "--cwd", str(ROOT), "--no-progress-bar", "-k", "python3")
        run(str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb), "--output-dir", str(out))
    return time.perf_counter() - start


def district_units(db: Path) -> list[str]:
    """The first district and its streets/towns: what one district office publishes."""
    with duckdb.connect(str(db), read_only=True) as con:
        district = con.execute("SELECT unit_id FROM org_units WHERE level = '区县' ORDER BY unit_id LIMIT 1").fetchone()[0]
        kids = [r[0] for r in con.execute("SELECT unit_id FROM org_units WHERE parent_id = ? ORDER BY unit_id",
                                          [district]).fetchall()]
    return [district, *kids]


def gb(n: int) -> str:
    return f"{n / 2**30:.2f} GB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=60, help="reports in the naive-vs-batch comparison (>= 60)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--plan", default="quanfu_2024_2026")
    ap.add_argument("--period", default="2025Q3")
    ap.add_argument("--skip-province", action="store_true", help="leave out the full province batch")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (the sample is reused)")
    a = ap.parse_args()
    folder = a.keep or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} CPUs, {gb(psutil.virtual_memory().total)} RAM; "
          f"load average before: {os.getloadavg()[0]:.2f}; work folder {folder}", flush=True)
    try:
        db, times = setup(folder, a.plan, a.period)
        print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
              + f"; warehouse {db.stat().st_size / 2**20:.0f} MB", flush=True)
        units = pick_units(db, a.n)
        for sub in ("naive", "batch", "html", "district", "pdf", "province"):
            shutil.rmtree(folder / sub, ignore_errors=True)

        t_naive = naive(units, db, folder / "naive", a.plan, a.period)
        per_naive = t_naive / len(units)
        print(f"(a) naive, papermill CLI + nbconvert CLI: {len(units)} reports in {t_naive:.1f} s = "
              f"{per_naive:.2f} s per report (load average now {os.getloadavg()[0]:.2f})", flush=True)

        common = ["--plan", a.plan, "--period", a.period, "--workers", str(a.workers), "--db", str(db), "--force"]
        t_batch, mem = batch([*common, "--units", ",".join(units), "--out", str(folder / "batch")])
        per_batch = t_batch / len(units)
        print(f"(b) batch, {a.workers} Dask workers with warm kernels: {len(units)} reports in {t_batch:.1f} s = "
              f"{per_batch:.2f} s per report, cluster start-up included (peak RSS sum {gb(mem.peak_rss)}, "
              f"PSS sum {gb(mem.peak_pss)}; load average now {os.getloadavg()[0]:.2f})", flush=True)

        t_html, _ = batch([*common, "--no-word", "--units", ",".join(units), "--out", str(folder / "html")])
        print(f"(c) the same {len(units)} reports, HTML only: {t_html:.1f} s = {t_html / len(units):.2f} s per report; "
              f"Word adds {(t_batch - t_html) / t_html * 100:+.0f} % per report (goal <= 15 %)", flush=True)
        district = district_units(db)
        t_plain, _ = batch([*common, "--no-word", "--units", ",".join(district), "--out", str(folder / "district")])
        t_pdf, _ = batch([*common, "--no-word", "--pdf", "--units", ",".join(district), "--out", str(folder / "pdf")])
        print(f"(d) one district's {len(district)} reports: HTML only {t_plain:.1f} s, with PDF {t_pdf:.1f} s: the PDFs "
              f"take {t_pdf - t_plain:.1f} s, {(t_pdf - t_plain) / len(district):.2f} s each (goal: under 60 s)", flush=True)

        if not a.skip_province:
            t_all, mem = batch([*common, "--units", "all", "--out", str(folder / "province")])
            n_all = sum(1 for _ in (folder / "province" / a.plan).glob(f"*/{a.period}.html"))
            print(f"province: {n_all} reports ({a.plan}, {a.period}, every unit above community/village) in "
                  f"{t_all:.0f} s = {t_all / 60:.1f} min, {t_all / max(n_all, 1):.2f} s per report; peak memory of "
                  f"the process tree ({mem.peak_procs} processes: CLI with its Dask workers, kernels): RSS sum "
                  f"{gb(mem.peak_rss)}, PSS sum {gb(mem.peak_pss)} (load average now {os.getloadavg()[0]:.2f})",
                  flush=True)
        print(f"speedup: {per_naive / per_batch:.1f}x")
    finally:
        if not a.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
