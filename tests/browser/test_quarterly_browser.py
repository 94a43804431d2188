"""The quarterly report in real Chromium, offline: charts draw, nothing leaves the machine."""

import pytest

from tests.conftest import PERIOD, PLAN, UNIT

from .conftest import screenshot_dir

pytestmark = pytest.mark.browser


def test_quarterly_report_renders_offline(quarterly_report, reports_dir, served, offline_page):
    rel = quarterly_report.relative_to(reports_dir).as_posix()
    page = offline_page.page
    page.goto(f"{served}/{rel}", wait_until="load")
    # every plotly chart container gets an SVG once plotly.js (from reports/assets) has drawn it
    containers = page.locator(".js-plotly-plot")
    assert containers.count() >= 1
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    drawn = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(d => d.querySelector('g.trace path')).length""")
    assert drawn == containers.count()
    # the matplotlib chart is an inline PNG that decoded
    ok = page.evaluate("""() => [...document.querySelectorAll('img.chart-static')]
        .every(i => i.complete && i.naturalWidth > 100)""")
    assert ok
    assert page.locator("h1").inner_text().startswith("全福街道")
    assert offline_page.blocked == [], f"requests left the machine: {offline_page.blocked}"
    assert offline_page.errors == [], f"console errors: {offline_page.errors}"
    page.screenshot(path=str(screenshot_dir() / f"quarterly_{PLAN}_{UNIT}_{PERIOD}.png"), full_page=False)
