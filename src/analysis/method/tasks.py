"""Dated plan tasks against the units' latest progress reports: what is done, late or overdue."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter

STATE_ORDER = ("overdue", "no_report", "not_started", "in_progress", "done_late", "done_on_time")
"""Overdue first: the order the task table is sorted in."""


def latest_reports(con: duckdb.DuckDBPyConnection, plan_id: str, unit_id: str, q: Quarter) -> pd.DataFrame:
    """Each of the plan's tasks' most recent report by the unit on or before the quarter end."""
    return con.execute("""
        SELECT task_id, progress, completed_on, note, reported_on FROM tasks_status
        WHERE plan_id = ? AND unit_id = ? AND reported_on <= ?
        QUALIFY row_number() OVER (PARTITION BY task_id ORDER BY reported_on DESC) = 1""",
                       [plan_id, unit_id, q.end]).fetchdf()


def task_table(con: duckdb.DuckDBPyConnection, catalog: Catalog, unit_id: str, q: Quarter) -> pd.DataFrame:
    """One row per catalog task with its state at the quarter end; overdue first, then by deadline.

    Tasks are reported by the plan's own unit; a report for another unit falls back to those."""
    reports = latest_reports(con, catalog.plan.id, unit_id, q)
    if reports.empty and unit_id != catalog.plan.org_unit:
        reports = latest_reports(con, catalog.plan.id, catalog.plan.org_unit, q)
    by_id = reports.set_index("task_id").to_dict("index") if not reports.empty else {}
    rows = []
    for number, t in enumerate(catalog.tasks, start=1):
        r = by_id.get(t.id)
        completed = pd.Timestamp(r["completed_on"]).date() if r and pd.notna(r["completed_on"]) else None
        if r is None:
            state = "overdue" if t.deadline < q.end else "no_report"
        elif r["progress"] == "已完成" and completed is not None:
            state = "done_on_time" if completed <= t.deadline else "done_late"
        elif t.deadline < q.end and t.kind == "milestone":
            state = "overdue"
        else:
            state = "in_progress" if r["progress"] == "推进中" else "not_started"
            if t.deadline < q.end and state == "not_started":
                state = "overdue"
        rows.append({
            "task_id": t.id, "number": number, "undated": t.undated, "action": t.action, "text": t.text, "responsible": "、".join(t.responsible),
            "lead": t.responsible[0], "deadline": t.deadline, "kind": t.kind, "state": state,
            "completed_on": completed, "note": r["note"] if r and isinstance(r.get("note"), str) else None,  # NULL comes back as NaN
            "days_overdue": (q.end - t.deadline).days if state == "overdue" else 0,
            "source": t.source,
        })
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["_order"] = df["state"].map({s: i for i, s in enumerate(STATE_ORDER)})
    return df.sort_values(["_order", "deadline", "task_id"]).drop(columns="_order").reset_index(drop=True)
