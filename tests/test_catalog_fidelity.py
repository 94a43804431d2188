"""The seed catalogs' own definitions on hand-made ledger rows (issue 13): each test computes by hand
what the plan's words ask for and checks the catalog measure or target gives it — and that the
definition it replaced would not."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from analysis.method.measures import compute_measures
from analysis.method.progress import assess
from analysis.plans.catalog import Catalog, get_plan, plan_files
from analysis.plans.periods import Quarter
from analysis.store.warehouse import build_org_closure, ensure_schema
from tests.test_measures import enterprise, insert

UNITS = [("D", "区", None, "区县"), ("S", "街道", "D", "街道"), ("C1", "一社区", "S", "社区"),
         ("C2", "二社区", "S", "社区")]


@pytest.fixture
def con():
    c = duckdb.connect()
    ensure_schema(c)
    insert(c, "org_units", [{"unit_id": u, "name": n, "parent_id": p, "level": lv} for u, n, p, lv in UNITS])
    build_org_closure(c)
    yield c
    c.close()


def only(catalog: Catalog, *indicator_ids: str) -> Catalog:
    """The catalog with just these indicators (so only their measures are computed)."""
    return catalog.model_copy(update={"indicators": [catalog.indicator(i) for i in indicator_ids]})


def value(frame, measure: str, unit: str, period: str) -> float:
    rows = frame[(frame.measure == measure) & (frame.unit_id == unit) & (frame.period == period)]
    assert len(rows) == 1, (measure, unit, period)
    return float(rows.value.iloc[0])


def training(pid: str, eid: str, unit: str, day: date, passed: bool = True, role: str = "安全管理人员") -> dict:
    return {"record_id": f"{pid}-{day}", "person_id": pid, "enterprise_id": eid, "unit_id": unit, "role": role,
            "training_date": day, "hours": 8.0, "passed": passed}


# --- 三类人员培训完成率: one population, 合格 where the plan says so ----------------------------

@pytest.fixture
def trained(con):
    insert(con, "enterprises", [
        enterprise("E1", "C1", 10),                                         # active, 10 to train
        enterprise("E3", "C2", 5, closed_on=date(2024, 2, 1)),               # closed: in neither
        enterprise("E4", "C2", 4, industry="危险化学品", hazardous_chemicals=True),
        enterprise("E5", "C2", 6, hazardous_chemicals=True),                 # 机械 with the flag
    ])
    rows = [training(f"p{i}", "E1", "C1", date(2024, 3, 1)) for i in range(6)]
    rows.append(training("p6", "E1", "C1", date(2024, 12, 31)))
    rows += [training(f"f{i}", "E1", "C1", date(2024, 4, 1), passed=False) for i in range(2)]
    rows += [training(f"x{i}", "E3", "C2", date(2024, 1, 15)) for i in range(4)]  # before E3 closed
    rows += [training(f"h{i}", "E4", "C2", date(2024, 5, 1)) for i in range(2)]
    rows += [training(f"k{i}", "E5", "C2", date(2024, 5, 1)) for i in range(3)]
    insert(con, "personnel_training", rows)
    return con


def test_quanfu_key_personnel_one_population_and_passed(trained):
    cat = only(get_plan("quanfu_2024_2026"), "key_personnel_training_coverage",
               "key_personnel_training_coverage_hazchem")
    f = compute_measures(trained, cat)
    # active enterprises E1, E4, E5: 10 + 4 + 6 = 20 to train; passed people of those: 7 + 2 + 3 = 12
    # (E3's 4 people left with E3; E1's 2 who failed 考核 are not done) -> 60 %, not (12+4+2)/20 = 90 %
    assert value(f, "key_personnel_required", "S", "2024Q4") == 20
    assert value(f, "key_personnel_trained", "S", "2024Q4") == 12
    a = assess(cat.indicator("key_personnel_training_coverage"), cat, f, "S", Quarter.parse("2024Q4"))
    assert a.value == pytest.approx(60.0) and a.status == "achieved"  # 2024 phase: 60 %
    # 危化品重点企业 = the 危险化学品 industry (E4), not every enterprise with the flag (E4 + E5)
    assert value(f, "key_personnel_required_hazchem", "S", "2024Q4") == 4
    assert value(f, "key_personnel_trained_hazchem", "S", "2024Q4") == 2


def test_shanting_key_personnel_one_population(trained):
    cat = only(get_plan("shanting_2024_2026"), "key_personnel_training_coverage")
    f = compute_measures(trained, cat)
    # the plan asks no 考核 here: 9 of E1 (passed or not), 2 of E4, 3 of E5; E3's people are gone
    assert value(f, "key_personnel_trained", "S", "2024Q4") == 14
    assert value(f, "key_personnel_required", "S", "2024Q4") == 20


# --- mine grading: the grade in force at the period end ------------------------------------------

def test_shanting_mine_grade_in_force(con):
    insert(con, "enterprises", [enterprise(m, "C1", 1, industry="非煤矿山", high_risk=True)
                                for m in ("M1", "M2", "M3", "M4")])

    def grade(gid, mine, level, on, valid=None, revoked=None):
        return {"grade_id": gid, "enterprise_id": mine, "unit_id": "C1", "level": level, "graded_on": on,
                "valid_until": valid, "revoked_on": revoked}

    insert(con, "standardization_grades", [
        grade("g1", "M1", "二级", date(2023, 1, 1), date(2026, 1, 1), revoked=date(2025, 3, 15)),
        grade("g2", "M2", "二级", date(2020, 6, 1), date(2023, 6, 1)),            # expired
        grade("g3", "M3", "二级", date(2022, 1, 1), date(2025, 1, 1)),
        grade("g4", "M3", "三级", date(2024, 5, 1), date(2027, 5, 1)),            # re-graded lower
        grade("g5", "M4", "二级", date(2024, 1, 10)),                              # no 有效期: 3 years
    ])
    cat = only(get_plan("shanting_2024_2026"), "mine_standardization_grade2")
    f = compute_measures(con, cat)
    # 2024Q1: M1, M3 (still 二级), M4 -> 3; M2 expired in 2023
    assert value(f, "mines_grade2_plus", "D", "2024Q1") == 3
    # 2024Q4: M3 now 三级; M1's revocation (2025-03-15) is after the quarter: M1, M4 -> 2
    assert value(f, "mines_grade2_plus", "D", "2024Q4") == 2
    # 2025Q1: M1 revoked -> M4 only
    assert value(f, "mines_grade2_plus", "D", "2025Q1") == 1
    assert value(f, "mines_active", "D", "2025Q1") == 4


# --- 每月至少1次: every calendar month of the quarter -----------------------------------------

def test_monthly_rule_per_calendar_month(con):
    insert(con, "enterprises", [enterprise("H1", "C1", 1, high_risk=True), enterprise("H2", "C1", 1, high_risk=True),
                                enterprise("N1", "C2", 1), enterprise("N3", "C2", 1)])

    def check(aid, eid, day):
        return {"activity_id": aid, "unit_id": "C1", "enterprise_id": eid, "activity_date": day,
                "kind": "主要负责人带队检查"}

    insert(con, "safety_activities", [
        check("a1", "H1", date(2024, 7, 5)), check("a2", "H1", date(2024, 8, 5)), check("a3", "H1", date(2024, 9, 5)),
        check("b1", "H2", date(2024, 7, 5)), check("b2", "H2", date(2024, 9, 20)),   # no check in August
        check("c1", "N1", date(2024, 9, 30)),
        check("d1", "N3", date(2024, 3, 31)),   # 31 March is not in the quarter ending 30 June
    ])
    cat = only(get_plan("quanfu_2024_2026"), "leader_inspection_compliance")
    f = compute_measures(con, cat)
    # 2024Q3: H1 (July, August, September) and N1 (once in the quarter); H2 misses August -> 2
    # (a trailing month before 30 September would have passed H2 as well: 3)
    assert value(f, "enterprises_leader_inspection_ok", "S", "2024Q3") == 2
    # 2024Q2: nobody — N3's check on 31 March belongs to the first quarter
    assert value(f, "enterprises_leader_inspection_ok", "S", "2024Q2") == 0
    assert value(f, "enterprises_leader_inspection_ok", "S", "2024Q1") == 1


# --- a district's count is not every street's target -----------------------------------------

def test_district_counts_not_applied_to_streets(con):
    insert(con, "rescue_capacity", [
        {"site_id": f"r{i}", "unit_id": "S", "name": f"站{i}", "kind": "镇街应急救援站",
         "established_on": date(2024, 3 * i + 2, 1)} for i in range(2)]
        + [{"site_id": "p1", "unit_id": "C1", "name": "点", "kind": "村居应急救援点",
            "established_on": date(2024, 12, 31)}])  # the data run to the end of 2024
    cat = only(get_plan("shanting_2024_2026"), "rescue_stations_new")
    f = compute_measures(con, cat)
    ind = cat.indicator("rescue_stations_new")
    q = Quarter.parse("2024Q4")
    district = assess(ind, cat, f, "D", q, unit_level="区县")
    street = assess(ind, cat, f, "S", q, unit_level="街道")
    # the district built 2 of the 3 it planned for 2024: missed; the street shows its 2, no status
    assert (district.value, district.status) == (2.0, "missed")
    assert (street.value, street.status) == (2.0, "not_applicable")


@pytest.mark.parametrize(("plan", "indicator_id"), [
    ("shanting_2024_2026", "rescue_stations_new"), ("shanting_2024_2026", "plan_demo_enterprises"),
    ("shanting_2024_2026", "rescue_points_new"), ("shanting_2024_2026", "city_rescue_teams_new"),
    ("shanting_2024_2026", "social_rescue_teams_new"), ("quanfu_2024_2026", "special_inspections_per_year"),
])
def test_whole_unit_counts_say_so(plan, indicator_id):
    cat = get_plan(plan)
    t = cat.indicator(indicator_id).target
    assert (t.level or cat.plan.level, t.below) == (cat.plan.level, "none")


# --- 遏制 is contain: not above last year; 杜绝 / 不发生 is zero -----------------------------

def test_licheng_contain_larger_accidents(con):
    def accident(aid, day, severity):
        return {"accident_id": aid, "unit_id": "C1", "occurred_on": day, "domain": "工矿商贸", "deaths": 3,
                "injuries": 0, "direct_loss": 1.0, "severity": severity}

    insert(con, "accidents", [accident("a0", date(2020, 1, 10), "一般"),
                              accident("a1", date(2021, 5, 1), "较大"), accident("a2", date(2022, 6, 1), "较大"),
                              accident("a3", date(2023, 2, 1), "较大"), accident("a4", date(2023, 8, 1), "较大"),
                              accident("a5", date(2025, 12, 31), "一般")])
    cat = only(get_plan("licheng_14th_fyp"), "accidents_larger_plus")
    f = compute_measures(con, cat)
    ind = cat.indicator("accidents_larger_plus")

    def status(q):
        return assess(ind, cat, f, "D", Quarter.parse(q)).status

    # 2022: 1 against 1 in 2021 — contained (none_allowed would call it 未完成)
    assert status("2022Q4") == "achieved"
    # 2023: 2 against 1 — not contained; in the first quarter 1 against 0 is within chance (滞后)
    assert status("2023Q1") == "behind"
    assert status("2023Q4") == "missed"
    # 2024: 0 against 2
    assert status("2024Q4") == "achieved"


def test_contain_and_none_allowed_follow_the_verbs():
    for plan, iid, kind in [("licheng_14th_fyp", "accidents_larger_plus", "contain"),
                            ("quanfu_2024_2026", "accidents_larger_plus", "contain"),
                            ("tianjin_street_2024_2026", "accidents_larger_plus", "contain"),
                            ("tianjin_street_2024_2026", "accidents_all", "contain"),
                            ("wanzhang_industry_2024_2026", "gm_accidents", "contain"),
                            ("shanting_2024_2026", "accidents_larger_plus", "none_allowed"),
                            ("licheng_14th_fyp", "accidents_grave", "none_allowed"),
                            ("quanfu_2024_2026", "accidents_grave", "none_allowed")]:
        ind = get_plan(plan).indicator(iid)
        assert ind.target.kind == kind, (plan, iid)
        verb = "遏制" if kind == "contain" else ("杜绝", "不发生")
        assert any(v in ind.source for v in ((verb,) if isinstance(verb, str) else verb)), (plan, iid)


# --- what the report says ---------------------------------------------------------------------

def test_licheng_undated_tasks_due_at_plan_end():
    cat = get_plan("licheng_14th_fyp")
    undated = [t for t in cat.tasks if t.undated]
    assert len(undated) == 48  # 42 numbered items and 重点工程, 6 targets inside them
    assert all(t.deadline == cat.plan.period.end for t in undated)
    for plan in plan_files():  # no task name carries an encoder's remark on its date: the report says it
        assert not any("未单列时限" in t.text or "（完成时限" in t.text for t in get_plan(plan).tasks), plan


def test_task_quotes_identify_the_task():
    for plan in ("licheng_14th_fyp", "quanfu_2024_2026", "shanting_2024_2026", "tianjin_street_2024_2026",
                 "wanzhang_industry_2024_2026"):
        for t in get_plan(plan).tasks:
            assert not t.source.startswith("完成时限"), (plan, t.id)


def test_shanting_new_mines_graded_within_a_year(con):
    insert(con, "enterprises", [
        enterprise("N1", "C1", 1, industry="非煤矿山", established_on=date(2024, 2, 1)),
        enterprise("N2", "C1", 1, industry="非煤矿山", established_on=date(2024, 3, 1)),
        enterprise("N3", "C2", 1, industry="非煤矿山", established_on=date(2025, 1, 1)),   # not a year old
        enterprise("OLD", "C2", 1, industry="非煤矿山"),                                   # not new
    ])
    insert(con, "standardization_grades", [
        {"grade_id": "g1", "enterprise_id": "N1", "unit_id": "C1", "level": "二级", "graded_on": date(2024, 12, 1)},
        {"grade_id": "g2", "enterprise_id": "N2", "unit_id": "C1", "level": "二级", "graded_on": date(2025, 6, 1)},
    ])
    cat = only(get_plan("shanting_2024_2026"), "new_mine_grade2_in_year")
    f = compute_measures(con, cat)
    # at 2025Q3: N1 and N2 are a year old; N1 reached 二级 within its year, N2 only after -> 1 of 2
    assert value(f, "mines_new_year_old", "D", "2025Q3") == 2
    assert value(f, "mines_new_grade2_in_year", "D", "2025Q3") == 1
    assert value(f, "mines_new_year_old", "D", "2024Q4") == 0  # none a year old yet
