"""The report site: each executed notebook hands a small summary back to the publisher (a custom
MIME output, as scrapbook does), the publisher writes it beside the HTML as JSON, and
reports/index.html lists every report from those files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.labels import group
from analysis.plans.periods import Quarter

if TYPE_CHECKING:  # nbformat pulls in jsonschema (0.8 s to import); a report kernel needs only `glue`
    import nbformat

SUMMARY_MIME = "application/vnd.analysis.summary+json"


def report_name(kind: str, period: str) -> str:
    """The file name of a report in its unit's folder: 2025Q3.html, midterm_2023Q4.html."""
    return f"{period}.html" if kind == "quarterly" else f"{kind}_{period}.html"
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


SITE_JS = "site.js"
"""assets/site.js: every published file, for the reports' links (a page shows only live ones)."""
FILES = (("Excel", ".xlsx"), ("Word", ".docx"), ("PDF", ".pdf"))
"""Files published beside a report's HTML, as the index links them."""


def _entries(reports_dir: Path) -> tuple[list[dict], list[str]]:
    """Every published report's sidecar (with the files beside it), and every published file."""
    entries, files = [], []
    for side in sorted(reports_dir.glob("*/*/*.json")):
        try:
            s = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        html = side.with_suffix(".html")
        if not isinstance(s, dict) or "plan_id" not in s or not html.exists():
            continue
        mine = [html] + [side.with_suffix(ext) for _, ext in FILES if side.with_suffix(ext).exists()]
        files += [f.relative_to(reports_dir).as_posix() for f in mine]
        entries.append({**s, "_files": [f.suffix for f in mine[1:]], "_href": html.relative_to(reports_dir).as_posix()})
    return entries, files


def site_data(entries: list[dict]) -> dict:
    """What the index page draws from: per plan its units (name, parent, level) and each unit's
    reports (period, kind, link, status counts, overdue tasks, other files), newest first."""
    statuses = list(group("status"))
    plans: dict[str, dict] = {}
    for e in entries:
        p = plans.setdefault(e["plan_id"], {"id": e["plan_id"], "title": e.get("plan_title", e["plan_id"]),
                                           "units": {}, "reports": {}, "periods": set()})
        p["units"][e["unit_id"]] = [e["unit_name"], e.get("parent_id"), e.get("level") or ""]
        counts = [int(e.get("statuses", {}).get(s, 0)) for s in statuses]
        p["reports"].setdefault(e["unit_id"], []).append(
            [e["period"], e["kind"], e["_href"], counts, e.get("overdue_tasks", 0), e["_files"], bool(e.get("sample"))])
        p["periods"].add(e["period"])
    for p in plans.values():
        for reports in p["reports"].values():
            reports.sort(key=lambda r: (r[0], r[1] != "quarterly"), reverse=True)
        p["periods"] = sorted(p["periods"], reverse=True)
    return {"plans": sorted(plans.values(), key=lambda p: p["title"]), "statuses": statuses,
            "labels": group("status"), "icons": group("status_icon"), "colors": group("status_color"),
            "kinds": KINDS, "quarters": {q: Quarter.parse(q).label for p in plans.values() for q in p["periods"]}}


def build_index(reports_dir: Path, css: str) -> Path:
    """reports/index.html: a page that finds any report by plan → unit hierarchy → period, or by a
    unit's name; each unit with its latest statuses and its status history across quarters. It
    draws only the level being looked at (never one list of every unit), from data in the page,
    with no network. Also writes the site's list of published files (assets/site.js)."""
    from analysis.report.html import page

    entries, files = _entries(reports_dir)
    data = site_data(entries)
    text = page("index.html.j2", css=css, data=data, count=len(entries),
                updated=f"{datetime.now():%Y-%m-%d %H:%M}")
    out = reports_dir / "index.html"
    reports_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    write_manifest(reports_dir, files)
    return out


def write_manifest(reports_dir: Path, files: list[str]) -> Path:
    """assets/site.js: window.ANALYSIS_PUBLISHED = [every published file, relative to the folder]."""
    out = reports_dir / "assets" / SITE_JS
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".js.tmp")
    tmp.write_text("window.ANALYSIS_PUBLISHED = " + json.dumps(sorted(files), ensure_ascii=False) + ";\n",
                   encoding="utf-8")
    tmp.replace(out)
    return out
