"""`plans needs`: the ledgers and columns a catalog's indicators read, found in its SQL pieces."""

import pytest

from analysis.plans.catalog import get_plan, plan_files
from analysis.plans.needs import needs
from analysis.publish.lineage import plan_ledgers


@pytest.mark.parametrize("plan_id", sorted(plan_files()))
def test_needs_are_the_ledgers_a_report_reads(plan_id):
    catalog = get_plan(plan_id)
    found = needs(catalog)
    # every report also reads the task reports and, for the accident section, published figures
    read = set(plan_ledgers(catalog))
    assert set(found) <= read and read - set(found) <= {"tasks_status", "statistics"}
    for n in found.values():
        assert n.columns, n.name
        assert n.indicators or n.report_use, n.name


def test_columns_come_from_every_sql_piece():
    found = needs(get_plan("tianjin_street_2024_2026"))
    # `enterprise_id IN (SELECT enterprise_id FROM enterprises WHERE industry IN … AND established_on …)`
    assert {"industry", "established_on", "closed_on"} <= found["enterprises"].columns
    assert {"role", "enterprise_id", "training_date"} <= found["personnel_training"].columns
    # frequency: events ledger's key, date and filter; the rule's `when` on the table
    assert {"enterprise_id", "activity_date", "kind"} <= found["safety_activities"].columns
    assert "high_risk" in found["enterprises"].columns
    assert {"unit_id", "activity_date", "kind"} <= found["gov_activities"].columns
    assert "存量重大事故隐患整改率（2023年及以前排查发现）" in found["hazards"].indicators
    assert "complaints" not in found and "economy" in found and found["economy"].report_use
