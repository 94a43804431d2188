"""Every path the product uses, anchored on the repository, never on the working directory —
unless a planner's workspace is in use (`analysis init DIR`): then the plans, raw deliveries,
warehouse and reports live in that folder (`use_workspace`)."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parents[1]

PARAMS_DIR = ROOT / "params"
PLANS_DIR = PARAMS_DIR / "plans"
RUNS_DIR = PARAMS_DIR / "runs"

DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
SAMPLE_DIR = DATA_DIR / "sample"
REFERENCE_DIR = DATA_DIR / "reference"
WAREHOUSE = DATA_DIR / "warehouse.duckdb"

NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_DIR = ROOT / "reports"
ASSETS_DIRNAME = "assets"

LABELS_DIR = PACKAGE_DIR / "labels"
TEMPLATES_DIR = PACKAGE_DIR / "report" / "templates"

WORKSPACE_FILE = "workspace.yaml"
"""Marks a planner's workspace folder (written by `analysis init`)."""
WORKSPACE: Path | None = None
"""The workspace in use, if any: ANALYSIS_WORKSPACE, `--workspace`, or the working directory
(or one above it) holding a workspace.yaml."""


def find_workspace(start: Path | None = None) -> Path | None:
    """ANALYSIS_WORKSPACE, else the nearest folder from `start` (the working directory) upwards
    that holds a workspace.yaml."""
    env = os.environ.get("ANALYSIS_WORKSPACE")
    if env:
        return Path(env).resolve()
    try:
        here = (start or Path.cwd()).resolve()
    except OSError:  # the working directory was removed
        return None
    for d in (here, *here.parents):
        if (d / WORKSPACE_FILE).is_file():
            return d
    return None


def use_workspace(folder: Path) -> Path:
    """Point every path at a workspace: plans/, raw/, data/warehouse.duckdb, reports/. The
    environment carries it to report kernels and batch workers (ANALYSIS_WORKSPACE,
    ANALYSIS_PLANS_DIR)."""
    global WORKSPACE, PLANS_DIR, DATA_DIR, RAW_DIR, WAREHOUSE, REPORTS_DIR
    WORKSPACE = Path(folder).resolve()
    PLANS_DIR = WORKSPACE / "plans"
    DATA_DIR = WORKSPACE
    RAW_DIR = WORKSPACE / "raw"
    WAREHOUSE = WORKSPACE / "data" / "warehouse.duckdb"
    REPORTS_DIR = WORKSPACE / "reports"
    os.environ["ANALYSIS_WORKSPACE"] = str(WORKSPACE)
    os.environ["ANALYSIS_PLANS_DIR"] = str(PLANS_DIR)
    return WORKSPACE


SAMPLE_SEED = 20240328
"""Seed of the fictional sample district (the date seed 000 was issued)."""
SAMPLE_MARK = "示例数据"
"""org_units.kind of the sample district's root unit: reports made from it say 示例数据 on every page."""


_found = find_workspace()
if _found is not None:
    use_workspace(_found)
