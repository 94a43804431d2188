"""Which ledger rows, and so which delivered files, each unit's report reads.

A report for unit U reads rows of U's subtree (U, its subordinate units and theirs, through
`org_closure`): its measures, its children's scorecards, accidents and economy figures, reporting
timeliness and task status stay inside it — except the task reports of the plan's own unit, which
a unit without reports of its own shows instead, and what the measures take from the whole
warehouse (`measures.coverage_stamp`, part of every fingerprint). So the rows under U in the
ledgers the plan reads, plus the plan unit's task reports, are the report's data inputs. Their digest goes into the report's input fingerprint (a batch
rebuilds a report only when it changed: a street that re-delivers its drills ledger rebuilds its
own report and those above it, not its neighbours'), and the files that delivered them are the
provenance the report's footer lists.

Rows are placed by their own unit_id. A row that refers to an entity of another unit (a drill
whose enterprise is registered elsewhere) is not traced to that unit; the ledgers are checked for
unknown ids at intake, not for such cross-unit references.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import duckdb

from analysis.intake.ledgers import LEDGERS
from analysis.plans.catalog import Catalog
from analysis.plans.needs import REPORT_LEDGERS


@dataclass(frozen=True)
class UnitInputs:
    digest: str
    """Of every row under the unit in the plan's ledgers: content and the file that delivered it."""
    files: tuple[int, ...]
    """`_files.file_id` of the deliveries those rows came from, ascending."""


def plan_ledgers(catalog: Catalog) -> list[str]:
    """The ledger tables a report of this plan reads: REPORT_LEDGERS, each measure's table and
    events ledger, and any ledger its SQL names (`enterprise_id IN (SELECT … FROM enterprises …)`)."""
    used = {*REPORT_LEDGERS, "statistics"}  # the accident section falls back on a unit's published figures
    for m in catalog.measures.values():
        used.add(m.table)
        sql = [m.aggregate, m.filter or ""]
        if m.frequency is not None:
            used.add(m.frequency.events)
            sql += [m.frequency.filter or "", *(r.when for r in m.frequency.rules)]
        words = set(re.findall(r"[A-Za-z_]+", " ".join(sql)))
        used |= words & set(LEDGERS)
    return sorted(used)


def unit_inputs(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> dict[str, UnitInputs]:
    """unit_id -> the inputs of its report, for every unit with rows under it (one scan of the
    plan's ledgers; 0.3 s for a province of 1M rows). Task rows count only for this plan."""
    parts = []
    for ledger in plan_ledgers(catalog):
        where = "WHERE plan_id = $plan" if ledger == "tasks_status" else ""
        parts.append(f"""SELECT '{ledger}' AS ledger, unit_id, count(*) AS n,
                                sum(hash(_row_hash, _file_id)) AS h, list(DISTINCT _file_id) AS files
                         FROM {ledger} {where} GROUP BY unit_id""")
    rows = con.execute(f"""
        WITH per_unit AS ({" UNION ALL ".join(parts)})
        SELECT c.ancestor_id AS unit_id, p.ledger, sum(p.n) AS n, sum(p.h) AS h,
               list_distinct(flatten(list(p.files))) AS files
        FROM per_unit p JOIN org_closure c ON c.descendant_id = p.unit_id
        GROUP BY ALL ORDER BY unit_id, ledger""", {"plan": catalog.plan.id}).fetchall()
    # a unit without task reports of its own shows the plan unit's (tasks.task_table): every
    # report reads those rows too
    n, h, ids = con.execute("""
        SELECT count(*), coalesce(sum(hash(_row_hash, _file_id)), 0), coalesce(list(DISTINCT _file_id), [])
        FROM tasks_status WHERE plan_id = ? AND unit_id = ?""", [catalog.plan.id, catalog.plan.org_unit]).fetchone()
    plan_tasks = (f"plan_tasks:{n}:{h}", set(ids))
    out: dict[str, UnitInputs] = {}
    current, parts_of, files = None, [], set()
    for unit_id, ledger, n, h, ids in [*rows, (None, None, 0, 0, [])]:
        if unit_id != current and current is not None:
            parts_of.append(plan_tasks[0])
            out[current] = UnitInputs(hashlib.sha256("|".join(parts_of).encode()).hexdigest()[:16],
                                      tuple(sorted(files | plan_tasks[1])))
            parts_of, files = [], set()
        current = unit_id
        parts_of.append(f"{ledger}:{n}:{h}")
        files.update(ids)
    return out
