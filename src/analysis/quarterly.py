"""Content of the quarterly assessment (季度评估): everything the notebook shows, as HTML sections.

The notebook stays thin: it loads a `Quarterly` and displays its sections in order."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import charts
from analysis.accidents import accident_frame, rate_rows
from analysis.catalog import Catalog, get_plan
from analysis.config import SAMPLE_DIR, WAREHOUSE
from analysis.errors import WarehouseError
from analysis.labels import group, t
from analysis.markup import esc, fmt_date, fmt_pct, fmt_value, note, section, status_badge, table
from analysis.measures import catalog_digest, compute_measures, data_version, load_values
from analysis.periods import Quarter
from analysis.progress import STATUSES, indicator_series, scorecard, time_progress_of_plan
from analysis.tasks import task_table
from analysis.warehouse import fetch_one, connect


@dataclass
class Quarterly:
    catalog: Catalog
    unit_id: str
    unit_name: str
    quarter: Quarter
    values: pd.DataFrame
    card: pd.DataFrame
    tasks: pd.DataFrame
    inputs: pd.DataFrame
    is_sample: bool
    accidents: pd.DataFrame

    @classmethod
    def load(cls, plan: str, unit: str, period: str, db: str | Path | None = None) -> Quarterly:
        catalog = get_plan(plan)
        q = Quarter.parse(period)
        with connect(Path(db) if db else WAREHOUSE, read_only=True) as con:
            found = fetch_one(con, "SELECT name FROM org_units WHERE unit_id = ?", [unit])
            if not found:
                raise WarehouseError(f"数据仓库中没有单位 / unit not in warehouse: {unit}")
            values = _measure_values(con, catalog)
            tasks = task_table(con, catalog, unit, q)
            accidents = accident_frame(con, q)
            inputs = con.execute("""SELECT ledger, name, sheet, sha256, rows, path, loaded_at FROM _files
                                    ORDER BY ledger, name, sheet""").fetchdf()
        is_sample = inputs["path"].map(lambda p: Path(p).is_relative_to(SAMPLE_DIR)).any()
        card = scorecard(catalog, values, unit, q)
        return cls(catalog, unit, found[0], q, values, card, tasks, inputs, bool(is_sample), accidents)

    # ---- sections -------------------------------------------------------------------------
    def header(self) -> str:
        plan = self.catalog.plan
        tp = time_progress_of_plan(self.catalog, self.quarter)
        counts = self.card["status"].value_counts()
        badges = " ".join(f"{status_badge(s)}<b>{int(counts.get(s, 0))}</b>" for s in STATUSES if counts.get(s, 0))
        banner = f'<div class="sample-banner">{esc(t("report.sample_banner"))}</div>' if self.is_sample else ""
        meta = table(["项目", "内容"], [
            ["规划", esc(plan.title)],
            ["印发单位 / 文号", esc(" ".join(x for x in (plan.issuer, plan.document_no) if x))],
            ["规划期", esc(f"{fmt_date(plan.period.start)} 至 {fmt_date(plan.period.end)}")],
            ["评估单位", esc(f"{self.unit_name}（{self.unit_id}）")],
            ["评估期", esc(f"{self.quarter.label}（截至 {fmt_date(self.quarter.end)}）")],
            ["规划序时进度", esc(fmt_pct(tp, 1))],
            ["指标状态", badges or "—"],
        ], cls="meta")
        title = t("report.quarterly_title", plan=plan.title)
        sub = t("report.quarterly_subtitle", unit=self.unit_name, period=self.quarter.label,
                end=fmt_date(self.quarter.end))
        return f'{banner}<header class="report-head"><h1>{esc(title)}</h1><p class="subtitle">{esc(sub)}</p></header>{meta}'

    def scorecard_html(self, headline_only: bool = True) -> str:
        card = self.card[self.card["headline"]] if headline_only and self.card["headline"].any() else self.card
        return section(t("report.scorecard"), self._indicator_table(card), anchor="scorecard")

    def _indicator_table(self, card: pd.DataFrame) -> str:
        cols = group("columns")
        trend = group("trend")
        headers = [cols["indicator"], cols["value"], cols["target"], cols["status"], cols["trend"], cols["yoy"],
                   cols["time_progress"], cols["completion"], cols["projected"], cols["responsible"]]
        rows, attrs = [], []
        for a in card.to_dict("records"):
            d, u = a["decimals"], a["unit"]
            target = "—" if a["target"] is None or _nan(a["target"]) else (
                f"{esc(group('target_kind')[a['kind']])} {esc(fmt_value(a['target'], d, u))}"
                f"<br><small>{esc(fmt_date(a['target_by']))}</small>")
            value = esc(fmt_value(a["value"], d, u))
            if a["ci_low"] is not None and not _nan(a["ci_low"]):
                value += (f"<br><small>95%区间 {esc(fmt_value(a['ci_low'], d + 1, ''))}–"
                          f"{esc(fmt_value(a['ci_high'], d + 1, ''))}</small>")
            if a["small_sample"]:
                value += ' <span class="flag">小样本</span>'
            yoy = "—" if a["yoy_change"] is None or _nan(a["yoy_change"]) else esc(f"{a['yoy_change'] * 100:+.1f}%")
            proj = "—" if a["projected"] is None or _nan(a["projected"]) else (
                esc(fmt_value(a["projected"], d, u)) + ("（可达标）" if a["likely_met"] else "（难达标）"))
            rows.append([
                f"{esc(a['name'])}<br><small>{esc(group('window').get(self._window(a), ''))}</small>",
                value, target, status_badge(a["status"]), esc(trend[a["trend"]]), yoy,
                esc(fmt_pct(a["time_progress"])), esc(fmt_pct(a["completion"])), proj, esc(a["responsible"]),
            ])
            attrs.append({"class": f"row-{a['status']}", "data-indicator": a["indicator_id"]})
        return table(headers, rows, cls="scorecard", row_attrs=attrs)

    def _window(self, a: dict) -> str:
        ind = self.catalog.indicator(a["indicator_id"])
        return ind.window if self.catalog.measures[ind.numerator].date else "stock"

    def progress_chart(self):
        """Matplotlib figure: 完成率 vs 序时进度 per indicator."""
        return charts.progress_bars(self.card, time_progress_of_plan(self.catalog, self.quarter))

    def actions(self) -> list[tuple[str, str, list[str]]]:
        """Per action (行动): title, the indicator table, and one plotly trend chart per indicator."""
        out = []
        for action in self.catalog.plan.actions:
            card = self.card[self.card["action"] == action.id]
            if card.empty:
                continue
            figs = []
            for a in card.to_dict("records"):
                ind = self.catalog.indicator(a["indicator_id"])
                series = indicator_series(ind, self.catalog, self.values, self.unit_id)
                series = series[series.index <= str(self.quarter)]
                phases = [(str(Quarter.of(p.by)), v) for p in ind.target.phases
                          if (v := _phase_level(a, p.value)) is not None]
                fig = charts.trend_figure(series, a, phases, f"{ind.name}（{ind.unit}）" if ind.unit else ind.name)
                figs.append(charts.plotly_div(fig, f"trend-{ind.id}"))
            out.append((action.title, self._indicator_table(card), figs))
        return out

    def accidents_html(self) -> str:
        """起数、死亡 (年初至今, 同比) and the three standard rates with intervals and 小样本 flags."""
        r = self.accidents.set_index("unit_id").loc[self.unit_id]
        ytd = f"{self.quarter.year}年1—{self.quarter.q * 3}月"
        counts = []
        for col, name, unit in (("accidents", "事故起数", "起"), ("deaths", "死亡人数", "人"),
                                ("injuries", "受伤人数", "人"), ("larger_plus", "较大及以上事故", "起"),
                                ("direct_loss", "直接经济损失", "万元")):
            now, before = r[col], r[col + "_ly"]
            change = "—" if before == 0 else f"{(now - before) / before * 100:+.1f}%"
            d = 1 if col == "direct_loss" else 0
            counts.append([esc(name), esc(fmt_value(now, d, unit)), esc(fmt_value(before, d, unit)), esc(change)])
        rates, attrs = [], []
        for x in rate_rows(self.accidents, self.unit_id):
            value = esc(fmt_value(x["value"], 4, x["unit"]))
            if x["small_sample"] and not _nan(x["value"]):
                value += ' <span class="flag">小样本</span>'
            interval = "—" if _nan(x["ci_low"]) else esc(f"{x['ci_low']:.4f}–{x['ci_high']:.4f}")
            den = "分母缺失" if _nan(x["denominator"]) else esc(f"{x['denominator']:,.2f}")
            rates.append([esc(x["name"]), value, interval, esc(f"{x['deaths']:.0f}"), den,
                          esc(fmt_value(x["value_ly"], 4, x["unit"]))])
            attrs.append({"data-rate": x["id"]})
        body = (note(f"事故起数与死亡人数为{ytd}累计，与上年同期比较；死亡率按近四个季度计算（年化），"
                     "括号内为精确泊松 95% 置信区间；死亡人数少于 20 人时标注“小样本”，变化多属随机波动。")
                + table(["项目", ytd, "上年同期", "同比"], counts, cls="accidents")
                + table(["死亡率指标", "近四季度", "95%置信区间", "死亡人数", "分母", "上年同期"], rates,
                        cls="rates", row_attrs=attrs))
        return section("生产安全事故情况", body, anchor="accidents")

    def tasks_html(self) -> str:
        if self.tasks.empty:
            return section(t("report.tasks"), note("本规划未列出带时限的任务。"))
        cols = group("columns")
        states = group("task_state")
        kinds = group("task_kind")
        counts = self.tasks["state"].value_counts()
        summary = "，".join(f"{states[s]} {int(n)} 项" for s, n in counts.items())
        rows, attrs = [], []
        for r in self.tasks.to_dict("records"):
            state = states[r["state"]]
            if r["state"] == "overdue":
                state += f"（{r['days_overdue']} 天）"
            rows.append([esc(r["task_id"]), esc(r["text"]), esc(r["responsible"]), esc(fmt_date(r["deadline"])),
                         esc(kinds[r["kind"]]), f'<span class="task-{esc(r["state"])}">{esc(state)}</span>',
                         esc(fmt_date(r["completed_on"])), esc(r["note"] or "")])
            attrs.append({"class": "overdue" if r["state"] == "overdue" else "", "data-task": r["task_id"]})
        body = note(f"共 {len(self.tasks)} 项任务：{summary}。已逾期任务排在最前并以红色标出。") + table(
            ["编号", cols["task"], cols["responsible"], cols["deadline"], cols["kind"], cols["state"],
             cols["completed_on"], cols["note"]], rows, cls="tasks", row_attrs=attrs)
        return section(t("report.tasks"), body, anchor="tasks")

    def method_html(self) -> str:
        items = [
            "指标值：按规划目录中的分子、分母口径，在数据仓库中对全部单位、全部季度一次计算；上级单位的数值由下级单位的分子、分母分别加总后再相除，不对比率求平均。",
            "当期目标：取评估期所处阶段的目标值（如 2024 年底 60%、2025 年底 100%）；序时路径由阶段起点（基期或上一阶段时限）线性过渡到阶段目标。",
            "序时进度 = 阶段已过天数 ÷ 阶段总天数；完成率 = 阶段内已取得的进展 ÷ 阶段要求的进展。完成率不低于序时进度即“时间过半、任务过半”。",
            "状态判定采用 Open SDG（参照欧盟统计局）增长率比值法：R = 方向 × 实际年均增长率 ÷ |所需年均增长率|。"
            "已达到当期目标为“已达标”；R ≥ 0.95 为“正常推进”，0.6 ≤ R < 0.95 为“滞后”，R < 0.6 为“严重滞后”；缺少数值或基期为“数据不足”。"
            "起点为零、累计数量类和清零类目标无法计算增长率，改用 完成率 ÷ 序时进度 并套用同一阈值。",
            "期末预测：以最近四个季度的线性趋势外推至阶段时限，判断能否如期达标。",
            "小样本：事故起数、死亡人数等稀有事件给出精确泊松 95% 置信区间；分子少于 20 时标注“小样本”，其变化多属随机波动，解读时宜谨慎。",
            "任务进展：取责任单位截至评估期末最近一次报送；完成类任务超过时限仍未完成即为“已逾期”。",
        ]
        body = "<ol>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ol>"
        return section(t("report.method"), body, anchor="method")


def _phase_level(a: dict, value: float | None) -> float | None:
    if value is None:
        return None
    if a["kind"] == "change_from_baseline":
        base = a["baseline"]
        return None if base is None or _nan(base) else base * (1 + value / 100)
    return value


def _nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _measure_values(con, catalog: Catalog) -> pd.DataFrame:
    """Cached values when current, else computed now (read-only: nothing is stored)."""
    try:
        have = fetch_one(con, "SELECT catalog_digest, data_version FROM _measure_cache WHERE plan_id = ?",
                           [catalog.plan.id])
    except Exception:  # the cache table does not exist before the first publish
        have = None
    if have == (catalog_digest(catalog), data_version(con)):
        return load_values(con, catalog.plan.id)
    return compute_measures(con, catalog)
