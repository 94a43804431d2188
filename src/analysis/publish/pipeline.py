"""Publishing: papermill executes a report notebook with parameters, nbconvert turns the result
into a static, offline HTML page (no input code, plotly.js from reports/assets/, provenance footer).

Prepare once, render many: `prepare` does what all reports of a plan share (measures, provenance
inputs, input fingerprint), `render` makes one unit's report. `publish` is one prepare and one
render; `analysis.publish.batch` is one prepare per plan and many renders on Dask workers."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis import __version__
from analysis.config import (
    ASSETS_DIRNAME,
    DATA_DIR,
    NOTEBOOKS_DIR,
    PACKAGE_DIR,
    REPORTS_DIR,
    ROOT,
    TEMPLATES_DIR,
    WAREHOUSE,
)
from analysis.errors import ReportError, WarehouseError
from analysis.labels import t
from analysis.plans.catalog import get_plan
from analysis.plans.periods import Quarter
from analysis.publish.kernels import KERNEL, IPCKernelManager
from analysis.publish.lineage import UnitInputs, plan_ledgers, unit_inputs
from analysis.report.site import SITE_JS, build_index, pop_summary, report_name, write_sidecar
from analysis.store import planner_text
from analysis.store.warehouse import connect, ensure_schema, holds_sample

if TYPE_CHECKING:
    import nbformat


@cache
def code_version() -> str:
    """git commit of the code (with +dirty when the tree has local changes), else the package version."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, check=False,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return f"{__version__}+{sha}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return __version__


def plotly_asset(reports_dir: Path) -> Path:
    """plotly.js written once under reports/assets/ (offline: no CDN)."""
    import plotly
    from plotly.offline import get_plotlyjs

    path = reports_dir / ASSETS_DIRNAME / f"plotly-{plotly.__version__}.min.js"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(get_plotlyjs(), encoding="utf-8")
        tmp.replace(path)
    return path


def execute(notebook: str, parameters: dict, output: Path, engine: str | None = None) -> nbformat.NotebookNode:
    """Run a notebook from notebooks/ with papermill; a failing cell (or a kernel that dies)
    raises ReportError. engine: a name in papermill's engine registry (None: a fresh kernel;
    engines.WARM: the caller's warm kernel, `kernels`)."""
    import papermill as pm  # papermill, nbclient and nbformat load only where reports are rendered
    from nbclient.exceptions import DeadKernelError

    from analysis.publish.engines import WARM  # registers the warm engine with papermill

    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        # a warm kernel is told its folder (`kernel_cwd`): renderers side by side in one process's
        # threads must not chdir, as papermill does for a fresh kernel's `cwd`
        folder = {"kernel_cwd": str(ROOT)} if engine == WARM else {"cwd": str(ROOT)}
        nb = pm.execute_notebook(str(NOTEBOOKS_DIR / notebook), str(output), parameters=parameters,
                                 engine_name=engine, kernel_name=KERNEL, progress_bar=False,
                                 request_save_on_cell_execute=False,  # written once, at the end or on error
                                 kernel_manager_class=IPCKernelManager, **folder)
    except pm.PapermillExecutionError as e:
        raise ReportError(f"报告笔记本执行失败 / notebook {notebook} failed in cell {e.exec_count}: "
                          f"{e.ename}: {e.evalue}\n已执行的笔记本 / executed notebook: {output}") from None
    except DeadKernelError as e:
        raise ReportError(f"报告笔记本的内核意外退出 / the kernel died while running {notebook}: {e}") from None
    for cell in nb.cells:  # papermill gives the injected cell a random id; reruns must be identical
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    return nb


def report_css() -> str:
    return (TEMPLATES_DIR / "report" / "report.css").read_text(encoding="utf-8")


def input_file_label(path: str, name: str, sheet: str | None) -> str:
    """Where a delivered file sits, relative to the data folder (or its own folder), with its sheet."""
    p = Path(path) if path else Path(name)
    try:
        rel = p.relative_to(DATA_DIR).as_posix()
    except ValueError:
        rel = f"{p.parent.name}/{p.name}" if p.parent.name else p.name
    return rel + (f"（工作表：{sheet}）" if sheet else "")


def provenance_html(summary: dict, inputs: list[dict], generated: datetime) -> str:
    """The provenance footer (templates/html/footer.html.j2), in Chinese."""
    from analysis.intake.ledgers import LEDGERS
    from analysis.report.html import page
    from analysis.report.site import KINDS

    facts = [summary.get("plan_title", ""), summary.get("unit_name", ""),
             Quarter.parse(summary["period"]).label if summary.get("period") else "", KINDS.get(summary.get("kind"), "")]
    rows = [{"ledger": LEDGERS[i["ledger"]].title if i["ledger"] in LEDGERS else i["ledger"],
             "file": input_file_label(i.get("path", ""), i["name"], i["sheet"]), "rows": int(i["rows"]),
             "sha256": i["sha256"]} for i in inputs]
    return page("footer.html.j2", facts=[f for f in facts if f], inputs=rows, version=code_version(),
                generated=f"{generated:%Y-%m-%d %H:%M:%S}")


def export_html(nb: nbformat.NotebookNode, out: Path, title: str, inputs: list[dict], summary: dict,
                reports_dir: Path = REPORTS_DIR) -> Path:
    """nbconvert with the report template; input cells and prompts hidden."""
    from analysis.publish.exporter import (
        exporter,  # nbconvert loads only where reports are rendered
    )

    exporter = exporter()
    css = report_css()
    plotly_js = plotly_asset(reports_dir)
    resources = {
        "report_title": title, "report_css": css, "code_version": code_version(),
        "plotly_src": Path(os.path.relpath(plotly_js, out.parent)).as_posix(),
        "site_js": Path(os.path.relpath(reports_dir / ASSETS_DIRNAME / SITE_JS, out.parent)).as_posix(),
        "provenance_html": provenance_html(summary, inputs, datetime.now()),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(out)
    return out


NOTEBOOKS = {"quarterly": "quarterly_assessment.ipynb", "midterm": "plan_review.ipynb", "final": "plan_review.ipynb"}
"""Report kind -> notebook; reviews share one notebook with a `stage` parameter."""


def report_path(reports_dir: Path, plan_id: str, unit_id: str, period: str, kind: str = "quarterly") -> Path:
    return reports_dir / plan_id / unit_id / report_name(kind, period)


@cache
def source_digest() -> str:
    """Digest of the analysis package's files (code, labels, templates): a report's code
    fingerprint, exact even while the git tree is dirty."""
    h = hashlib.sha256()
    for f in sorted(PACKAGE_DIR.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".pyo"):
            h.update(f.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def reference_version(con) -> str:
    """Version of the national figures (every report's accident section shows them)."""
    from analysis.store.statistics import version

    return version(con)


FORMATS = ("docx", "pdf")
DEFAULT_FORMATS = ("docx",)
"""Word by default (it needs nothing outside the venv); PDF on request: it needs Chromium."""


@dataclass(frozen=True)
class Prepared:
    """What every report of one plan, kind and period shares, worked out once (`prepare`) before
    any report is rendered (`render`): the measures are current in the warehouse, the inputs for
    the provenance footer are read, and the fingerprint of everything but the unit is known."""

    plan_id: str
    kind: str
    period: str
    title: str
    files: dict[int, dict]
    """Every delivered file (`_files`) by file_id: ledger, name, sheet, rows, sha256."""
    lineage: dict[str, UnitInputs]
    """unit_id -> the rows its report reads (digest) and the files they came from."""
    db: Path
    reports_dir: Path
    fingerprint: dict
    """What all reports share: ledger coverage (`measures.coverage_stamp`), reference series,
    sample flag, catalog, notebook, code, kind; `report_fingerprint` adds the unit's data digest
    and the parameters."""
    formats: tuple[str, ...] = DEFAULT_FORMATS
    """Files made beside the HTML from the executed notebook: docx (Word), pdf (print)."""
    planner: dict[str, str] = field(default_factory=dict)
    """unit@period -> digest of the planner's own text for that report (`store.planner_text`)."""

    def out(self, unit_id: str) -> Path:
        return report_path(self.reports_dir, self.plan_id, unit_id, self.period, self.kind)

    def outputs(self, unit_id: str) -> list[Path]:
        """Every file a finished report of the unit has (a batch rebuilds a report missing one)."""
        html = self.out(unit_id)
        return [html, *(html.with_suffix(f".{f}") for f in self.formats)]

    def parameters(self, unit_id: str) -> dict:
        """The notebook's parameters for one unit (papermill injects them)."""
        params = {"plan": self.plan_id, "unit": unit_id, "period": self.period, "db": str(self.db),
                  "reports": str(self.reports_dir)}
        if self.kind == "quarterly":
            params["scoreboard"] = str(self.out(unit_id).with_suffix(".xlsx"))
        else:
            params["stage"] = self.kind
        return params

    def inputs(self, unit_id: str) -> list[dict]:
        """The files the unit's report was computed from, for its provenance footer."""
        mine = self.lineage.get(unit_id)
        found = [self.files[i] for i in (mine.files if mine else ()) if i in self.files]
        return sorted(found, key=lambda f: (f["ledger"], f["name"], f["sheet"] or ""))

    def report_fingerprint(self, unit_id: str) -> dict:
        mine = self.lineage.get(unit_id)
        fp = {**self.fingerprint, "data": mine.digest if mine else "", "parameters": self.parameters(unit_id),
              "planner": self.planner.get(f"{unit_id}@{self.period}", "")}
        fp["digest"] = hashlib.sha256(json.dumps(fp, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return fp


def check_units(con, unit_ids: list[str]) -> list[str]:
    """The ids among unit_ids that are not in org_units."""
    if not unit_ids:
        return []
    con.register("_want", pd.DataFrame({"unit_id": list(unit_ids)}))
    try:
        unknown = {r[0] for r in con.execute(
            "SELECT unit_id FROM _want WHERE unit_id NOT IN (SELECT unit_id FROM org_units)").fetchall()}
    finally:
        con.unregister("_want")
    return [u for u in unit_ids if u in unknown]


def _unknown_unit(con, unit_id: str) -> WarehouseError:
    known = [r[0] for r in con.execute("SELECT unit_id FROM org_units ORDER BY 1 LIMIT 20").fetchall()]
    return WarehouseError(f"数据仓库中没有单位 / unknown unit {unit_id!r}; e.g. {', '.join(known)}")


def prepare(plan_id: str, period: str | None = None, kind: str = "quarterly", reports_dir: Path = REPORTS_DIR,
            db: Path = WAREHOUSE, units: tuple[str, ...] = (), formats: tuple[str, ...] = DEFAULT_FORMATS) -> Prepared:
    """Once per plan (and kind, period): settle the period and title (a quarter after the data
    cut-off is refused), bring the plan's measure cache up to date in the warehouse (a write
    connection, closed again before any report reads), trace which rows and files each unit's
    report reads (`lineage`), work out the shared input fingerprint, write plotly.js once.
    `units` are checked to exist (WarehouseError)."""
    # the measures and the review's milestones load here: a Dask worker renders and never
    # prepares, and these bring matplotlib and scipy (0.6 s of its start-up)
    from analysis.method.measures import catalog_digest, coverage_stamp, data_cutoff, materialize
    from analysis.report.review import STAGES, review_quarter

    if kind not in NOTEBOOKS:
        raise ReportError(f"未知的报告类型 / unknown report kind {kind!r}; expected {', '.join(NOTEBOOKS)}")
    if kind == "quarterly" and not period:
        raise ReportError("季度评估须指定 --period，如 2025Q3 / a quarterly report needs --period")
    catalog = get_plan(plan_id)
    if not db.exists():
        raise WarehouseError(f"数据仓库不存在 / warehouse not found: {db}; run `python -m analysis ingest` first")
    with connect(db) as con:
        ensure_schema(con)  # a warehouse from before a ledger was added lacks its (empty) table
        unknown = check_units(con, list(units))
        if unknown:
            raise _unknown_unit(con, unknown[0])
        cutoff = data_cutoff(con)
        if kind == "quarterly":
            q = Quarter.parse(period)
            if cutoff is not None and q.start > cutoff:
                raise ReportError(f"评估期 {q.label} 晚于数据截止日 {cutoff:%Y-%m-%d}，台账中还没有这一季度的数据；"
                                  f"最近可评估的季度为 {Quarter.of(cutoff)} / period {q} starts after the data "
                                  f"cut-off {cutoff}: no ledger covers it yet")
            if q.end < catalog.plan.period.start:
                raise ReportError(f"评估期 {q.label} 早于规划期（{catalog.plan.period.start:%Y-%m-%d} 起），规划尚未开始；"
                                  f"最早可评估的季度为 {Quarter.of(catalog.plan.period.start)} / period {q} ends before "
                                  f"the plan starts on {catalog.plan.period.start}")
            title = t("report.quarterly_title", plan=catalog.plan.title)
        else:
            q = Quarter.parse(period) if period else review_quarter(catalog, kind, cutoff)
            title = t("report.review_title", plan=catalog.plan.title, stage=STAGES[kind])
        materialize(con, catalog)
        files = {r.pop("file_id"): r for r in con.execute(
            "SELECT file_id, ledger, path, name, sheet, rows, sha256 FROM _files").fetchdf().to_dict("records")}
        lineage = unit_inputs(con, catalog)
        planner = planner_text.digest(con, plan_id)
        fingerprint = {
            "coverage": coverage_stamp(con, plan_ledgers(catalog)), "reference": reference_version(con),
            "sample": holds_sample(con),
            "catalog": catalog_digest(catalog), "notebook": file_digest(NOTEBOOKS_DIR / NOTEBOOKS[kind]),
            "code": f"{code_version()}:{source_digest()}", "kind": kind}
    plotly_asset(reports_dir)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ReportError(f"未知的输出格式 / unknown format {unknown[0]!r}; expected {', '.join(FORMATS)}")
    if "pdf" in formats:
        from analysis.publish.printer import chromium

        chromium()  # refused now, before any report is rendered, when there is no browser
    return Prepared(plan_id, kind, str(q), title, files, lineage, db, reports_dir, fingerprint, tuple(formats), planner)


def render(prep: Prepared, unit_id: str, engine: str | None = None) -> Path:
    """One report: run the notebook for the unit (in papermill's engine `engine`; None = a fresh
    kernel), export the HTML, write the summary sidecar with the input fingerprint. The index is
    left to the caller (once per publish or batch)."""
    out = prep.out(unit_id)
    nb = execute(NOTEBOOKS[prep.kind], prep.parameters(unit_id), out.with_suffix(".ipynb"), engine=engine)
    summary = pop_summary(nb) or {}
    title = " · ".join(x for x in (prep.title, summary.get("unit_name"), Quarter.parse(prep.period).label) if x)
    export_html(nb, out, title, prep.inputs(unit_id), summary, prep.reports_dir)
    if prep.formats:
        from analysis.report.model import blocks_of

        blocks = blocks_of(nb)
        if "docx" in prep.formats:
            from analysis.report.docx import write_docx

            write_docx(blocks, out.with_suffix(".docx"))
        if "pdf" in prep.formats:
            from analysis.publish.printer import write_pdf

            write_pdf(blocks, out.with_suffix(".pdf"))
    summary["generated"] = datetime.now().isoformat(timespec="seconds")
    summary["inputs"] = [{"name": i["name"], "sha256": i["sha256"]} for i in prep.inputs(unit_id)]
    write_sidecar(out, summary, fingerprint=prep.report_fingerprint(unit_id))
    return out


def publish(plan_id: str, unit_id: str | None = None, period: str | None = None, kind: str = "quarterly",
            reports_dir: Path = REPORTS_DIR, db: Path = WAREHOUSE, formats: tuple[str, ...] = DEFAULT_FORMATS) -> Path:
    """Compute the plan's measures (cached in the warehouse), run the kind's notebook, write the
    HTML (+ executed notebook, summary JSON, Excel scoreboard for quarterlies, the Word file and,
    asked for, the PDF) and the index.

    kind: quarterly (needs `period`), midterm or final (period from the plan's milestones)."""
    if kind not in NOTEBOOKS:
        raise ReportError(f"未知的报告类型 / unknown report kind {kind!r}; expected {', '.join(NOTEBOOKS)}")
    unit_id = unit_id or get_plan(plan_id).plan.org_unit
    prep = prepare(plan_id, period, kind, reports_dir, db, units=(unit_id,), formats=formats)
    out = render(prep, unit_id)
    build_index(reports_dir, report_css())
    return out
