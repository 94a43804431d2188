"""The report site: each executed notebook hands a small summary back to the publisher (a custom
MIME output, as scrapbook does), the publisher writes it beside the HTML as JSON, and
reports/index.html lists every report from those files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.labels import group

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


FILES = (("Excel", ".xlsx"), ("Word", ".docx"), ("PDF", ".pdf"))
"""Files published beside a report's HTML, as the index links them."""


def build_index(reports_dir: Path, css: str) -> Path:
    """reports/index.html: every report, grouped by plan, newest period first."""
    from analysis.plans.periods import Quarter
    from analysis.report.html import page

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
            statuses = group("status")
            counts = s.get("statuses", {})
            entries.append({**s, "href": html.relative_to(reports_dir).as_posix(),
                            "files": [(label, side.with_suffix(ext).relative_to(reports_dir).as_posix())
                                      for label, ext in FILES if side.with_suffix(ext).exists()],
                            "counts": [(k, int(counts[k])) for k in statuses if counts.get(k)],
                            "period_label": Quarter.parse(s["period"]).label, "kind_label": KINDS.get(s["kind"], ""),
                            "overdue_tasks": s.get("overdue_tasks", "—")})
    by_plan: dict[str, list[dict]] = {}
    for e in entries:
        by_plan.setdefault(e["plan_id"], []).append(e)
    plans = []
    for plan_id in sorted(by_plan):
        items = sorted(by_plan[plan_id], key=lambda e: (e["period"], e["kind"], e["unit_id"]), reverse=True)
        plans.append({"title": items[0].get("plan_title", plan_id), "reports": items})
    text = page("index.html.j2", css=css, plans=plans, count=len(entries), updated=f"{datetime.now():%Y-%m-%d %H:%M}",
                statuses=group("status"), icons=group("status_icon"), colors=group("status_color"))
    out = reports_dir / "index.html"
    reports_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out
