"""The print renderer: the report's print order (`report.layout`, as in Word) as an HTML page laid
out for A4 paper — cover, contents with page numbers, body in the 公文 manner, 附表 on their own
pages (landscape when wide) — which `publish.printer` turns into a PDF in Chromium."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel

from analysis.config import TEMPLATES_DIR
from analysis.report.html import page
from analysis.report.layout import layout
from analysis.report.sections import GRADE_FACT, STATUS_FACT


@cache
def print_css() -> str:
    return (TEMPLATES_DIR / "html" / "print.css").read_text(encoding="utf-8")


def print_html(blocks: list[BaseModel], pages: dict[str, int] | None = None) -> str:
    """The print page. `pages` maps each contents entry to its page (from a first rendering);
    without it the contents show placeholders of the same width."""
    lay = layout(blocks)
    h = lay.header
    facts = [(label, "".join(x if isinstance(x, str) else x.text for x in value if isinstance(x, str)))
             for label, value in (h.facts if h else []) if label not in (STATUS_FACT, GRADE_FACT)]
    contents = [{"text": text, "page": (pages or {}).get(text, "00")} for text in lay.headings]
    return page("print.html.j2", css=print_css(), header=h, title=h.title if h else "", subtitle=h.subtitle if h else "",
                facts=facts, issuer=h.issuer if h else "", date=h.date if h else "", contents=contents,
                items=lay.items)
