"""What changed since the last quarter's published report, and what became of its proposals.

Each report writes what it published into its sidecar (`published`): every indicator's value as
shown and its status, every task's state, the drafted proposals (下步建议) with who leads them, and
the files it was computed from. The next quarter's report reads that sidecar — what was actually
published, not a recomputation — and says which statuses changed (新增滞后 / 转为达标), which
values moved, which tasks became overdue or done, which of last quarter's figures the data now
gives differently (restatements, with the files delivered since), and what happened to each
proposal (the 落实情况 checklist)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from analysis.intake.ledgers import LEDGERS
from analysis.method.progress import SEVERITY
from analysis.plans.periods import Quarter
from analysis.report.format import fmt_value, nan

PUBLISHED = "published"
"""Sidecar key of what a report published."""


def published(rows: list[dict], tasks, draft, unit_name: str, ranking=None) -> dict:
    """What this report shows that the next one compares against; `rows`: the scorecard, one
    dict per indicator (`ReportContext.indicator_rows`)."""
    indicators = {a["indicator_id"]: {"name": a["name"], "status": a["status"],
                                      "value": None if nan(a["value"]) else float(a["value"]),
                                      "text": fmt_value(a["value"], a["decimals"], a["unit"])}
                  for a in rows}
    states = {} if tasks.empty else {r.task_id: {"state": r.state, "text": r.text[:60], "lead": r.lead}
                                     for r in tasks.itertuples()}
    leads = {a["indicator_id"]: a["responsible"] for a in rows}
    actions = [{"key": k, "text": s, "subject": k.removeprefix("actions."),
                "lead": leads.get(k.removeprefix("actions."), unit_name)} for k, s in draft.actions]
    scores = {} if ranking is None or ranking.empty else {
        r.unit_name: round(float(r.score), 1) for r in ranking.itertuples() if not nan(r.score)}
    return {"indicators": indicators, "tasks": states, "actions": actions, "scores": scores}


def previous_sidecar(reports_dir: str | Path | None, plan_id: str, unit_id: str, q: Quarter) -> dict | None:
    """The previous quarter's published report of the same plan and unit, if there is one."""
    if not reports_dir:
        return None
    path = Path(reports_dir) / plan_id / unit_id / f"{q.shift(-1)}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and PUBLISHED in data else None


def files_since(con: duckdb.DuckDBPyConnection, unit_id: str, before: dict | None) -> list[str]:
    """Ledger files holding rows of the unit or of units below it that the previous report (its
    sidecar `before`) was not computed from: what can have changed its figures."""
    if not before:
        return []
    known = {f["sha256"] for f in before.get("inputs", [])}
    ids: set[int] = set()
    for ledger in LEDGERS.values():
        if "unit_id" not in {c.name for c in ledger.columns}:
            continue
        ids |= {r[0] for r in con.execute(f"""
            SELECT DISTINCT t._file_id FROM {ledger.name} t JOIN org_closure c ON c.descendant_id = t.unit_id
            WHERE c.ancestor_id = ?""", [unit_id]).fetchall()}
    if not ids:
        return []
    rows = con.execute("SELECT DISTINCT name, sha256 FROM _files WHERE file_id IN (SELECT unnest(?)) ORDER BY name",
                       [sorted(ids)]).fetchall()
    return sorted({name for name, sha in rows if sha not in known})


def compare(ctx, before: dict) -> dict:
    """The differences between the last published report (`before`: its sidecar) and this one."""
    was = before[PUBLISHED]
    prev_q = Quarter.parse(before["period"])
    card = ctx.indicator_rows
    worse, better, moved, restated = [], [], [], []
    for iid, then in was["indicators"].items():
        now = card.get(iid)
        if now is None:
            continue
        text = fmt_value(now["value"], now["decimals"], now["unit"])
        old, new = SEVERITY.get(then["status"]), SEVERITY.get(now["status"])
        if old is not None and new is not None and new > old and now["status"] != "achieved":
            worse.append((now, then))
        elif now["status"] == "achieved" and then["status"] != "achieved":
            better.append((now, then))
        if text != then["text"]:
            moved.append((now, then["text"], text))
        series = ctx.indicator_series(iid)
        again = series["value"].get(str(prev_q)) if str(prev_q) in series.index else None
        again_text = fmt_value(again, now["decimals"], now["unit"])
        if again_text != then["text"] and not (again_text == "—" and then["text"] == "—"):
            restated.append((now, then["text"], again_text))
    tasks = {} if ctx.tasks.empty else {r["task_id"]: r for r in ctx.tasks.to_dict("records")}
    overdue = [r for tid, r in tasks.items() if r["state"] == "overdue"
               and was["tasks"].get(tid, {}).get("state") != "overdue"]
    done = [r for tid, r in tasks.items() if r["state"] in ("done_on_time", "done_late")
            and was["tasks"].get(tid, {}).get("state") not in ("done_on_time", "done_late")]
    return {"period": prev_q, "worse": worse, "better": better, "moved": moved, "restated": restated,
            "overdue": overdue, "done": done}


def follow_up(ctx, before: dict) -> list[dict]:
    """Last quarter's proposals with what has happened since to their subject."""
    card = ctx.indicator_rows
    was = before[PUBLISHED]
    out = []
    for action in was["actions"]:
        subject = action["subject"]
        then = was["indicators"].get(subject)
        now = card.get(subject)
        if then and now:
            text = fmt_value(now["value"], now["decimals"], now["unit"])
            old, new = SEVERITY.get(then["status"], 9), SEVERITY.get(now["status"], 9)
            verdict = ("已达标" if now["status"] == "achieved" else "有进展" if _closer(now, then)
                       else "状态好转" if new < old else "倒退" if new > old or _further(now, then) else "无明显进展")
            out.append({**action, "then": f"{then['text']}（{_status(then['status'])}）",
                        "now": f"{text}（{_status(now['status'])}）", "verdict": verdict})
        elif subject == "tasks":
            n_then = sum(1 for t in was["tasks"].values() if t["state"] == "overdue")
            n_now = 0 if ctx.tasks.empty else int((ctx.tasks["state"] == "overdue").sum())
            verdict = "已全部完成" if n_now == 0 else "有进展" if n_now < n_then else "无明显进展" if n_now == n_then else "增加"
            out.append({**action, "then": f"逾期任务{n_then}项", "now": f"逾期任务{n_now}项", "verdict": verdict})
        elif subject == "units" and was.get("scores"):
            now_scores = {} if ctx.ranking.empty else {r.unit_name: r.score for r in ctx.ranking.itertuples()}
            named = [n for n in was["scores"] if n in action["text"]]
            then = "、".join(f"{n}{was['scores'][n]:.0f}分" for n in named)
            now = "、".join(f"{n}{now_scores[n]:.0f}分" for n in named if n in now_scores and not nan(now_scores[n]))
            gains = [now_scores.get(n, 0) - was["scores"][n] for n in named if n in now_scores]
            verdict = "有进展" if gains and all(g > 0 for g in gains) else "部分进展" if any(g > 0 for g in gains) \
                else "无明显进展"
            out.append({**action, "then": then or "—", "now": now or "—", "verdict": verdict})
        else:
            out.append({**action, "then": "—", "now": "—", "verdict": "请在情况说明中填写"})
    return out


def _status(s: str) -> str:
    from analysis.labels import group

    return group("status")[s]


def _gap(a: dict, value) -> float | None:
    if value is None or nan(value) or a["target"] is None or nan(a["target"]):
        return None
    return abs(a["target"] - value)


def _closer(now: dict, then: dict) -> bool:
    g0, g1 = _gap(now, then["value"]), _gap(now, now["value"])
    return g0 is not None and g1 is not None and g1 < g0 - 1e-9


def _further(now: dict, then: dict) -> bool:
    g0, g1 = _gap(now, then["value"]), _gap(now, now["value"])
    return g0 is not None and g1 is not None and g1 > g0 + 1e-9
