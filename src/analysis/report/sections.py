"""Report sections as document-model blocks (`report.model`), each a function of a ReportContext;
notebooks `show` them in order and the renderers (HTML, Word, print) lay them out.

`Section.where` says where a section goes outside the page: `body` everywhere in order, `screen`
on the page only (interactive charts), `appendix` in place on the page and as a numbered 附表 after
the body in Word and print, `print_appendix` in Word and print only."""

from __future__ import annotations

import base64

import pandas as pd

from analysis.labels import group, t
from analysis.method import collection as collect
from analysis.method.accidents import RATES, rate_rows
from analysis.method.progress import STATUSES, time_progress_of_plan
from analysis.method.quality import MODIFIED_Z_LIMIT, ON_TIME_DAYS, Z_LIMIT
from analysis.method.ranking import STATUS_POINTS, UNSCORED, funnel, weights
from analysis.plans.catalog import get_plan
from analysis.plans.periods import Quarter
from analysis.report import charts
from analysis.report.changes import compare
from analysis.report.changes import follow_up as follow_up_items
from analysis.report.context import ReportContext
from analysis.report.format import (
    completion_text,
    fmt_date,
    fmt_duration,
    fmt_number,
    fmt_pct,
    fmt_period,
    fmt_value,
    nan,
    note_basis,
    progress_basis,
    projection_text,
    status_detail,
    target_by_text,
    target_rule_text,
    target_text,
    task_progress_text,
    trend_text,
    unit_label,
    yoy_text,
)
from analysis.report.model import (
    BR,
    Column,
    Contents,
    Figure,
    Header,
    Item,
    Items,
    Paragraph,
    Row,
    Section,
    Span,
    Table,
    badge,
    link,
    small,
    strong,
)
from analysis.report.narrative import Draft
from analysis.report.site import report_name
from analysis.store.planner_text import cites_changed
from analysis.store.statistics import ROUNDED


def _section(title: str, anchor: str, blocks: list, where: str = "body", level: int = 2) -> Section:
    return Section(title=title, anchor=anchor, blocks=blocks, where=where, level=level)


def note(text: str) -> Paragraph:
    return Paragraph(content=[text], role="note")


STATUS_FACT, GRADE_FACT = "指标状态", "目标评价"
"""The header facts that count verdicts (the print cover leaves them to the body)."""


def header(ctx: ReportContext, title: str, subtitle: str, verdicts: tuple[str, list] | None = None) -> Header:
    """The title block and facts; `verdicts` replaces the status counts (a review counts grades)."""
    plan = ctx.catalog.plan
    if verdicts is None:
        counts = ctx.card["status"].value_counts()
        statuses: list = []
        for s in STATUSES:
            if counts.get(s, 0):
                statuses += [badge(s), strong(f"{int(counts[s])}"), "  "]
        verdicts = (STATUS_FACT, statuses)
    facts = [
        ("规划", [plan.title]),
        ("印发单位、文号", [" ".join(x for x in (plan.issuer, plan.document_no) if x)]),
        ("规划期", [f"{fmt_date(plan.period.start)}至{fmt_date(plan.period.end)}"]),
        ("评估单位", [ctx.unit_name]),
        ("评估期", [ctx.quarter.label]),
        ("数据截止日期", [fmt_date(min(ctx.quarter.end, ctx.cutoff) if ctx.cutoff else ctx.quarter.end)]),
        ("规划序时进度", [fmt_pct(time_progress_of_plan(ctx.catalog, ctx.quarter), 1),
                     small("（规划期已过时间 ÷ 规划期总长）")]),
        (verdicts[0], verdicts[1] or ["—"]),
    ]
    return Header(title=title, subtitle=subtitle, facts=facts,
                  banner=t("report.sample_banner") if ctx.is_sample else None,
                  issuer=ctx.unit_name, date=fmt_date(ctx.generated_on), document_no=plan.document_no,
                  report=f"{plan.id}/{ctx.unit_id}/{ctx.quarter}")


CONTENTS = (("summary", "总体判断"), ("changes", "较上季度变化"), ("scorecard", "核心指标"), ("progress", "序时进度"),
            ("narrative", "评估意见"), ("follow-up", "上季度建议落实"), ("actions", "分行动指标"), ("drilldown", "下级单位"),
            ("accidents", "事故情况"), ("ranking", "量化排名"), ("tasks", "重点任务"), ("quality", "数据质量"),
            ("method", "方法说明"))


def contents(entries: tuple[tuple[str, str], ...] = CONTENTS) -> Contents:
    """In-page navigation (hidden in print; Word and print build their own contents)."""
    return Contents(entries=list(entries))


# --- the indicator table -----------------------------------------------------------------------

INDICATOR_COLUMNS = [Column(label="指标", kind="long"), Column(label="目标", kind="text"),
                     Column(label="当前值", kind="number"), Column(label="完成率", kind="number"),
                     Column(label="任务进度 / 阶段序时进度", kind="number"), Column(label="状态", kind="status"),
                     Column(label="同比", kind="number"), Column(label="期末预测", kind="number"),
                     Column(label="责任单位", kind="long")]


def _window_label(a: dict) -> str:
    return group("window").get(a["window"], "")


def indicator_row(ctx: ReportContext, a: dict) -> Row:
    """One indicator as the scorecard shows it: every number in the planners' own terms."""
    name = [a["name"], small(_window_label(a))]
    if a["scope_note"]:
        name += [BR, small("口径说明：" + a["scope_note"])]
    note_entry = ctx.planner.get(f"note.{a['indicator_id']}")
    if note_entry:
        stale = cites_changed(note_entry, note_basis(a))
        name += [BR, Span(text=f"情况说明：{note_entry.text}", style="stale" if stale else "planner")]
        if stale:
            name += [small("（撰写后数值已变化，请核对）")]
    target = [target_text(a)]
    if a["target_by"] and a["kind"] not in ("year_on_year_decline", "contain"):
        target += [BR, small(target_by_text(a))]
    rule = target_rule_text(a, ctx.level_name(a))
    if rule:
        target += [BR, small(rule)]
    value = [fmt_value(a["value"], a["decimals"], a["unit"])]
    if a["small_sample"]:
        value += [" ", Span(text="小样本", style="flag")]
    if not nan(a["ci_low"]):
        value += [BR, small(f"95%区间 {fmt_number(a['ci_low'], a['decimals'] + 1)}–"
                            f"{fmt_number(a['ci_high'], a['decimals'] + 1)}")]
    arrow, compared = trend_text(a)
    if compared:
        value += [BR, small(f"环比 {arrow}（{compared}）")]
    status = [badge(a["status"])]
    detail = status_detail(a)
    if detail:
        status += [BR, small(detail)]
    yoy, was = yoy_text(a)
    proj, pace = projection_text(a)
    return Row(cells=[name, target, value, [completion_text(a)], [task_progress_text(a)], status,
                      [yoy] + ([BR, small(was)] if was else []), [proj] + ([BR, small(pace)] if pace else []),
                      [a["responsible"], *([BR, small(a["responsible_note"])] if a["responsible_note"] else [])]],
               status=a["status"], attrs={"data-indicator": a["indicator_id"]})


def indicator_table(ctx: ReportContext, card: pd.DataFrame, caption: str | None = None) -> Table:
    return Table(columns=INDICATOR_COLUMNS, rows=[indicator_row(ctx, a) for a in ctx.rows_of(card)],
                 role="scorecard", caption=caption)


def grouped_indicator_table(ctx: ReportContext) -> Table:
    """Every indicator, grouped by action: the 指标完成情况表 of Word and print."""
    rows = []
    for action in ctx.catalog.plan.actions:
        card = ctx.card[ctx.card["action"] == action.id]
        if len(card):
            rows.append(Row(cells=[[action.title]], status="group"))
            rows += [indicator_row(ctx, a) for a in ctx.rows_of(card)]
    return Table(columns=INDICATOR_COLUMNS, rows=rows, role="scorecard", caption="指标完成情况表")


# --- sections ----------------------------------------------------------------------------------

def summary(ctx: ReportContext, d: Draft | None = None) -> Section:
    """总体判断: the counts a reviewer wants first."""
    d = d or ctx.draft
    return _section("总体判断", "summary", [Paragraph(content=[s]) for _, s in d.summary])


NO_INDICATORS = "本规划未设量化指标，按重点任务评估（见“重点任务进展”）。"


def scorecard(ctx: ReportContext, headline_only: bool = True) -> Section:
    if ctx.card.empty:
        return _section(t("report.scorecard"), "scorecard", [note(NO_INDICATORS)], where="screen")
    if headline_only and ctx.card["headline"].any():
        card, text = ctx.card[ctx.card["headline"]], "核心指标为规划目录中标注的重点指标；全部指标见“分行动指标进展”。"
    else:
        card, text = ctx.card, "规划目录中的全部量化指标。"
    return _section(t("report.scorecard"), "scorecard", [note(text), indicator_table(ctx, card)], where="screen")


def indicator_appendix(ctx: ReportContext) -> Section | None:
    """附表 指标完成情况表 of Word and print; none for a plan without indicators."""
    if ctx.card.empty:
        return None
    return _section("指标完成情况表", "indicator-table", [grouped_indicator_table(ctx)], where="print_appendix")


def progress_chart(ctx: ReportContext) -> Section:
    if ctx.card.empty:
        return _section(t("report.time_vs_task"), "progress", [note(NO_INDICATORS)])
    fig = charts.progress_bars(ctx.card, ctx.quarter.end)
    caption = "各指标任务进度与阶段序时进度"
    svg, png = charts.figure_images(fig)
    png = base64.b64encode(png).decode("ascii")
    lead = note("任务进度 = 阶段内已取得的进展 ÷ 阶段要求的进展；阶段序时进度 = 阶段已过天数 ÷ 阶段总天数。"
                "任务进度不低于序时进度即“时间过半、任务过半”。已到期、逐年比较和不单列考核的指标不在图中。")
    return _section(t("report.time_vs_task"), "progress", [lead, Figure(caption=caption, svg=svg, png=png)])


def planner_item(ctx: ReportContext, key: str, draft_text: str | None) -> Item:
    """The planner's text for `key` in place of the draft, flagged where the figures it was written
    against have changed; the draft itself where the planner wrote nothing."""
    entry = ctx.planner.get(key)
    if entry is None:
        return Item(content=[draft_text or "—"], key=key, author="draft", basis=draft_text)
    if draft_text is not None and cites_changed(entry, draft_text):
        return Item(content=[Span(text=entry.text, style="stale"), BR,
                             small(f"（此段撰写后相关数字已变化，请核对。现初稿为：{draft_text}）")], key=key,
                    author="planner", basis=entry.basis)
    return Item(content=[Span(text=entry.text, style="planner")], key=key, author="planner", basis=entry.basis)


def narrative(ctx: ReportContext, title: str | None = None, d: Draft | None = None) -> Section:
    """评估意见: each drafted sentence, or the planner's text for it; the planner's sentences on
    subjects the draft no longer has stay, at the end of their part."""
    d = d or ctx.draft
    drafted = {k for _, _, sentences in d.parts() for k, _ in sentences}
    own = sum(k in ctx.planner for k in drafted)
    mark = t("report.draft") if own < len(drafted) else t("report.reviewed")
    if own:
        mark += f"（其中{own}段为规划编制人员审定稿，{len(drafted) - own}段为程序初稿）"
    subs = [Paragraph(content=[mark], role="draft_mark")]
    for part, heading, sentences in d.parts():
        items = [planner_item(ctx, k, s) for k, s in sentences]
        items += [planner_item(ctx, k, None) for k in sorted(ctx.planner)
                  if k.startswith(f"{part}.") and k not in drafted]
        body = Items(items=items) if items else Paragraph(content=[t(f"report.nothing_{part}")])
        subs.append(_section(heading, f"narrative-{part}", [body], level=3))
    return _section(title or t("report.narrative"), "narrative", subs)


def actions(ctx: ReportContext) -> Section:
    """One block per action (行动): its indicator table and each indicator's trend against its path."""
    blocks = []
    first = str(Quarter.of(ctx.catalog.plan.period.start).shift(-4))
    for action in ctx.catalog.plan.actions:
        card = ctx.card[ctx.card["action"] == action.id]
        if card.empty:
            continue
        figs = []
        for a in ctx.rows_of(card):
            series = ctx.indicator_series(a["indicator_id"])
            series = series[(series.index >= first) & (series.index <= str(ctx.quarter))]
            if has_points(ctx, a, series):
                figs.append(trend(ctx, a, series, f"trend-{a['indicator_id']}"))
        blocks.append(_section(action.title, f"action-{action.id}", [indicator_table(ctx, card), *figs], level=3))
    return _section(t("report.actions"), "actions", blocks, where="screen")


def has_points(ctx: ReportContext, a: dict, series: pd.DataFrame) -> bool:
    """Whether a trend chart would draw anything: a value in the series or a phase target (an
    indicator without either — a published figure never published — gets no empty chart)."""
    ind = ctx.catalog.indicator(a["indicator_id"])
    return bool(series["value"].notna().any()) or bool(ctx.phase_levels(ind, a["baseline"]))


def trend(ctx: ReportContext, a: dict, series: pd.DataFrame, anchor: str) -> Figure:
    ind = ctx.catalog.indicator(a["indicator_id"])
    phases = [(str(Quarter.of(p.by)), lvl) for p, lvl in ctx.phase_levels(ind, a["baseline"])]
    unit = unit_label(ind.unit)
    return Figure(caption=f"{ind.name}（{unit}）" if unit else ind.name, plotly=charts.trend_figure(series, a, phases),
                  anchor=anchor)


def _published_figures(ctx: ReportContext) -> Section:
    """A unit without accident ledger rows but with published statistics: those figures, as published."""
    s = ctx.statistics
    s = s[s["year"] <= ctx.quarter.year]
    years = sorted(s["year"].unique())[-2:]
    s = s[s["year"].isin(years)]
    rows = [Row(cells=[[r.indicator], [f"{int(r.year)}年" + ("" if pd.isna(r.quarter) else f"1—{int(r.quarter) * 3}月")],
                       [f"{r.value:,.4f}".rstrip("0").rstrip(".")], [r.measure_unit], [r.source],
                       ["" if pd.isna(r.note) else r.note]])
            for r in s.itertuples()]
    blocks = [note(f"{ctx.unit_name}没有逐起事故台账，按公开发布的统计数字评估；下表为{'、'.join(f'{y}年' for y in years)}"
                   "公布的数字及其来源，规划目标按其中的指标评估（见上文各指标）。"),
              Table(columns=[Column(label="指标", kind="long"), Column(label="期间"), Column(label="数值", kind="number"),
                             Column(label="计量单位"), Column(label="来源", kind="long"), Column(label="备注", kind="long")],
                    rows=rows, role="statistics", caption="公开统计数据")]
    national = _national_note(ctx)
    if national:
        blocks.append(national)
    return _section("生产安全事故情况", "accidents", blocks)


def accidents(ctx: ReportContext) -> Section:
    """起数、死亡 (年初至今, 同比), the three standard rates with intervals, and a funnel plot."""
    if ctx.statistics is not None and not ctx.statistics.empty and not ctx.accident_rows:
        return _published_figures(ctx)
    r = ctx.accident_row
    ytd = f"{ctx.quarter.year}年1—{ctx.quarter.q * 3}月"
    counts = []
    for col, name, unit in (("accidents", "事故起数", "起"), ("deaths", "死亡人数", "人"),
                            ("injuries", "受伤人数", "人"), ("larger_plus", "较大及以上事故", "起"),
                            ("direct_loss", "直接经济损失", "万元")):
        now, before = r[col], r[col + "_ly"]
        change = "—" if before == 0 else f"{(now - before) / before * 100:+.1f}%".replace("-", "−")
        dec = 1 if col == "direct_loss" else 0
        counts.append(Row(cells=[[name], [fmt_value(now, dec, unit)], [fmt_value(before, dec, unit)], [change]]))
    rates = []
    for x in rate_rows(ctx.accidents, ctx.unit_id):
        value = [fmt_value(x["value"], 4, x["unit"])]
        if x["small_sample"] and not nan(x["value"]):
            value += [" ", Span(text="小样本", style="flag")]
        interval = "—" if nan(x["ci_low"]) else f"{x['ci_low']:.4f}–{x['ci_high']:.4f}"
        den = "分母缺失" if nan(x["denominator"]) else f"{x['denominator']:,.2f}"
        rates.append(Row(cells=[[x["name"]], value, [interval], [f"{x['deaths']:.0f}"], [den],
                                [fmt_value(x["value_ly"], 4, x["unit"])]], attrs={"data-rate": x["id"]}))
    blocks = [note(f"事故起数与死亡人数为{ytd}累计，与上年同期比较；死亡率按近四个季度计算（年化），"
                   "区间为精确泊松 95% 置信区间；死亡人数少于 20 人时标注“小样本”，变化多属随机波动。"),
              Table(columns=[Column(label="项目"), Column(label=ytd, kind="number"),
                             Column(label="上年同期", kind="number"), Column(label="同比", kind="number")],
                    rows=counts, role="accidents", caption="事故起数与伤亡"),
              Table(columns=[Column(label="死亡率指标", kind="long"), Column(label="近四季度", kind="number"),
                             Column(label="95%置信区间", kind="number"), Column(label="死亡人数", kind="number"),
                             Column(label="分母", kind="number"), Column(label="上年同期", kind="number")],
                    rows=rates, role="rates", caption="死亡率")]
    national = _national_note(ctx)
    if national:
        blocks.append(national)
    kids = ctx.accidents[ctx.accidents["unit_id"].isin(ctx.children["unit_id"])]
    f = funnel(kids, "deaths_per_gdp_num", "deaths_per_gdp_den")
    if f:
        name, *_ = RATES["deaths_per_gdp"]
        flagged = f["points"][f["points"]["flag"] == "high"]["name"].tolist()
        blocks += [Figure(caption=f"下级单位{name}漏斗图（近四个季度）", anchor="funnel-deaths-per-gdp",
                          plotly=charts.funnel_figure(f, "name", 1.0, t("units.per_gdp"))),
                   note("漏斗图按各单位 GDP 规模给出随机波动的范围：落在虚线（95%）或点线（99.8%）之外的单位才与总体水平有实质差异。"
                        + (f"高于 99.8% 控制限：{'、'.join(flagged)}。" if flagged else "目前没有单位超出 99.8% 控制限。"))]
    return _section("生产安全事故情况", "accidents", blocks)


def _national_note(ctx: ReportContext) -> Paragraph | None:
    """The latest published national figure of each rate up to the report's year, with its year."""
    if ctx.national is None:
        return None
    parts = []
    for col, (name, _filter, _den, _factor, unit, _agg) in RATES.items():
        s = ctx.national[col].dropna()
        s = s[s.index <= ctx.quarter.year]
        if len(s):
            year = int(s.index[-1])
            rough = "，死亡人数为公布的约数" if col == "deaths_per_gdp" and ROUNDED in ctx.national.loc[year, "deaths_note"] \
                else ""
            parts.append(f"{name} {s.iloc[-1]:.4f} {unit}（{year}年{rough}）")
    return note("全国参照（国家统计局统计公报、应急管理部发布）：" + "；".join(parts) + "。") if parts else None


def ranking(ctx: ReportContext) -> Section:
    if ctx.ranking.empty:
        return _section("下级单位量化排名", "ranking", [note("该单位没有下级单位，不作排名。")])
    w = weights(ctx.catalog)
    names = {i.id: i.name for i in ctx.catalog.indicators}
    rule = "；".join(f"{names[k]} 权重 {v:g}" for k, v in w.items())
    statuses = group("status")
    points = "、".join(f"{statuses[s]} {p:g} 分" for s, p in STATUS_POINTS.items())
    cols = (*STATUS_POINTS, *UNSCORED)
    rows = [Row(cells=[["—" if pd.isna(r.rank) else str(int(r.rank))], [r.unit_name],
                       ["—" if pd.isna(r.score) else f"{r.score:.1f}"], *[[str(getattr(r, s))] for s in cols]])
            for r in ctx.ranking.itertuples()]
    table = Table(columns=[Column(label="名次", kind="number"), Column(label="单位"),
                           Column(label="综合得分", kind="number"), *[Column(label=statuses[s], kind="number")
                                                                   for s in cols]],
                  rows=rows, role="ranking", caption="下级单位量化排名")
    return _section("下级单位量化排名", "ranking", [
        note(f"综合得分 = 各指标状态得分的加权平均（{points}；数据不足、不单列考核的指标不计入，权重按其余指标重新归一）。"
             f"权重：{rule}。"), table,
        Figure(caption="下级单位综合得分（量化排名）", anchor="ranking-scores", plotly=charts.ranking_figure(ctx.ranking))],
        where="appendix")


def data_quality(ctx: ReportContext) -> Section:
    blocks = []
    rep = ctx.reporting
    if rep.empty:
        blocks.append(note("本单位及下级没有须按季度报送经济社会基础数据的街道、镇。"))
    else:
        rows = [Row(cells=[[r.unit_name], [str(r.expected)], [str(r.received)], [fmt_pct(r.reporting_rate)],
                           [str(r.on_time)], [fmt_pct(r.on_time_rate)]]) for r in rep.itertuples()]
        total = rep[["expected", "received", "on_time"]].sum()
        rows.append(Row(cells=[[strong("合计")], [str(total["expected"])], [str(total["received"])],
                               [fmt_pct(total["received"] / total["expected"])], [str(total["on_time"])],
                               [fmt_pct(total["on_time"] / total["expected"])]]))
        blocks += [note(f"报送率 = 已报送 ÷ 应报送（单位 × 季度）；及时率 = 季度结束后 {ON_TIME_DAYS} 天内报送 ÷ 应报送。"),
                   Table(columns=[Column(label="单位"), *[Column(label=x, kind="number") for x in
                                                        ("应报送", "已报送", "报送率", "按时报送", "及时率")]],
                         rows=rows, role="quality",
                         caption=f"报送率与及时率（经济社会基础数据，{ctx.quarter.year}年以来）")]
    if ctx.outliers.empty:
        blocks.append(note("异常值：下级单位的指标值中未发现异常值。"))
    else:
        rows = [Row(cells=[[o.name], [o.unit_name], [f"{o.value:.2f}"], [f"{o.median:.2f}"],
                           ["—" if nan(o.z) else f"{o.z:.2f}"], ["—" if nan(o.modified_z) else f"{o.modified_z:.2f}"]])
                for o in ctx.outliers.itertuples()]
        blocks += [note(f"|z| > {Z_LIMIT:g} 或 |修正 z| > {MODIFIED_Z_LIMIT:g} 视为异常，请核实原始台账。"),
                   Table(columns=[Column(label="指标", kind="long"), Column(label="单位"),
                                  *[Column(label=x, kind="number") for x in ("数值", "下级中位数", "z", "修正 z")]],
                         rows=rows, role="quality", caption="异常值")]
    md = ctx.missing_denominators
    if md.empty:
        blocks.append(note("分母缺失：所有比率指标均有分母。"))
    else:
        rows = [Row(cells=[[m.name], [m.unit_name], ["—" if nan(m.numerator) else f"{m.numerator:g}"],
                           ["缺失" if nan(m.denominator) else f"{m.denominator:g}"]]) for m in md.itertuples()]
        blocks += [note("分母为零或缺失的比率不计算、不插补，状态记为“数据不足”。"),
                   Table(columns=[Column(label="指标", kind="long"), Column(label="单位"),
                                  Column(label="分子", kind="number"), Column(label="分母", kind="number")],
                         rows=rows, role="quality", caption="分母缺失")]
    return _section("数据质量", "quality", collection_table(ctx) + blocks)


TASK_COLUMNS = [Column(label="序号", kind="number"), Column(label="任务", kind="long"), Column(label="责任单位", kind="long"),
                Column(label="完成时限", kind="date"), Column(label="类型"), Column(label="进展", kind="status"),
                Column(label="完成日期", kind="date"), Column(label="进展说明", kind="long")]


def task_rows(ctx: ReportContext, frame: pd.DataFrame) -> list[Row]:
    states, kinds = group("task_state"), group("task_kind")
    rows = []
    for r in frame.to_dict("records"):
        state = [Span(text=states[r["state"]], style="strong" if r["state"] == "overdue" else "")]
        if r["state"] == "overdue":
            state += [BR, small(f"逾期{fmt_duration(int(r['days_overdue']))}")]
        deadline = [fmt_date(r["deadline"])] + ([BR, small("规划未写明时限，按规划期末计")] if r.get("undated") else [])
        progress = ctx.planner.get(f"progress.{r['task_id']}")
        said = r["note"] if isinstance(r["note"], str) else ""  # an empty 进展说明 comes as NaN
        note = [said]
        if progress:
            stale = cites_changed(progress, progress_basis(r))
            note = ([said, BR] if said else []) + [Span(text=progress.text, style="stale" if stale else "planner")]
        rows.append(Row(cells=[[str(r["number"])], [r["text"]], [r["responsible"]], deadline,
                               [kinds[r["kind"]]], state, [fmt_date(r["completed_on"])], note],
                        status="overdue" if r["state"] == "overdue" else None, attrs={"data-task": r["task_id"]}))
    return rows


def tasks(ctx: ReportContext) -> Section:
    if ctx.tasks.empty:
        return _section(t("report.tasks"), "tasks", [note("本规划未列出带时限的任务。")])
    states = group("task_state")
    counts = ctx.tasks["state"].value_counts()
    summary_text = "，".join(f"{states[s]} {int(n)} 项" for s, n in counts.items())
    blocks = [note(f"共 {len(ctx.tasks)} 项任务：{summary_text}。按牵头单位分组，已逾期任务排在最前并以红色标出。")]
    for lead, g in ctx.tasks.groupby("lead", sort=False):
        blocks.append(Table(columns=TASK_COLUMNS, rows=task_rows(ctx, g), role="tasks", caption=lead))
    return _section(t("report.tasks"), "tasks", blocks, where="appendix")


METHOD = (
    "指标值：按规划目录中的分子、分母口径，对全部单位、全部季度一次计算；上级单位的数值由下级单位的分子、分母分别加总后再相除，不对比率求平均。统计窗口未被台账完整覆盖的（如台账起始之前的“近四个季度”）记为无数据。",
    "当期目标：取评估期所处阶段的目标值（如2024年底60%、2025年底100%）；“较基期下降15%”折算为基期值×85%并在目标栏写明。基期事件数过少、下降幅度不足1起（人）的，按不高于基期判定；基期为0的不单列考核。",
    "完成率按规划的口径计算：不低于类目标为 当前值 ÷ 目标值；不高于类（控制）目标为使用率 = 当前值 ÷ 上限；下降类目标为 已下降幅度 ÷ 要求下降幅度；清零类目标写明尚余数量；逐年比较、不得发生类目标不计完成率。完成率不出现负数，较基期上升时写明上升幅度。",
    "任务进度 = 阶段内已取得的进展 ÷ 阶段要求的进展；阶段序时进度 = 阶段已过天数 ÷ 阶段总天数；任务进度不低于阶段序时进度即“时间过半、任务过半”。页首的规划序时进度是整个规划期的时间进度。",
    ("时限未到时，状态采用增长率比值法（参照联合国可持续发展目标进展评估和欧盟统计局方法）：R = 方向 × 实际年均增长率 ÷ |所需年均增长率|，"
     "R ≥ 0.95 为“正常推进”，0.6 ≤ R < 0.95 为“滞后”，R < 0.6 为“严重滞后”；阶段起点为0、累计数量类和清零类目标改用 任务进度 ÷ 阶段序时进度，套用同一阈值。"
     "时限已到（含当季到期）时只看是否达到目标：达到为“已达标”（按期完成或逾期完成），未达到为“未完成”并写明逾期时长；按期达标后又回落的为“滞后”。"),
    "逐年下降、有效遏制类目标与上年同期比较，第四季度定全年：逐年下降须低于上年，有效遏制须不高于上年；事故等小数字的上升先做精确检验，偶然波动范围内的记“滞后”。不得发生类目标发生即“未完成”。",
    "期末预测：以最近四个季度的线性趋势外推至当前阶段时限（年内累计数按当年进度外推），比率限定在0—100%，数量不小于0；时限已到的不再预测。预测与状态不一致时注明“近期加快”或“近期放缓”。“需每季度提高”为剩余差距 ÷ 剩余季度数。",
    "同比：百分比指标以“个百分点”表示差值，其余以变化率表示并列出上年同期值；环比：年内累计、规划期累计的数量比较本季度与上季度各自的新增数。",
    "小样本：事故起数、死亡人数等稀有事件给出精确泊松 95% 置信区间；分子少于 20 时标注“小样本”，其变化多属随机波动；单位间比较用漏斗图而非简单排名。",
    "量化排名：下级单位各指标状态得分的加权平均，权重取自规划目录，未设权重时核心指标等权。目标按上级设定、本级不单列考核的指标不计入。",
    f"数据质量：报送率 = 已报送 ÷ 应报送，及时率 = 季度结束后 {ON_TIME_DAYS} 天内报送 ÷ 应报送；异常值按 z 分数（|z|>{Z_LIMIT:g}）和修正 z 分数（|修正z|>{MODIFIED_Z_LIMIT:g}）识别；分母缺失的比率不计算、不插补。",
    "任务进展：取责任单位截至评估期末最近一次报送；完成类任务超过时限仍未完成即为“已逾期”；规划未写明时限的任务按规划期末计。",
    "评估意见为程序依据上述数字自动起草的初稿，须由规划编制人员审核修改后使用。",
)


def method() -> Section:
    return _section(t("report.method"), "method", [Items(items=[Item(content=[x]) for x in METHOD])],
                    where="appendix")


# --- the report as part of a site: links, subordinate units, changes since last quarter ---------

def links(ctx: ReportContext, kind: str) -> Paragraph:
    """This report's other files, its parent unit's report and the index (relative links; the page
    hides those not published, from the site's list in assets/site.js)."""
    name = report_name(kind, str(ctx.quarter))
    stem = name.removesuffix(".html")
    items: list = []
    for label, ext in (("Excel 计分板", ".xlsx"), ("Word 稿", ".docx"), ("PDF", ".pdf")):
        if ext != ".xlsx" or kind == "quarterly":
            items += [link(label, f"{stem}{ext}"), "　"]
    if ctx.parent:
        items += [link(f"上级：{ctx.parent[1]}", f"../{ctx.parent[0]}/{name}"), "　"]
    items.append(link("报告目录", f"../../index.html#{ctx.catalog.plan.id}/{ctx.unit_id}"))  # opens at this unit
    return Paragraph(content=items, role="links")


DRILL_COLUMNS = 8
"""Indicators in the subordinate-unit matrix (the ranking's weighted ones first)."""


def drilldown(ctx: ReportContext, kind: str) -> Section | None:
    """下级单位 × 指标: each subordinate unit's value and status on the plan's key indicators, each
    unit linked to its own report."""
    if ctx.child_cards.empty:
        return None
    w = weights(ctx.catalog)
    ids = [i for i in w][:DRILL_COLUMNS]
    names = {i.id: i.name for i in ctx.catalog.indicators}
    cards = ctx.child_cards.set_index(["unit_id", "indicator_id"])
    name = report_name(kind, str(ctx.quarter))
    rows = []
    for unit_id, unit_name in ctx.children[["unit_id", "name"]].itertuples(index=False):
        cells: list = [[link(unit_name, f"../{unit_id}/{name}")]]
        for iid in ids:
            a = cards.loc[(unit_id, iid)] if (unit_id, iid) in cards.index else None
            cells.append(["—"] if a is None else [fmt_value(a["value"], a["decimals"], a["unit"]), BR, badge(a["status"])])
        rows.append(Row(cells=cells, attrs={"data-unit": unit_id}))
    table = Table(columns=[Column(label="单位"), *[Column(label=names[i], kind="number") for i in ids]], rows=rows,
                  role="drilldown", caption="下级单位主要指标情况")
    return _section("下级单位指标情况", "drilldown", [
        note("各下级单位在量化排名所用指标上的当前值与状态；单位名称链接到该单位的评估报告。"), table], where="appendix")


def changes(ctx: ReportContext) -> Section:
    """与上季度相比: against what last quarter's report actually published."""
    if ctx.previous is None:
        return _section("与上季度相比的变化", "changes", [note("上季度未生成本单位的评估报告，本次不作比较。")])
    c = compare(ctx, ctx.previous)
    prev = c["period"].label
    blocks = [note(f"与{prev}已发布的评估报告相比（以当时发布的数值为准，不是按现在的数据重新计算）。")]
    lines = []
    if c["worse"]:
        lines.append("新增滞后：" + "、".join(f"{a['name']}（{_status_name(t['status'])}→{_status_name(a['status'])}）"
                                         for a, t in c["worse"]))
    if c["better"]:
        lines.append("转为达标：" + "、".join(a["name"] for a, _ in c["better"]))
    if c["overdue"]:
        lines.append(f"新增逾期任务{len(c['overdue'])}项：" + "；".join(r["text"][:30] for r in c["overdue"][:5]))
    if c["done"]:
        lines.append(f"本季度完成任务{len(c['done'])}项：" + "；".join(r["text"][:30] for r in c["done"][:5]))
    if not lines:
        lines.append("各指标状态与上季度相同，没有新增逾期或完成的任务。")
    blocks.append(Items(items=[Item(content=[x]) for x in lines]))
    if c["moved"]:
        blocks.append(Table(columns=[Column(label="指标", kind="long"), Column(label=f"{prev}发布值", kind="number"),
                                     Column(label="本季度", kind="number"), Column(label="状态", kind="status")],
                            rows=[Row(cells=[[a["name"]], [then], [now], [badge(a["status"])]],
                                      attrs={"data-indicator": a["indicator_id"]}) for a, then, now in c["moved"]],
                            role="changes", caption="数值变化"))
    if c["restated"]:
        files = "、".join(ctx.files_since) or "（未找到新导入的台账文件，可能是规划目录或计算方法调整）"
        blocks += [Table(columns=[Column(label="指标", kind="long"), Column(label=f"{prev}发布值", kind="number"),
                                  Column(label=f"按现有数据的{prev}值", kind="number")],
                         rows=[Row(cells=[[a["name"]], [then], [again]], attrs={"data-restated": a["indicator_id"]})
                               for a, then, again in c["restated"]], role="restated", caption="上季度数值的更正"),
                   note(f"上季度已发布的数值与按现有台账重新计算的不一致，原因是此后导入了：{files}。")]
    return _section("与上季度相比的变化", "changes", blocks)


def follow_up(ctx: ReportContext) -> Section:
    """上季度建议落实情况: last quarter's 下步建议, who leads them, what has happened since."""
    if ctx.previous is None:
        return _section("上季度建议落实情况", "follow-up", [note("上季度未生成本单位的评估报告。")])
    rows = [Row(cells=[[f["text"]], [f["lead"]], [f["then"]], [f["now"]], [strong(f["verdict"])]],
                attrs={"data-key": f["key"]}) for f in follow_up_items(ctx, ctx.previous)]
    if not rows:
        return _section("上季度建议落实情况", "follow-up", [note("上季度评估未提出建议。")])
    return _section("上季度建议落实情况", "follow-up", [Table(
        columns=[Column(label="上季度建议", kind="long"), Column(label="牵头单位", kind="long"),
                 Column(label="当时", kind="number"), Column(label="现在", kind="number"),
                 Column(label="落实情况", kind="status")], rows=rows, role="follow-up")])


def _status_name(s: str) -> str:
    return group("status")[s]


def _owed_ledger(ctx: ReportContext, owed) -> str:
    """The ledger an owed report belongs to; a task report names its plan, since a unit that leads
    several plans owes one per plan."""
    if pd.isna(owed.plan_id) or not owed.plan_id:
        return owed.ledger_title
    plan = "本规划" if owed.plan_id == ctx.catalog.plan.id else f"《{get_plan(owed.plan_id).plan.title}》"
    return f"{owed.ledger_title}（{plan}）"


def collection_table(ctx: ReportContext) -> list:
    """本季度报送与催报: per ledger, how many reports are due, received, on time; who still owes."""
    grid = ctx.collection
    if grid is None or grid.empty:
        return []
    r = collect.rates(grid)
    rows = [Row(cells=[[x.ledger_title], [str(x.expected)], [str(x.received)], [fmt_pct(x.reporting_rate)],
                       [str(x.on_time)], [fmt_pct(x.on_time_rate)]]) for x in r.itertuples()]
    blocks: list = [Table(columns=[Column(label="台账"), *[Column(label=x, kind="number") for x in
                                                         ("应报送", "已报送", "报送率", "按时报送", "及时率")]],
                          rows=rows, role="quality", caption=f"{ctx.quarter.label}各台账报送情况")]
    owed = collect.owed(grid)
    if len(owed):
        shown = owed.head(15)
        blocks += [Table(columns=[Column(label="单位"), Column(label="台账"), Column(label="报送期"),
                                  Column(label="截止日期", kind="date"), Column(label="情况", kind="status")],
                         rows=[Row(cells=[[o.unit_name], [_owed_ledger(ctx, o)], [fmt_period(o.period)], [fmt_date(o.due)],
                                          [o.status]]) for o in shown.itertuples()],
                         role="owed", caption="待催报")]
        if len(owed) > len(shown):
            blocks.append(note(f"另有{len(owed) - len(shown)}项待催报，完整清单用 python -m analysis collect 导出催报单。"))
    return blocks
