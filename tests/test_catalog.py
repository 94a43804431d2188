"""Plan catalogs: every params/plans/*.yaml loads, the 全福街道 catalog holds the plan's
targets, sources quote the seed verbatim, measure SQL runs in DuckDB, and malformed catalogs
fail with a CatalogError naming the file and the field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analysis import config
from analysis.errors import CatalogError
from analysis.intake.ledgers import LEDGERS
from analysis.plans.catalog import Catalog, get_plan, load_plan, plan_files

QUANFU = config.PLANS_DIR / "quanfu_2024_2026.yaml"
SEED = Path(config.ROOT).parent / "shared" / "seeds" / "000_8f86dce21590bf7c.txt"
BAD_DIR = Path(__file__).parent / "data" / "bad" / "plans"
ALL_PLANS = sorted(config.PLANS_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def quanfu() -> Catalog:
    return load_plan(QUANFU)


def phases(cat: Catalog, indicator_id: str) -> list[tuple[date, float | None]]:
    return [(p.by, p.value) for p in cat.indicator(indicator_id).target.phases]


# --- (1) every catalog loads -------------------------------------------------------------

@pytest.mark.parametrize("path", ALL_PLANS, ids=lambda p: p.name)
def test_every_plan_loads(path: Path):
    cat = get_plan(path.stem)  # also checks plan.id == file name
    assert cat.indicators or cat.tasks, f"{path.name}: neither indicators nor tasks"


def test_quanfu_is_listed():
    assert "quanfu_2024_2026" in plan_files()


# --- (2) the 全福街道 catalog holds the plan's key targets ---------------------------------------

def test_quanfu_plan_header(quanfu: Catalog):
    p = quanfu.plan
    assert p.id == "quanfu_2024_2026"
    assert p.document_no == "济历城全办发〔2024〕10号"
    assert p.issued_on == date(2024, 3, 28)
    assert p.level == "street"
    assert (p.org_unit, p.org_unit_name) == ("SLQ-QF", "全福街道")
    assert (p.period.start, p.period.end) == (date(2024, 1, 1), date(2026, 12, 31))
    assert p.baseline_year == 2023
    assert (p.milestones.midterm, p.milestones.final) == (date(2025, 6, 30), date(2026, 12, 31))
    assert p.source_file == SEED.name
    assert [a.id for a in p.actions] == ["A0", "A1", "A2", "A3", "A4", "A5", "A6"]
    assert quanfu.action_title("A3") == "开展重大事故隐患动态清零行动"
    assert quanfu.action_title("A6") == "开展生产经营单位安全管理体系建设行动"


@pytest.mark.parametrize(("indicator_id", "kind", "expected"), [
    ("key_personnel_training_coverage", "at_least",
     [(date(2024, 12, 31), 60), (date(2025, 12, 31), 100)]),
    ("key_personnel_training_coverage_hazchem", "at_least", [(date(2024, 10, 31), 100)]),
    ("management_training_pass_rate", "at_least", [(date(2024, 11, 30), 100)]),
    ("unannounced_drill_share", "at_least",
     [(date(2024, 12, 31), 40), (date(2025, 12, 31), 50), (date(2026, 12, 31), 50)]),
    ("enterprise_drill_frequency_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("street_drill_frequency_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("major_hazard_stock_rectified", "at_least", [(date(2024, 12, 31), 100)]),
    ("major_hazards_open", "zero", [(date(2025, 12, 31), 0)]),
    ("smoke_alarm_compound_coverage", "at_least", [(date(2024, 12, 31), 100)]),
    ("monitoring_connection_rate", "at_least", [(date(2024, 12, 31), 100)]),
    ("insurer_risk_assessment_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("insurer_hazard_screening_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("insurer_training_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("leader_inspection_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("special_inspections_per_year", "at_least",
     [(date(2024, 12, 31), 1), (date(2025, 12, 31), 1), (date(2026, 12, 31), 1)]),
    # “每年…做到‘两个全覆盖’”: every year, not a glide path to the 2026 完成时限
    ("leader_training_yearly_coverage", "frequency_compliance",
     [(date(2024, 12, 31), 100), (date(2025, 12, 31), 100), (date(2026, 12, 31), 100)]),
])
def test_quanfu_targets(quanfu: Catalog, indicator_id, kind, expected):
    ind = quanfu.indicator(indicator_id)
    assert ind.target.kind == kind
    assert phases(quanfu, indicator_id) == expected


def test_quanfu_2026_unannounced_phase_says_no_number(quanfu: Catalog):
    last = quanfu.indicator("unannounced_drill_share").target.phases[-1]
    assert last.value == 50 and "未给出数值" in last.note


def test_quanfu_rates_are_percent(quanfu: Catalog):
    for ind in quanfu.indicators:
        if ind.unit == "%":
            assert ind.denominator and ind.factor == 100, ind.id


def test_quanfu_training_scope(quanfu: Catalog):
    m = quanfu.measures
    cov = quanfu.indicator("key_personnel_training_coverage")
    assert (cov.window, cov.denominator) == ("plan_to_date", "key_personnel_required")
    # 危化品重点企业 is the hazardous-chemicals industry, not every enterprise with the flag
    assert "industry = '危险化学品'" in m["key_personnel_required_hazchem"].filter
    assert "industry = '危险化学品'" in m["key_personnel_trained_hazchem"].filter
    # numerator and denominator cover one population: people of enterprises active at the period
    # end, trained and passed (“凡培训必考核”)
    for mid in ("key_personnel_trained", "key_personnel_trained_hazchem"):
        assert "closed_on > period_end" in m[mid].filter and "passed" in m[mid].filter, mid
    assert "passed" in m[quanfu.indicator("management_training_pass_rate").numerator].filter


def test_quanfu_hazard_measures(quanfu: Catalog):
    m = quanfu.measures
    stock = m["major_hazards_stock_2023_rectified"]
    assert stock.date is None and "2023-12-31" in stock.filter and "rectified_on" in stock.filter
    open_ = m[quanfu.indicator("major_hazards_open").numerator]
    assert open_.date is None and "rectified_on IS NULL" in open_.filter
    assert quanfu.indicator("major_hazards_open").direction == "lower"


def test_quanfu_frequency_rules(quanfu: Catalog):
    m = quanfu.measures

    def rules(mid):
        return [(r.when, r.every_months, r.min_events) for r in m[mid].frequency.rules]

    assert rules("enterprises_drill_ok") == [("high_risk OR crowded_place", 6, 1), ("TRUE", 12, 1)]
    assert rules("streets_drill_ok") == [("TRUE", 12, 1)]
    # 高危行业每月至少1次: every calendar month of the quarter, not a trailing month
    assert rules("enterprises_leader_inspection_ok") == [("high_risk", 3, 1), ("TRUE", 3, 1)]
    assert [r.each_month for r in m["enterprises_leader_inspection_ok"].frequency.rules] == [True, False]
    for mid, months, kind in [("enterprises_insurer_assessment_ok", 12, "保险机构风险评估"),
                              ("enterprises_insurer_screening_ok", 3, "保险机构隐患排查"),
                              ("enterprises_insurer_training_ok", 6, "保险机构全员培训")]:
        assert rules(mid) == [("TRUE", months, 1)]
        assert m[mid].frequency.events == "safety_activities"
        assert kind in m[mid].frequency.filter
        assert "insured" in m[mid].filter
    assert "主要负责人带队检查" in m["enterprises_leader_inspection_ok"].frequency.filter


def test_quanfu_accident_goals(quanfu: Catalog):
    larger = quanfu.indicator("accidents_larger_plus")
    # 全力遏制 is contain (not above last year), 坚决杜绝 is none_allowed
    assert larger.target.kind == "contain" and larger.window in ("ytd", "trailing_4q")
    assert "较大" in quanfu.measures[larger.numerator].filter
    assert quanfu.indicator("accidents_grave").target.kind == "none_allowed"
    accident_ids = [i.id for i in quanfu.indicators if i.numerator.startswith("accidents_")]
    assert accident_ids and all(quanfu.indicator(i).small_numbers for i in accident_ids)
    # the seed sets no target on accident deaths: none may be invented
    assert not any("deaths" in (m.aggregate + (m.filter or "")) for m in quanfu.measures.values())


def test_quanfu_headlines_and_responsible(quanfu: Catalog):
    assert 6 <= sum(i.headline for i in quanfu.indicators) <= 8
    for ind in quanfu.indicators:
        assert ind.responsible.strip(), ind.id
    assert quanfu.indicator("smoke_alarm_compound_coverage").responsible == \
        "街道应急办牵头，相关科室和各社区组织实施"


@pytest.mark.parametrize(("task_id", "deadline", "kind", "words"), [
    ("T11", date(2024, 3, 31), "milestone", "重大事故隐患数据库"),
    ("T06", date(2024, 6, 30), "milestone", "判定标准"),
    ("T05", date(2024, 11, 30), "effect", "考核合格率"),
    ("T29", date(2024, 12, 31), "milestone", "居民小区全覆盖"),
    ("T24", date(2025, 6, 30), "milestone", "老旧装置"),
    ("T25", date(2025, 12, 31), "milestone", "变型拖拉机"),
    ("T34", date(2025, 12, 31), "milestone", "消防供水"),
    ("T35", date(2025, 12, 31), "milestone", "自建房"),
    ("T51", date(2025, 12, 31), "milestone", "标杆企业"),
    ("T26", date(2026, 12, 31), "milestone", "百吨王"),
    ("T33", date(2026, 6, 30), "milestone", "处置机制"),
    ("T41", date(2024, 5, 31), "milestone", "培训管理制度"),
    ("T39", date(2024, 12, 31), "effect", "第13项"),
    ("T40", date(2026, 12, 31), "milestone", "第13项"),
])
def test_quanfu_tasks(quanfu: Catalog, task_id, deadline, kind, words):
    task = next(t for t in quanfu.tasks if t.id == task_id)
    assert (task.deadline, task.kind) == (deadline, kind)
    assert words in task.text


def test_quanfu_task_ids_and_items(quanfu: Catalog):
    assert [t.id for t in quanfu.tasks] == [f"T{i:02d}" for i in range(1, len(quanfu.tasks) + 1)]
    # each numbered item 1–16 has its 完成时限 task
    items = {int(m.group(1)) for t in quanfu.tasks if (m := re.match(r"第(\d+)项", t.text))}
    assert items == set(range(1, 17))
    for t in quanfu.tasks:
        assert quanfu.plan.period.start <= t.deadline <= quanfu.plan.period.end, t.id
        if "取得明显成效" in t.source and "完成" not in t.source.split("成效")[1]:
            assert t.kind == "effect", t.id


# --- (3) sources are quoted verbatim from the seed ----------------------------------------------

@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"seed not available on this machine: {SEED}")
    return SEED.read_text(encoding="utf-8")


def test_indicator_sources_verbatim(quanfu: Catalog, seed_text: str):
    missing = [i.id for i in quanfu.indicators if i.source not in seed_text]
    assert not missing, f"source not found verbatim in the seed: {missing}"


def test_task_sources_verbatim(quanfu: Catalog, seed_text: str):
    # the seed breaks a few sentences across page breaks (blank lines): compare without whitespace
    flat = re.sub(r"\s+", "", seed_text)
    missing = [t.id for t in quanfu.tasks if re.sub(r"\s+", "", t.source) not in flat]
    assert not missing, f"task source not found in the seed: {missing}"


# --- measure SQL parses and runs in DuckDB ------------------------------------------------------

@pytest.fixture(scope="module")
def empty_db():
    con = duckdb.connect()
    for ledger in LEDGERS.values():
        con.execute(f"CREATE TABLE {ledger.name} ({ledger.duckdb_columns()})")
    yield con
    con.close()


WINDOW = "(SELECT DATE '2024-01-01' AS period_start, DATE '2025-09-30' AS period_end) w"


@pytest.mark.parametrize("path", ALL_PLANS, ids=lambda p: p.name)
def test_measure_sql_runs(path: Path, empty_db):
    cat = load_plan(path)
    for mid, m in cat.measures.items():
        try:
            empty_db.execute(f"SELECT {m.aggregate} FROM {m.table} f, {WINDOW} "
                             f"WHERE {m.filter or 'TRUE'}").fetchall()
            if m.frequency:
                fr = m.frequency
                for rule in fr.rules:
                    empty_db.execute(f"SELECT count(*) FROM {m.table} f, {WINDOW} "
                                     f"WHERE ({rule.when}) AND ({m.filter or 'TRUE'})").fetchall()
                empty_db.execute(f"SELECT count(*) FROM {fr.events} e, {WINDOW} "
                                 f"WHERE ({fr.filter or 'TRUE'}) AND {fr.date} <= period_end"
                                 ).fetchall()
        except duckdb.Error as e:
            pytest.fail(f"{path.name}: measures.{mid}: {e}")


# --- (4) malformed catalogs fail with a CatalogError naming file and field ----------------------

BAD = {
    "unknown_top_level_key.yaml": ["indicatorz", "Extra inputs"],
    "misspelled_indicator_field.yaml": ["indicators.0.numerater", "indicators.0.numerator"],
    "unknown_measure.yaml": ["indicators.0.numerator", "no_such_measure"],
    "target_date_outside_period.yaml": ["indicators.0.target.phases.0.by", "2027-12-31"],
    "change_without_baseline.yaml": ["indicators.0.target", "baseline"],
    "invalid_yaml.yaml": ["YAML", "line 28"],
    "unknown_table.yaml": ["measures.drills_all", "no_such_ledger"],
    "unknown_window.yaml": ["indicators.0.window", "monthly"],
    "unknown_action.yaml": ["indicators.0.action", "A9"],
    "unknown_date_column.yaml": ["measures.drills_all", "held_on"],
    "not_a_mapping.yaml": ["mapping"],
    "impossible_month.yaml": ["indicators.0.target.phases.0.by", "2025-13-31", "日期无效", "month value"],
    "impossible_day.yaml": ["plan.issued_on", "2025-02-30", "日期无效", "day value"],
    "gbk_encoded.yaml": ["UTF-8", "第3行 title", "GBK"],
    "every_problem_at_once.yaml": ["indicators.0.direction", "upward", "indicators.0.target.phases.0.by",
                                   "2025-02-30", "indicators.0.numerator", "drills_everything",
                                   "indicators.0.action", "A7"],
    "statistics_measure_with_date.yaml": ["measures.drills_all", "公开统计数字", "leave out `date`"],
}


def test_bad_corpus_is_complete():
    assert sorted(p.name for p in BAD_DIR.glob("*.yaml")) == sorted(BAD)


@pytest.mark.parametrize(("name", "fragments"), sorted(BAD.items()))
def test_bad_catalog_rejected(name: str, fragments: list[str]):
    with pytest.raises(CatalogError) as exc:
        load_plan(BAD_DIR / name)
    message = str(exc.value)
    assert name in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"


def test_messages_are_chinese_with_english_beside():
    for name in BAD:
        with pytest.raises(CatalogError) as exc:
            load_plan(BAD_DIR / name)
        for line in str(exc.value).splitlines():
            assert re.search(r"[\u4e00-\u9fff]", line) and re.search(r"[A-Za-z]{3}", line), (name, line)


def test_plans_check_lists_every_problem_at_once():
    from typer.testing import CliRunner

    from analysis.cli import app

    result = CliRunner().invoke(app, ["plans", "check", str(BAD_DIR / "every_problem_at_once.yaml"),
                                      str(QUANFU)], terminal_width=250)
    assert result.exit_code == 1
    out = result.output
    problems = [line for line in out.splitlines() if line.strip().startswith("- every_problem_at_once.yaml:")]
    assert len(problems) == 4, out  # field errors and cross-references together
    assert "✔" in out and "quanfu_2024_2026.yaml" in out  # the good file after the bad one is still checked


def test_plans_check_takes_a_plan_id_as_plans_needs_does():
    from typer.testing import CliRunner

    from analysis.cli import app

    result = CliRunner().invoke(app, ["plans", "check", "jiaoyu_2024_2026", "no_such_plan"], terminal_width=250)
    assert result.exit_code == 1  # the unknown one
    assert "✔" in result.output and "jiaoyu_2024_2026.yaml: 0 项指标, 11 项任务" in result.output
    assert "找不到计划目录文件 / plan catalog not found: no_such_plan" in result.output


@pytest.mark.parametrize("bad", ["gbk_encoded.yaml", "impossible_day.yaml", "invalid_yaml.yaml"])
def test_one_bad_file_never_stops_plans_list_or_other_plans(bad, tmp_path, monkeypatch):
    import shutil

    from typer.testing import CliRunner

    from analysis.cli import app

    for p in ALL_PLANS:
        shutil.copy(p, tmp_path / p.name)
    shutil.copy(BAD_DIR / bad, tmp_path / "broken_plan.yaml")
    monkeypatch.setenv("ANALYSIS_PLANS_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["plans", "list"], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert f"共 {len(ALL_PLANS) + 1} 个规划目录" in result.output
    assert result.output.count("无效") == 1  # the broken one, and only it
    assert get_plan("quanfu_2024_2026").plan.id == "quanfu_2024_2026"
    with pytest.raises(CatalogError, match="broken_plan.yaml"):
        get_plan("broken_plan")
    from analysis.method.collection import _catalogs

    assert {c.plan.id for c in _catalogs()} == {p.stem for p in ALL_PLANS}


def test_missing_catalog_file():
    with pytest.raises(CatalogError, match="no_such_plan.yaml"):
        load_plan(BAD_DIR / "no_such_plan.yaml")


# --- (5) every catalog: shared rules ------------------------------------------------------------

SEEDS_DIR = Path(config.ROOT).parent / "shared" / "seeds"
EXPECTED_PLANS = {"quanfu_2024_2026", "wanzhang_industry_2024_2026", "licheng_14th_fyp",
                  "shanting_2024_2026", "national_2024_2026", "tianjin_street_2024_2026", "kejingxin_2024_2026"}


def _joined(text: str) -> str:
    """Seed text with line- and page-break whitespace dropped (spaces inside a line are kept)."""
    return re.sub(r"\s*\n\s*", "", text)


@pytest.fixture(scope="module", params=ALL_PLANS, ids=lambda p: p.stem)
def catalog(request) -> Catalog:
    return load_plan(request.param)


def test_all_seed_plans_are_listed():
    assert EXPECTED_PLANS <= set(plan_files())


def test_sources_verbatim_in_seed(catalog: Catalog):
    """Every indicator and task quotes its seed character for character (page breaks aside)."""
    assert catalog.plan.source_file, catalog.plan.id
    seed = SEEDS_DIR / catalog.plan.source_file
    if not seed.exists():
        pytest.skip(f"seed not available on this machine: {seed}")
    text = _joined(seed.read_text(encoding="utf-8"))
    missing = [f"indicator {i.id}" for i in catalog.indicators if _joined(i.source) not in text]
    missing += [f"task {t.id}" for t in catalog.tasks if _joined(t.source) not in text]
    assert not missing, f"{catalog.plan.id}: source not found verbatim in {seed.name}: {missing}"


def test_catalog_conventions(catalog: Catalog):
    plan = catalog.plan
    assert plan.actions[0].id == "A0" and plan.actions[0].title.startswith("主要目标"), plan.id
    # six to eight headline indicators; a plan with fewer quantitative targets (篇四 has three) headlines them all
    assert min(6, len(catalog.indicators)) <= sum(i.headline for i in catalog.indicators) <= 8, plan.id
    assert [t.id for t in catalog.tasks] == [f"T{i:02d}" for i in range(1, len(catalog.tasks) + 1)]
    for t in catalog.tasks:
        assert plan.period.start <= t.deadline <= plan.period.end, (plan.id, t.id)
        assert all(r.strip() for r in t.responsible), (plan.id, t.id)
    for ind in catalog.indicators:
        assert ind.responsible.strip() and ind.source.strip(), (plan.id, ind.id)
        if ind.unit == "%":
            assert ind.denominator and ind.factor == 100, (plan.id, ind.id)


def test_accident_indicators_are_small_numbers(catalog: Catalog):
    for ind in catalog.indicators:
        if catalog.measures[ind.numerator].table == "accidents":
            assert ind.small_numbers, (catalog.plan.id, ind.id)


def test_death_rate_denominators(catalog: Catalog):
    """Deaths per 亿元 GDP sum GDP over the window; per 十万人 / 万车 take the period-end stock."""
    for ind in catalog.indicators:
        den = catalog.measures[ind.denominator] if ind.denominator else None
        if den is None or den.table != "economy":
            continue
        num = catalog.measures[ind.numerator]
        assert (num.table, num.date) == ("accidents", "occurred_on") and "deaths" in num.aggregate
        assert ind.window == "trailing_4q", ind.id
        if "gdp" in den.aggregate:
            assert den.date == "quarter_end", ind.id
        else:
            assert den.date is None and "quarter_end = period_end" in den.filter, ind.id


def test_catalog_sql_runs_in_warehouse_schema(catalog: Catalog):
    from analysis.method.measures import check_sql

    assert check_sql(catalog) == []


def test_ledgers_carry_unit_id():
    for ledger in LEDGERS.values():
        assert "unit_id" in {c.name for c in ledger.columns}, ledger.name


# --- (6) 万张街道工贸 (seed 001) -----------------------------------------------------------------

@pytest.fixture(scope="module")
def wanzhang() -> Catalog:
    return get_plan("wanzhang_industry_2024_2026")


def test_wanzhang_header(wanzhang: Catalog):
    p = wanzhang.plan
    assert (p.level, p.org_unit, p.org_unit_name) == ("street", "SLQ-WZ", "万张街道")
    assert (p.period.start, p.period.end) == (date(2024, 1, 1), date(2026, 12, 31))
    assert p.source_file == "001_3028767da2c0d651.txt"
    assert len(p.actions) == 8 and wanzhang.action_title("A6") == "规范培训考核，着力提升从业人员安全素质"


@pytest.mark.parametrize(("indicator_id", "kind", "expected"), [
    ("dust_monitoring_connection_rate", "at_least", [(date(2024, 12, 31), 100)]),
    ("prev_year_major_hazards_rectified", "at_least",
     [(date(2024, 1, 31), 100), (date(2025, 1, 31), 100), (date(2026, 1, 31), 100)]),
    ("major_hazards_open", "zero", [(date(2026, 12, 31), 0)]),
    ("leader_inspection_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("leader_training_confined_dust", "at_least", [(date(2024, 12, 31), 100)]),
    ("leader_training_ammonia", "at_least", [(date(2025, 12, 31), 100)]),
    ("leader_training_molten", "at_least", [(date(2025, 12, 31), 100)]),
    ("leader_training_key_domains", "at_least", [(date(2026, 12, 31), 100)]),
    ("evacuation_drill_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("enforcement_staff_training_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("gm_accidents", "contain", [(date(2026, 12, 31), None)]),  # 全力遏制: not above last year
])
def test_wanzhang_targets(wanzhang: Catalog, indicator_id, kind, expected):
    assert wanzhang.indicator(indicator_id).target.kind == kind
    assert phases(wanzhang, indicator_id) == expected


def test_wanzhang_scope_and_rules(wanzhang: Catalog):
    m = wanzhang.measures

    def rules(mid):
        return [(r.when, r.every_months, r.min_events) for r in m[mid].frequency.rules]

    assert rules("gm_leader_inspection_ok") == [
        ("molten_metal OR dust_explosion OR ammonia_refrigeration", 3, 1), ("TRUE", 3, 1)]
    assert [r.each_month for r in m["gm_leader_inspection_ok"].frequency.rules] == [True, False]
    assert rules("gm_evacuation_drill_ok") == [("molten_metal", 6, 1), ("TRUE", 12, 1)]
    assert rules("enforcement_staff_trained_yearly") == [("TRUE", 12, 1)]
    # a 工贸 plan: enterprise measures keep to the 工贸 industries
    for mid, measure in m.items():
        if measure.table in ("enterprises", "hazards") or "enterprises" in (measure.filter or ""):
            assert "'商贸'" in measure.filter and "'危险化学品'" not in measure.filter, mid
    jan = m["gm_major_hazards_prev_year_rectified_jan"].filter
    assert "year(period_end) - 1" in jan and "make_date(year(period_end), 1, 31)" in jan


@pytest.mark.parametrize(("task_id", "deadline", "words"), [
    ("T01", date(2024, 12, 31), "粉尘涉爆"),
    ("T02", date(2025, 12, 31), "标准化管理体系"),
    ("T03", date(2026, 12, 31), "常态化机制"),
    ("T04", date(2026, 12, 31), "人工清仓"),
    ("T05", date(2024, 1, 31), "2023年度"),
    ("T07", date(2026, 1, 31), "2025年度"),
    ("T13", date(2024, 12, 31), "分类分级监管平台"),
    ("T19", date(2026, 12, 31), "劳动密集型"),
    ("T20", date(2026, 12, 31), "非现场执法"),
])
def test_wanzhang_tasks(wanzhang: Catalog, task_id, deadline, words):
    task = next(t for t in wanzhang.tasks if t.id == task_id)
    assert task.deadline == deadline and words in task.text


# --- (7) 历城区“十四五” (seed 002) ----------------------------------------------------------------

@pytest.fixture(scope="module")
def licheng() -> Catalog:
    return get_plan("licheng_14th_fyp")


def test_licheng_header(licheng: Catalog):
    p = licheng.plan
    assert (p.level, p.org_unit, p.org_unit_name) == ("district", "SLQ", "历城区")
    assert (p.period.start, p.period.end) == (date(2021, 1, 1), date(2025, 12, 31))
    assert p.baseline_year == 2020
    assert (p.milestones.midterm, p.milestones.final) == (date(2023, 12, 31), date(2025, 12, 31))
    assert p.source_file == "002_1c8518bd2577a46c.txt"


@pytest.mark.parametrize(("indicator_id", "kind", "expected"), [
    ("deaths_change", "change_from_baseline", [(date(2025, 12, 31), -15)]),
    ("gdp_death_rate", "at_most", [(date(2025, 12, 31), 0.01)]),
    ("industry_death_rate_change", "change_from_baseline", [(date(2025, 12, 31), -20)]),
    ("road_death_rate", "at_most", [(date(2025, 12, 31), 1.35)]),
    ("accidents_larger_plus", "contain", [(date(2025, 12, 31), None)]),  # 有效遏制, not 杜绝
    ("accidents_grave", "none_allowed", [(date(2025, 12, 31), 0)]),
    ("accidents_general", "year_on_year_decline", [(date(2025, 12, 31), None)]),
    ("monitoring_rate", "at_least", [(date(2025, 12, 31), 100)]),
    ("chem_process_automation_rate", "at_least", [(date(2025, 12, 31), 100)]),
    ("key_industry_skill_training_rate", "at_least", [(date(2025, 12, 31), 100)]),
    ("enforcement_staff_qualified_share", "at_least", [(date(2022, 12, 31), 75)]),
    ("safety_leader_training_rate", "frequency_compliance", [(date(2021, 12, 31), 100)]),
    ("complaint_closure_rate", "at_least", [(date(2021, 12, 31), 100)]),
])
def test_licheng_targets(licheng: Catalog, indicator_id, kind, expected):
    assert licheng.indicator(indicator_id).target.kind == kind
    assert phases(licheng, indicator_id) == expected


def test_licheng_death_rates(licheng: Catalog):
    m = licheng.measures
    for iid in ("deaths_change", "industry_death_rate_change"):
        assert licheng.indicator(iid).target.baseline.period == "2020Q4"
    gdp = licheng.indicator("gdp_death_rate")
    assert (gdp.numerator, gdp.denominator, gdp.factor) == ("deaths_all", "gdp", 1)
    workers = licheng.indicator("industry_death_rate_change")
    assert (workers.denominator, workers.factor) == ("industry_workers", 100000)
    assert m[workers.numerator].filter == "domain = '工矿商贸'"
    road = licheng.indicator("road_death_rate")
    assert (road.denominator, road.factor) == ("motor_vehicles", 10000)
    assert m[road.numerator].filter == "domain = '道路交通'"
    headlines = {i.id for i in licheng.indicators if i.headline}
    assert {"deaths_change", "gdp_death_rate", "industry_death_rate_change", "road_death_rate",
            "accidents_larger_plus"} <= headlines


def test_licheng_tasks(licheng: Catalog):
    by_id = {t.id: t for t in licheng.tasks}
    assert (by_id["T02"].deadline, by_id["T02"].action) == (date(2022, 12, 31), "A5")
    assert by_id["T45"].deadline == date(2023, 12, 31) and "中期评估" in by_id["T45"].text
    assert by_id["T46"].deadline == date(2025, 12, 31) and "终期考核" in by_id["T46"].text
    # every 主要任务 item and 重点工程 is there with the 牵头单位 the 规划 names
    items = [t for t in licheng.tasks if t.undated]  # 42 items and 重点工程, 6 targets inside them (issue 13)
    assert len(items) == 48 and all(t.deadline == date(2025, 12, 31) for t in items)
    assert any("不间断采集和监测系统" in t.text for t in items)
    assert not any("时限" in t.text for t in licheng.tasks)  # the report says what undated means, not each name
    fire = next(t for t in items if "消防安全整治" in t.text)
    assert fire.responsible == ["区消防救援大队"]
    team = next(t for t in items if "加强监管队伍建设" in t.text)
    assert team.responsible[:3] == ["区委组织部", "区委编办", "区应急局"]


# --- (8) 山亭区 (seed 003) ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shanting() -> Catalog:
    return get_plan("shanting_2024_2026")


def test_shanting_header(shanting: Catalog):
    p = shanting.plan
    assert (p.level, p.org_unit, p.org_unit_name) == ("district", "SLQ", "山亭区")
    assert (p.document_no, p.issued_on) == ("山安发〔2024〕6号", date(2024, 3, 4))
    assert p.source_file == "003_0bcc2df63bdcf247.txt"
    assert len(p.actions) == 12


YEAR_ENDS = [date(2024, 12, 31), date(2025, 12, 31), date(2026, 12, 31)]


@pytest.mark.parametrize(("indicator_id", "kind", "expected"), [
    ("accidents_all", "year_on_year_decline", [(d, None) for d in YEAR_ENDS]),
    ("deaths_all", "year_on_year_decline", [(d, None) for d in YEAR_ENDS]),
    ("accidents_larger_plus", "none_allowed", [(d, 0) for d in YEAR_ENDS]),
    ("major_hazard_stock_rectified", "at_least", [(date(2024, 12, 31), 100)]),
    ("major_hazards_open", "zero", [(date(2026, 12, 31), 0)]),
    ("key_personnel_training_coverage_hazchem", "at_least", [(date(2024, 10, 31), 100)]),
    ("key_personnel_training_coverage", "at_least", [(date(2024, 12, 31), 60), (date(2025, 12, 31), 100)]),
    ("dust_monitoring_connection_rate", "at_least", [(date(2024, 12, 31), 100)]),
    ("key_monitoring_coverage", "at_least", [(date(2025, 12, 31), 100)]),
    ("mine_standardization_grade2", "at_least", [(date(2025, 12, 31), 100)]),
    ("dust_ammonia_standardization_grade3", "at_least", [(date(2026, 12, 31), 100)]),
    ("enforcement_staff_attachment_training", "frequency_compliance", [(date(2026, 12, 31), 100)]),
    ("plan_demo_enterprises", "cumulative_count", [(date(2024, 12, 31), 3)]),
    ("plan_revision_trainings", "at_least", [(d, 1) for d in YEAR_ENDS]),
    ("unannounced_drill_share", "at_least", [(YEAR_ENDS[0], 40), (YEAR_ENDS[1], 60), (YEAR_ENDS[2], 60)]),
    ("rescue_stations_new", "cumulative_count", [(date(2024, 12, 31), 3), (date(2025, 12, 31), 6)]),
    ("rescue_points_new", "cumulative_count", [(date(2024, 12, 31), 4), (date(2025, 12, 31), 7)]),
    ("city_rescue_teams_new", "cumulative_count", [(date(2024, 12, 31), 1)]),
    ("social_rescue_teams_new", "cumulative_count", [(date(2024, 12, 31), 1)]),
    ("town_rescue_station_coverage", "at_least", [(date(2025, 12, 31), 100)]),
    ("monthly_dispatch_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
])
def test_shanting_targets(shanting: Catalog, indicator_id, kind, expected):
    assert shanting.indicator(indicator_id).target.kind == kind
    assert phases(shanting, indicator_id) == expected


def test_shanting_measures(shanting: Catalog):
    m = shanting.measures

    def rules(mid):
        return [(r.when, r.every_months, r.min_events) for r in m[mid].frequency.rules]

    # 高危行业每月至少1次: every calendar month of the quarter, not a trailing month
    assert rules("enterprises_leader_inspection_ok") == [("high_risk", 3, 1), ("TRUE", 3, 1)]
    assert [r.each_month for r in m["enterprises_leader_inspection_ok"].frequency.rules] == [True, False]
    assert rules("enterprises_evacuation_drill_ok") == [("high_risk", 6, 1), ("TRUE", 12, 1)]
    assert rules("towns_streets_drill_ok") == [("TRUE", 12, 1)]
    assert "专项演练" in m["towns_streets_drill_ok"].frequency.filter
    assert rules("enforcement_staff_attachment_trained") == [("TRUE", 36, 1)]
    assert rules("districts_monthly_dispatch_ok") == [("TRUE", 3, 1)]  # 月调度: each month of the quarter
    assert m["districts_monthly_dispatch_ok"].frequency.rules[0].each_month
    assert rules("districts_quarterly_consultation_ok") == [("TRUE", 3, 1)]
    for mid in ("rescue_stations_new", "rescue_points_new", "plan_demo_enterprises"):
        assert m[mid].date is not None
    for iid in ("rescue_stations_new", "rescue_points_new", "plan_demo_enterprises"):
        assert shanting.indicator(iid).window == "plan_to_date"
    # the grade in force at the period end: revoked only by a revocation up to then, within 有效期
    grade2 = m["mines_grade2_plus"].filter
    assert "standardization_grades" in grade2 and "'二级'" in grade2 and "'三级'" not in grade2
    assert "g.revoked_on > period_end" in grade2 and "valid_until" in grade2


@pytest.mark.parametrize(("task_id", "deadline", "kind", "words"), [
    ("T01", date(2024, 12, 31), "milestone", "存量"),
    ("T12", date(2024, 6, 30), "milestone", "边坡监测"),
    ("T18", date(2025, 6, 30), "milestone", "老旧装置"),
    ("T29", date(2026, 6, 30), "milestone", "违法违规项目处置"),
    ("T31", date(2024, 3, 31), "ongoing", "培训机构"),
    ("T35", date(2024, 10, 31), "milestone", "危化品重点企业"),
    ("T53", date(2024, 12, 31), "milestone", "举报办法"),
    ("T56", date(2024, 9, 30), "milestone", "应急工作手册"),
    ("T61", date(2025, 12, 31), "milestone", "全覆盖"),
    ("T64", date(2026, 12, 31), "milestone", "功能区"),
    ("T69", date(2024, 3, 31), "milestone", "有限空间"),
])
def test_shanting_tasks(shanting: Catalog, task_id, deadline, kind, words):
    task = next(t for t in shanting.tasks if t.id == task_id)
    assert (task.deadline, task.kind) == (deadline, kind)
    assert words in task.text


# --- (9) national 治本攻坚 and the compiled street plan (seed 004) ------------------------------

@pytest.fixture(scope="module")
def national() -> Catalog:
    return get_plan("national_2024_2026")


@pytest.fixture(scope="module")
def street() -> Catalog:
    return get_plan("tianjin_street_2024_2026")


def test_national_header(national: Catalog):
    p = national.plan
    assert (p.level, p.org_unit, p.org_unit_name) == ("national", "CN", "全国")
    assert p.source_file == "004_9f28c033469173c5.txt"
    assert len(p.actions) == 11 and national.action_title("A4") == "开展安全科技支撑和工程治理行动"


@pytest.mark.parametrize(("indicator_id", "kind", "expected"), [
    ("major_hazard_stock_rectified", "at_least", [(date(2024, 12, 31), 100)]),
    ("major_hazards_open", "zero", [(date(2026, 12, 31), 0)]),
    ("accidents_grave", "contain", [(date(2026, 12, 31), None)]),
    ("deaths_yoy", "year_on_year_decline", [(date(2026, 12, 31), None)]),
    ("deaths_per_gdp_yoy", "year_on_year_decline", [(date(2026, 12, 31), None)]),
    ("high_risk_rescue_team_coverage", "at_least", [(date(2026, 12, 31), 100)]),
    ("safety_fund_growth", "at_least", [(date(2024, 12, 31), 0), (date(2025, 12, 31), 0), (date(2026, 12, 31), 0)]),
    ("leader_training_mine_gas", "at_least", [(date(2024, 12, 31), 100)]),
    ("leader_training_metal_smelting", "at_least", [(date(2025, 12, 31), 100)]),
    ("leader_training_high_risk", "at_least", [(date(2026, 12, 31), 100)]),
    ("leader_inspection_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("key_monitoring_coverage", "at_least", [(date(2025, 12, 31), 100)]),
    ("evacuation_drill_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("national_rescue_teams", "at_least", [(date(2026, 12, 31), 150)]),
    ("enforcement_staff_rotation_training", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("quarterly_hearing_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
    ("monthly_study_compliance", "frequency_compliance", [(date(2024, 12, 31), 100)]),
])
def test_national_targets(national: Catalog, indicator_id, kind, expected):
    assert national.indicator(indicator_id).target.kind == kind
    assert phases(national, indicator_id) == expected


def test_national_rules_and_tasks(national: Catalog):
    m = national.measures
    assert [(r.when, r.every_months) for r in m["enterprises_evacuation_drill_ok"].frequency.rules] == [
        ("high_risk", 6), ("TRUE", 12)]
    assert m["enforcement_staff_rotation_trained"].frequency.filter == "kind = '定期轮训'"
    assert [(r.every_months) for r in m["gov_units_quarterly_hearing_ok"].frequency.rules] == [3]
    assert [(r.every_months) for r in m["gov_units_monthly_study_ok"].frequency.rules] == [1]
    by_id = {t.id: t for t in national.tasks}
    assert by_id["T07"].deadline == date(2024, 6, 30) and "判定标准" in by_id["T07"].text
    assert by_id["T14"].deadline == date(2025, 12, 31) and "变型拖拉机" in by_id["T14"].text
    assert by_id["T24"].deadline == date(2025, 12, 31) and "比武" in by_id["T24"].text
    assert by_id["T04"].responsible == ["国务院安委会有关成员单位", "各地区"]


def test_street_plan(street: Catalog):
    p = street.plan
    assert (p.level, p.source_file) == ("street", "004_9f28c033469173c5.txt")
    assert phases(street, "major_hazard_stock_rectified") == [(date(2024, 12, 31), 100)]
    # 有效遏制 is contain; the quote is the 主要目标 sentence, not the preamble's purpose clause
    larger = street.indicator("accidents_larger_plus")
    assert larger.target.kind == "contain" and larger.source.startswith("安全生产形势持续稳定向好")
    assert street.indicator("accidents_all").target.kind == "contain"
    assert phases(street, "leader_training_hazchem_gm") == [(date(2024, 12, 31), 100)]
    rules = street.measures["enterprises_evacuation_drill_ok"].frequency.rules
    assert [(r.when, r.every_months) for r in rules] == [("TRUE", 12)]
    assert [t.deadline for t in street.tasks if "年度工作报告" in t.text] == YEAR_ENDS
    assert all(t.responsible[0] in ("公共安全办(安监)", "各相关科室") for t in street.tasks)
