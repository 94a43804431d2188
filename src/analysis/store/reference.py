"""Published national figures (NBS communiqués, Ministry of Emergency Management releases) as a
reference series: loaded into the warehouse with their sources, and the national rates derived
from them so reports can set a unit's rates beside the country's."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analysis.config import REFERENCE_DIR
from analysis.errors import LedgerError

REFERENCE_FILE = REFERENCE_DIR / "china_national_safety.csv"
COLUMNS = ["year", "indicator", "value", "unit", "source", "note"]
NATIONAL = "CN"
"""Unit id of the reference series (全国); it is not part of any org tree."""


def load_reference(path: Path = REFERENCE_FILE) -> pd.DataFrame:
    """The reference CSV, checked: every figure needs a year, a number and a named source."""
    try:
        df = pd.read_csv(path, dtype={"note": str}, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as e:
        raise LedgerError(f"{path}: 无法读取参考数据 / cannot read reference figures: {e}") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise LedgerError(f"{path}: 缺少列 / missing columns {missing}")
    for i, r in df.iterrows():
        if not str(r["source"]).strip():
            raise LedgerError(f"{path}: 第{i + 2}行 source: 每个数字都须注明来源 / every figure needs its source")
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype(int)
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    return df[COLUMNS].sort_values(["indicator", "year"]).reset_index(drop=True)


def store(con: duckdb.DuckDBPyConnection, ref: pd.DataFrame) -> int:
    """Replace the warehouse's reference_series table (unit CN, source and note kept)."""
    con.register("_ref", ref.assign(unit_id=NATIONAL))
    con.execute("CREATE OR REPLACE TABLE reference_series AS SELECT unit_id, year, indicator, value, unit, source, "
                "note FROM _ref ORDER BY indicator, year")
    con.unregister("_ref")
    return len(ref)


def national_rates(ref: pd.DataFrame) -> pd.DataFrame:
    """Per year: deaths, GDP (亿元), deaths per 亿元 GDP (derived) and the two rates published as such."""
    wide = ref.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    out = pd.DataFrame(index=wide.index)
    out["deaths"] = wide.get("production_safety_deaths")
    out["gdp"] = wide.get("gdp")
    out["deaths_per_gdp"] = out["deaths"] / out["gdp"]
    out["deaths_per_100k_workers"] = wide.get("industry_mining_commerce_deaths_per_100k_workers")
    out["deaths_per_10k_vehicles"] = wide.get("road_deaths_per_10k_vehicles")
    notes = ref[ref["indicator"] == "production_safety_deaths"].set_index("year")["note"]
    out["deaths_note"] = notes.reindex(out.index).fillna("")
    return out


def stored_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """National rates from the warehouse, or None when the reference series was never loaded."""
    try:
        ref = con.execute(f"SELECT {', '.join(COLUMNS)} FROM reference_series").fetchdf()
    except duckdb.CatalogException:
        return None
    return national_rates(ref) if len(ref) else None
