"""The report document model: what a report says, as data — sections with numbered headings,
paragraphs, lists, tables with typed columns, figures, status badges and notes.

Section code builds these (`report.sections`, `report.review`); renderers turn them into formats
(`report.html` for the page, `report.docx` for Word, `report.pdf` for print). In a notebook each
block displays with two representations: `text/html` for nbconvert's HTML and the model itself as
JSON text under `MIME_TYPE`, so the executed notebook is the single source of every format.

The model travels as one JSON string, not as a JSON object in the notebook: a report's model is
some 8,000 small dicts and lists, which the kernel's messages, nbclient, papermill (validating
and writing the notebook) and nbconvert (copying it) would each walk node by node, about 0.1 s of
a report's 0.8; as text they move it as one string. A `text/…+json` type keeps it that way:
nbformat stores an `application/…json` type as parsed JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MIME_TYPE = "text/vnd.analysis.report+json"


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Node):
    """Inline text with a role the renderers know: strong, small (a second line in a cell), muted,
    flag (小样本), badge (a status: icon + colour, with `text` if given else the status's name), link, planner (the planner's own words),
    stale (a sentence citing a number that has changed), br (a line break)."""

    type: Literal["span"] = "span"
    text: str = ""
    style: Literal["", "strong", "small", "muted", "flag", "badge", "link", "planner", "stale", "br"] = ""
    status: str | None = None
    href: str | None = None


Inline = str | Span
"""Plain text or a span; paragraphs and cells hold lists of them."""


def badge(status: str) -> Span:
    return Span(style="badge", status=status)


def small(text: str) -> Span:
    return Span(text=text, style="small")


def strong(text: str) -> Span:
    return Span(text=text, style="strong")


def link(text: str, href: str) -> Span:
    return Span(text=text, style="link", href=href)


BR = Span(style="br")


class Paragraph(_Node):
    type: Literal["paragraph"] = "paragraph"
    content: list[Inline]
    role: Literal["body", "note", "draft_mark", "banner", "links"] = "body"


class Item(_Node):
    """One entry of a list; `key` names a drafted sentence so the planner's own text can replace it."""

    content: list[Inline]
    key: str | None = None
    author: Literal["draft", "planner"] | None = None
    basis: str | None = None
    """What the shown text was written against (the draft sentence): kept with the planner's edits."""


class Items(_Node):
    type: Literal["items"] = "items"
    items: list[Item]
    ordered: bool = True


class Column(_Node):
    label: str
    kind: Literal["text", "long", "number", "status", "date"] = "text"
    """long: wraps freely (names, task texts); number/date/status: kept on one line, right/centre."""


class Row(_Node):
    cells: list[list[Inline]]
    status: str | None = None
    """Colours the row (a status, overdue); `group` makes it a heading row across the table."""
    attrs: dict[str, str] = Field(default_factory=dict)
    """HTML data attributes (data-indicator, data-task …): for the browser checks and scripts."""


class Table(_Node):
    type: Literal["table"] = "table"
    columns: list[Column]
    rows: list[Row]
    caption: str | None = None
    role: str = ""
    """The table's kind (CSS class): scorecard, tasks, meta …"""


class Figure(_Node):
    type: Literal["figure"] = "figure"
    caption: str
    svg: str | None = None
    """Inline SVG (matplotlib, text kept as text)."""
    png: str | None = None
    """Base64 PNG at print resolution, for Word (absent: the figure is on screen only)."""
    plotly: dict | None = None
    """An interactive chart: {"data": […], "layout": {…}} (plotly.js from the report's assets)."""
    anchor: str = ""


class Section(_Node):
    """A part of the report; renderers number it (一、 for a part, （一） for a sub-part) in their own order."""

    type: Literal["section"] = "section"
    title: str
    anchor: str = ""
    level: Literal[2, 3] = 2
    blocks: list[Block] = Field(default_factory=list)
    where: Literal["body", "screen", "appendix", "print_appendix"] = "body"
    """body: everywhere in order; screen: the page only (interactive charts); appendix: in place on
    the page, after the body as a numbered 附表 in Word and print; print_appendix: Word and print only."""


class Header(_Node):
    """The title block: title, subtitle, the 示例数据 banner, the facts a reviewer looks for first."""

    type: Literal["header"] = "header"
    title: str
    subtitle: str
    banner: str | None = None
    facts: list[tuple[str, list[Inline]]]
    issuer: str = ""
    """落款: the unit the report is for."""
    date: str = ""
    """成文日期 as printed (2026年1月5日)."""
    document_no: str | None = None
    report: str = ""
    """plan/unit/period of the report: files planners edit carry it back to `ingest`."""


class Contents(_Node):
    type: Literal["contents"] = "contents"
    entries: list[tuple[str, str]]
    """(anchor, label)."""


Block = Annotated[Paragraph | Items | Table | Figure | Section | Header | Contents, Field(discriminator="type")]
Section.model_rebuild()

_BLOCK = TypeAdapter(Block)


def to_json(block: BaseModel) -> str:
    return block.model_dump_json(exclude_none=True)


def from_json(text: str) -> BaseModel:
    return _BLOCK.validate_json(text)


class Display:
    """A block shown in a notebook: HTML for nbconvert, the model as JSON for Word and print."""

    def __init__(self, block: BaseModel):
        self.block = block

    def _repr_mimebundle_(self, include=None, exclude=None):
        from analysis.report.html import render

        return {"text/html": render(self.block), MIME_TYPE: to_json(self.block)}


def show(block: BaseModel | None) -> None:
    """Display a block in the running notebook (both representations); nothing for None (a part
    this report does not have, e.g. the indicator table of a plan without indicators)."""
    if block is None:
        return
    from IPython.display import display

    display(Display(block))


def blocks_of(nb) -> list[BaseModel]:
    """Every block an executed notebook displayed, in order (the Word and print renderers' input)."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if MIME_TYPE in data:
                out.append(from_json(data[MIME_TYPE]))
    return out
