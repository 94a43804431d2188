"""Real Debian Chromium driven by Playwright, against reports served on 127.0.0.1 with every other
request blocked and recorded."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs the Debian package)")
        pytest.skip("chromium not installed: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def served(reports_dir):
    """An HTTP server on loopback serving the test session's reports folder."""
    handler = functools.partial(_QuietHandler, directory=str(reports_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class OfflinePage:
    """A page whose requests may only reach the local server; everything else is aborted and kept."""

    def __init__(self, browser, origin: str):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        url = route.request.url
        if url.startswith((self.origin, "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def close(self):
        self.page.close()


@pytest.fixture
def offline_page(browser, served):
    page = OfflinePage(browser, served)
    yield page
    page.close()


def screenshot_dir() -> Path:
    """Screenshots are kept as artifacts under reports/_screenshots (git-ignored)."""
    from analysis.config import REPORTS_DIR

    d = REPORTS_DIR / "_screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d
