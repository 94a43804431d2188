"""Helpers for planners' own questions in Jupyter (notebooks/explore.ipynb): the warehouse as
DataFrames, indicators for any unit and quarter, slicing by level, industry and period, a chart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px

from analysis.config import WAREHOUSE
from analysis.method.progress import indicator_frame
from analysis.plans.catalog import get_plan, plan_files
from analysis.report.context import measure_values
from analysis.store.warehouse import connect


def sql(query: str, params: list | None = None, db: Path = WAREHOUSE) -> pd.DataFrame:
    """Any read-only SQL over the warehouse; ledger tables are named as in docs/data-dictionary.md."""
    with connect(db, read_only=True) as con:
        return con.execute(query, params or []).fetchdf()


def units(level: str | None = None, under: str | None = None, db: Path = WAREHOUSE) -> pd.DataFrame:
    """Org units, optionally one level (街道/镇/社区/村…) and only those under a unit."""
    q = "SELECT o.* FROM org_units o"
    params: list = []
    where = []
    if under:
        q += " JOIN org_closure c ON c.descendant_id = o.unit_id"
        where.append("c.ancestor_id = ?")
        params.append(under)
    if level:
        where.append("o.level = ?")
        params.append(level)
    if where:
        q += " WHERE " + " AND ".join(where)
    return sql(q + " ORDER BY o.unit_id", params, db)


def plans() -> list[str]:
    return list(plan_files())


def indicators(plan: str, db: Path = WAREHOUSE) -> pd.DataFrame:
    """All indicators of a plan for every unit and quarter, with names, units and unit names."""
    catalog = get_plan(plan)
    with connect(db, read_only=True) as con:
        values = measure_values(con, catalog)
        names = con.execute("SELECT unit_id, name AS unit_name, level FROM org_units").fetchdf()
    frame = indicator_frame(catalog, values)
    meta = pd.DataFrame([{"indicator_id": i.id, "indicator": i.name, "unit": i.unit, "action": i.action}
                         for i in catalog.indicators])
    return frame.merge(meta, on="indicator_id").merge(names, on="unit_id")


def enterprises_by(column: str, unit: str | None = None, db: Path = WAREHOUSE) -> pd.DataFrame:
    """Active enterprises counted by a column of the enterprises ledger (e.g. industry), under a unit."""
    from analysis.intake.ledgers import LEDGERS

    if column not in {c.name for c in LEDGERS["enterprises"].columns}:
        raise ValueError(f"not an enterprises column: {column}")
    q = f"""SELECT e.{column}, count(*) AS enterprises, sum(employees) AS employees
            FROM enterprises e JOIN org_closure c ON c.descendant_id = e.unit_id
            WHERE e.closed_on IS NULL AND c.ancestor_id = ? GROUP BY 1 ORDER BY 2 DESC"""
    return sql(q, [unit or units(level="区县", db=db)["unit_id"].iloc[0]], db)


def line(frame: pd.DataFrame, indicator_id: str, unit_ids: list[str]):
    """A plotly line chart of one indicator for several units over the quarters."""
    d = frame[(frame["indicator_id"] == indicator_id) & frame["unit_id"].isin(unit_ids)].sort_values("period")
    title = d["indicator"].iloc[0] if len(d) else indicator_id
    return px.line(d, x="period", y="value", color="unit_name", markers=True, title=title,
                   labels={"period": "季度", "value": d["unit"].iloc[0] if len(d) else "", "unit_name": "单位"})
