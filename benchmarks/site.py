"""Report index benchmark (not a test): a province-sized site — 1 province, 16 cities, 128 districts,
1,792 streets (1,937 units) × 6 quarters of one plan, 11,622 reports — indexed by
`report.site.build_index`, then loaded in Debian's Chromium.

    .venv/bin/python benchmarks/site.py [--quarters 6] [--runs 5]

The reports are stand-ins (a one-line page and the sidecar JSON a real report writes beside it):
the index reads only the sidecars. Printed: the time to build the index and its size; in Chromium
(headless, a fresh page each run, median of --runs): the time to load the page (navigation start to
`load`), until the script has drawn the first view, to open a city (its districts drawn), and to
filter by a name typed in the search box."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from analysis.labels import group
from analysis.plans.periods import Quarter
from analysis.publish.pipeline import report_css
from analysis.report.site import build_index

PLAN = "province_plan"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def tree() -> list[tuple[str, str, str | None, str]]:
    """(unit id, name, parent id, level) of a province."""
    units = [("P", "示例省", None, "省")]
    for c in range(16):
        city = f"P-{c:02d}"
        units.append((city, f"第{c + 1}市", "P", "市"))
        for d in range(8):
            district = f"{city}-{d:02d}"
            units.append((district, f"第{c + 1}市第{d + 1}区", city, "区县"))
            for s in range(14):
                units.append((f"{district}-{s:02d}", f"第{c + 1}市第{d + 1}区第{s + 1}街道", district, "街道"))
    return units


def write_site(root: Path, quarters: int) -> int:
    statuses = list(group("status"))
    n = 0
    for uid, name, parent, level in tree():
        folder = root / PLAN / uid
        folder.mkdir(parents=True)
        for k in range(quarters):
            q = str(Quarter(2024, 1).shift(k))
            counts = {s: (hash((uid, q, s)) % 6) for s in statuses[:5]}
            side = {"kind": "quarterly", "plan_id": PLAN, "plan_title": "示例省安全生产治本攻坚三年行动", "unit_id": uid,
                    "unit_name": name, "parent_id": parent, "level": level, "period": q, "sample": True,
                    "statuses": counts, "overdue_tasks": hash((uid, q)) % 4}
            (folder / f"{q}.json").write_text(json.dumps(side, ensure_ascii=False), encoding="utf-8")
            (folder / f"{q}.html").write_text(f"<!DOCTYPE html><title>{name}</title>", encoding="utf-8")
            n += 1
    return n


def browse(index: Path, runs: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"load": [], "drawn": [], "open a city": [], "search": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(index.as_uri(), wait_until="load")
            nav = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
            times["load"].append(nav["loadEventEnd"] - nav["startTime"])
            times["drawn"].append(page.evaluate("() => window.ANALYSIS_INDEX_READY"))
            page.locator('td.unit a[data-unit="P"]').click()
            start = page.evaluate("() => performance.now()")
            page.locator('td.unit a[data-unit="P-07"]').click()
            page.wait_for_selector('tr[data-unit="P-07-03"]')
            times["open a city"].append(page.evaluate("() => performance.now()") - start)
            start = page.evaluate("() => performance.now()")
            page.locator(".toolbar input").fill("第9市第3区第1")
            page.wait_for_selector('tr[data-unit="P-08-02-00"]')
            times["search"].append(page.evaluate("() => performance.now()") - start)
            page.close()
        browser.close()
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quarters", type=int, default=6)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        root = Path(tmp)
        n = write_site(root, a.quarters)
        start = time.perf_counter()
        index = build_index(root, report_css())
        built = time.perf_counter() - start
        print(f"site: {len(tree())} units x {a.quarters} quarters = {n} reports; index built in {built:.1f} s, "
              f"{index.stat().st_size / 2**20:.1f} MB (assets/site.js {(root / 'assets' / 'site.js').stat().st_size / 2**20:.1f} MB)")
        t = browse(index, a.runs)
        print(f"Chromium, median of {a.runs} runs: " + ", ".join(f"{k} {v:.0f} ms" for k, v in t.items()))


if __name__ == "__main__":
    main()
