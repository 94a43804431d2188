"""What a plan reads: the ledgers and columns its measures use, and whether a warehouse holds the
minimum a report of the plan needs (`plans needs`, `templates --plan`, `analysis init`, and the
check `report` runs before it starts).

Columns are found in the measures' SQL pieces (aggregate, filter, date, frequency key, date,
filter and rules) as identifiers that are columns of the measure's table, of its events ledger or
of a ledger the SQL names (`enterprise_id IN (SELECT … FROM enterprises WHERE …)`). Every report
also reads REPORT_LEDGERS whatever its plan."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import duckdb

from analysis.intake.ledgers import FREQUENCIES, LEDGERS
from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter

REPORT_LEDGERS = ("org_units", "accidents", "economy", "tasks_status")
"""Read by every report whatever its plan: unit names, the accident section and the rates'
denominators, reporting timeliness, the task table."""

REPORT_USES = {
    "org_units": ("汇总沿组织树进行；报告中的单位名称", ("unit_id", "name", "parent_id", "level")),
    "accidents": ("报告的事故情况部分（起数、死亡、受伤、同比）",
                  ("unit_id", "occurred_on", "domain", "deaths", "injuries", "direct_loss", "severity")),
    "economy": ("亿元GDP、十万人、万车死亡率的分母；数据质量部分的报送率",
                ("unit_id", "quarter_end", "gdp", "industry_workers", "motor_vehicles", "population")),
    "tasks_status": ("重点任务进展表（逾期、完成情况）",
                     ("plan_id", "task_id", "unit_id", "reported_on", "progress", "completed_on")),
}
"""Why every report reads these ledgers, and the columns it reads from them."""

ESSENTIAL = ("enterprises",)
"""Registers without which a plan that reads them has next to nothing to report (the 生产经营单位名册
is the denominator of most rates): a report is refused while they are empty. Other missing ledgers
are gaps: their indicators say 数据不足."""

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@dataclass
class LedgerNeed:
    name: str
    columns: set[str] = field(default_factory=set)
    indicators: list[str] = field(default_factory=list)
    """Names of the indicators whose measures read the ledger."""
    report_use: str = ""
    """Why every report reads it (REPORT_USES), if it does."""

    @property
    def title(self) -> str:
        return LEDGERS[self.name].title

    def ordered_columns(self) -> list[str]:
        """The ledger's columns the plan reads, in the ledger's column order."""
        return [c.name for c in LEDGERS[self.name].columns if c.name in self.columns]


def _words(*sql: str | None) -> set[str]:
    return set(_WORD.findall(" ".join(s for s in sql if s)))


def needs(catalog: Catalog, with_report: bool = True) -> dict[str, LedgerNeed]:
    """Ledger name -> what the plan reads of it, in the ledgers' declaration order."""
    found: dict[str, LedgerNeed] = {}

    def need(name: str) -> LedgerNeed:
        return found.setdefault(name, LedgerNeed(name))

    readers: dict[str, list[str]] = {}
    for ind in catalog.indicators:
        for mid in (ind.numerator, ind.denominator):
            if mid:
                readers.setdefault(mid, []).append(ind.name)
    for mid, m in catalog.measures.items():
        table_sql = _words(m.aggregate, m.filter, m.date)
        tables = {m.table} | (table_sql & set(LEDGERS))
        event_sql: set[str] = set()
        if m.frequency is not None:
            f = m.frequency
            table_sql |= _words(f.key, *(r.when for r in f.rules))
            event_sql = _words(f.key, f.date, f.filter)
            tables |= event_sql & set(LEDGERS)
        for name in tables:
            n = need(name)
            cols = {c.name for c in LEDGERS[name].columns}
            n.columns |= table_sql & cols
            if name == m.table and "unit_id" in cols:
                n.columns.add("unit_id")
            for ind in readers.get(mid, []):
                if ind not in n.indicators:
                    n.indicators.append(ind)
        if m.frequency is not None:
            ev = need(m.frequency.events)
            ev.columns |= event_sql & {c.name for c in LEDGERS[ev.name].columns}
            for ind in readers.get(mid, []):
                if ind not in ev.indicators:
                    ev.indicators.append(ind)
    if with_report:
        for name, (why, cols) in REPORT_USES.items():
            if name == "tasks_status" and not catalog.tasks:
                continue
            n = need(name)
            n.report_use = why
            n.columns |= set(cols)
    return {name: found[name] for name in LEDGERS if name in found}


@dataclass(frozen=True)
class Missing:
    """What a report of the plan lacks, in the planner's words."""

    blocking: list[str]
    """Without these there is nothing to report: the report is refused."""
    gaps: list[str]
    """The report can be made, but these indicators or sections will say 数据不足."""


def _delivered(con: duckdb.DuckDBPyConnection, ledger: str) -> bool:
    rows = con.execute(f"SELECT count(*) FROM {ledger}").fetchone()[0]
    if rows:
        return True
    return bool(con.execute("SELECT count(*) FROM _files WHERE ledger = ?", [ledger]).fetchone()[0])


def _delivery_period(ledger: str, q: Quarter) -> tuple[date, date, str]:
    """The last delivery period of a periodic ledger that ends with or before quarter q."""
    span = FREQUENCIES[LEDGERS[ledger].frequency]
    last = q
    while last.q % span != 0:
        last = last.shift(-1)
    first = last.shift(1 - span)
    if span == 1:
        label = last.label
    elif span == 2:
        label = f"{last.year}年{'上' if last.q == 2 else '下'}半年"
    else:
        label = f"{last.year}年"
    return first.start, last.end, label


def missing(con: duckdb.DuckDBPyConnection, catalog: Catalog, period: str | None,
            unit_id: str | None = None) -> Missing:
    """Check the warehouse for what a report of the plan (for `unit_id`, default the plan's
    unit, at quarter `period`) needs. Blocking: the unit is not in the org tree, an ESSENTIAL
    register the indicators read is empty, or no dated ledger of the plan holds a row up to the
    period. Gaps: a ledger never delivered, a periodic ledger with no row in its last
    delivery period."""
    blocking: list[str] = []
    gaps: list[str] = []
    plan = catalog.plan
    unit = unit_id or plan.org_unit
    wanted = needs(catalog)
    q = Quarter.parse(period) if period else None
    if con.execute("SELECT count(*) FROM org_units WHERE unit_id = ?", [unit]).fetchone()[0] == 0:
        n_units = con.execute("SELECT count(*) FROM org_units").fetchone()[0]
        if n_units == 0:
            blocking.append("组织机构台账（org_units）尚未导入：请先导入本单位及下属单位的组织机构台账"
                            "（模板 templates/org_units.xlsx）")
        else:
            blocking.append(f"组织机构台账中没有单位代码 {unit}"
                            + (f"（规划目录中的 plan.org_unit，{plan.org_unit_name}）" if unit == plan.org_unit else "")
                            + "：请核对规划目录的 org_unit 与组织机构台账的“单位代码”是否一致")
    dated_rows = 0
    for name, n in wanted.items():
        ledger = LEDGERS[name]
        if name == "org_units":
            continue
        uses = "、".join(n.indicators[:3]) + (f"等 {len(n.indicators)} 项指标" if len(n.indicators) > 3 else "")
        why = f"本规划的指标 {uses} 读取此台账" if n.indicators else (n.report_use or "")
        if not _delivered(con, name):
            line = f"{ledger.title}（{name}）：尚未导入任何数据（模板 templates/{name}.xlsx）；{why}"
            (blocking if name in ESSENTIAL and n.indicators else gaps).append(line)
            continue
        if ledger.date_column is None or q is None:
            continue
        col = ledger.date_column
        dated_rows += con.execute(f"SELECT count(*) FROM {name} WHERE {col} <= ?", [q.end]).fetchone()[0]
        if ledger.frequency:
            start, end, label = _delivery_period(name, q)
            if end < plan.period.start:
                continue
            got = con.execute(f"SELECT count(*) FROM {name} WHERE {col} BETWEEN ? AND ?", [start, end]).fetchone()[0]
            if got == 0:
                gaps.append(f"{ledger.title}（{name}）：{label}没有任何记录（未报送？可用 analysis collect --period {q} 催报）；{why}")
    if q is not None and dated_rows == 0 and not blocking:
        blocking.append(f"截至{q.label}，本规划读取的台账中还没有任何一条带日期的记录（培训、隐患、演练、事故……）："
                        f"请先导入{q.label}及以前的台账")
    return Missing(blocking, gaps)
