"""Small HTML builders for report sections. Every data string goes through `esc`."""

from __future__ import annotations

import math
from datetime import date
from html import escape

from analysis.labels import group


def esc(v) -> str:
    return escape("" if v is None else str(v), quote=True)


def fmt_value(v, decimals: int, unit: str) -> str:
    """Number with the indicator's unit: '61.2%' or '0.012 人/亿元'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    text = f"{v:,.{decimals}f}"
    if unit == "%":
        return text + "%"
    return f"{text} {unit}".strip()


def fmt_pct(v, decimals: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v * 100:.{decimals}f}%"


def fmt_date(d: date | None) -> str:
    return "—" if d is None else f"{d.year}年{d.month}月{d.day}日"


def status_badge(status: str) -> str:
    """Status as text + icon + colour (never colour alone)."""
    color = group("status_color")[status]
    return (f'<span class="badge status-{esc(status)}" style="--c:{color}">'
            f'{esc(group("status_icon")[status])} {esc(group("status")[status])}</span>')


def table(headers: list[str], rows: list[list[str]], cls: str = "",
          row_attrs: list[dict[str, str]] | None = None) -> str:
    """rows hold already-escaped HTML cells; row_attrs (e.g. class, data-indicator) are escaped here."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, r in enumerate(rows):
        attrs = "".join(f' {k}="{esc(v)}"' for k, v in (row_attrs[i] if row_attrs else {}).items() if v)
        body.append(f"<tr{attrs}>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>")
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def section(title: str, body: str, anchor: str = "", level: int = 2) -> str:
    aid = f' id="{esc(anchor)}"' if anchor else ""
    return f"<section{aid}><h{level}>{esc(title)}</h{level}>{body}</section>"


def note(text: str, cls: str = "note") -> str:
    return f'<p class="{esc(cls)}">{esc(text)}</p>'
