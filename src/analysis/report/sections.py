"""Report sections as HTML, each a function of a ReportContext; notebooks display them in order.

Every data string passes through markup.esc; every status is text + icon + colour."""

from __future__ import annotations

import math

import pandas as pd

from analysis.labels import group, t
from analysis.method.accidents import RATES, rate_rows
from analysis.method.progress import STATUSES, time_progress_of_plan
from analysis.method.quality import MODIFIED_Z_LIMIT, ON_TIME_DAYS, Z_LIMIT
from analysis.method.ranking import STATUS_POINTS, UNSCORED, funnel, weights
from analysis.plans.periods import Quarter
from analysis.report import charts
from analysis.report.context import ReportContext
from analysis.report.markup import (
    esc,
    fmt_date,
    fmt_pct,
    fmt_value,
    note,
    section,
    status_badge,
    table,
)
from analysis.report.narrative import draft


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def header(ctx: ReportContext, title: str, subtitle: str) -> str:
    plan = ctx.catalog.plan
    tp = time_progress_of_plan(ctx.catalog, ctx.quarter)
    counts = ctx.card["status"].value_counts()
    badges = " ".join(f"{status_badge(s)}<b>{int(counts.get(s, 0))}</b>" for s in STATUSES if counts.get(s, 0))
    banner = f'<div class="sample-banner">{esc(t("report.sample_banner"))}</div>' if ctx.is_sample else ""
    meta = table(["项目", "内容"], [
        ["规划", esc(plan.title)],
        ["印发单位 / 文号", esc(" ".join(x for x in (plan.issuer, plan.document_no) if x))],
        ["规划期", esc(f"{fmt_date(plan.period.start)} 至 {fmt_date(plan.period.end)}")],
        ["评估单位", esc(f"{ctx.unit_name}（{ctx.unit_id}）")],
        ["评估期", esc(f"{ctx.quarter.label}（截至 {fmt_date(ctx.quarter.end)}）")],
        ["规划序时进度", esc(fmt_pct(tp, 1))],
        ["指标状态", badges or "—"],
    ], cls="meta")
    return (f'{banner}<header class="report-head"><h1>{esc(title)}</h1><p class="subtitle">{esc(subtitle)}</p>'
            f"</header>{meta}")


def indicator_table(ctx: ReportContext, card: pd.DataFrame) -> str:
    cols = group("columns")
    trend = group("trend")
    headers = [cols["indicator"], cols["value"], cols["target"], cols["status"], cols["trend"], cols["yoy"],
               cols["time_progress"], cols["completion"], cols["projected"], cols["responsible"]]
    rows, attrs = [], []
    for a in card.to_dict("records"):
        d, u = a["decimals"], a["unit"]
        target = "—" if _nan(a["target"]) else (
            f"{esc(group('target_kind')[a['kind']])} {esc(fmt_value(a['target'], d, u))}"
            f"<br><small>{esc(fmt_date(a['target_by']))}</small>")
        value = esc(fmt_value(a["value"], d, u))
        if not _nan(a["ci_low"]):
            value += (f"<br><small>95%区间 {esc(fmt_value(a['ci_low'], d + 1, ''))}–"
                      f"{esc(fmt_value(a['ci_high'], d + 1, ''))}</small>")
        if a["small_sample"]:
            value += ' <span class="flag">小样本</span>'
        yoy = "—" if _nan(a["yoy_change"]) else esc(f"{a['yoy_change'] * 100:+.1f}%")
        proj = "—" if _nan(a["projected"]) else (
            esc(fmt_value(a["projected"], d, u)) + ("（可达标）" if a["likely_met"] else "（难达标）"))
        rows.append([
            f"{esc(a['name'])}<br><small>{esc(group('window').get(_window(ctx, a['indicator_id']), ''))}</small>",
            value, target, status_badge(a["status"]), esc(trend[a["trend"]]), yoy,
            esc(fmt_pct(a["time_progress"])), esc(fmt_pct(a["task_progress"])), proj, esc(a["responsible"]),
        ])
        attrs.append({"class": f"row-{a['status']}", "data-indicator": a["indicator_id"]})
    return table(headers, rows, cls="scorecard", row_attrs=attrs)


def _window(ctx: ReportContext, indicator_id: str) -> str:
    ind = ctx.catalog.indicator(indicator_id)
    return ind.window if ctx.catalog.measures[ind.numerator].date else "stock"


def scorecard(ctx: ReportContext, headline_only: bool = True) -> str:
    if headline_only and ctx.card["headline"].any():
        card, text = ctx.card[ctx.card["headline"]], "核心指标为规划目录中标注的重点指标；全部指标见“分行动指标进展”。"
    else:
        card, text = ctx.card, "规划目录中的全部量化指标。"
    body = note(text) + indicator_table(ctx, card)
    return section(t("report.scorecard"), body, anchor="scorecard")


def progress_chart(ctx: ReportContext) -> str:
    fig = charts.progress_bars(ctx.card, time_progress_of_plan(ctx.catalog, ctx.quarter))
    return section(t("report.time_vs_task"), charts.figure_svg(fig, t("report.time_vs_task")), anchor="progress")


def actions(ctx: ReportContext) -> str:
    """One block per action (行动): its indicator table and each indicator's trend against its path."""
    blocks = []
    for action in ctx.catalog.plan.actions:
        card = ctx.card[ctx.card["action"] == action.id]
        if card.empty:
            continue
        figs = []
        for a in card.to_dict("records"):
            ind = ctx.catalog.indicator(a["indicator_id"])
            series = ctx.indicator_series(ind.id)
            first = str(Quarter.of(ctx.catalog.plan.period.start).shift(-4))
            series = series[(series.index >= first) & (series.index <= str(ctx.quarter))]
            phases = [(str(Quarter.of(p.by)), v) for p in ind.target.phases
                      if (v := _phase_level(a, p.value)) is not None]
            fig = charts.trend_figure(series, a, phases)
            figs.append(charts.plotly_div(fig, f"trend-{ind.id}", f"{ind.name}（{ind.unit}）" if ind.unit else ind.name))
        body = indicator_table(ctx, card) + '<div class="chart-grid">' + "".join(figs) + "</div>"
        blocks.append(section(action.title, body, anchor=f"action-{action.id}", level=3))
    return section(t("report.actions"), "".join(blocks), anchor="actions")


def _phase_level(a: dict, value: float | None) -> float | None:
    if value is None:
        return None
    if a["kind"] == "change_from_baseline":
        return None if _nan(a["baseline"]) else a["baseline"] * (1 + value / 100)
    return value


def accidents(ctx: ReportContext) -> str:
    """起数、死亡 (年初至今, 同比), the three standard rates with intervals, and a funnel plot."""
    r = ctx.accident_row
    ytd = f"{ctx.quarter.year}年1—{ctx.quarter.q * 3}月"
    counts = []
    for col, name, unit in (("accidents", "事故起数", "起"), ("deaths", "死亡人数", "人"),
                            ("injuries", "受伤人数", "人"), ("larger_plus", "较大及以上事故", "起"),
                            ("direct_loss", "直接经济损失", "万元")):
        now, before = r[col], r[col + "_ly"]
        change = "—" if before == 0 else f"{(now - before) / before * 100:+.1f}%"
        d = 1 if col == "direct_loss" else 0
        counts.append([esc(name), esc(fmt_value(now, d, unit)), esc(fmt_value(before, d, unit)), esc(change)])
    rates, attrs = [], []
    for x in rate_rows(ctx.accidents, ctx.unit_id):
        value = esc(fmt_value(x["value"], 4, x["unit"]))
        if x["small_sample"] and not _nan(x["value"]):
            value += ' <span class="flag">小样本</span>'
        interval = "—" if _nan(x["ci_low"]) else esc(f"{x['ci_low']:.4f}–{x['ci_high']:.4f}")
        den = "分母缺失" if _nan(x["denominator"]) else esc(f"{x['denominator']:,.2f}")
        rates.append([esc(x["name"]), value, interval, esc(f"{x['deaths']:.0f}"), den,
                      esc(fmt_value(x["value_ly"], 4, x["unit"]))])
        attrs.append({"data-rate": x["id"]})
    body = (note(f"事故起数与死亡人数为{ytd}累计，与上年同期比较；死亡率按近四个季度计算（年化），"
                 "区间为精确泊松 95% 置信区间；死亡人数少于 20 人时标注“小样本”，变化多属随机波动。")
            + table(["项目", ytd, "上年同期", "同比"], counts, cls="accidents")
            + table(["死亡率指标", "近四季度", "95%置信区间", "死亡人数", "分母", "上年同期"], rates,
                    cls="rates", row_attrs=attrs))
    body += _national_note(ctx)
    kids = ctx.accidents[ctx.accidents["unit_id"].isin(ctx.children["unit_id"])]
    f = funnel(kids, "deaths_per_gdp_num", "deaths_per_gdp_den")
    if f:
        name, *_ = RATES["deaths_per_gdp"]
        fig = charts.funnel_figure(f, "name", 1.0, "人/亿元")
        flagged = f["points"][f["points"]["flag"] == "high"]["name"].tolist()
        body += charts.plotly_div(fig, "funnel-deaths-per-gdp", f"下级单位{name}漏斗图（近四个季度）") + note(
            "漏斗图按各单位 GDP 规模给出随机波动的范围：落在虚线（95%）或点线（99.8%）之外的单位才与总体水平有实质差异。"
            + (f"高于 99.8% 控制限：{'、'.join(flagged)}。" if flagged else "目前没有单位超出 99.8% 控制限。"))
    return section("生产安全事故情况", body, anchor="accidents")


def _national_note(ctx: ReportContext) -> str:
    """The latest published national figure of each rate up to the report's year, with its year."""
    if ctx.national is None:
        return ""
    parts = []
    for col, (name, _filter, _den, _factor, unit, _agg) in RATES.items():
        s = ctx.national[col].dropna()
        s = s[s.index <= ctx.quarter.year]
        if len(s):
            year = int(s.index[-1])
            rough = "，死亡人数为公布的约数" if col == "deaths_per_gdp" and "rounded" in ctx.national.loc[year, "deaths_note"] else ""
            parts.append(f"{name} {s.iloc[-1]:.4f} {unit}（{year}年{rough}）")
    return note("全国参照（国家统计局统计公报、应急管理部发布）：" + "；".join(parts) + "。") if parts else ""


def ranking(ctx: ReportContext) -> str:
    if ctx.ranking.empty:
        return section("下级单位量化排名", note("该单位没有下级单位，不作排名。"), anchor="ranking")
    w = weights(ctx.catalog)
    names = {i.id: i.name for i in ctx.catalog.indicators}
    rule = "；".join(f"{names[k]} 权重 {v:g}" for k, v in w.items())
    points = "、".join(f"{group('status')[s]} {p:g} 分" for s, p in STATUS_POINTS.items())
    statuses = group("status")
    rows = []
    for r in ctx.ranking.itertuples():
        rows.append([esc("—" if pd.isna(r.rank) else int(r.rank)), esc(r.unit_name), esc(r.unit_id),
                     esc("—" if pd.isna(r.score) else f"{r.score:.1f}"),
                     *[esc(getattr(r, s)) for s in (*STATUS_POINTS, *UNSCORED)]])
    body = (note(f"综合得分 = 各指标状态得分的加权平均（{points}；数据不足的指标不计入，权重按其余指标重新归一）。"
                 f"权重：{rule}。")
            + table(["名次", "单位", "代码", "综合得分", *[statuses[s] for s in (*STATUS_POINTS, *UNSCORED)]], rows,
                    cls="ranking")
            + charts.plotly_div(charts.ranking_figure(ctx.ranking), "ranking-scores", "下级单位综合得分（量化排名）"))
    return section("下级单位量化排名", body, anchor="ranking")


def data_quality(ctx: ReportContext) -> str:
    parts = []
    rep = ctx.reporting
    if rep.empty:
        parts.append(note("本单位及下级没有须按季度报送经济社会基础数据的街道、镇。"))
    else:
        rows = [[esc(r.unit_name), esc(r.expected), esc(r.received), esc(fmt_pct(r.reporting_rate)),
                 esc(r.on_time), esc(fmt_pct(r.on_time_rate))] for r in rep.itertuples()]
        total = rep[["expected", "received", "on_time"]].sum()
        rows.append(["<b>合计</b>", esc(total["expected"]), esc(total["received"]),
                     esc(fmt_pct(total["received"] / total["expected"])), esc(total["on_time"]),
                     esc(fmt_pct(total["on_time"] / total["expected"]))])
        parts.append(f"<h3>报送率与及时率（经济社会基础数据，{ctx.quarter.year}年以来）</h3>"
                     + note(f"报送率 = 已报送 ÷ 应报送（单位 × 季度）；及时率 = 季度结束后 {ON_TIME_DAYS} 天内报送 ÷ 应报送。")
                     + table(["单位", "应报送", "已报送", "报送率", "按时报送", "及时率"], rows, cls="quality"))
    if ctx.outliers.empty:
        parts.append("<h3>异常值</h3>" + note("下级单位的指标值中未发现异常值。"))
    else:
        rows = [[esc(o.name), esc(o.unit_name), esc(f"{o.value:.2f}"), esc(f"{o.median:.2f}"),
                 esc("—" if _nan(o.z) else f"{o.z:.2f}"), esc("—" if _nan(o.modified_z) else f"{o.modified_z:.2f}")]
                for o in ctx.outliers.itertuples()]
        parts.append("<h3>异常值</h3>" + note(f"|z| > {Z_LIMIT:g} 或 |修正 z| > {MODIFIED_Z_LIMIT:g} 视为异常，请核实原始台账。")
                     + table(["指标", "单位", "数值", "下级中位数", "z", "修正 z"], rows, cls="quality"))
    md = ctx.missing_denominators
    if md.empty:
        parts.append("<h3>分母缺失</h3>" + note("所有比率指标均有分母。"))
    else:
        rows = [[esc(m.name), esc(m.unit_name), esc("—" if _nan(m.numerator) else f"{m.numerator:g}"),
                 esc("缺失" if _nan(m.denominator) else f"{m.denominator:g}")] for m in md.itertuples()]
        parts.append("<h3>分母缺失</h3>" + note("分母为零或缺失的比率不计算、不插补，状态记为“数据不足”。")
                     + table(["指标", "单位", "分子", "分母"], rows, cls="quality"))
    return section("数据质量", "".join(parts), anchor="quality")


def tasks(ctx: ReportContext) -> str:
    if ctx.tasks.empty:
        return section(t("report.tasks"), note("本规划未列出带时限的任务。"), anchor="tasks")
    cols = group("columns")
    states = group("task_state")
    kinds = group("task_kind")
    counts = ctx.tasks["state"].value_counts()
    summary = "，".join(f"{states[s]} {int(n)} 项" for s, n in counts.items())
    blocks = []
    for lead, g in ctx.tasks.groupby("lead", sort=False):
        rows, attrs = [], []
        for r in g.to_dict("records"):
            state = states[r["state"]]
            if r["state"] == "overdue":
                state += f"（{r['days_overdue']} 天）"
            rows.append([esc(r["task_id"]), esc(r["text"]), esc(r["responsible"]), esc(fmt_date(r["deadline"])),
                         esc(kinds[r["kind"]]), f'<span class="task-{esc(r["state"])}">{esc(state)}</span>',
                         esc(fmt_date(r["completed_on"])), esc(r["note"] or "")])
            attrs.append({"class": "overdue" if r["state"] == "overdue" else "", "data-task": r["task_id"]})
        blocks.append(f"<h3>{esc(lead)}</h3>" + table(
            ["编号", cols["task"], cols["responsible"], cols["deadline"], cols["kind"], cols["state"],
             cols["completed_on"], cols["note"]], rows, cls="tasks", row_attrs=attrs))
    body = note(f"共 {len(ctx.tasks)} 项任务：{summary}。按牵头单位分组，已逾期任务排在最前并以红色标出。") + "".join(blocks)
    return section(t("report.tasks"), body, anchor="tasks")


def narrative(ctx: ReportContext, title: str | None = None) -> str:
    d = draft(ctx.card, ctx.tasks, ctx.ranking, ctx.accident_row, len(ctx.missing_denominators), len(ctx.outliers))
    parts = [f'<p class="draft-mark">{esc(t("report.draft"))}</p>']
    for heading, items in (("主要成效", d.achievements), ("存在问题", d.problems), ("下步建议", d.actions)):
        lis = "".join(f"<li>{esc(x)}</li>" for x in items) or "<li>—</li>"
        parts.append(f"<h3>{heading}</h3><ol>{lis}</ol>")
    return section(title or t("report.narrative"), '<div class="narrative">' + "".join(parts) + "</div>",
                   anchor="narrative")


def method() -> str:
    items = [
        "指标值：按规划目录中的分子、分母口径，在数据仓库中对全部单位、全部季度一次计算；上级单位的数值由下级单位的分子、分母分别加总后再相除，不对比率求平均。",
        "当期目标：取评估期所处阶段的目标值（如 2024 年底 60%、2025 年底 100%）；序时路径由阶段起点（基期或上一阶段时限）线性过渡到阶段目标。",
        "序时进度 = 阶段已过天数 ÷ 阶段总天数；完成率 = 阶段内已取得的进展 ÷ 阶段要求的进展。完成率不低于序时进度即“时间过半、任务过半”。",
        ("状态判定采用 Open SDG（参照欧盟统计局）增长率比值法：R = 方向 × 实际年均增长率 ÷ |所需年均增长率|。"
         "已达到当期目标为“已达标”；R ≥ 0.95 为“正常推进”，0.6 ≤ R < 0.95 为“滞后”，R < 0.6 为“严重滞后”；缺少数值或基期为“数据不足”。"
         "起点为零、累计数量类和清零类目标无法计算增长率，改用 完成率 ÷ 序时进度 并套用同一阈值。"),
        "期末预测：以最近四个季度的线性趋势外推至阶段时限，判断能否如期达标。",
        "小样本：事故起数、死亡人数等稀有事件给出精确泊松 95% 置信区间；分子少于 20 时标注“小样本”，其变化多属随机波动，解读时宜谨慎；单位间比较用漏斗图而非简单排名。",
        "量化排名：下级单位各指标状态得分的加权平均，权重取自规划目录，未设权重时核心指标等权。",
        (f"数据质量：报送率、及时率按 DHIS2 定义（季度结束后 {ON_TIME_DAYS} 天内为及时）；异常值按 z 分数（|z|>{Z_LIMIT:g}）"
         f"和修正 z 分数（|修正z|>{MODIFIED_Z_LIMIT:g}）识别；分母缺失的比率不计算、不插补。"),
        "任务进展：取责任单位截至评估期末最近一次报送；完成类任务超过时限仍未完成即为“已逾期”。",
        "评估意见为程序依据上述数字自动起草的初稿，须由规划编制人员审核修改后使用。",
    ]
    body = "<ol>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ol>"
    return section(t("report.method"), body, anchor="method")


CONTENTS = (("scorecard", "核心指标"), ("progress", "序时进度"), ("narrative", "评估意见"), ("actions", "分行动指标"),
            ("accidents", "事故情况"), ("ranking", "量化排名"), ("tasks", "重点任务"), ("quality", "数据质量"),
            ("method", "方法说明"))


def contents(items: tuple[tuple[str, str], ...] = CONTENTS) -> str:
    """In-page navigation (hidden in print)."""
    links = "".join(f'<a href="#{esc(a)}">{esc(label)}</a>' for a, label in items)
    return f'<nav class="toc">{links}</nav>'
