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
from analysis.catalog import Catalog, get_plan, load_plan, plan_files
from analysis.errors import CatalogError
from analysis.ledgers import LEDGERS

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
    assert cat.indicators, f"{path.name}: no indicators"


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
    ("leader_training_yearly_coverage", "frequency_compliance", [(date(2026, 12, 31), 100)]),
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
    assert "hazardous_chemicals" in m["key_personnel_required_hazchem"].filter
    assert "hazardous_chemicals" in m["key_personnel_trained_hazchem"].filter
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
    assert rules("enterprises_leader_inspection_ok") == [("high_risk", 1, 1), ("TRUE", 3, 1)]
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
    assert larger.target.kind == "none_allowed" and larger.window in ("ytd", "trailing_4q")
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


def test_missing_catalog_file():
    with pytest.raises(CatalogError, match="no_such_plan.yaml"):
        load_plan(BAD_DIR / "no_such_plan.yaml")
