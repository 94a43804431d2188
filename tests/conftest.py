"""Shared fixtures: the sample district generated, ingested into a real DuckDB file and published
once per test session, all under a temporary folder (the repo's data/ and reports/ are untouched)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analysis.config import REFERENCE_DIR
from analysis.publish.pipeline import publish
from analysis.sample.generator import generate_sample
from analysis.store.warehouse import ingest

PLAN = "quanfu_2024_2026"
UNIT = "SLQ-QF"
PERIOD = "2025Q3"


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out)
    return out


@pytest.fixture(scope="session")
def warehouse(sample_dir, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    ingest([sample_dir, REFERENCE_DIR], db=db)
    return db


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def quarterly_report(warehouse, reports_dir) -> Path:
    return publish(PLAN, UNIT, PERIOD, reports_dir=reports_dir, db=warehouse)


KINDS = ("quarterly", "midterm", "final")


@pytest.fixture(scope="session")
def all_reports(warehouse, reports_dir) -> dict[tuple[str, str], Path]:
    """Every plan catalog × report kind, published once (quarterlies for PERIOD)."""
    from analysis.plans.catalog import plan_files

    return {(plan, kind): publish(plan, None, PERIOD if kind == "quarterly" else None, kind,
                                  reports_dir=reports_dir, db=warehouse)
            for plan in plan_files() for kind in KINDS}


def redelivered_drills(sample_dir: Path, folder: Path) -> Path:
    """SLQ-QF's drills ledger delivered again with one more participant in its first drill (the
    rows' file and digest change, one value with them), written into `folder`."""
    changed = folder / "drills__SLQ-QF.csv"
    lines = (sample_dir / changed.name).read_text(encoding="utf-8-sig").splitlines()
    first = lines[1].split(",")
    first[-1] = str(int(first[-1]) + 1)
    changed.write_text("\ufeff" + "\r\n".join([lines[0], ",".join(first), *lines[2:]]) + "\r\n", encoding="utf-8")
    return changed


def site_data(reports_dir) -> dict:
    """The data the index page draws from."""
    index = (reports_dir / "index.html").read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="site-data">(.*?)</script>', index, re.DOTALL).group(1))
