"""Reports in real Chromium, offline: charts draw, nothing leaves the machine, no console errors."""

import shutil

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
        page.page.wait_for_selector(".js-plotly-plot g.trace", timeout=20_000)
        drawn, total = page.page.evaluate("""() => { const all = [...document.querySelectorAll('.js-plotly-plot')];
            return [all.filter(d => d.querySelector('g.trace path')).length, all.length]; }""")
        assert total > 0 and drawn == total, (plan, kind, drawn, total)
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
