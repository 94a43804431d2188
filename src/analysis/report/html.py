"""The HTML renderer: report blocks through Jinja2 templates (templates/html/) with autoescaping, so
data text is escaped by the template engine, never by hand."""

from __future__ import annotations

import json
from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from pydantic import BaseModel

from analysis.config import TEMPLATES_DIR
from analysis.labels import group

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def _script_json(value) -> str:
    """JSON safe inside <script>: no `<`, `>` or `&` can end the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _inlines(xs) -> Markup:
    """Plain text and spans as HTML, every text escaped (one string per cell: a macro per span
    was a third of the page's render time)."""
    statuses, icons, colors = _labels()
    out = []
    for x in xs:
        if isinstance(x, str):
            out.append(str(escape(x)))
            continue
        text, style = str(escape(x.text)), x.style
        if style == "badge":
            s = str(escape(x.status))
            out.append(f'<span class="badge status-{s}" style="--c:{colors[x.status]}">{icons[x.status]} '
                       f"{text or statuses[x.status]}</span>")
        elif style == "br":
            out.append("<br>")
        elif style == "link":
            out.append(f'<a href="{escape(x.href)}">{text}</a>')
        elif style == "strong":
            out.append(f"<b>{text}</b>")
        elif style:
            out.append(f'<span class="{style}">{text}</span>')
        else:
            out.append(text)
    return Markup("".join(out))


@cache
def _labels() -> tuple[dict, dict, dict]:
    return group("status"), group("status_icon"), group("status_color")


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR / "html")), autoescape=select_autoescape(default=True),
                      trim_blocks=False, lstrip_blocks=False)
    env.policies["json.dumps_function"] = None
    env.filters["tojson"] = _script_json
    env.filters["inlines"] = _inlines
    env.globals.update(statuses=group("status"), icons=group("status_icon"), colors=group("status_color"),
                       plotly_config=PLOTLY_CONFIG)
    return env


@cache
def _render_macro():
    return environment().get_template("blocks.html.j2").module.render


def render(block: BaseModel) -> str:
    """One block (a section with everything in it, a header …) as HTML."""
    return str(_render_macro()(block))


def page(template: str, **context) -> str:
    """A whole page from a template in templates/html/ (the index, the print version)."""
    return environment().get_template(template).render(**context)
