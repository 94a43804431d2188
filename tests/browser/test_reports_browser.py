"""Reports in real Chromium, offline: charts draw, nothing leaves the machine, no console errors."""

import re
import shutil

import pytest

from analysis.plans.catalog import get_plan
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
    # the matplotlib chart is inline SVG, laid out at a readable size, its labels in a CJK font
    boxes = page.evaluate("""() => [...document.querySelectorAll('.chart-static svg')].map(s => {
        const r = s.getBoundingClientRect(); return [r.width, r.height, s.querySelectorAll('text').length]; })""")
    assert boxes and all(w > 300 and h > 100 and n > 5 for w, h, n in boxes), boxes
    assert page.locator("h1").inner_text().startswith("全福街道")
    assert offline_page.blocked == [], f"requests left the machine: {offline_page.blocked}"
    assert offline_page.errors == [], f"console errors: {offline_page.errors}"
    page.screenshot(path=str(screenshot_dir() / f"quarterly_{PLAN}_{UNIT}_{PERIOD}.png"), full_page=False)


def test_every_report_kind_draws_offline(all_reports, reports_dir, served, browser):
    """Each plan × kind in real Chromium: charts drawn, no request off the machine, no console error."""
    from .conftest import OfflinePage

    shots = screenshot_dir()
    for (plan, kind), path in sorted(all_reports.items()):
        page = OfflinePage(browser, served)
        page.page.goto(f"{served}/{path.relative_to(reports_dir).as_posix()}", wait_until="load")
        if get_plan(plan).indicators:
            page.page.wait_for_selector(".js-plotly-plot g.trace", timeout=20_000)
        else:  # a plan of tasks only (seed 004 篇二) has nothing to chart, and says so
            assert "本规划未设量化指标" in page.page.inner_text("main"), plan
        drawn, total = page.page.evaluate("""() => { const all = [...document.querySelectorAll('.js-plotly-plot')];
            return [all.filter(d => d.querySelector('g.trace path')).length, all.length]; }""")
        assert drawn == total and (total > 0 or not get_plan(plan).indicators), (plan, kind, drawn, total)
        assert page.blocked == [], (plan, kind, page.blocked)
        assert page.errors == [], (plan, kind, page.errors)
        page.page.screenshot(path=str(shots / f"{kind}_{plan}.png"))
        page.close()


def test_quarterly_report_prints(quarterly_report, reports_dir, served, offline_page, tmp_path):
    """Print layout: navigation hidden, charts kept, a multi-page A4 PDF from real Chromium."""
    page = offline_page.page
    page.goto(f"{served}/{quarterly_report.relative_to(reports_dir).as_posix()}", wait_until="load")
    page.wait_for_selector(".js-plotly-plot g.trace", timeout=20_000)
    page.emulate_media(media="print")
    assert page.evaluate("() => getComputedStyle(document.querySelector('nav.toc')).display") == "none"
    assert page.evaluate("() => getComputedStyle(document.querySelector('.js-plotly-plot')).display") != "none"
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = pdf.read_bytes().count(b"/Type /Page") - pdf.read_bytes().count(b"/Type /Pages")
    assert pages >= 5
    shutil.copy(pdf, screenshot_dir() / "quarterly_print.pdf")


@pytest.fixture(scope="module")
def district_report(quarterly_report, warehouse, reports_dir):
    """The district's report of the same plan and quarter beside the street's, and the index."""
    from analysis.publish.pipeline import publish

    return publish(PLAN, "SLQ", PERIOD, reports_dir=reports_dir, db=warehouse)


def test_index_to_a_street_report_up_to_its_district_and_back(district_report, quarterly_report, reports_dir,
                                                              served, offline_page):
    """Three clicks from the index to a street's report; from there up to its district, and back."""
    page = offline_page.page
    page.goto(f"{served}/index.html", wait_until="load")
    page.get_by_role("tab", name=re.compile("全福街道安全生产治本攻坚")).click()
    page.locator('td.unit a[data-unit="SLQ"]').click()                           # 1: the district
    # 2: the street's report of PERIOD (its history lists every report; a later review may be the latest)
    page.locator(f'tr[data-unit="SLQ-QF"] .hist a[href$="SLQ-QF/{PERIOD}.html"]').click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/{PLAN}/SLQ-QF/{PERIOD}.html")
    assert page.locator("h1").inner_text().startswith("全福街道")
    page.get_by_role("link", name=re.compile("上级：示例区")).click()              # up to the district
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/{PLAN}/SLQ/{PERIOD}.html")
    # the district's matrix of subordinate units links down to the street's report
    assert page.locator('#drilldown a[href="../SLQ-QF/2025Q3.html"]').count() == 1
    assert page.locator("a.unpublished", has_text="PDF").count() == 1  # no PDF published: no dead link
    page.get_by_role("link", name="报告目录").click()                              # and back
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/index.html#{PLAN}/SLQ")                          # at the plan and unit left
    assert page.get_by_role("tab", selected=True).inner_text().startswith("全福街道")
    assert page.locator("h2", has_text="示例区").count() == 1
    page.locator(".toolbar input").fill("全福")
    assert page.locator('tr[data-unit="SLQ-QF"]').count() == 1
    assert offline_page.blocked == [] and offline_page.errors == []
    page.screenshot(path=str(screenshot_dir() / "index_search.png"))
