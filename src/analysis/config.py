"""Every path the product uses, anchored on the repository, never on the working directory."""

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

SAMPLE_SEED = 20240328
"""Seed of the fictional sample district (the date seed 000 was issued)."""
SAMPLE_MARK = "示例数据"
"""org_units.kind of the sample district's root unit: reports made from it say 示例数据 on every page."""
