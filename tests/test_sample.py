"""The sample district 示例区: reproducible, big enough, valid against the ledger declarations when
read back from the files, internally consistent, and carrying the storyline the reports rely on."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.intake.ledgers import KEY_ROLES, LEDGERS
from analysis.plans.catalog import Catalog, load_plan, plan_files
from analysis.sample.generator import (
    BASELINE_START,
    CSV_LEDGERS,
    DATA_END,
    DATA_START,
    LATE_SHARE,
    STREET_IDS,
    XLSX_LEDGERS,
    generate_sample,
    task_reports,
)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    files = generate_sample(out)
    assert files == sorted(files) and set(files) == set(out.iterdir())
    return out


def _raw(folder: Path, name: str) -> pd.DataFrame:
    """The cells as written, one frame per ledger (CSV files of all streets concatenated)."""
    if name in CSV_LEDGERS:
        files = sorted(folder.glob(f"{name}__*.csv"))
        for f in files:
            assert f.read_bytes().startswith(b"\xef\xbb\xbf"), f"{f.name}: no UTF-8 BOM"
        return pd.concat([pd.read_csv(f, encoding="utf-8-sig", dtype=str, keep_default_na=False)
                          for f in files], ignore_index=True)
    return pd.read_excel(folder / f"{name}.xlsx", dtype=object)


def _empty_as_none(v):
    return None if v is None or v == "" or (isinstance(v, float) and np.isnan(v)) else v


def _typed(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Headers mapped back to column names and cells parsed the way the ledger declares them."""
    ledger = LEDGERS[name]
    assert list(raw.columns) == [c.header for c in ledger.columns]
    df = raw.rename(columns=ledger.headers)
    for c in ledger.columns:
        s = df[c.name].map(_empty_as_none)
        filled = s.dropna()
        where = f"{name}.{c.name}"
        if c.dtype == "date":
            if name in CSV_LEDGERS:
                assert filled.map(lambda v: bool(_ISO.match(v))).all(), f"{where}: not ISO dates"
            else:
                assert filled.map(lambda v: isinstance(v, datetime)).all(), f"{where}: not dates"
            df[c.name] = pd.to_datetime(s).astype("datetime64[ns]")
        elif c.dtype == "bool":
            assert filled.isin(["是", "否"]).all(), f"{where}: booleans must be 是/否"
            df[c.name] = s.map({"是": True, "否": False}).astype("boolean")
        elif c.dtype == "int":
            df[c.name] = pd.to_numeric(s).astype("Int64")
        elif c.dtype == "float":
            df[c.name] = pd.to_numeric(s).astype("Float64")
        else:
            df[c.name] = s.astype("string")
    return df


@pytest.fixture(scope="module")
def ledgers(sample) -> dict[str, pd.DataFrame]:
    names = [n for n in (*XLSX_LEDGERS, *CSV_LEDGERS)
             if n != "tasks_status" or (sample / f"{n}.xlsx").exists()]
    return {n: _typed(_raw(sample, n), n) for n in names}


def test_file_layout(sample):
    # every declared ledger has data; published statistics are real (data/reference), not sample
    assert set(CSV_LEDGERS) | set(XLSX_LEDGERS) == set(LEDGERS) - {"statistics"}
    names = {p.name for p in sample.iterdir()}
    for ledger in CSV_LEDGERS:
        assert {f"{ledger}__{s}.csv" for s in STREET_IDS} <= names
    for ledger in XLSX_LEDGERS:
        if ledger != "tasks_status":
            assert f"{ledger}.xlsx" in names
    readme = (sample / "README.txt").read_text(encoding="utf-8")
    assert "示例数据（虚构）" in readme and "20240328" in readme


@pytest.mark.parametrize("name", [*XLSX_LEDGERS, *CSV_LEDGERS])
def test_schema_and_row_rules(ledgers, name):
    if name not in ledgers:
        pytest.skip("no plan catalog yet, so no tasks_status file")
    ledger = LEDGERS[name]
    df = ledgers[name]
    ledger.schema().validate(df, lazy=True)
    for rule in getattr(ledger, "row_rules", ()):
        rows = df.dropna(subset=list(rule.columns))
        assert rule.holds(rows).all(), f"{name}: row rule {rule.name!r} broken"


def test_minimum_volumes(ledgers):
    sizes = {n: len(df) for n, df in ledgers.items()}
    assert sizes["enterprises"] >= 3000
    assert sizes["personnel_training"] >= 30_000
    assert sizes["drills"] >= 10_000 and sizes["hazards"] >= 10_000
    assert sizes["residential_compounds"] >= 500
    assert sizes["economy"] == len(STREET_IDS) * 27  # 2020Q1 (baseline year) – 2026Q3
    assert sum(sizes.values()) <= 160_000
    assert ledgers["personnel_training"]["person_id"].duplicated().any()  # people train again


def test_org_tree(ledgers):
    org = ledgers["org_units"].set_index("unit_id")
    assert org.loc["SLQ", "level"] == "区县" and pd.isna(org.loc["SLQ", "parent_id"])
    streets = org[org["parent_id"] == "SLQ"]
    assert sorted(streets.index) == sorted(STREET_IDS)
    assert set(streets["level"]) == {"街道", "镇"}
    for sid, row in streets.iterrows():
        leaves = org[org["parent_id"] == sid]
        assert 6 <= len(leaves) <= 12
        assert set(leaves["level"]) <= ({"社区"} if row["level"] == "街道" else {"社区", "村"})


def test_references_resolve(ledgers):
    org = ledgers["org_units"]
    leaves = set(org.loc[org["level"].isin(["社区", "村"]), "unit_id"])
    streets = set(STREET_IDS)
    ents = set(ledgers["enterprises"]["enterprise_id"])
    for name, df in ledgers.items():
        if name == "org_units":
            continue
        offices = streets | {"SLQ"}
        allowed = {"economy": streets, "drills": leaves | streets, "tasks_status": set(org["unit_id"]),
                   "regulatory_staff": offices, "staff_training": offices, "gov_activities": offices,
                   "rescue_capacity": leaves | streets, "recognitions": leaves | streets,
                   }.get(name, leaves)
        assert set(df["unit_id"]) <= allowed, f"{name}: unit_id off the tree or at the wrong level"
        if "enterprise_id" in df:
            assert set(df["enterprise_id"].dropna()) <= ents, f"{name}: unknown enterprise_id"
    staff = ledgers["regulatory_staff"].set_index("staff_id")
    training = ledgers["staff_training"]
    assert (training["unit_id"] == staff.loc[training["staff_id"], "unit_id"].to_numpy()).all()
    # a fact row's unit is its enterprise's community/village
    unit_of = ledgers["enterprises"].set_index("enterprise_id")["unit_id"]
    for name in (*CSV_LEDGERS, "complaints", "chemical_processes", "standardization_grades",
                 "recognitions"):
        df = ledgers[name].dropna(subset=["enterprise_id"])
        assert (df["unit_id"] == unit_of.loc[df["enterprise_id"]].to_numpy()).all(), name


def test_dates_inside_data_period_and_enterprise_life(ledgers):
    end = pd.Timestamp(DATA_END)
    for name in CSV_LEDGERS:
        ledger = LEDGERS[name]
        d = ledgers[name][ledger.date_column]
        start = BASELINE_START if name == "personnel_training" else DATA_START
        assert d.min() >= pd.Timestamp(start) and d.max() <= end, name
        life = ledgers["enterprises"][["enterprise_id", "established_on", "closed_on"]]
        e = ledgers[name].merge(life, on="enterprise_id")
        assert (e[ledger.date_column] >= e["established_on"]).all(), name
        closed = e.dropna(subset=["closed_on"])
        assert (closed[ledger.date_column] <= closed["closed_on"]).all(), name


def test_staff_complaints_and_processes(ledgers):
    staff, t = ledgers["regulatory_staff"], ledgers["staff_training"]
    tenure = t.merge(staff[["staff_id", "joined_on", "left_on"]], on="staff_id")
    assert (tenure["training_date"] >= tenure["joined_on"]).all()
    assert (tenure["left_on"].isna() | (tenure["training_date"] <= tenure["left_on"])).all()
    assert set(staff["role"]) == {"分管安全生产领导干部", "安全监管执法人员", "其他安全监管人员"}
    c = ledgers["complaints"]
    done = c.dropna(subset=["closed_on"])
    assert (done["closed_on"] >= done["received_on"]).all() and (c["deadline"] > c["received_on"]).all()
    assert c["closed_on"].isna().any() and (done["closed_on"] > done["deadline"]).any()
    assert c.loc[c["closed_on"].isna(), "verified"].isna().all()
    p = ledgers["chemical_processes"]
    auto = p.dropna(subset=["automated_on"])
    assert (auto["automated_on"] >= auto["in_service_from"]).all() and p["automated_on"].isna().any()
    chem = set(ledgers["enterprises"].loc[ledgers["enterprises"]["industry"] == "危险化学品", "enterprise_id"])
    assert set(p["enterprise_id"]) <= chem


def test_grades_rescue_and_district_routines(ledgers):
    g = ledgers["standardization_grades"].sort_values("graded_on")
    latest = g.groupby("enterprise_id")["level"].last()
    roster = ledgers["enterprises"].set_index("enterprise_id")["standardization_level"]
    assert (latest == roster.loc[latest.index]).all()  # the roster shows the current grade
    gaps = g.groupby("enterprise_id")["graded_on"].diff().dropna().dt.days
    assert gaps.between(900, 1095).all() and (g["valid_until"] > g["graded_on"]).all()
    r = ledgers["rescue_capacity"]
    stations = r[r["kind"] == "镇街应急救援站"]
    assert stations["unit_id"].is_unique and set(stations["unit_id"]) <= set(STREET_IDS)
    assert (stations["established_on"].dt.year == 2024).sum() == 3
    assert r.loc[r["kind"] == "企业应急救援队伍", "enterprise_id"].notna().all()
    a = ledgers["gov_activities"]
    dispatch = a[(a["unit_id"] == "SLQ") & (a["kind"] == "调度通报")]["activity_date"]
    assert dispatch.diff().dropna().dt.days.max() <= 62  # monthly, a month missed at most
    plans = a[a["kind"] == "制定年度行动计划"]
    assert plans.groupby(plans["activity_date"].dt.year)["unit_id"].nunique().min() >= len(STREET_IDS)


def test_enterprise_flags_fit_industry(ledgers):
    e = ledgers["enterprises"]
    assert e.loc[e["industry"] == "危险化学品", "hazardous_chemicals"].all()
    assert e.loc[e["industry"].isin(["危险化学品", "非煤矿山", "冶金"]), "high_risk"].all()
    assert not e.loc[e["industry"].isin(["商贸", "建筑施工"]), "molten_metal"].any()
    assert e.loc[e["high_risk"], "monitoring_required"].all()
    assert e.loc[~e["monitoring_required"], "monitoring_connected_on"].isna().all()
    connected = e["monitoring_connected_on"]
    assert connected.dt.year.min() >= 2023 and connected[e["monitoring_required"]].isna().any()
    assert e["key_personnel"].between(1, 12).all() and e["key_personnel"].median() <= 4
    assert (e["established_on"].dt.year >= 2021).mean() > .1 and e["closed_on"].notna().sum() > 20


def test_accident_severity_consistent_with_deaths(ledgers):
    a = ledgers["accidents"]
    assert a["occurred_on"].dt.year.min() == 2020  # the baseline year of district plans
    deaths = a["deaths"]
    band = np.select([deaths >= 30, deaths >= 10, deaths >= 3], ["特别重大", "重大", "较大"], "一般")
    assert (a["severity"] == band).all()
    assert (a["severity"] == "较大").sum() <= 1 and not a["severity"].isin(["重大", "特别重大"]).any()
    per_street_year = a.groupby([a["unit_id"].str[:6], a["occurred_on"].dt.year])["deaths"].sum()
    assert per_street_year.max() <= 4


def test_hazards_rectification(ledgers):
    h = ledgers["hazards"]
    done = h.dropna(subset=["rectified_on"])
    assert (done["rectified_on"] >= done["found_on"]).all()
    assert (h["deadline"] - h["found_on"]).dt.days.between(15, 90).all()
    assert .02 <= (h["grade"] == "重大").mean() <= .035
    assert (done["rectified_on"] > done["deadline"]).mean() > .05  # some late
    major = h[h["grade"] == "重大"]
    stock = major[major["found_on"] <= "2023-12-31"]
    open_end_2023 = stock[stock["rectified_on"].isna() | (stock["rectified_on"] > "2023-12-31")]
    cleared_2024 = open_end_2023["rectified_on"].dt.year.eq(2024).mean()
    still_open = open_end_2023["rectified_on"].isna().sum()
    assert cleared_2024 > .75 and 1 <= still_open <= 15


def _coverage(ledgers, at: str) -> pd.Series:
    """Key personnel trained since 2024-01-01 / key personnel of active enterprises, per street."""
    e, t = ledgers["enterprises"], ledgers["personnel_training"]
    at_ = pd.Timestamp(at)
    active = e[(e["established_on"] <= at_) & (e["closed_on"].isna() | (e["closed_on"] > at_))]
    den = active.groupby(active["unit_id"].str[:6])["key_personnel"].sum()
    tr = t[t["role"].isin(KEY_ROLES) & t["training_date"].between(pd.Timestamp("2024-01-01"), at_)]
    num = tr.groupby(tr["unit_id"].str[:6])["person_id"].nunique()
    return pd.concat([num / den, pd.Series({"SLQ": num.sum() / den.sum()})])


def test_storyline_training(ledgers):
    end_2024, q3_2025 = _coverage(ledgers, "2024-12-31"), _coverage(ledgers, "2025-09-30")
    assert .55 <= end_2024["SLQ"] <= .65 and .85 <= q3_2025["SLQ"] <= 1
    assert q3_2025.idxmin() == "SLQ-TQ" and q3_2025["SLQ-TQ"] < .75
    assert .80 <= q3_2025["SLQ-QF"] < .90  # on the way, a little behind the 60 % → 100 % path
    assert (_coverage(ledgers, "2026-09-30") <= 1).all()
    assert .92 <= ledgers["personnel_training"]["passed"].mean() <= .97


def test_storyline_drills(ledgers):
    d = ledgers["drills"].dropna(subset=["enterprise_id"])
    share = d.groupby(d["drill_date"].dt.year)["unannounced"].mean()
    for year, expected in ((2023, .20), (2024, .40), (2025, .48)):
        assert abs(share[year] - expected) < .04, year
    in_2025 = d[d["drill_date"].dt.year == 2025]
    by_street = in_2025.groupby(in_2025["unit_id"].str[:6])["unannounced"].mean()
    assert by_street.idxmin() == "SLQ-TQ" and by_street["SLQ-TQ"] < .35
    street_drills = ledgers["drills"][ledgers["drills"]["unit_id"].isin(STREET_IDS)]
    assert set(street_drills["unit_id"]) == set(STREET_IDS)
    assert street_drills["enterprise_id"].isna().all()


def test_activities_cover_the_plan_requirements(ledgers):
    a = ledgers["safety_activities"]
    kinds = a["kind"].value_counts()
    assert {"主要负责人带队检查", "保险机构风险评估", "保险机构隐患排查", "保险机构全员培训",
            "重大隐患专项督查", "执法检查"} <= set(kinds.index)
    insured = set(ledgers["enterprises"].loc[ledgers["enterprises"]["insured"], "enterprise_id"])
    assert set(a.loc[a["kind"].str.startswith("保险机构"), "enterprise_id"]) <= insured
    special = a[a["kind"] == "重大隐患专项督查"]
    per_year = special.groupby([special["unit_id"].str[:6],
                                special["activity_date"].dt.year]).size()
    assert per_year.loc[(slice(None), 2024)].size == len(STREET_IDS)


def test_smoke_alarms_and_economy(ledgers):
    c = ledgers["residential_compounds"]
    assert c.groupby("unit_id").size().between(10, 40).all()
    assert c["smoke_alarms_on"].dt.year.mode()[0] == 2024 and c["smoke_alarms_on"].isna().any()
    g = ledgers["economy"]
    assert g["gdp"].between(5, 40).all()
    yearly = g.groupby(g["quarter_end"].dt.year)["gdp"].sum()
    assert 1.03 < (yearly[2025] / yearly[2021]) ** (1 / 4) < 1.08


def test_deterministic_byte_identical_and_no_catalogs(sample, tmp_path):
    """A second run gives the same bytes (so the same cell values in every workbook); run without
    plan catalogs it writes no tasks_status file and changes nothing else."""
    again = generate_sample(tmp_path / "again", plans_dir=tmp_path / "no_plans")
    names = {p.name for p in again}
    assert names == {p.name for p in sample.iterdir()} - {"tasks_status.xlsx"}
    for p in again:
        if p.name != "README.txt":
            assert p.read_bytes() == (sample / p.name).read_bytes(), p.name


def test_refuses_to_empty_a_foreign_folder(tmp_path):
    (tmp_path / "keep").mkdir()
    with pytest.raises(FileExistsError):
        generate_sample(tmp_path)
    assert (tmp_path / "keep").exists()


# --------------------------------------------------------------------------- tasks_status


def _catalog(tasks: list[dict], org_unit="SLQ-QF", issued_on="2024-03-28") -> Catalog:
    return Catalog.model_validate({
        "plan": {"id": "t_plan", "title": "测试方案", "issuer": "测试", "level": "street",
                 "org_unit": org_unit, "org_unit_name": "全福街道", "issued_on": issued_on,
                 "period": {"start": "2024-01-01", "end": "2026-12-31"},
                 "actions": [{"id": "A1", "title": "行动一"}]},
        "measures": {}, "indicators": [], "tasks": tasks,
    })


def _tasks(n: int) -> list[dict]:
    deadlines = pd.date_range("2024-03-31", "2026-12-31", periods=n).date
    return [{"id": f"T{i:02d}", "action": "A1", "text": f"任务{i}", "responsible": ["街道应急办"],
             "deadline": d.isoformat(), "source": "原文"} for i, d in enumerate(deadlines, 1)]


def test_task_reports_course_and_overdue_share():
    cat = _catalog(_tasks(40))
    df, _ = task_reports([cat], {"SLQ-QF"}, seed=7)
    LEDGERS["tasks_status"].schema().validate(df, lazy=True)
    assert df["reported_on"].min() == pd.Timestamp("2024-06-30")  # the quarter after issue
    assert df["reported_on"].max() == pd.Timestamp(DATA_END)
    assert len(df) == 40 * 10 and df["unit_id"].eq("SLQ-QF").all()
    rank = {"未启动": 0, "推进中": 1, "已完成": 2}
    for _, g in df.sort_values("reported_on").groupby("task_id"):
        assert g["progress"].map(rank).is_monotonic_increasing
        done = g[g["progress"] == "已完成"]
        assert done["completed_on"].notna().all()
        assert (done["completed_on"] <= done["reported_on"]).all()
        assert g.loc[g["progress"] != "已完成", "completed_on"].isna().all()
    deadlines = pd.DataFrame({"task_id": [t.id for t in cat.tasks],
                              "deadline": [pd.Timestamp(t.deadline) for t in cat.tasks]})
    last = df[df["reported_on"] == df["reported_on"].max()].merge(deadlines)
    due = last[last["deadline"] <= pd.Timestamp(DATA_END)]
    overdue = (due["progress"] != "已完成") | (due["completed_on"] > due["deadline"])
    assert overdue.sum() == round(LATE_SHARE * len(due))
    assert task_reports([cat], {"SLQ-QF"}, seed=7)[0].equals(df)


def test_task_reports_without_catalogs_or_unknown_unit():
    empty, notes = task_reports([], {"SLQ-QF"})
    assert empty.empty and list(empty.columns) == [c.name for c in LEDGERS["tasks_status"].columns]
    LEDGERS["tasks_status"].schema().validate(empty)
    skipped, notes = task_reports([_catalog(_tasks(3), org_unit="XX")], {"SLQ-QF"})
    assert skipped.empty and any("XX" in n for n in notes)


def test_repository_catalogs_are_reported(ledgers):
    """Every catalog in params/plans whose unit is in the sample tree gets its tasks reported."""
    catalogs = [load_plan(p) for p in plan_files().values()]
    units = set(ledgers["org_units"]["unit_id"])
    expected = {(t.id, c.plan.org_unit) for c in catalogs if c.plan.org_unit in units
                for t in c.tasks}
    if not expected:
        pytest.skip("no plan catalog for a sample unit yet")
    got = set(zip(ledgers["tasks_status"]["task_id"], ledgers["tasks_status"]["unit_id"]))
    assert got == expected


def test_files_pass_the_real_intake(sample):
    """The ingest reads the files without a single problem (one file of each kind)."""
    from analysis.intake.readers import read_ledger_file

    picks = [sample / "org_units.xlsx", sample / "accidents.xlsx",
             *(sample / f"{n}__SLQ-NY.csv" for n in CSV_LEDGERS)]
    for path in picks:
        batches = read_ledger_file(path, today=date(2026, 12, 31))
        assert [p.message for b in batches for p in b.problems] == [], path.name
