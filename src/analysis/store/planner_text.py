"""Planner-written text kept as data: an edited sentence of the 评估意见, a 情况说明 per indicator, a
进展说明 per task — per plan, unit and period, with the text the planner wrote it against (`basis`:
the drafted sentence, or the indicator's value and status at the time).

Reports render it in place of the draft on every re-run; a data change never touches it. When the
numbers of its basis have changed since, the report flags the sentence (`cites_changed`). The
text comes back from the files planners edit — the Excel scoreboard and the Word file
(`report.scoreboard.read_scoreboard`, `report.docx.read_docx`) — through `ingest`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

from analysis.store.warehouse import fetch_one

TABLE = "planner_text"
IDENTIFIER = "analysis-report:"
"""Prefix of the identifier property of the files planners edit (scoreboard, Word): plan/unit/period."""
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Entry:
    plan_id: str
    unit_id: str
    period: str
    key: str
    """What the text stands for: achievements.* / problems.* / actions.* (a drafted sentence),
    note.<indicator id> (情况说明), progress.<task id> (进展说明)."""
    text: str
    """Empty: the planner cleared it, and the draft shows again."""
    basis: str = ""
    source: str = ""
    """The file it came from."""


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {TABLE} (plan_id VARCHAR, unit_id VARCHAR, period VARCHAR,
        key VARCHAR, text VARCHAR, basis VARCHAR, source VARCHAR, entered_at TIMESTAMP,
        PRIMARY KEY (plan_id, unit_id, period, key))""")


def store(con: duckdb.DuckDBPyConnection, entries: list[Entry]) -> tuple[int, int, int]:
    """Write the entries in one transaction: (new, changed, cleared). An entry whose text equals
    what is stored changes nothing (its basis stays the one it was written against)."""
    ensure_table(con)
    new = changed = cleared = 0
    now = datetime.now().replace(microsecond=0)
    con.execute("BEGIN TRANSACTION")
    try:
        for e in entries:
            have = fetch_one(con, f"SELECT text FROM {TABLE} WHERE plan_id = ? AND unit_id = ? AND period = ? "
                                  "AND key = ?", [e.plan_id, e.unit_id, e.period, e.key])
            text = e.text.strip()
            if not text:
                if have:
                    con.execute(f"DELETE FROM {TABLE} WHERE plan_id = ? AND unit_id = ? AND period = ? AND key = ?",
                                [e.plan_id, e.unit_id, e.period, e.key])
                    cleared += 1
                continue
            if have and have[0] == text:
                continue
            con.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [e.plan_id, e.unit_id, e.period, e.key, text, e.basis, e.source, now])
            new, changed = (new, changed + 1) if have else (new + 1, changed)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return new, changed, cleared


def load(con: duckdb.DuckDBPyConnection, plan_id: str, unit_id: str, period: str) -> dict[str, Entry]:
    """key -> the planner's text for one report (none when the table does not exist yet)."""
    try:
        rows = con.execute(f"SELECT key, text, basis, source FROM {TABLE} WHERE plan_id = ? AND unit_id = ? "
                           "AND period = ? ORDER BY key", [plan_id, unit_id, period]).fetchall()
    except duckdb.CatalogException:
        return {}
    return {k: Entry(plan_id, unit_id, period, k, text, basis or "", source or "") for k, text, basis, source in rows}


def digest(con: duckdb.DuckDBPyConnection, plan_id: str) -> dict[str, str]:
    """unit_id@period -> a digest of its planner text (a batch rebuilds a report whose text changed)."""
    try:
        rows = con.execute(f"SELECT unit_id, period, key, text, basis FROM {TABLE} WHERE plan_id = ? ORDER BY ALL",
                           [plan_id]).fetchall()
    except duckdb.CatalogException:
        return {}
    out: dict[str, hashlib._Hash] = {}
    for unit, period, key, text, basis in rows:
        out.setdefault(f"{unit}@{period}", hashlib.sha256()).update(f"{key}\0{text}\0{basis}\0".encode())
    return {k: h.hexdigest()[:16] for k, h in out.items()}


def numbers(text: str) -> list[str]:
    """The figures a text cites, in order."""
    return NUMBER.findall(text or "")


def cites_changed(entry: Entry, current_basis: str) -> bool:
    """The planner wrote against figures that are no longer the report's."""
    return bool(entry.basis) and numbers(entry.basis) != numbers(current_basis)
