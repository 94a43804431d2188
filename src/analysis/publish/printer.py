"""PDFs in Chromium: the print page (`report.printing`) printed by Debian's chromium through
Playwright, kept warm in a thread of its own so a batch launches the browser once per worker,
not once per report. Each PDF is printed twice: the first pass finds the page of every heading
(from the PDF's outline), the second fills them into the contents."""

from __future__ import annotations

import atexit
import io
import os
import queue
import re
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future

from analysis.errors import ReportError

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""As root on a closed network: no sandbox, and no background connections that the network refuses."""


def chromium() -> str:
    """The browser: ANALYSIS_CHROMIUM, else chromium on the PATH."""
    path = os.environ.get("ANALYSIS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise ReportError("生成 PDF 需要 Chromium 浏览器（Debian：apt-get install chromium fonts-noto-cjk "
                          "fonts-lxgw-wenkai），或用 ANALYSIS_CHROMIUM 指定其路径 / printing a PDF needs chromium")
    return path


def _key(text: str) -> str:
    return re.sub(r"\s|　", "", text)


def outline_pages(pdf: bytes) -> dict[str, int]:
    """Heading text (spaces removed) -> 1-based page, from the PDF's outline."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out: dict[str, int] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.setdefault(_key(item.title), reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return out


class Printer:
    """A warm Chromium in its own thread (Playwright's sync API belongs to the thread that made it)."""

    def __init__(self):
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def print(self, make_html: Callable[[dict[str, int] | None], str], headings: list[str]) -> bytes:
        """The PDF of make_html(pages): printed once to find the page of each of `headings`, then
        again with those pages in the contents."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="printer", daemon=True)
                self._thread.start()
        job: Future = Future()
        self._jobs.put((make_html, headings, job))
        return job.result()

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
                try:
                    while True:
                        item = self._jobs.get()
                        if item is None:
                            return
                        self._one(browser, *item)
                finally:
                    browser.close()
        except BaseException as e:
            while True:
                try:
                    item = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[2].set_exception(ReportError(f"PDF 无法生成 / printing failed: {e}"))
            raise

    @staticmethod
    def _one(browser, make_html, headings, job: Future) -> None:
        try:
            page = browser.new_page()
            try:
                def render(pages):
                    # the outline (bookmarks, and the pages of the contents) is built from the tags
                    page.set_content(make_html(pages), wait_until="load")
                    return page.pdf(prefer_css_page_size=True, print_background=True, outline=True, tagged=True)

                first = outline_pages(render(None))
                pages = {h: first[_key(h)] for h in headings if _key(h) in first}
                job.set_result(render(pages))
            finally:
                page.close()
        except BaseException as e:  # noqa: BLE001 - the caller raises it
            job.set_exception(e)

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=30)


_PRINTERS: dict[str, Printer] = {}
_LOCK = threading.Lock()


def printer() -> Printer:
    """The printer of the caller's renderer slot (`kernels.SLOT`: each batch worker prints on a
    browser of its own, side by side), closed at exit."""
    from analysis.publish.kernels import SLOT

    with _LOCK:
        found = _PRINTERS.get(SLOT.get())
        if found is None:
            found = _PRINTERS[SLOT.get()] = Printer()
            atexit.register(found.close)
        return found


def write_pdf(blocks, out) -> object:
    """The report's PDF beside its other files."""
    from analysis.report.layout import layout
    from analysis.report.printing import print_html

    headings = layout(blocks).headings
    data = printer().print(lambda pages: print_html(blocks, pages), headings)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".pdf.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
