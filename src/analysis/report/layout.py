"""The printed order of a report, shared by Word and print (PDF): what goes in the body and in what
order, how parts are numbered (一、（一）1.), which tables become numbered 附表 after the body (wide
ones on landscape pages), where the announcement of the attachments and the 落款 go.

`layout(blocks)` turns the document model into a flat list of typed items; `report.docx` writes
them as WordprocessingML and `report.printing` as a print page. The page (`report.html`) keeps the
notebook's own order instead."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from analysis.report.model import Figure, Header, Items, Paragraph, Section, Table

WIDE_COLUMNS = 6
"""Appendix tables with at least this many columns go on landscape pages."""
WEIGHTS = {"long": 3.2, "text": 2.0, "number": 1.5, "status": 1.4, "date": 1.5}
"""Relative column widths by column kind."""
_CHINESE_DIGITS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (part numbers)."""
    if n <= 10:
        return _CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十" + (_CHINESE_DIGITS[ones] if ones else "")


@dataclass
class Layout:
    """Items in print order. Kinds: para (content, style), editable (key, content), table
    (caption, columns, rows, weights, orient), figure (n, caption, png, svg), newpage (orient),
    heading (level, text: numbered), appendix (label, title)."""

    items: list[dict] = field(default_factory=list)
    orient: str = "portrait"
    """Orientation of the current page."""
    header: Header | None = None
    headings: list[str] = field(default_factory=list)
    """The numbered part headings and appendix titles, in order (print's contents)."""
    tables: int = 0
    figures: int = 0

    def para(self, content, style: str = "") -> None:
        self.items.append({"kind": "para", "content": list(content), "style": style})

    def heading(self, text: str, level: int) -> None:
        self.items.append({"kind": "heading", "level": level, "text": text})
        if level == 1:
            self.headings.append(text)

    def table(self, t: Table, caption: str | None = None) -> None:
        self.items.append({"kind": "table", "caption": caption, "columns": t.columns, "rows": t.rows, "role": t.role,
                           "weights": [WEIGHTS[c.kind] for c in t.columns], "orient": self.orient})

    def figure(self, f: Figure) -> None:
        self.figures += 1
        self.items.append({"kind": "figure", "n": self.figures, "caption": f.caption, "png": f.png, "svg": f.svg,
                           "orient": self.orient})

    def appendix(self, label: str, title: str) -> None:
        """An attachment's head: 附表1 at the top left, its title centred."""
        self.items.append({"kind": "appendix", "label": label, "title": title})
        self.headings.append(f"{label}　{title}")

    def newpage(self, orient: str) -> None:
        self.items.append({"kind": "newpage", "orient": orient, "from": self.orient})
        self.orient = orient


def _plain(content) -> str:
    """The text of a list of inlines (the part a planner edits: no notes in small type)."""
    return "".join(x if isinstance(x, str) else x.text for x in content
                   if isinstance(x, str) or x.style not in ("small", "br"))


def _printed(s: Section) -> bool:
    return s.where not in ("screen", "print_appendix")


def _tables(s: Section) -> list[Table]:
    out = []
    for b in s.blocks:
        if isinstance(b, Table):
            out.append(b)
        elif isinstance(b, Section):
            out += _tables(b)
    return out


def _blocks(out: Layout, blocks: list) -> None:
    for b in blocks:
        if isinstance(b, Paragraph):
            if b.role == "draft_mark":
                out.para([f"（{b.content[0]}）"], "DraftMark")
            elif b.role not in ("banner", "links"):
                out.para(b.content, "Note" if b.role == "note" else "")
        elif isinstance(b, Items):
            for i, it in enumerate(b.items, start=1):
                content = [f"{i}." if b.ordered else "", *it.content]
                if it.key:
                    out.items.append({"kind": "editable", "key": it.key, "content": content, "author": it.author,
                                      "basis": it.basis or "", "shown": _plain(it.content)})
                else:
                    out.para(content)
        elif isinstance(b, Table):
            out.tables += 1
            out.table(b, f"表{out.tables}　{b.caption}" if b.caption else None)
        elif isinstance(b, Figure):
            if b.png or b.svg:
                out.figure(b)
        elif isinstance(b, Section) and _printed(b):
            _section(out, b, 3, "")


def _section(out: Layout, s: Section, level: int, number: str) -> None:
    out.heading(f"{number}{s.title}", 1 if level == 2 else 2)
    n = 0
    for b in s.blocks:
        if isinstance(b, Section):
            if _printed(b):
                n += 1
                _section(out, b, 3, f"（{chinese_number(n)}）")
        else:
            _blocks(out, [b])


def layout(blocks: list[BaseModel]) -> Layout:
    """The print order of a report's blocks (as `model.blocks_of` reads them from the notebook)."""
    out = Layout()
    out.header = next((b for b in blocks if isinstance(b, Header)), None)
    sections = [b for b in blocks if isinstance(b, Section)]
    body = [s for s in sections if s.where == "body"]
    appendices = [s for s in sections if s.where in ("appendix", "print_appendix")]
    tabled = sorted([s for s in appendices if _tables(s)], key=lambda s: s.anchor != "indicator-table")
    attachments = [s for s in appendices if not _tables(s)]
    h = out.header
    if h:
        out.para([h.title], "Title")
        out.para([h.subtitle], "Subtitle")
        if h.banner:
            out.para([h.banner], "Note")
        first = {k: next((x for x in v if isinstance(x, str)), "") for k, v in h.facts}
        doc_no = f"（{h.document_no}）" if h.document_no else ""
        lead = (f"本报告评估《{first.get('规划', '')}》{doc_no}的实施进展。评估期为{first.get('评估期', '')}，"
                f"数据截止日期为{first.get('数据截止日期', '')}。")  # 规划序时进度 follows in 总体判断
        out.para([lead])
    for i, s in enumerate(body, start=1):
        _section(out, s, 2, f"{chinese_number(i)}、")
    names = [f"附表{i} {s.title}" for i, s in enumerate(tabled, start=1)] + \
        [f"附件{i} {s.title}" for i, s in enumerate(attachments, start=1)]
    if names:
        out.para(["附件：" + "；".join(names)], "Attachments")
    if h:
        out.para([h.issuer], "Signature")
        out.para([h.date], "Signature")
    for i, s in enumerate(tabled, start=1):
        tables = _tables(s)
        out.newpage("landscape" if any(len(t.columns) >= WIDE_COLUMNS for t in tables) else "portrait")
        out.appendix(f"附表{i}", s.title)
        for b in s.blocks:
            if isinstance(b, Paragraph) and b.role == "note":
                out.para(b.content, "Note")
        for t in tables:
            out.table(t, t.caption if len(tables) > 1 and t.caption and t.caption != s.title else None)
    for i, s in enumerate(attachments, start=1):
        out.newpage("portrait")
        out.appendix(f"附件{i}", s.title)
        _blocks(out, s.blocks)
    return out
