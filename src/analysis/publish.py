"""Publishing: papermill executes a report notebook with parameters, nbconvert turns the result
into a static, offline HTML page (no input code, plotly.js from reports/assets/, provenance footer)."""

from __future__ import annotations

import os
import subprocess
from datetime import date, datetime
from functools import cache
from pathlib import Path

import nbformat
import papermill as pm
from nbconvert import HTMLExporter

from analysis import __version__
from analysis.catalog import get_plan
from analysis.config import ASSETS_DIRNAME, NOTEBOOKS_DIR, REPORTS_DIR, ROOT, TEMPLATES_DIR, WAREHOUSE
from analysis.engines import IPCKernelManager
from analysis.errors import ReportError, WarehouseError
from analysis.labels import t
from analysis.markup import esc, table
from analysis.measures import data_cutoff, materialize
from analysis.periods import Quarter
from analysis.review import STAGES, review_quarter
from analysis.site import build_index, pop_summary, write_sidecar
from analysis.warehouse import connect, ensure_schema, fetch_one

KERNEL = "python3"


@cache
def code_version() -> str:
    """git commit of the code (with +dirty when the tree has local changes), else the package version."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
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


def execute(notebook: str, parameters: dict, output: Path) -> nbformat.NotebookNode:
    """Run a notebook from notebooks/ with papermill; a failing cell raises ReportError."""
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        nb = pm.execute_notebook(str(NOTEBOOKS_DIR / notebook), str(output), parameters=parameters,
                                 kernel_name=KERNEL, progress_bar=False, cwd=str(ROOT),
                                 kernel_manager_class=IPCKernelManager)
    except pm.PapermillExecutionError as e:
        raise ReportError(f"报告笔记本执行失败 / notebook {notebook} failed in cell {e.exec_count}: "
                          f"{e.ename}: {e.evalue}\n已执行的笔记本 / executed notebook: {output}") from None
    for cell in nb.cells:  # papermill gives the injected cell a random id; reruns must be identical
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    return nb


def report_css() -> str:
    return (TEMPLATES_DIR / "report" / "report.css").read_text(encoding="utf-8")


def provenance_html(nb: nbformat.NotebookNode, inputs: list[dict], generated: datetime) -> str:
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    prows = [[esc(k), f"<code>{esc(v)}</code>"] for k, v in sorted(params.items())]
    irows = [[esc(i["ledger"]), esc(i["name"] + (f" [{i['sheet']}]" if i["sheet"] else "")), esc(i["rows"]),
              f"<code>{esc(i['sha256'])}</code>"] for i in inputs]
    return (f'<footer class="provenance"><h2>{esc(t("report.provenance"))}</h2>'
            f"<p>{esc(t('report.code_version'))}：<code>{esc(code_version())}</code>；"
            f"{esc(t('report.generated'))}：<span class=\"generated-at\">{generated:%Y-%m-%d %H:%M:%S}</span></p>"
            f"<h3>{esc(t('report.parameters'))}</h3>{table(['参数', '取值'], prows)}"
            f"<h3>{esc(t('report.inputs'))}</h3>{table(['台账', '文件', '行数', 'SHA-256'], irows)}</footer>")


def export_html(nb: nbformat.NotebookNode, out: Path, title: str, inputs: list[dict],
                reports_dir: Path = REPORTS_DIR) -> Path:
    """nbconvert with the report template; input cells and prompts hidden."""
    exporter = HTMLExporter(template_name="report", extra_template_basedirs=[str(TEMPLATES_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    css = report_css()
    plotly_js = plotly_asset(reports_dir)
    resources = {
        "report_title": title, "report_css": css, "code_version": code_version(),
        "plotly_src": Path(os.path.relpath(plotly_js, out.parent)).as_posix(),
        "provenance_html": provenance_html(nb, inputs, datetime.now()),
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
    name = f"{period}.html" if kind == "quarterly" else f"{kind}_{period}.html"
    return reports_dir / plan_id / unit_id / name


def _prepare(catalog, unit_id: str, db: Path) -> tuple[list[dict], date | None]:
    """Check the unit, bring the plan's measure cache up to date; the inputs for the provenance
    footer and the data cut-off date."""
    if not db.exists():
        raise WarehouseError(f"数据仓库不存在 / warehouse not found: {db}; run `python -m analysis ingest` first")
    with connect(db) as con:
        ensure_schema(con)  # a warehouse from before a ledger was added lacks its (empty) table
        if not fetch_one(con, "SELECT count(*) FROM org_units WHERE unit_id = ?", [unit_id])[0]:
            known = [r[0] for r in con.execute("SELECT unit_id FROM org_units ORDER BY 1 LIMIT 20").fetchall()]
            raise WarehouseError(f"数据仓库中没有单位 / unknown unit {unit_id!r}; e.g. {', '.join(known)}")
        materialize(con, catalog)
        inputs = con.execute("SELECT ledger, name, sheet, rows, sha256 FROM _files ORDER BY ledger, name, sheet"
                             ).fetchdf().to_dict("records")
        cutoff = data_cutoff(con)
    return inputs, cutoff


def publish(plan_id: str, unit_id: str | None = None, period: str | None = None, kind: str = "quarterly",
            reports_dir: Path = REPORTS_DIR, db: Path = WAREHOUSE) -> Path:
    """Compute the plan's measures (cached in the warehouse), run the kind's notebook, write the
    HTML (+ executed notebook, summary JSON, Excel scoreboard for quarterlies) and the index.

    kind: quarterly (needs `period`), midterm or final (period from the plan's milestones)."""
    if kind not in NOTEBOOKS:
        raise ReportError(f"未知的报告类型 / unknown report kind {kind!r}; expected {', '.join(NOTEBOOKS)}")
    catalog = get_plan(plan_id)
    unit_id = unit_id or catalog.plan.org_unit
    inputs, cutoff = _prepare(catalog, unit_id, db)
    if kind == "quarterly":
        if not period:
            raise ReportError("季度评估须指定 --period，如 2025Q3 / a quarterly report needs --period")
        q = Quarter.parse(period)
        title = t("report.quarterly_title", plan=catalog.plan.title)
    else:
        q = Quarter.parse(period) if period else review_quarter(catalog, kind, cutoff)
        title = t("report.review_title", plan=catalog.plan.title, stage=STAGES[kind])
    out = report_path(reports_dir, plan_id, unit_id, str(q), kind)
    params = {"plan": plan_id, "unit": unit_id, "period": str(q), "db": str(db)}
    if kind == "quarterly":
        params["scoreboard"] = str(out.with_suffix(".xlsx"))
    else:
        params["stage"] = kind
    nb = execute(NOTEBOOKS[kind], params, out.with_suffix(".ipynb"))
    summary = pop_summary(nb)
    export_html(nb, out, f"{title} · {unit_id} · {q}", inputs, reports_dir)
    if summary:
        write_sidecar(out, summary)
    build_index(reports_dir, report_css())
    return out
