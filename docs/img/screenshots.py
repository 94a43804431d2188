"""Screenshots for docs/guide.md, taken with Chromium from a 青石区 workspace (tests/data/district2).

    .venv/bin/python docs/img/screenshots.py WORKSPACE

WORKSPACE: a workspace that went through the guide up to the 2024Q3 report (for instance the one
tests/test_first_day.py leaves under pytest's tmp folder). Needs Debian's chromium."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.text import Text

OUT = Path(__file__).parent
PLAN = "qingshi_2024_2026"


def terminal_html(ws: Path, args: list[str], title: str) -> str:
    """The command's output as the planner's terminal shows it (rich tables, colours)."""
    env = {**os.environ, "TTY_COMPATIBLE": "1", "FORCE_COLOR": "1", "COLUMNS": "150"}
    p = subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ws, env=env, capture_output=True, text=True,
                       check=False)
    rec = Console(record=True, width=150, file=open(os.devnull, "w"))  # noqa: SIM115
    rec.print(Text(f"$ analysis {' '.join(args)}", style="bold"))
    rec.print(Text.from_ansi(p.stdout))  # the progress bars go to stderr
    return rec.export_html(inline_styles=True, code_format=(
        "<html><head><meta charset='utf-8'><style>body{{background:#1e1e1e;color:#ddd;margin:0;padding:12px;"
        "font-family:'Noto Sans Mono CJK SC','WenQuanYi Micro Hei Mono',monospace;font-size:13px}}</style></head>"
        f"<body><div style='color:#aaa;margin-bottom:6px'>{title}</div><pre>{{code}}</pre></body></html>"))


def main(ws: Path) -> None:
    report = ws / "reports" / PLAN / "QSQ" / "2024Q3.html"
    pages = {
        "validate.png": ("validate", terminal_html(ws, ["validate", "raw/2024Q3"], "校验发现的问题"), 1100),
        "needs.png": ("needs", terminal_html(ws, ["plans", "needs", PLAN], "规划需要哪些台账"), 1100),
    }
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1100, "height": 800}, device_scale_factor=1)
        for name, (_, html, width) in pages.items():
            f = Path(tmp) / f"{name}.html"
            f.write_text(html, encoding="utf-8")
            page.set_viewport_size({"width": width, "height": 600})
            page.goto(f.as_uri())
            page.screenshot(path=OUT / name, full_page=True, type="png")
        page.set_viewport_size({"width": 1200, "height": 1500})
        page.goto(report.as_uri())
        page.wait_for_timeout(1500)
        page.screenshot(path=OUT / "report.png", type="png")
        browser.close()
    for p in sorted(OUT.glob("*.png")):
        print(p, p.stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
