"""The report site: each executed notebook hands a small summary back to the publisher (a custom
MIME output, as scrapbook does), the publisher writes it beside the HTML as JSON, and
reports/index.html lists every report from those files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.labels import group
from analysis.report.markup import esc, status_badge, table

if TYPE_CHECKING:  # nbformat pulls in jsonschema (0.8 s to import); a report kernel needs only `glue`
    import nbformat

SUMMARY_MIME = "application/vnd.analysis.summary+json"
KINDS = {"quarterly": "季度评估", "midterm": "中期评估", "final": "总结评估"}


def glue(summary: dict) -> None:
    """Called in the notebook: emit the summary as an output nbconvert does not render."""
    from IPython.display import display

    display({SUMMARY_MIME: summary}, raw=True)


def pop_summary(nb: nbformat.NotebookNode) -> dict | None:
    """Take the glued summary out of the executed notebook (so the HTML export never sees it)."""
    found = None
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        keep = [o for o in outputs if SUMMARY_MIME not in o.get("data", {})]
        if len(keep) != len(outputs):
            found = dict(next(o for o in outputs if SUMMARY_MIME in o.get("data", {}))["data"][SUMMARY_MIME])
            cell["outputs"] = keep
    return found


FINGERPRINT = "fingerprint"
"""Sidecar key of the report's input fingerprint (`publish.Prepared.report_fingerprint`: the
digest of the rows its unit's report reads, ledger coverage, reference series, catalog, notebook,
code, parameters, and their digest): a batch skips a report whose fingerprint is unchanged."""


def write_sidecar(html: Path, summary: dict, fingerprint: dict | None = None) -> Path:
    """The summary (and the input fingerprint) as JSON beside the HTML; written last, atomically,
    so a sidecar with a fingerprint means the report it describes is complete."""
    path = html.with_suffix(".json")
    data = {**summary, FINGERPRINT: fingerprint} if fingerprint else summary
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n",
                   encoding="utf-8")
    tmp.replace(path)
    return path


def read_fingerprint(html: Path) -> dict | None:
    """The fingerprint stored beside a report, or None (no report, no sidecar, unreadable)."""
    try:
        data = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    fp = data.get(FINGERPRINT) if isinstance(data, dict) else None
    return fp if isinstance(fp, dict) else None


def build_index(reports_dir: Path, css: str) -> Path:
    """reports/index.html: every report, grouped by plan, newest period first."""
    entries = []
    for side in sorted(reports_dir.rglob("*.json")):
        try:
            s = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(s, dict) or "plan_id" not in s:
            continue
        html = side.with_suffix(".html")
        if html.exists():
            s["href"] = html.relative_to(reports_dir).as_posix()
            xlsx = side.with_suffix(".xlsx")
            s["xlsx"] = xlsx.relative_to(reports_dir).as_posix() if xlsx.exists() else None
            entries.append(s)
    by_plan: dict[str, list[dict]] = {}
    for e in entries:
        by_plan.setdefault(e["plan_id"], []).append(e)
    parts = []
    statuses = group("status")
    for plan_id in sorted(by_plan):
        rows = []
        items = sorted(by_plan[plan_id], key=lambda e: (e["period"], e["kind"], e["unit_id"]), reverse=True)
        for e in items:
            counts = e.get("statuses", {})
            badges = " ".join(f"{status_badge(k)}{int(counts[k])}" for k in statuses if counts.get(k))
            links = f'<a href="{esc(e["href"])}">报告</a>' + (f' · <a href="{esc(e["xlsx"])}">Excel</a>'
                                                              if e.get("xlsx") else "")
            rows.append([esc(e["period"]), esc(KINDS.get(e["kind"], e["kind"])), esc(e["unit_name"]), esc(e["unit_id"]),
                         badges or "—", esc(e.get("overdue_tasks", "—")), links + (" <small>示例数据</small>"
                                                                                   if e.get("sample") else "")])
        title = items[0].get("plan_title", plan_id)
        parts.append(f"<section><h2>{esc(title)}</h2><p class=\"note\">{esc(plan_id)} · {len(items)} 份报告</p>"
                     + table(["评估期", "类型", "单位", "代码", "指标状态", "逾期任务", "文件"], rows, cls="index")
                     + "</section>")
    body = "".join(parts) or '<p class="note">尚未生成任何报告。运行 <code>make report</code> 或 ' \
                             '<code>python -m analysis report quarterly …</code>。</p>'
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1.0"><title>评估报告目录</title><style>{css}</style></head>'
            f'<body><main class="report"><h1>安全生产规划评估报告目录</h1><p class="subtitle">共 {len(entries)} 份报告 · '
            f'更新于 {datetime.now():%Y-%m-%d %H:%M}</p>{body}</main></body></html>\n')
    out = reports_dir / "index.html"
    reports_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
