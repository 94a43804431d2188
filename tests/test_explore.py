"""The exploration notebook runs top to bottom through papermill on the test warehouse, so it never rots."""

import pytest

from analysis.config import NOTEBOOKS_DIR
from analysis.publish.pipeline import execute

pytestmark = pytest.mark.slow


def test_explore_notebook_executes(warehouse, tmp_path):
    nb = execute("explore.ipynb", {"db": str(warehouse)}, tmp_path / "explore.ipynb")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    html_tables = [o for o in outputs if "text/html" in o.get("data", {}) and "<table" in o["data"]["text/html"]]
    assert len(html_tables) >= 4  # units, indicators, comparison, industries, SQL
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)
    assert (NOTEBOOKS_DIR / "explore.ipynb").exists()
