"""Charts for the reports: plotly for interactive series, matplotlib for static summaries.

Chinese glyphs in matplotlib come from Noto Sans CJK SC shipped by the `mplfonts` wheel (OFL), so
a fresh machine needs no system font. Plotly figures are plain dicts the HTML template draws with
plotly.js, which the page loads once from reports/assets/ (offline, no CDN)."""

from __future__ import annotations

import io
import textwrap
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.labels import group
from analysis.plans.periods import Quarter

LABEL_WIDTH = 18
"""Characters per line of an indicator name beside a bar."""
FONT_FILE = "NotoSansCJKsc-Regular.otf"
PLOTLY_FONT = "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', sans-serif"
"""Font stack of chart text in the browser (plotly, and matplotlib's inline SVG)."""


@cache
def cjk_font_path() -> Path:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.exists():
        raise FileNotFoundError(f"CJK font missing: {path} (reinstall mplfonts)")
    return path


@cache
def setup_matplotlib() -> str:
    """Register the CJK font and make it the default; returns the family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams.update({
        "font.family": [family], "axes.unicode_minus": False, "figure.dpi": 110, "savefig.dpi": 110,
        "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "analysis",
    })
    return family


PRINT_DPI = 200
"""Resolution of charts in Word (a 16 cm wide chart at 200 dpi: 1,260 pixels)."""


def figure_images(fig) -> tuple[str, bytes]:
    """A matplotlib figure as inline SVG for the page and as a PNG at print resolution for Word.

    The SVG keeps its text as text: it needs no JavaScript and no assets folder (the chart survives
    a report mailed as one file), prints as vectors, and its labels are searchable (12 kB where
    the print PNG is 100 kB). Both are cropped to one tight bounding box, measured once
    at the PNG's resolution: `bbox_inches="tight"` would lay the figure out again for each file
    (a third of the chart's cost), and the PNG comes out pixel for pixel the same."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    dpi = fig.dpi
    fig.dpi = PRINT_DPI
    try:
        bbox = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer()).padded(matplotlib.rcParams["savefig.pad_inches"])
    finally:
        fig.dpi = dpi
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches=bbox, metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # no XML declaration or DOCTYPE inside HTML
    # the viewer may lack the font matplotlib measured with: fall back as the page does
    svg = svg.replace(f"font-family: '{setup_matplotlib()}'", f"font-family: {PLOTLY_FONT}")
    png = io.BytesIO()
    # zlib level 3: as small as the default 6 for a chart's flat colours, in two thirds of the time
    fig.savefig(png, format="png", dpi=PRINT_DPI, bbox_inches=bbox, metadata={"Software": None},
                pil_kwargs={"compress_level": 3})
    return svg, png.getvalue()


PLOTLY_LAYOUT = {
    "font": {"family": PLOTLY_FONT, "size": 12, "color": "#2a3f5f"},
    "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest", "hoverlabel": {"align": "left"},
    "margin": {"l": 50, "r": 16, "t": 16, "b": 40}, "height": 340,
    "xaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "zerolinewidth": 2,
              "ticks": "", "automargin": True, "title": {"standoff": 15}},
    "yaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "zerolinewidth": 2,
              "ticks": "", "automargin": True, "title": {"standoff": 15}},
}
"""The look of plotly's `plotly_white` template, the few keys these charts use. Figures are plain
dicts ({"data": [...], "layout": {...}}) serialised with json: plotly's Figure objects validate and
deep-copy every property and embed the whole template (7 kB) in each chart, which made the
figures the slowest part of a report."""

def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def numbers(values, digits: int) -> list[float | None]:
    """Rounded plain floats for a chart; NaN becomes null (a gap)."""
    return [None if pd.isna(v) else round(float(v), digits) for v in values]


def plotly(data: list[dict], layout: dict) -> dict:
    """A plotly figure as a plain dict with the report's look merged in (rendered by templates/html)."""
    return {"data": data, "layout": _merged(PLOTLY_LAYOUT, layout)}


def trend_figure(series: pd.DataFrame, a: dict, phases: list[tuple[str, float]]) -> dict:
    """Quarterly values of one indicator against its expected path and phase targets. The path is
    drawn only where it leads towards the target (never away from it, as from 2 down to ≥1)."""
    s = series.dropna(subset=["value"])
    data = [{"type": "scatter", "x": list(s.index), "y": numbers(s["value"], 4), "mode": "lines+markers",
             "name": "实际值", "line": {"color": "#2f6fb0", "width": 2.5}}]
    if pd.notna(a["expected"]) and pd.notna(a["path_start_value"]) and pd.notna(a["target_by"]):
        data.append({"type": "scatter", "x": [a["path_start"], str(Quarter.of(a["target_by"]))],
                     "y": numbers([a["path_start_value"], a["target"]], 6), "mode": "lines", "name": "序时路径",
                     "line": {"color": "#c77700", "dash": "dash"}})
    if phases:
        data.append({"type": "scatter", "x": [p for p, _ in phases], "y": numbers([v for _, v in phases], 6),
                     "mode": "markers", "name": "阶段目标",
                     "marker": {"symbol": "star", "size": 13, "color": "#c62828"}})
    layout = {"yaxis": {"title": {"text": a.get("unit") or ""}, "rangemode": "tozero"},
              "legend": {"orientation": "h", "y": -0.22},
              "xaxis": {"type": "category", "tickangle": -45, "categoryorder": "category ascending"}}
    return plotly(data, layout)


def _wrapped(name: str) -> str:
    """A long indicator name on balanced lines of at most LABEL_WIDTH characters."""
    lines = -(-len(name) // LABEL_WIDTH)
    return "\n".join(textwrap.wrap(name, -(-len(name) // lines))) if lines > 1 else name


BAR_RANGE = (0.0, 150.0)
"""The bars of the progress chart are drawn within this range (%); their labels give the real value."""


def progress_bars(card: pd.DataFrame, as_of):
    """任务进度 against 阶段序时进度: one bar per indicator still working towards a deadline (its
    colour its status, with a legend), a black tick at its phase's time progress. Bars are clipped
    to BAR_RANGE; the label always says the real figure (倒退 below the phase start). Indicators
    whose deadline has come (met or missed) have no pace left to show and are left out."""
    setup_matplotlib()
    colors, names = group("status_color"), group("status")
    ahead = card["target_by"].map(lambda d: d is not None and not pd.isna(d) and d > as_of)
    rows = card[card["task_progress"].notna() & card["time_progress"].notna() & ahead].copy()
    fig = Figure(figsize=(8.6, 0.42 * max(len(rows), 3) + 1.6))  # no pyplot: nothing to close afterwards
    ax = fig.subplots()
    if rows.empty:
        ax.text(0.5, 0.5, "暂无处于阶段推进中的指标", ha="center", va="center", fontsize=12)
        ax.axis("off")
        return fig
    rows = rows.iloc[::-1]
    real = (rows["task_progress"] * 100).to_numpy()
    bars = real.clip(*BAR_RANGE)
    labels = [_wrapped(n) for n in rows["name"]]
    ax.barh(labels, bars, color=[colors[s] for s in rows["status"]], height=0.6)
    for y, (p, b, tp) in enumerate(zip(real, bars, rows["time_progress"] * 100, strict=True)):
        ax.plot([tp, tp], [y - 0.38, y + 0.38], color="#222", lw=1.6)
        text = "倒退" if p < 0 else f"{p:.0f}%"
        ax.text(b + 1.5, y, text, va="center", fontsize=9)
    ax.set_xlabel("任务进度（%）；黑色竖线为该指标所处阶段的序时进度")
    ax.set_xlim(0, BAR_RANGE[1] + 12)
    shown = [s for s in names if s in set(rows["status"])]
    handles = [Patch(color=colors[s], label=names[s]) for s in shown]
    handles.append(Line2D([], [], color="#222", lw=1.6, label="阶段序时进度"))
    _fit_labels(fig, labels)
    below = 0.5 / (ax.get_position().height * fig.get_figheight())  # the legend 0.5 in under the axis
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -below), ncol=len(handles), frameon=False,
              fontsize=9)
    return fig


def _fit_labels(fig, labels: list[str]) -> None:
    """Room on the left for the indicator names, so the chart keeps its width and its text its size.
    Computed from the names instead of `tight_layout`, which draws the whole figure once more to
    measure them (a quarter of the chart's cost): a CJK character is one em wide, so the widest
    line's characters times the tick font size bound the labels' width; savefig's tight bounding
    box trims what the narrower Latin characters leave over."""
    size = font_manager.FontProperties(size=matplotlib.rcParams["ytick.labelsize"]).get_size_in_points()
    chars = max(len(line) for label in labels for line in label.split("\n"))
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=(chars * size / 72 + 0.2) / width, right=0.98, top=1 - 0.12 / height,
                        bottom=0.62 / height)


def funnel_figure(f: dict, name_col: str, factor: float, unit: str) -> dict:
    """Funnel plot: each unit's rate against its denominator, with 95% and 99.8% Poisson limits
    around the overall rate; only units outside the outer funnel differ beyond chance."""
    data = []
    grid = f["grid"]
    for level, dash in zip(sorted(f["curves"]), ("dash", "dot"), strict=True):
        lo, hi = f["curves"][level]
        for k, ys in enumerate((hi, lo)):
            data.append({"type": "scatter", "x": numbers(grid, 3), "y": numbers(ys * factor, 6), "mode": "lines",
                         "line": {"color": "#888", "dash": dash, "width": 1}, "name": f"{level * 100:g}% 控制限",
                         "showlegend": k == 0, "hoverinfo": "skip"})
    data.append({"type": "scatter", "x": numbers([grid[0], grid[-1]], 3), "y": numbers([f["overall"] * factor] * 2, 6),
                 "mode": "lines", "line": {"color": "#2f6fb0", "width": 1.5}, "name": "总体水平"})
    p = f["points"]
    colors = p["flag"].map({"high": "#c62828", "low": "#1a7f37"}).fillna("#333").tolist()
    data.append({"type": "scatter", "x": numbers(p["den"], 3), "y": numbers(p["rate"] * factor, 6),
                 "mode": "markers+text", "text": p[name_col].tolist(), "textposition": "top center",
                 "marker": {"size": 10, "color": colors}, "name": "下级单位",
                 "hovertemplate": "%{text}<br>分母 %{x}<br>比率 %{y}<extra></extra>"})
    layout = {"xaxis": {"title": {"text": "分母（规模）"}}, "yaxis": {"title": {"text": unit}},
              "legend": {"orientation": "h", "y": -0.2}}
    return plotly(data, layout)


def ranking_figure(ranking: pd.DataFrame) -> dict:
    """Composite score of subordinate units, best on top."""
    r = ranking[ranking["score"].notna()].iloc[::-1]
    scores = numbers(r["score"], 1)
    data = [{"type": "bar", "x": scores, "y": r["unit_name"].tolist(), "orientation": "h",
             "marker": {"color": "#2f6fb0"}, "text": scores, "textposition": "outside",
             "hovertemplate": "%{y}: %{x} 分<extra></extra>"}]
    layout = {"xaxis": {"range": [0, 105], "title": {"text": "得分"}}, "height": max(300, 28 * len(r) + 80)}
    return plotly(data, layout)
