"""The fictional sample district 示例区, written as the files its units would hand in.

Why: reports, ingest and tests need a realistic, reproducible data set with a storyline before any
real ledger arrives. Everything is drawn from one seeded generator and nothing depends on today's
date. The data run from 2021-01-01 to 2026-09-30; accidents, economy, personnel training,
complaints and staff training also cover 2020, the baseline year of district plans. Every ledger
declared in ledgers.py is generated; tasks_status follows the plan catalogs in params/plans.

Storyline (set in STREETS): 唐泉镇 (SLQ-TQ), the town with the chemical park, lags on key-personnel
training, drills (frequency and “四不” share), inspections, insurer services, hazard rectification,
smoke alarms, staff training and its rescue station; 全福街道 (SLQ-QF) is roughly on track but a
little behind the training path in 2025Q3; the other streets and towns are on track with spread.

Files: the large ledgers as UTF-8-BOM CSV, one per street/town (`drills__SLQ-QF.csv`); the small
ones as one .xlsx each (`enterprises.xlsx`); Chinese headers, 是/否 booleans, ISO dates in CSV and
real Excel dates in .xlsx, empty cells for missing values. The .xlsx files carry fixed zip and
document timestamps, so the same seed gives byte-identical files (stable input hashes)."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from scipy.special import ndtr

from analysis import config
from analysis.errors import CatalogError
from analysis.intake.ledgers import (
    COMPLAINT_CHANNELS,
    COMPLAINT_SUBJECTS,
    DRILL_KINDS,
    HAZARD_SOURCES,
    INDUSTRIES,
    LEDGERS,
    Ledger,
)
from analysis.plans.catalog import Catalog, load_plan, plan_files
from analysis.plans.periods import Quarter, quarter_range

DATA_START = date(2021, 1, 1)
DATA_END = date(2026, 9, 30)
BASELINE_START = date(2020, 1, 1)
"""Accidents, economy, personnel training, complaints and staff training also cover 2020, the
baseline year (“十三五”末) of district plans whose baselines are computed from the data."""
_BASELINE_YEARS = np.arange(2020, 2027)
DISTRICT_ID = "SLQ"
DISTRICT_NAME = "示例区"
CSV_LEDGERS = ("personnel_training", "drills", "hazards", "safety_activities")
"""Large ledgers: one UTF-8-BOM CSV per street/town."""
XLSX_LEDGERS = ("org_units", "enterprises", "accidents", "economy", "tasks_status",
                "residential_compounds", "regulatory_staff", "staff_training", "complaints",
                "chemical_processes", "standardization_grades", "rescue_capacity", "recognitions",
                "gov_activities")
"""Small ledgers: one workbook each."""
LATE_SHARE = 0.18
"""Share of plan tasks due by the last report that finish late or are still open (overdue)."""

Rng = np.random.Generator
_YEARS = np.arange(2021, 2027)


def _day(d: str | date) -> int:
    """Day number (days since 1970-01-01): all dates are plain integers while generating."""
    return int(np.datetime64(d, "D").astype(np.int64))


_START, _END = _day(DATA_START), _day(DATA_END)
_BASE = _day(BASELINE_START)
_PLAN_START = _day("2024-01-01")
_FIXED_TIME = (2024, 3, 28, 0, 0, 0)
"""Zip member time in the .xlsx files (the day seed 000 was issued), for byte-stable output."""


# --------------------------------------------------------------------------- the district


@dataclass(frozen=True)
class Street:
    """One street/town and the knobs of its storyline."""

    id: str
    name: str
    level: str
    """街道 or 镇."""
    leaves: tuple[str, ...]
    """Community (…社区) and village (…村) names; ids are <street id>-01, -02, …"""
    enterprises: int
    mix: str
    """Industry mix: urban, industrial or chemical."""
    gdp: float
    """Quarterly GDP in 亿元 in 2021."""
    growth: float
    """Yearly real growth of GDP."""
    population: int
    training: tuple[float, float, float]
    """Share of key personnel trained since 2024-01-01 by 2024-12-31, 2025-09-30, 2026-09-30
    (kept below 1: people of firms closed later still count as trained, the roster drops them)."""
    drills: float
    """Offset on the district's yearly drill-frequency compliance."""
    unannounced: float
    """Multiplier on the district's “四不” drill share."""
    diligence: float
    """Offset on inspections, insurer services, street drills and on-time hazard rectification."""
    smoke: tuple[float, float]
    """Compounds with networked smoke alarms by 2024-12-31 and by 2026-09-30."""
    monitoring: tuple[float, float]
    """Monitoring-required enterprises connected by 2024-12-31 and by 2026-09-30."""
    scale: float = 1.0
    """Size of the street's public life relative to the district's streets: scales accidents,
    complaints, residents' hazard reports, compounds and office staff (province streets are small)."""

    @property
    def short(self) -> str:
        return self.name[:2]


STREETS: tuple[Street, ...] = (
    Street("SLQ-QF", "全福街道", "街道",
           ("全福社区", "花园社区", "盛福社区", "祥泰社区", "裕华社区", "东环社区", "华信社区",
            "福苑社区", "银座社区", "新苑社区"),
           395, "urban", 16.0, 0.055, 86_000, (0.60, 0.83, 0.94), 0.01, 1.10, 0.01,
           (0.96, 1.0), (0.84, 0.98)),
    Street("SLQ-WZ", "万张街道", "街道",
           ("万张社区", "张马社区", "工业园社区", "汇源社区", "裕园社区", "鲍山社区", "滨河社区",
            "兴业社区", "宏达社区"),
           440, "industrial", 22.0, 0.060, 72_000, (0.64, 0.95, 0.955), 0.02, 1.10, 0.02,
           (0.90, 0.97), (0.80, 0.97)),
    Street("SLQ-DM", "东明街道", "街道",
           ("东明社区", "明湖社区", "文化社区", "朝阳社区", "和平社区", "东苑社区", "锦屏社区",
            "翠园社区"),
           325, "urban", 11.0, 0.050, 58_000, (0.62, 0.93, 0.955), 0.01, 1.05, 0.01,
           (0.91, 0.98), (0.76, 0.96)),
    Street("SLQ-XH", "西湖街道", "街道",
           ("西湖社区", "湖畔社区", "柳荫社区", "金桥社区", "望湖社区", "荷花社区", "龙泉社区",
            "泉景社区", "玉兰社区", "碧波社区", "西城社区"),
           410, "urban", 24.0, 0.060, 95_000, (0.66, 0.945, 0.955), 0.03, 1.12, 0.03,
           (0.95, 0.99), (0.85, 0.98)),
    Street("SLQ-NY", "南苑街道", "街道",
           ("南苑社区", "南山社区", "阳光社区", "丽景社区", "康桥社区", "幸福社区", "桂园社区"),
           275, "urban", 7.0, 0.045, 41_000, (0.58, 0.91, 0.95), 0.00, 0.98, 0.00,
           (0.88, 0.97), (0.72, 0.94)),
    Street("SLQ-HS", "华山镇", "镇",
           ("华山社区", "华新社区", "王家庄村", "东刘村", "西刘村", "北坡村", "石桥村", "大辛庄村",
            "小辛庄村", "赵家村", "河口村", "前进村"),
           480, "industrial", 14.0, 0.050, 63_000, (0.61, 0.92, 0.95), 0.00, 1.08, 0.00,
           (0.86, 0.96), (0.74, 0.95)),
    Street("SLQ-LS", "柳山镇", "镇",
           ("柳山社区", "柳新社区", "上柳村", "下柳村", "杨家村", "孙家峪村", "马山村", "泉头村",
            "后寨村", "南崖村"),
           400, "industrial", 9.0, 0.045, 47_000, (0.63, 0.94, 0.955), 0.01, 1.04, 0.01,
           (0.89, 0.97), (0.77, 0.96)),
    Street("SLQ-TQ", "唐泉镇", "镇",
           ("唐泉社区", "化工园社区", "唐王村", "泉子村", "董家村", "高家庄村", "李家村", "寨子村",
            "西营村"),
           455, "chemical", 12.0, 0.040, 52_000, (0.38, 0.62, 0.80), -0.20, 0.55, -0.15,
           (0.62, 0.85), (0.50, 0.80)),
)
STREET_IDS = tuple(s.id for s in STREETS)


@dataclass
class Layout:
    """The org tree a sample is generated for: the root (the district, or a province), the units
    between the root and the streets/towns (cities, districts), the streets/towns with their
    storyline knobs, and the offices that keep staff and routines."""

    root_id: str
    root_name: str
    root_level: str
    streets: tuple[Street, ...]
    stations: dict[str, str]
    """Street id -> the day its town/street rescue station opens (after DATA_END: not yet)."""
    middle: tuple[tuple[str, str, str, str, str], ...] = ()
    """(unit_id, name, parent_id, level, kind) of the units between root and streets, in order."""
    parents: dict[str, str] = field(default_factory=dict)
    """Street id -> parent id, where it is not the root."""
    groups: dict[str, str] = field(default_factory=dict)
    """Street id -> the name part of its large-ledger CSV files, where it is not the street."""

    def __post_init__(self) -> None:
        self.street_ids = tuple(s.id for s in self.streets)
        self.index = {sid: i for i, sid in enumerate(self.street_ids)}
        self.offices = (self.root_id, *self.street_ids)
        """Units with safety staff and yearly routines: the root's bureau and every street office."""

    def parent(self, street_id: str) -> str:
        return self.parents.get(street_id, self.root_id)

    def street(self, unit_id: str) -> Street | None:
        i = self.index.get(unit_id)
        return None if i is None else self.streets[i]

    def diligence(self, unit_id: str) -> float:
        s = self.street(unit_id)
        return 0.0 if s is None else s.diligence

    def lags(self, unit_id: str) -> bool:
        """A laggard of the storyline (diligence below −0.1): it misses more of its routines."""
        return self.diligence(unit_id) < -.1

    def scale(self, unit_id: str) -> float:
        s = self.street(unit_id)
        return 1.0 if s is None else s.scale

# Industry tables, in the order of ledgers.INDUSTRIES:
# 危化 冶金 有色 建材 机械 轻工 纺织 烟草 商贸 建筑 交通 矿山 燃气 其他
_MIX = {
    "urban": (.03, .005, .005, .02, .05, .07, .02, .003, .50, .08, .07, 0, .02, .127),
    "industrial": (.06, .05, .03, .08, .18, .13, .05, .002, .22, .05, .05, .02, .02, .058),
    "chemical": (.16, .04, .03, .07, .12, .10, .03, 0, .20, .05, .07, .02, .03, .08),
}
_MEDIAN_EMPLOYEES = (45, 120, 80, 35, 40, 30, 50, 150, 10, 60, 25, 40, 30, 12)
_SPECIAL_OPERATORS = (2.0, 2.5, 2.0, 1.2, 1.5, 1.0, 0.8, 1.0, 0.3, 2.0, 1.0, 2.0, 1.5, 0.4)
"""Mean number of 特种作业人员 per enterprise (electricians, welders, forklift drivers…)."""
# P(hazardous chemicals, explosive dust, ammonia refrigeration, molten metal, confined, crowded)
_FLAGS = {
    "危险化学品": (1.0, .02, 0, 0, .6, 0), "冶金": (.1, .15, 0, .85, .4, 0),
    "有色": (.1, .35, 0, .75, .3, 0), "建材": (.02, .1, 0, 0, .2, 0),
    "机械": (.05, .25, 0, .06, .1, 0), "轻工": (.04, .2, .15, 0, .35, 0),
    "纺织": (.02, .15, 0, 0, .15, 0), "烟草": (0, .5, 0, 0, .2, 0),
    "商贸": (.01, 0, .02, 0, .03, .35), "建筑施工": (0, 0, 0, 0, .3, 0),
    "交通运输": (.05, 0, 0, 0, .05, .05), "非煤矿山": (0, .1, 0, 0, .3, 0),
    "燃气": (1.0, 0, 0, 0, .4, 0), "其他": (.02, .03, .01, 0, .1, .15),
}
_HIGH_RISK_INDUSTRIES = ("危险化学品", "冶金", "非煤矿山", "燃气")
_ACCIDENT_DOMAINS = ("道路交通", "工矿商贸", "火灾", "农业机械", "其他")
_INSURANCE_MANDATORY = ("建筑施工", "交通运输")
_BUSINESS = {
    "危险化学品": ("化工", "化学", "精细化工", "石化", "加油站"), "冶金": ("钢铁", "特钢", "铸造"),
    "有色": ("铝业", "铜业", "金属材料"), "建材": ("建材", "水泥制品", "新型建材", "石材"),
    "机械": ("机械", "机械制造", "重工", "汽车零部件", "精密机械"),
    "轻工": ("食品", "木业", "包装", "家具", "冷链食品", "塑料制品"), "纺织": ("纺织", "服饰", "印染"),
    "烟草": ("烟草物流",), "商贸": ("商贸", "超市", "餐饮", "酒店", "购物中心", "商贸城"),
    "建筑施工": ("建筑工程", "建设工程", "建筑安装"), "交通运输": ("运输", "物流", "客运"),
    "非煤矿山": ("矿业", "石料"), "燃气": ("燃气", "天然气"),
    "其他": ("科技", "印务", "物业管理", "电力工程", "网络科技"),
}
_NO_COMPANY_SUFFIX = ("加油站", "超市", "酒店", "购物中心", "商贸城")
_TRADE_CHARS = "鑫泰恒瑞博宏金盛顺德源晟隆达嘉新永兴安福祥和庆信诚通宇锦汇昌"

# Yearly district levels (2021 … 2026); streets shift or scale them.
_DRILL_P = (.70, .74, .78, .87, .92, .94)
"""Share of scheduled 综合/专项 enterprise drills that take place."""
_UNANNOUNCED = (.08, .12, .20, .40, .48, .54)
"""Share of enterprise drills run as “四不” drills."""
_CHECK_P = (0, 0, .62, .83, .90, .92)
"""Share of scheduled 主要负责人带队检查 that take place (recorded from 2023)."""
_PASS_P = (.90, .91, .93, .95, .97, .98)
_HAZARD_RATE = (.70, .80, .90, 1.35, 1.25, 1.15)
"""More hazards are found once the 治本攻坚 campaign starts in 2024."""
_ACCIDENT_TREND = {2020: 1.30, 2021: 1.20, 2022: 1.10, 2023: 1.00, 2024: .90, 2025: .80, 2026: .75}

_ALNUM = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])


# --------------------------------------------------------------------------- small helpers


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _year_index(days: np.ndarray) -> np.ndarray:
    return np.clip(_year(days) - 2021, 0, len(_YEARS) - 1)


def _uniform_days(rng: Rng, lo, hi, size: int | None = None) -> np.ndarray:
    """A day drawn uniformly from [lo, hi] (inclusive)."""
    lo, hi = np.asarray(lo), np.asarray(hi)
    u = rng.random(size if size is not None else np.broadcast(lo, hi).shape)
    return (lo + np.floor(u * (hi - lo + 1))).astype(np.int64)


def _dates(days) -> pd.Series:
    """Day numbers (NaN for none) -> datetime64[ns] with NaT."""
    d = np.asarray(days, dtype=float)
    out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(d)
    out[ok] = d[ok].astype(np.int64).astype("datetime64[D]")
    return pd.Series(out)


def _days_of(s: pd.Series) -> np.ndarray:
    return s.to_numpy().astype("datetime64[D]").astype(np.int64)


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return (prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)).to_numpy()


def _choice(rng: Rng, options: Sequence, p: Sequence[float], size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p / p.sum())]


def _periodic(rng: Rng, first: np.ndarray, last: np.ndarray, every: float, p_of: Callable,
              latent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Events of entities that act about every `every` days between their first and last day.

    Why this shape: the catalogs test frequency rules over trailing windows (“每季度至少1次”
    = an event in the 3 months before the period end). Gaps of 90–100 % of `every` make an entity
    that keeps its schedule pass at any date; each scheduled event takes place with probability
    p_of(entity index, day), decided through the entity's latent diligence (laggards stay laggards).
    Returns (entity index, day) of the events that took place."""
    n = len(first)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    span = int(np.maximum(last - first, 0).max())
    k = int(np.ceil(span / (0.9 * every))) + 2
    gaps = rng.uniform(0.9, 1.0, (n, k)) * every
    gaps[:, 0] = rng.uniform(0, every, n)
    days = first[:, None] + np.floor(np.cumsum(gaps, axis=1)).astype(np.int64)
    ent = np.broadcast_to(np.arange(n)[:, None], (n, k))
    ok = days <= last[:, None]
    ent, days = ent[ok], days[ok]
    z = 0.75 * latent[ent] + 0.66 * rng.standard_normal(len(ent))
    keep = ndtr(z) < p_of(ent, days)
    return ent[keep], days[keep]


_DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean"}


def _frame(ledger: str, cols: dict[str, object], **internal) -> pd.DataFrame:
    """A frame with the ledger's columns in declaration order and pandas dtypes, plus
    internal helper columns (names starting with _) that are never written."""
    lg = LEDGERS[ledger]
    out = {}
    for c in lg.columns:
        v = cols[c.name]
        if c.dtype == "date":
            s = v if isinstance(v, pd.Series) and pd.api.types.is_datetime64_dtype(v) else _dates(v)
            out[c.name] = s.reset_index(drop=True).astype("datetime64[ns]")
        else:
            out[c.name] = pd.Series(v).reset_index(drop=True).astype(_DTYPES[c.dtype])
    df = pd.DataFrame(out)
    for k, v in internal.items():
        df["_" + k] = np.asarray(v)
    return df


# --------------------------------------------------------------------------- ledgers


def _org_units(lay: Layout) -> pd.DataFrame:
    """District (or province, its cities and districts), streets/towns and their
    communities/villages (parent_id links them)."""
    rows = [(lay.root_id, lay.root_name, None, lay.root_level, config.SAMPLE_MARK)]  # every report says 示例数据
    rows += list(lay.middle)
    for s in lay.streets:
        rows.append((s.id, s.name, lay.parent(s.id), s.level, "城市街道" if s.level == "街道" else "涉农镇"))
        for i, leaf in enumerate(s.leaves, 1):
            village = leaf.endswith("村")
            rows.append((f"{s.id}-{i:02d}", leaf, s.id, "村" if village else "社区",
                         "行政村" if village else "城市社区" if s.level == "街道" else "镇区社区"))
    cols = list(zip(*rows))
    names = [c.name for c in LEDGERS["org_units"].columns]
    street = [unit if unit in lay.index else parent if parent in lay.index else ""
              for unit, _, parent, *_ in rows]
    return _frame("org_units", dict(zip(names, cols)), street=street)


def _leaves(org: pd.DataFrame) -> pd.DataFrame:
    return org[org["level"].isin(["社区", "村"])].reset_index(drop=True)


def _uscc(rng: Rng, established: np.ndarray) -> np.ndarray:
    """Unique fictional 统一社会信用代码 (18 chars, GB 32100 check character; region 370199)."""
    n = len(established)
    head = [_ALNUM.index(c) for c in "91370199"]
    codes = np.empty((n, 17), dtype=np.int64)
    codes[:, :8] = head
    while True:
        body = rng.integers(0, len(_ALNUM), (n, 9))
        digits = rng.integers(0, 10, (n, 9))
        recent = _year(established) >= 2015  # 2015 reform: new codes start with MA
        body[recent, 0], body[recent, 1] = _ALNUM.index("M"), _ALNUM.index("A")
        body[~recent] = digits[~recent]
        codes[:, 8:] = body
        if len({r.tobytes() for r in codes}) == n:
            break
    check = (31 - (codes @ _USCC_WEIGHTS) % 31) % 31
    alnum = np.array(list(_ALNUM))
    full = np.concatenate([codes, check[:, None]], axis=1)
    return np.array(["".join(r) for r in alnum[full]])


def _enterprise_names(rng: Rng, industry: np.ndarray, street_short: np.ndarray) -> np.ndarray:
    """Plausible, unique names: <镇街><字号><业务>有限公司 (shops and stations without 有限公司)."""
    n = len(industry)
    chars = np.array(list(_TRADE_CHARS), dtype=object)
    trade = pd.Series(chars[rng.integers(0, len(chars), n)] + chars[rng.integers(0, len(chars), n)])
    business = pd.Series([_BUSINESS[i][k % len(_BUSINESS[i])] for i, k in
                          zip(industry, rng.integers(0, 60, n))])
    suffix = np.where(business.isin(_NO_COMPANY_SUFFIX), "", "有限公司")
    for _ in range(10):
        names = pd.Series(street_short) + trade + business + suffix
        dup = names.duplicated().to_numpy()
        if not dup.any():
            return names.to_numpy(dtype=object)
        trade[dup] = trade[dup] + chars[rng.integers(0, len(chars), dup.sum())]
    raise RuntimeError("could not make enterprise names unique")


def _enterprises(rng: Rng, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """The roster: industry first, then the risk flags and sizes that go with it."""
    leaves = _leaves(org)
    parts = []
    leaf_street = leaves["parent_id"].map(lay.index).to_numpy()
    for si, s in enumerate(lay.streets):
        mine = leaves.index[leaf_street == si].to_numpy()
        weight = rng.dirichlet(np.full(len(mine), 2.0))
        mix = np.array(_MIX[s.mix])
        ind = rng.choice(len(INDUSTRIES), size=s.enterprises, p=mix / mix.sum())
        if s.mix == "chemical":  # the chemical park sits in one community
            park = [k for k, leaf in enumerate(s.leaves) if "化工" in leaf]
            chem = (ind == 0) & (rng.random(s.enterprises) < 0.7)
            unit = np.where(chem, mine[park[0]] if park else mine[0],
                            rng.choice(mine, size=s.enterprises, p=weight))
        else:
            unit = rng.choice(mine, size=s.enterprises, p=weight)
        parts.append(pd.DataFrame({"si": si, "ind": ind, "leaf": unit}))
    e = pd.concat(parts, ignore_index=True)
    n = len(e)
    industry = np.array(INDUSTRIES, dtype=object)[e["ind"]]
    ind_i = e["ind"].to_numpy()

    employees = np.clip(np.round(np.array(_MEDIAN_EMPLOYEES)[ind_i] * rng.lognormal(0, 0.9, n)),
                        2, 3000).astype(np.int64)
    flags = np.array([_FLAGS[i] for i in industry], dtype=float)
    draw = rng.random((n, 6)) < flags
    hazchem, dust, ammonia, molten, confined, crowded = draw.T
    above = np.where(employees >= np.where(industry == "商贸", 40, 50), rng.random(n) < .75,
                     rng.random(n) < .05)
    high_risk = np.isin(industry, _HIGH_RISK_INDUSTRIES) | molten
    monitoring = high_risk | hazchem | ammonia | ((dust | crowded) & above)
    insured = np.where(high_risk | np.isin(industry, _INSURANCE_MANDATORY), rng.random(n) < .95,
                       rng.random(n) < np.where(above, .25, .15))
    n_safety = np.where(employees >= 100, 2, np.where(employees < 10, rng.random(n) < .7, 1))
    n_special = rng.poisson(np.array(_SPECIAL_OPERATORS)[ind_i] + employees / 150)
    key = np.minimum(1 + n_safety + np.minimum(n_special, 8), employees).astype(np.int64)

    old = _uniform_days(rng, _day("1992-01-01"), _day("2020-12-31"), n)
    est = np.where(rng.random(n) < .8, old, _uniform_days(rng, _START, _day("2026-06-30"), n))
    closes = rng.random(n) < .04
    close_lo = np.maximum(est + 365, _START)
    close_day = _uniform_days(rng, np.minimum(close_lo, _END), _END, n)
    closed = np.where(closes & (close_lo < _END), close_day, np.nan)

    industrial = ~np.isin(industry, ("商贸", "其他", "交通运输"))
    u = rng.random(n)
    std = np.select([u < .01 * above, u < .15 * above * industrial,
                     u < (.55 * industrial + .15) * (above + .3)], ["一级", "二级", "三级"], default=None)
    std = np.where(pd.isna(std) & (rng.random(n) < .25), "小微", std)
    mine_grade = np.where(rng.random(n) < .6, "二级", "三级")
    std = np.where(industry == "非煤矿山", mine_grade, std)

    # monitoring connection follows a per-street curve from 2023 on, never before establishment
    connected = np.full(n, np.nan)
    x = np.array([_day("2023-01-01"), _day("2024-12-31"), _END], dtype=float)
    street_of = e["si"].to_numpy()
    for si, s in enumerate(lay.streets):
        m = (street_of == si) & monitoring
        y = np.array([0.0, *s.monitoring])
        uu = rng.random(m.sum())
        day = np.interp(uu, y, x)
        day = np.maximum(day, est[m] + rng.integers(10, 120, m.sum()))
        day[(uu >= y[-1]) | (day > _END)] = np.nan
        connected[m] = np.floor(day)
    connected[~np.isnan(closed) & (connected > closed)] = np.nan

    street_short = np.array([lay.streets[i].short for i in e["si"]])
    ids = _uscc(rng, est)
    unit_ids = leaves["unit_id"].to_numpy()[e["leaf"].to_numpy()]
    df = _frame("enterprises", {
        "enterprise_id": ids, "name": _enterprise_names(rng, industry, street_short),
        "unit_id": unit_ids, "industry": industry, "above_scale": above, "high_risk": high_risk,
        "crowded_place": crowded, "hazardous_chemicals": hazchem, "dust_explosion": dust,
        "ammonia_refrigeration": ammonia, "molten_metal": molten, "confined_space": confined,
        "employees": employees, "key_personnel": key, "monitoring_required": monitoring,
        "monitoring_connected_on": connected, "insured": insured, "standardization_level": std,
        "established_on": est, "closed_on": closed,
    }, si=e["si"], street=np.array(lay.street_ids)[e["si"]], first=np.maximum(est, _START),
        last=np.where(np.isnan(closed), _END, np.nan_to_num(closed)).astype(np.int64),
        z=rng.standard_normal(n))
    return df.sort_values(["unit_id", "established_on", "enterprise_id"], ignore_index=True)


def _street_table(values: Callable[[Street], Sequence[float]], lay: Layout) -> np.ndarray:
    return np.array([values(s) for s in lay.streets], dtype=float)


def _training(rng: Rng, ent: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Key personnel (三类人员) trained progressively along each street's curve from 2024, with
    earlier history, yearly refreshers for 主要负责人, retakes after failures, and some 一线."""
    n_key = ent["key_personnel"].to_numpy()
    e_idx = np.repeat(np.arange(len(ent)), n_key)
    k = np.arange(len(e_idx)) - np.repeat(np.cumsum(n_key) - n_key, n_key)
    n_safety = np.where(ent["employees"].to_numpy() >= 100, 2, 1)[e_idx]
    role = np.where(k == 0, "主要负责人", np.where(k <= n_safety, "安全管理人员", "特种作业人员"))
    person = _ids("P", len(e_idx), 7)
    si, first, last = (ent[c].to_numpy()[e_idx] for c in ("_si", "_first", "_last"))
    est = _days_of(ent["established_on"])[e_idx]
    hazchem = ent["hazardous_chemicals"].to_numpy(dtype=bool)[e_idx]
    high = ent["high_risk"].to_numpy(dtype=bool)[e_idx]
    z = ent["_z"].to_numpy()[e_idx]

    # campaign from 2024-01-01: inverse of each street's coverage curve
    campaign = np.full(len(e_idx), np.nan)
    u = ndtr(-0.6 * z + 0.8 * rng.standard_normal(len(e_idx)))  # diligent firms train earlier
    for s_i, s in enumerate(lay.streets):
        c24, c25, cfin = s.training
        for chem in (False, True):
            m = (si == s_i) & (hazchem == chem)
            if chem:
                oct24 = min(0.97, c24 + 0.33)
                x = [_PLAN_START, _day("2024-10-31"), _day("2025-09-30"), _END]
                y = [0.0, oct24, max(c25, oct24 + .02), max(cfin, oct24 + .03)]
            else:
                x = [_PLAN_START, _day("2024-12-31"), _day("2025-09-30"), _END]
                y = [0.0, c24, c25, cfin]
            day = np.interp(u[m], y, x)
            day[u[m] >= y[-1]] = np.nan
            campaign[m] = day
    late_start = campaign < est + 15
    campaign = np.where(late_start, est + rng.integers(15, 75, len(e_idx)), campaign)
    campaign[(campaign > last) | (campaign < first)] = np.nan
    has = ~np.isnan(campaign)

    def kind_rows(idx, days, kind):
        return pd.DataFrame({"p": idx, "day": days.astype(np.int64), "kind": kind})

    parts = [kind_rows(np.flatnonzero(has), campaign[has], "initial")]
    # history 2020–2023 (2020: the baseline year of district plans): about one year in three
    early_first = np.maximum(est, _BASE)
    early_last = np.minimum(last, _PLAN_START - 1)
    ok = early_last > early_first
    i, d = _periodic(rng, early_first[ok], early_last[ok], 365, lambda e, d: np.full(len(e), .33),
                     z[ok])
    parts.append(kind_rows(np.flatnonzero(ok)[i], d, "initial"))
    # yearly refresher for 主要负责人, one refresher for a third of the others
    leader = has & (role == "主要负责人")
    refresh_p = np.array([.85 + s.diligence for s in lay.streets])
    i, d = _periodic(rng, campaign[leader].astype(np.int64) + 240, last[leader], 365,
                     lambda e, d: refresh_p[si[leader][e]], z[leader])
    parts.append(kind_rows(np.flatnonzero(leader)[i], d, "refresher"))
    other = np.flatnonzero(has & (role != "主要负责人") & (rng.random(len(e_idx)) < .35))
    d = campaign[other].astype(np.int64) + rng.integers(330, 420, len(other))
    parts.append(kind_rows(other[d <= last[other]], d[d <= last[other]], "refresher"))
    rows = pd.concat(parts, ignore_index=True)

    p_idx = rows["p"].to_numpy()
    days = rows["day"].to_numpy()
    lagging = np.array([s.diligence < -.1 for s in lay.streets])
    pass_p = np.array(_PASS_P)[_year_index(days)] - np.where(lagging[si[p_idx]], .05, 0)
    passed = rng.random(len(rows)) < pass_p
    # a failed exam is retaken 2–8 weeks later
    failed = np.flatnonzero(~passed)
    retake = days[failed] + rng.integers(14, 60, len(failed))
    keep = retake <= last[p_idx[failed]]
    rows = pd.concat([rows.assign(passed=passed),
                      pd.DataFrame({"p": p_idx[failed][keep], "day": retake[keep], "kind": "retake",
                                    "passed": rng.random(keep.sum()) < .97})], ignore_index=True)

    p_idx = rows["p"].to_numpy()
    r = role[p_idx]
    kind = rows["kind"].to_numpy()
    hr = high[p_idx]
    special_hours = np.array([24.0, 32.0, 40.0, 48.0])[rng.integers(0, 4, len(rows))]
    hours = np.select(
        [kind == "retake", (r == "特种作业人员") & (kind == "initial"), r == "特种作业人员",
         kind == "initial"],
        [4.0, special_hours, 8.0, np.where(hr, 48.0, 32.0)], default=np.where(hr, 16.0, 12.0))
    key_rows = pd.DataFrame({"person_id": person[p_idx], "e": e_idx[p_idx], "role": r,
                             "day": rows["day"].to_numpy(), "hours": hours,
                             "passed": rows["passed"].to_numpy(dtype=bool)})
    frames = [key_rows, _frontline_training(rng, ent)]
    t = pd.concat(frames, ignore_index=True)
    return _finish_facts(t, ent, "personnel_training", "PX", 6, {
        "person_id": t["person_id"], "role": t["role"], "training_date": t["day"].to_numpy(float),
        "hours": t["hours"], "passed": t["passed"]}, sort=["day", "person_id", "role"])


def _frontline_training(rng: Rng, ent: pd.DataFrame) -> pd.DataFrame:
    """一线从业人员 rows (not in the key-personnel targets): a few sessions per enterprise."""
    emp = ent["employees"].to_numpy()
    pool = np.maximum(emp - ent["key_personnel"].to_numpy(), 1)
    count = rng.poisson(np.clip(emp / 25, 0.3, 3))
    e = np.repeat(np.arange(len(ent)), count)
    est = _days_of(ent["established_on"])[e]
    first, last = np.maximum(est, _BASE), ent["_last"].to_numpy()[e]
    day = _uniform_days(rng, first, last)
    who = 1_000_000 + (np.cumsum(pool) - pool)[e] + rng.integers(0, pool[e])
    high = ent["high_risk"].to_numpy(dtype=bool)[e]
    hours = np.where(high, 72.0, np.array([8.0, 16.0, 24.0])[rng.integers(0, 3, len(e))])
    return pd.DataFrame({"person_id": "P" + pd.Series(who).astype(str).str.zfill(7), "e": e,
                         "role": "一线从业人员", "day": day, "hours": hours,
                         "passed": rng.random(len(e)) < .97})


def _finish_facts(t: pd.DataFrame, ent: pd.DataFrame, ledger: str, prefix: str, width: int,
                  cols: dict, sort: list[str]) -> pd.DataFrame:
    """Attach enterprise/unit, sort by street and date, number the rows per street."""
    e = t["e"].to_numpy()
    has_e, at = e >= 0, np.maximum(e, 0)
    blank = pd.Series([""] * len(t))
    unit = np.where(has_e, ent["unit_id"].to_numpy()[at], t.get("unit", blank))
    street = np.where(has_e, ent["_street"].to_numpy()[at], t.get("street", blank))
    eid = np.where(has_e, ent["enterprise_id"].to_numpy()[at], None)
    keyed = t.assign(_street=street, _unit=unit, _eid=np.where(has_e, eid, ""))
    order = keyed.sort_values(["_street", *sort, "_unit", "_eid"], kind="stable").index.to_numpy()
    id_col = LEDGERS[ledger].key[0]
    street_o = street[order]
    seq = pd.Series(street_o).groupby(street_o).cumcount().to_numpy() + 1
    code = pd.Series(street_o).str.split("-").str[-1]
    ids = (prefix + "-" + code + "-" + pd.Series(seq).astype(str).str.zfill(width)).to_numpy()
    full = {id_col: ids, "unit_id": unit[order], "enterprise_id": eid[order]}
    for name, v in cols.items():
        arr = v.to_numpy() if isinstance(v, pd.Series) else np.asarray(v)
        full[name] = arr[order]
    names = [c.name for c in LEDGERS[ledger].columns]
    return _frame(ledger, {n: full[n] for n in names}, street=street_o)


def _drills(rng: Rng, ent: pd.DataFrame, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Enterprise drills on a schedule (half-yearly for high-risk and crowded places, yearly for the
    rest), extra on-site drills, and street/community drills; “四不” share rising by year."""
    si = ent["_si"].to_numpy()
    frequent = (ent["high_risk"] | ent["crowded_place"]).to_numpy(dtype=bool)
    offset = _street_table(lambda s: [s.drills], lay)[:, 0]
    p_table = np.clip(np.array(_DRILL_P)[None, :] + offset[:, None], 0, .99)
    parts = []
    first, last, z = ent["_first"].to_numpy(), ent["_last"].to_numpy(), ent["_z"].to_numpy()
    for freq, every in ((True, 175.0), (False, 350.0)):
        idx = np.flatnonzero(frequent == freq)
        i, d = _periodic(rng, first[idx], last[idx], every,
                         lambda e, d, idx=idx: p_table[si[idx][e], _year_index(d)], z[idx])
        kind = np.where(rng.random(len(i)) < .4, "综合演练", "专项演练")
        parts.append(pd.DataFrame({"e": idx[i], "day": d, "kind": kind}))
    # extra 现场处置演练: more common once the campaign starts
    grid_e = np.repeat(np.arange(len(ent)), len(_YEARS))
    grid_y = np.tile(_YEARS, len(ent))
    extra = rng.random(len(grid_e)) < np.where(grid_y >= 2024, .18, .10)
    e, y = grid_e[extra], grid_y[extra]
    lo = np.maximum(first[e], [_day(f"{v}-01-01") for v in y])
    hi = np.minimum(last[e], [_day(f"{v}-12-31") for v in y])
    ok = hi >= lo
    day = _uniform_days(rng, lo[ok], hi[ok])
    parts.append(pd.DataFrame({"e": e[ok], "day": day, "kind": "现场处置演练"}))
    d = pd.concat(parts, ignore_index=True)
    emp = ent["employees"].to_numpy()[d["e"]]
    d["participants"] = np.maximum(3, np.round(np.minimum(emp, 400) * rng.uniform(.3, .9, len(d))))
    d = pd.concat([d, _public_drills(rng, org, lay)], ignore_index=True)

    # “四不”: the year's district share, scaled by street and kind (综合 less often, on-site more)
    e = d["e"].to_numpy()
    street_i = np.where(e >= 0, si[np.maximum(e, 0)], d["si"].fillna(-1).to_numpy(int))
    kind_f = d["kind"].map({"综合演练": .5, "专项演练": 1.0, "现场处置演练": 1.3}).to_numpy()
    yi = _year_index(d["day"].to_numpy())
    mean_f = pd.Series(kind_f).groupby(yi).transform("mean").to_numpy()
    street_f = _street_table(lambda s: [s.unannounced], lay)[street_i, 0]
    p = np.clip(np.array(_UNANNOUNCED)[yi] * street_f * kind_f / mean_f, 0, .95)
    d["unannounced"] = rng.random(len(d)) < p
    return _finish_facts(d, ent, "drills", "YL", 6, {
        "drill_date": d["day"].to_numpy(float), "kind": d["kind"], "unannounced": d["unannounced"],
        "participants": d["participants"].astype(np.int64)}, sort=["day"])


def _public_drills(rng: Rng, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Street drills (unit = the street id, every ~5 months, the laggard less), community drills."""
    parts = []
    streets = np.arange(len(lay.streets))
    every = np.array([330.0 if s.diligence < -.1 else 150.0 for s in lay.streets])
    street_ids = np.array(lay.street_ids)
    for ev in np.unique(every):
        idx = streets[every == ev]
        p = .9 + np.array([lay.streets[k].diligence for k in idx]) / 2
        i, d = _periodic(rng, np.full(len(idx), _START), np.full(len(idx), _END), ev,
                         lambda e, d, p=p: p[e], rng.standard_normal(len(idx)))
        parts.append(pd.DataFrame({"e": -1, "si": idx[i], "unit": street_ids[idx[i]],
                                   "street": street_ids[idx[i]], "day": d,
                                   "participants": rng.integers(80, 400, len(i))}))
    leaves = _leaves(org)
    n = len(leaves)
    grid_l = np.repeat(np.arange(n), len(_YEARS))
    grid_y = np.tile(_YEARS, n)
    street_of = leaves["parent_id"].to_numpy()[grid_l]
    s_i = np.array([lay.index[s] for s in street_of])
    p = .85 + 2 * np.array([lay.streets[k].diligence for k in s_i])
    ok = rng.random(len(grid_l)) < p
    day = _uniform_days(rng, [_day(f"{y}-01-01") for y in grid_y[ok]],
                        [min(_day(f"{y}-12-31"), _END) for y in grid_y[ok]])
    unit = leaves["unit_id"].to_numpy()[grid_l[ok]]
    parts.append(pd.DataFrame({"e": -1, "si": s_i[ok], "unit": unit, "street": street_of[ok],
                               "day": day, "participants": rng.integers(20, 150, ok.sum())}))
    d = pd.concat(parts, ignore_index=True)
    street_level = d["unit"].isin(lay.street_ids).to_numpy()
    d["kind"] = np.where(street_level, _choice(rng, DRILL_KINDS, (.35, .55, .10), len(d)),
                         _choice(rng, DRILL_KINDS, (.5, .3, .2), len(d)))
    return d


def _hazards(rng: Rng, ent: pd.DataFrame, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Hazards found by year (more from 2024), ~2–3 % 重大; the 2023 stock of open major hazards
    is cleared mostly during 2024, a few stay open; some general ones are rectified late."""
    n = len(ent)
    industry = ent["industry"].to_numpy()
    high = ent["high_risk"].to_numpy(dtype=bool)
    lam = np.select([high, industry == "建筑施工", np.isin(industry, ("商贸", "其他")), industry == "交通运输"],
                    [1.8, 1.1, 0.4, 0.6], default=0.85)
    grid_e = np.repeat(np.arange(n), len(_YEARS))
    grid_y = np.tile(_YEARS, n)
    y_lo = np.array([_day(f"{y}-01-01") for y in _YEARS])
    y_hi = np.array([min(_day(f"{y}-12-31"), _END) for y in _YEARS])
    lo = np.maximum(ent["_first"].to_numpy()[grid_e], y_lo[grid_y - 2021])
    hi = np.minimum(ent["_last"].to_numpy()[grid_e], y_hi[grid_y - 2021])
    share = np.clip((hi - lo + 1) / 365.0, 0, None)
    count = rng.poisson(lam[grid_e] * np.array(_HAZARD_RATE)[grid_y - 2021] * share)
    e = np.repeat(grid_e, count)
    found = _uniform_days(rng, np.repeat(lo, count), np.repeat(hi, count))
    major = rng.random(len(e)) < np.where(high[e], .06, .018)
    insured = ent["insured"].to_numpy(dtype=bool)[e]
    h = pd.DataFrame({"e": e, "day": found, "major": major, "insured": insured,
                      "si": ent["_si"].to_numpy()[e]})
    h = pd.concat([h, _community_hazards(rng, org, lay)], ignore_index=True)

    m = len(h)
    major = h["major"].to_numpy(dtype=bool)
    found = h["day"].to_numpy()
    h["grade"] = np.where(major, "重大", "一般")
    src_general = _choice(rng, HAZARD_SOURCES, (.52, .20, .10, .04, .14), m)
    src_major = _choice(rng, HAZARD_SOURCES, (.25, .35, .30, .05, .05), m)
    src = np.where(major, src_major, src_general)
    served = h["insured"].fillna(False).to_numpy(dtype=bool) & (found >= _PLAN_START)
    no_insurer = (src == "保险机构排查") & ~served
    src[no_insurer] = "企业自查"
    public = h["e"].to_numpy() < 0
    src = np.where(public, h["source"].fillna("").to_numpy(), src)
    h["source"] = src
    deadline = found + np.where(major, np.array([30, 60, 90, 90])[rng.integers(0, 4, m)],
                                np.array([15, 20, 30, 30, 45, 60])[rng.integers(0, 6, m)])

    # rectification: on time (up to the deadline) or late; a few never
    diligence = _street_table(lambda s: [s.diligence], lay)[h["si"].to_numpy(int), 0]
    on_time = rng.random(m) < np.where(major, .85, .88) + diligence
    span = deadline - found
    late_by = 1 + rng.exponential(40, m)
    took = np.where(on_time, np.floor(rng.random(m) * (span + 1)), span + late_by)
    rectified = (found + took).astype(float)
    rectified[~major & (rng.random(m) < .012)] = np.nan
    # the stock: major hazards found by 2023 and still open at its end, cleared mostly in 2024
    lagging = diligence < -.1
    found_by_2023 = major & (found < _PLAN_START)
    stock = found_by_2023 & ((rectified >= _PLAN_START) | (rng.random(m) < .30))
    u = rng.random(m)
    when = np.where(u < np.where(lagging, .75, .90),
                    _uniform_days(rng, _day("2024-01-15"), _day("2024-12-20"), m),
                    np.where(u < np.where(lagging, .87, .955),
                             _uniform_days(rng, _day("2025-01-05"), _day("2025-12-20"), m), np.nan))
    rectified[stock] = when[stock]
    rectified[rectified > _END] = np.nan
    return _finish_facts(h, ent, "hazards", "YH", 6, {
        "found_on": found.astype(float), "grade": h["grade"], "source": h["source"],
        "deadline": deadline.astype(float), "rectified_on": rectified}, sort=["day"])


def _community_hazards(rng: Rng, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Hazards in residential areas, found by supervisors or reported by residents (no firm)."""
    leaves = _leaves(org)
    n = len(leaves)
    grid_l = np.repeat(np.arange(n), len(_YEARS))
    grid_y = np.tile(_YEARS, n)
    scale = np.array([lay.scale(p) for p in leaves["parent_id"]], dtype=float)[grid_l]
    count = rng.poisson(2.5 * np.where(grid_y == 2026, .75, 1) * np.where(grid_y >= 2024, 1.3, 1) * scale)
    li, yy = np.repeat(grid_l, count), np.repeat(grid_y, count)
    day = _uniform_days(rng, [_day(f"{y}-01-01") for y in yy],
                        [min(_day(f"{y}-12-31"), _END) for y in yy])
    street = leaves["parent_id"].to_numpy()[li]
    return pd.DataFrame({"e": -1, "day": day, "major": False, "insured": False,
                         "si": [lay.index[s] for s in street],
                         "unit": leaves["unit_id"].to_numpy()[li], "street": street,
                         "source": _choice(rng, ("督导检查", "群众举报"), (.6, .4), len(li))})


def _accidents(rng: Rng, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Rare accidents from 2020: 0–3 deaths per street and year, declining; one 较大 (3 deaths)
    in 2022."""
    leaves = _leaves(org)
    rows = []
    by_street = {k: g.to_numpy() for k, g in leaves.groupby("parent_id", sort=False)["unit_id"]}
    for s in lay.streets:
        mine = by_street[s.id]
        factor = 1.3 if s.diligence < -.1 else 1.0
        town = s.level == "镇"
        for y, trend in _ACCIDENT_TREND.items():
            part = .75 if y == 2026 else 1.0
            lo, hi = _day(f"{y}-01-01"), min(_day(f"{y}-12-31"), _END)
            deaths_left = 3
            for fatal in (True, False):
                lam = (0.85 if fatal else 2.0) * trend * part * factor * s.scale
                for _ in range(rng.poisson(lam)):
                    deaths = (1 + (rng.random() < .12)) if fatal else 0
                    if deaths > deaths_left:
                        continue
                    deaths_left -= deaths
                    farm = (.05 if fatal else .03) if town else 0
                    p = (.60, .20, .10, farm, .05) if fatal else (.35, .45, .10, farm, .07)
                    domain = str(_choice(rng, _ACCIDENT_DOMAINS, p, 1)[0])
                    injuries = int(rng.poisson(.8 if fatal else 1.2)) + (0 if fatal else 1)
                    scale = {"道路交通": 40, "工矿商贸": 120, "火灾": 60}.get(domain, 20)
                    loss = scale * rng.lognormal(0, .7) * (1 + deaths) * (1 if fatal else .25)
                    day = int(_uniform_days(rng, lo, hi))
                    rows.append((str(rng.choice(mine)), day, domain, deaths, injuries,
                                 round(min(loss, 900.0), 2)))
    hs = leaves.loc[leaves["parent_id"] == "SLQ-HS", "unit_id"].to_numpy()
    day = int(_uniform_days(rng, _day("2022-06-01"), _day("2022-09-30")))
    rows.append((str(hs[len(hs) // 2]), day, "道路交通", 3, 4, round(float(rng.uniform(280, 520)), 2)))
    a = pd.DataFrame(rows, columns=["unit_id", "day", "domain", "deaths", "injuries", "loss"])
    a = a.sort_values(["day", "unit_id"], ignore_index=True)
    year = _year(a["day"].to_numpy())
    seq = a.groupby(year).cumcount().to_numpy() + 1
    deaths = a["deaths"].to_numpy()
    return _frame("accidents", {
        "accident_id": [f"SG-{y}-{k:03d}" for y, k in zip(year, seq)], "unit_id": a["unit_id"],
        "occurred_on": a["day"].to_numpy(float), "domain": a["domain"], "deaths": deaths,
        "injuries": a["injuries"], "direct_loss": a["loss"],
        "severity": np.select([deaths >= 30, deaths >= 10, deaths >= 3],
                              ["特别重大", "重大", "较大"], "一般"),
    })


def _economy(rng: Rng, ent: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """GDP per quarter from 2020 (≈5–40 亿元, growing), workers from the roster, vehicles,
    population."""
    quarters = quarter_range(Quarter.of(BASELINE_START), Quarter.of(DATA_END))
    q_end = np.array([_day(q.end) for q in quarters])
    season = np.array([.88, .98, 1.0, 1.14])
    years_in = (q_end - _START) / 365.25
    est = _days_of(ent["established_on"])
    closed = _days_of(ent["closed_on"])
    closed = np.where(ent["closed_on"].isna().to_numpy(), np.iinfo(np.int64).max, closed)
    active = (est[:, None] <= q_end[None, :]) & (closed[:, None] > q_end[None, :])
    emp = ent["employees"].to_numpy()
    rows = []
    street_of = ent["_si"].to_numpy()
    for si, s in enumerate(lay.streets):
        mine = street_of == si
        workers = (emp[mine, None] * active[mine]).sum(axis=0) * 1.35
        workers *= rng.normal(1, .015, len(q_end))
        # 从业人员 are more than the staff of the enterprises registered so far: a province street whose
        # first years have one small enterprise would swing 100× (intake rightly refuses that)
        workers = np.maximum(workers, workers.max() / 20)
        gdp = s.gdp * (1 + s.growth) ** years_in * season[[q.q - 1 for q in quarters]]
        gdp *= rng.normal(1, .02, len(q_end))
        pop = s.population * (1 + (.008 if s.level == "街道" else -.003)) ** years_in
        cars = pop * (.28 if s.level == "街道" else .33) * 1.05 ** years_in
        for j in range(len(q_end)):
            rows.append((s.id, q_end[j], round(float(gdp[j]), 2), int(workers[j]), int(cars[j]),
                         int(pop[j])))
    e = pd.DataFrame(rows, columns=["unit_id", "day", "gdp", "workers", "cars", "pop"])
    # submitted 5–15 days after the quarter; one report in ten (one in three in 唐泉镇) weeks late
    slow = np.where(e["unit_id"].to_numpy() == "SLQ-TQ", .33, .1)
    delay = np.where(rng.random(len(e)) < slow, rng.integers(20, 46, len(e)), rng.integers(5, 16, len(e)))
    return _frame("economy", {
        "unit_id": e["unit_id"], "quarter_end": e["day"].to_numpy(float), "gdp": e["gdp"],
        "industry_workers": e["workers"], "motor_vehicles": e["cars"], "population": e["pop"],
        "reported_on": (e["day"] + delay).to_numpy(float)})


_COMPOUND_PREFIX = ("锦绣", "阳光", "翠苑", "金色", "华府", "御景", "和谐", "幸福", "康桥", "明湖", "丽景",
                    "盛世", "凤凰", "绿地", "新城", "世纪", "东方", "滨河", "紫薇", "银河", "朝阳", "枫林",
                    "书香", "龙湾", "春晖")
_COMPOUND_SUFFIX = ("小区", "花园", "家园", "苑", "新村", "公寓", "嘉园", "雅居", "名邸")


def _compounds(rng: Rng, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """10–40 compounds per community (not villages); smoke alarms installed mostly in 2024."""
    leaves = _leaves(org)
    comm = leaves[leaves["level"] == "社区"].reset_index(drop=True)
    names_all = np.array([p + s for p in _COMPOUND_PREFIX for s in _COMPOUND_SUFFIX])
    parts = []
    for _, row in comm.iterrows():
        n = max(1, round(int(rng.integers(10, 41)) * lay.scale(row["parent_id"])))
        names = names_all[rng.choice(len(names_all), n, replace=False)]
        parts.append(pd.DataFrame({"unit": row["unit_id"], "street": row["parent_id"],
                                   "name": names, "k": np.arange(1, n + 1)}))
    c = pd.concat(parts, ignore_index=True)
    m = len(c)
    households = np.clip(np.round(rng.lognormal(np.log(400), .7, m)), 40, 3000).astype(np.int64)
    smoke = np.full(m, np.nan)
    x = [_day("2023-09-01"), _day("2024-12-31"), _END]
    u = rng.random(m)
    street_of = c["street"].map(lay.index).to_numpy()
    for si, s in enumerate(lay.streets):
        sel = street_of == si
        y = [0.0, *s.smoke]
        day = np.floor(np.interp(u[sel], y, x))
        day[u[sel] >= y[-1]] = np.nan
        smoke[sel] = day
    return _frame("residential_compounds", {
        "compound_id": (c["unit"] + "-XQ" + c["k"].astype(str).str.zfill(2)).to_numpy(),
        "unit_id": c["unit"], "name": c["name"], "households": households,
        "smoke_alarms_on": smoke})


def _activities(rng: Rng, ent: pd.DataFrame, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Leader inspections from 2023 (quarterly; monthly from 2024 in high-risk firms and firms with
    explosive dust or ammonia refrigeration), insurer
    services for insured firms from 2024, yearly special inspections per street, enforcement
    checks, law contests."""
    si = ent["_si"].to_numpy()
    z = ent["_z"].to_numpy()
    first, last = ent["_first"].to_numpy(), ent["_last"].to_numpy()
    dil = _street_table(lambda s: [s.diligence], lay)[:, 0]
    high = ent["high_risk"].to_numpy(dtype=bool)
    monthly = high | (ent["dust_explosion"] | ent["ammonia_refrigeration"]).to_numpy(dtype=bool)
    insured = ent["insured"].to_numpy(dtype=bool)
    parts = []

    def add(idx, every, levels, kind, start, stop=_END):
        table = np.clip(np.array(levels)[None, :] + dil[:, None], 0, .99)
        i, d = _periodic(rng, np.maximum(first[idx], start), np.minimum(last[idx], stop), every,
                         lambda e, d: table[si[idx][e], _year_index(d)], z[idx])
        parts.append(pd.DataFrame({"e": idx[i], "day": d, "kind": kind}))

    y23, y24 = _day("2023-01-01"), _PLAN_START
    add(np.flatnonzero(~monthly), 90.0, _CHECK_P, "主要负责人带队检查", y23)
    # high-risk firms and 工贸 firms with dust/ammonia/molten metal: quarterly in 2023, monthly
    # once the plans ask for it (2024)
    add(np.flatnonzero(monthly), 90.0, _CHECK_P, "主要负责人带队检查", y23, y24 - 1)
    add(np.flatnonzero(monthly), 30.0, np.array(_CHECK_P) - .05, "主要负责人带队检查", y24)
    ins = np.flatnonzero(insured)
    add(ins, 360.0, (0, 0, 0, .85, .90, .92), "保险机构风险评估", y24)
    add(ins, 90.0, (0, 0, 0, .78, .86, .90), "保险机构隐患排查", y24)
    add(ins, 180.0, (0, 0, 0, .75, .84, .88), "保险机构全员培训", y24)
    # enforcement checks: about half of high-risk firms a year, a tenth of the others
    grid_e = np.repeat(np.arange(len(ent)), 4)
    grid_y = np.tile(np.arange(2023, 2027), len(ent))
    hit = rng.random(len(grid_e)) < np.where(high[grid_e], .5, .1)
    e, y = grid_e[hit], grid_y[hit]
    lo = np.maximum(first[e], [_day(f"{v}-01-01") for v in y])
    hi = np.minimum(last[e], [min(_day(f"{v}-12-31"), _END) for v in y])
    ok = hi >= lo
    day = _uniform_days(rng, lo[ok], hi[ok])
    parts.append(pd.DataFrame({"e": e[ok], "day": day, "kind": "执法检查"}))
    parts.append(_street_activities(rng, ent, org, lay))
    a = pd.concat(parts, ignore_index=True)
    return _finish_facts(a, ent, "safety_activities", "HD", 7, {
        "activity_date": a["day"].to_numpy(float), "kind": a["kind"]}, sort=["day", "kind"])


def _street_activities(rng: Rng, ent: pd.DataFrame, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """重大隐患专项督查: 1–2 actions per street and year from 2024 (none yet in 2026 for the
    lagging town), recorded at the community with most high-risk firms; 普法竞赛 per community."""
    rows = []
    by_street = dict(list(ent.groupby("_si", sort=False)))
    for si, s in enumerate(lay.streets):
        mine = by_street.get(si, ent.iloc[:0])
        focus = (mine.assign(w=mine["high_risk"].astype(int) * 5 + 1).groupby("unit_id")["w"].sum()
                 .sort_values(ascending=False, kind="stable").index.tolist())
        for y in (2024, 2025, 2026):
            n = int(rng.integers(1, 3))
            if s.diligence < -.1 and y == 2026:
                n = 0
            months = np.sort(rng.choice(np.arange(3, 12), n, replace=False))
            for k, mth in enumerate(months):
                day = _day(f"{y}-{mth:02d}-01") + int(rng.integers(0, 28))
                if day <= _END:
                    rows.append((-1, focus[k % len(focus)], s.id, day, "重大隐患专项督查"))
    leaves = _leaves(org)
    for _, leaf in leaves.iterrows():
        for y in (2024, 2025, 2026):
            if rng.random() < .5:
                day = _day(f"{y}-06-01") + int(rng.integers(0, 90))
                if day <= _END:
                    rows.append((-1, leaf["unit_id"], leaf["parent_id"], day, "安全生产普法竞赛"))
    return pd.DataFrame(rows, columns=["e", "unit", "street", "day", "kind"])


# --------------------------------------------------------------------------- staff, district ledgers

_STAFF_SIZES = {"分管安全生产领导干部": (2, 1, 1), "安全监管执法人员": (20, 4, 8),
                "其他安全监管人员": (4, 1, 3)}
"""Per role: district bureau size, and the range of a street/town office."""


def _office_code(units: pd.Series) -> pd.Series:
    """SLQ for the district, QF for SLQ-QF: the middle of record ids such as JG-QF-001."""
    return pd.Series(np.where(units == DISTRICT_ID, DISTRICT_ID, units.str.split("-").str[-1]))


def _numbered(prefix: str, code: pd.Series, width: int) -> np.ndarray:
    """prefix-code-0001, numbered within each code in the current row order."""
    seq = code.groupby(code.to_numpy()).cumcount() + 1
    return (prefix + "-" + code + "-" + seq.astype(str).str.zfill(width)).to_numpy()


def _regulatory_staff(rng: Rng, lay: Layout) -> pd.DataFrame:
    """District bureau and street/town safety staff with turnover (leavers replaced within three
    months) and one more enforcement officer per office in 2024; newer hires more often have a
    safety background."""
    rows = []
    for unit in lay.offices:
        for role, (district, lo, hi) in _STAFF_SIZES.items():
            n = district if unit == lay.root_id else int(rng.integers(lo, hi + 1))
            n = max(1, round(n * lay.scale(unit)))  # small offices keep one of each
            for _ in range(n):
                joined = int(_uniform_days(rng, _day("2003-01-01"), _day("2020-12-31")))
                while joined <= _END:
                    leaves = rng.random() < .12
                    left_day = int(_uniform_days(rng, max(joined + 365, _START), _END))
                    left = left_day if leaves and left_day <= _END else None  # hired too late to leave
                    rows.append((unit, role, joined, left))
                    if left is None:
                        break
                    joined = left + int(rng.integers(10, 90))
        hired = int(_uniform_days(rng, _day("2024-03-01"), _day("2024-09-30")))
        rows.append((unit, "安全监管执法人员", hired, None))
    st = pd.DataFrame(rows, columns=["unit_id", "role", "joined", "left"])
    st = st.sort_values(["unit_id", "joined", "role"], kind="stable", ignore_index=True)
    recent = st["joined"].to_numpy() >= _START
    return _frame("regulatory_staff", {
        "staff_id": _numbered("JG", _office_code(st["unit_id"]), 3),
        "unit_id": st["unit_id"], "role": st["role"],
        "professional_background": rng.random(len(st)) < np.where(recent, .95, .82),
        "practical_experience": rng.random(len(st)) < .88,
        "joined_on": st["joined"].to_numpy(float), "left_on": st["left"].to_numpy(float),
    })


def _staff_training(rng: Rng, staff: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Induction for new staff, yearly rotation training (the laggard town less), job shadowing for
    part of the new hires and, from 2024, for most enforcement officers, and topical sessions
    without an exam."""
    joined = _days_of(staff["joined_on"])
    left = _days_of(staff["left_on"])
    last = np.where(staff["left_on"].isna().to_numpy(), _END, left)
    first = np.maximum(joined, _BASE)
    dil = np.array([lay.diligence(u) for u in staff["unit_id"]])

    def part(i, day, kind, hours):
        return pd.DataFrame({"i": i, "day": day, "kind": kind, "hours": hours})

    new = np.flatnonzero(joined >= _BASE)
    parts = [part(new, joined[new] + rng.integers(10, 60, len(new)), "入职培训", 40.0)]
    shadow = new[rng.random(len(new)) < .5]
    parts.append(part(shadow, joined[shadow] + rng.integers(60, 200, len(shadow)), "跟班集中培训", 40.0))
    # the 2024–2026 campaign sends enforcement officers to shadow a higher-level team
    officer = np.flatnonzero((staff["role"] == "安全监管执法人员").to_numpy()
                             & (rng.random(len(staff)) < .82 + 2 * dil))
    day = _uniform_days(rng, np.maximum(first[officer], _day("2024-03-01")), _day("2026-06-30"))
    parts.append(part(officer, day, "跟班集中培训", 40.0))
    levels = np.array([.75, .78, .80, .88, .92, .93])
    i, d = _periodic(rng, first, last, 365.0,
                     lambda e, d: np.clip(levels[_year_index(d)] + 1.5 * dil[e], 0, .99),
                     rng.standard_normal(len(staff)))
    parts.append(part(i, d, "定期轮训", np.array([24.0, 32.0, 40.0])[rng.integers(0, 3, len(i))]))
    grid = np.repeat(np.arange(len(staff)), len(_BASELINE_YEARS))
    year = np.tile(_BASELINE_YEARS, len(staff))
    lo = np.maximum(first[grid], [_day(f"{y}-01-01") for y in year])
    hi = np.minimum(last[grid], [_day(f"{y}-12-31") for y in year])
    ok = (rng.random(len(grid)) < .3) & (hi >= lo)
    hours = np.array([8.0, 16.0])[rng.integers(0, 2, ok.sum())]
    parts.append(part(grid[ok], _uniform_days(rng, lo[ok], hi[ok]), "专题培训", hours))
    t = pd.concat(parts, ignore_index=True)
    t = t[(t["day"] >= joined[t["i"]]) & (t["day"] <= last[t["i"]])]  # within the tenure
    t = t.sort_values(["day", "i", "kind"], kind="stable", ignore_index=True)
    exam = t["kind"] != "专题培训"
    passed = pd.Series(rng.random(len(t)) < .96, dtype="boolean").where(exam, pd.NA)
    return _frame("staff_training", {
        "record_id": _ids("JX", len(t), 5), "staff_id": staff["staff_id"].to_numpy()[t["i"]],
        "unit_id": staff["unit_id"].to_numpy()[t["i"]], "training_date": t["day"].to_numpy(float),
        "kind": t["kind"], "hours": t["hours"], "passed": passed})


_PROCESSES = ("光气及光气化工艺", "电解工艺（氯碱）", "氯化工艺", "硝化工艺", "合成氨工艺", "裂解（裂化）工艺",
              "氟化工艺", "加氢工艺", "重氮化工艺", "氧化工艺", "过氧化工艺", "胺基化工艺", "磺化工艺",
              "聚合工艺", "烷基化工艺", "新型煤化工工艺", "电石生产工艺", "偶氮化工艺")
"""The 18 重点监管危险化工工艺."""


def _chemical_processes(rng: Rng, ent: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Hazardous processes of chemical producers (not filling stations): automation spreads from
    2019 and reaches most units by 2025, the laggard town later."""
    producer = ((ent["industry"] == "危险化学品") & ~ent["name"].str.endswith("加油站")).to_numpy()
    idx = np.flatnonzero(producer & (rng.random(len(ent)) < .6))
    idx = np.repeat(idx, rng.integers(1, 4, len(idx)))
    n = len(idx)
    est = _days_of(ent["established_on"])[idx]
    start = _uniform_days(rng, est, np.maximum(est, _day("2026-03-31")))
    early = np.minimum(start, np.maximum(est, _day("2020-12-31")))
    start = np.where(rng.random(n) < .85, early, start)
    open_firm = ent["closed_on"].isna().to_numpy()[idx]
    stopped = np.where(rng.random(n) < .05,
                       _uniform_days(rng, np.maximum(start + 365, _START), _END + 365), np.nan)
    retired = np.where(open_firm, stopped, _days_of(ent["closed_on"])[idx])
    retired = np.where(retired > _END, np.nan, retired)
    lagging = np.array([lay.streets[k].diligence < -.1 for k in ent["_si"].to_numpy()[idx]])
    u = rng.random(n)
    x = [_day("2019-01-01"), _day("2022-12-31"), _day("2025-12-31")]
    automated = np.where(lagging, np.interp(u, [0, .35, .82], x), np.interp(u, [0, .55, .97], x))
    automated = np.maximum(np.floor(automated), start + rng.integers(0, 90, n)).astype(float)
    automated[(u >= np.where(lagging, .82, .97)) | (automated > _END)] = np.nan
    automated[~np.isnan(retired) & (automated > retired)] = np.nan
    return _frame("chemical_processes", {
        "process_id": _numbered("GY", _office_code(pd.Series(ent["_street"].to_numpy()[idx])), 3),
        "enterprise_id": ent["enterprise_id"].to_numpy()[idx],
        "unit_id": ent["unit_id"].to_numpy()[idx],
        "process_name": np.array(_PROCESSES, dtype=object)[rng.integers(0, len(_PROCESSES), n)],
        "in_service_from": start.astype(float), "retired_on": retired, "automated_on": automated})


def _active_firm_in(rng: Rng, ent: pd.DataFrame, unit: np.ndarray, day: np.ndarray,
                    wanted: np.ndarray, tries: int = 6) -> np.ndarray:
    """Enterprise id of a random firm of `unit` active on `day`, where wanted (None otherwise)."""
    ids, units = ent["enterprise_id"].to_numpy(), ent["unit_id"].to_numpy()
    first, last = ent["_first"].to_numpy(), ent["_last"].to_numpy()
    order = np.argsort(units, kind="stable")
    start = pd.Series(np.arange(len(order)), index=units[order]).groupby(level=0).min()
    size = pd.Series(units).value_counts()
    lo = start.reindex(unit).fillna(0).to_numpy(int)
    count = size.reindex(unit).fillna(0).to_numpy(int)
    out = np.full(len(unit), None, dtype=object)
    todo = wanted & (count > 0)
    for _ in range(tries):
        pick = order[lo + np.floor(rng.random(len(unit)) * np.maximum(count, 1)).astype(int)]
        ok = todo & (first[pick] <= day) & (last[pick] >= day)
        out[ok] = ids[pick[ok]]
        todo &= ~ok
    return out


def _complaints(rng: Rng, ent: pd.DataFrame, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Reports by residents and workers: mostly general hazards, some about firms; nearly all
    closed within the time limit, some late, a few still open; rewards for verified serious ones."""
    leaves = _leaves(org)
    grid_l = np.repeat(np.arange(len(leaves)), len(_BASELINE_YEARS))
    grid_y = np.tile(_BASELINE_YEARS, len(leaves))
    scale = np.array([lay.scale(p) for p in leaves["parent_id"]], dtype=float)[grid_l]
    rate = 4.0 * np.where(grid_y == 2026, .75, 1) * np.where(grid_y >= 2024, 1.25, 1) * scale
    count = rng.poisson(rate)
    li, yy = np.repeat(grid_l, count), np.repeat(grid_y, count)
    n = len(li)
    received = _uniform_days(rng, [_day(f"{y}-01-01") for y in yy],
                             [min(_day(f"{y}-12-31"), _END) for y in yy])
    unit = leaves["unit_id"].to_numpy()[li]
    street = leaves["parent_id"].to_numpy()[li]
    # about a firm of the community that is active at the time, for most reports
    eid = _active_firm_in(rng, ent, unit, received, rng.random(n) < .6)
    subject = _choice(rng, COMPLAINT_SUBJECTS, (.05, .55, .25, .15), n)
    limit = np.where(subject == "重大事故隐患", 15, 30)
    deadline = received + limit
    lagging = np.array([lay.lags(x) for x in street], dtype=bool)
    u = rng.random(n)
    took = np.where(u < np.where(lagging, .85, .95), rng.integers(1, 16, n) * limit // 15,
                    limit + 1 + rng.integers(0, 40, n)).astype(float)
    closed = received + took
    closed[(u > .985) | (closed > _END)] = np.nan
    verified = pd.Series(rng.random(n) < .45, dtype="boolean").where(~np.isnan(closed), pd.NA)
    serious = (np.isin(subject, ("重大事故隐患", "非法违法行为"))
               & verified.fillna(False).to_numpy(dtype=bool))
    reward = np.where(serious & (rng.random(n) < .6), np.round(rng.uniform(5, 50, n)) * 100, np.nan)
    channel = _choice(rng, COMPLAINT_CHANNELS, (.55, .15, .2, .05, .05), n)
    order = np.lexsort((unit, received))
    year = _year(received[order])
    seq = pd.Series(year).groupby(year).cumcount().to_numpy() + 1
    return _frame("complaints", {
        "complaint_id": [f"JB-{y}-{k:04d}" for y, k in zip(year, seq)], "unit_id": unit[order],
        "enterprise_id": eid[order], "received_on": received[order].astype(float),
        "channel": channel[order], "subject": subject[order],
        "deadline": deadline[order].astype(float), "closed_on": closed[order],
        "verified": verified.to_numpy()[order], "reward": reward[order]})


def _standardization_grades(rng: Rng, ent: pd.DataFrame) -> pd.DataFrame:
    """Gradings behind the roster's standardization level, valid three years and renewed in
    time; a third graded for the first time in the 2024–2025 campaign; revoked when a firm
    closes. Only gradings still valid in 2021 or later are listed."""
    idx = np.flatnonzero(ent["standardization_level"].notna().to_numpy())
    est = _days_of(ent["established_on"])[idx]
    last = ent["_last"].to_numpy()[idx]
    n = len(idx)
    older = np.maximum(est + 180, _uniform_days(rng, _day("2015-01-01"), _day("2020-12-31"), n))
    fresh = _uniform_days(rng, _day("2024-01-01"), _day("2025-12-31"), n)
    first = np.maximum(np.where(rng.random(n) < .35, fresh, older), est + 30)
    k = 5
    gaps = np.concatenate([np.zeros((n, 1)), rng.uniform(1000, 1090, (n, k - 1))], axis=1)
    graded = (first[:, None] + np.cumsum(gaps, axis=1)).astype(np.int64)
    valid = graded + 3 * 365
    ok = (graded <= last[:, None]) & (valid >= _START)
    i, day, valid = np.broadcast_to(np.arange(n)[:, None], (n, k))[ok], graded[ok], valid[ok]
    closed = _days_of(ent["closed_on"])[idx][i]
    still_open = ent["closed_on"].isna().to_numpy()[idx][i]
    revoked = np.where(still_open | (closed > valid), np.nan, closed)
    street = ent["_street"].to_numpy()[idx][i]
    order = np.lexsort((day, street))
    e = idx[i][order]
    return _frame("standardization_grades", {
        "grade_id": _numbered("DJ", _office_code(pd.Series(street[order])), 4),
        "enterprise_id": ent["enterprise_id"].to_numpy()[e],
        "unit_id": ent["unit_id"].to_numpy()[e],
        "level": ent["standardization_level"].to_numpy()[e], "graded_on": day[order].astype(float),
        "valid_until": valid[order].astype(float), "revoked_on": revoked[order]})


_STATIONS_BUILT = {"SLQ-XH": "2019-06-18", "SLQ-WZ": "2022-09-27", "SLQ-QF": "2024-05-12",
                   "SLQ-HS": "2024-08-30", "SLQ-DM": "2024-11-15", "SLQ-LS": "2025-04-22",
                   "SLQ-NY": "2025-10-09", "SLQ-TQ": "2026-07-16"}
"""Town/street rescue stations: 3 new in 2024, 2 in 2025 (one short of the +3), the laggard last."""

DISTRICT = Layout(DISTRICT_ID, DISTRICT_NAME, "区县", STREETS, _STATIONS_BUILT)
"""The sample district 示例区: the default layout."""

PROVINCE_ID = "SP"
PROVINCE_NAME = "示例省"
SCALES = ("district", "province")
"""What `generate_sample(scale=…)` can write: the district, or a province-sized sample."""
_PROVINCE_STREET_SCALE = 0.15
_PLACE_1 = "东西南北中新青金玉云龙凤安平永长泰丰福康宁兴华明昌隆盛和瑞祥嘉春秋文武"
_PLACE_2 = "山河湖泉溪川岭峰林桥阳原城州水岗台塘田庄坪湾洲港园集营坡渠"


def province_layout(seed: int = config.SAMPLE_SEED) -> Layout:
    """示例省 (SP): 16 cities (C01…) of 6–10 districts (C01D01…) of 10–18 streets/towns each
    (≈1,800; ids like C01D01-J0001 for 街道, -Z… for 镇), each street with 1–3 communities/villages
    and 4–12 enterprises, so the volume per unit stays small. The sample district 示例区 (SLQ) —
    its eight streets, storyline and full volume — is one more district of the first city, so every
    plan catalog's unit exists here too. Drawn from its own generator: deterministic per seed."""
    rng = np.random.default_rng([seed, zlib.crc32(b"province")])
    combos = np.array([a + b for a in _PLACE_1 for b in _PLACE_2])
    middle: list[tuple[str, str, str, str, str]] = []
    streets = list(STREETS)
    parents = {s.id: DISTRICT_ID for s in STREETS}
    groups = dict(parents)
    stations = dict(_STATIONS_BUILT)
    serial = 0
    for c, city in enumerate(rng.choice(combos, 16, replace=False), 1):
        cid = f"C{c:02d}"
        middle.append((cid, f"{city}市", PROVINCE_ID, "市", "地级市"))
        if c == 1:
            middle.append((DISTRICT_ID, DISTRICT_NAME, cid, "区县", "市辖区"))
        n_districts = int(rng.integers(6, 11))
        for d, district in enumerate(rng.choice(combos, n_districts, replace=False), 1):
            did = f"{cid}D{d:02d}"
            county = bool(rng.random() < .5)
            middle.append((did, district + ("县" if county else "区"), cid, "区县", "县" if county else "市辖区"))
            n_streets = int(rng.integers(10, 19))
            for name in rng.choice(combos, n_streets, replace=False):
                serial += 1
                town = bool(rng.random() < (.65 if county else .3))
                sid = f"{did}-{'Z' if town else 'J'}{serial:04d}"
                leaves = tuple(f"{x}{'村' if town and i else '社区'}" for i, x in
                               enumerate(rng.choice(combos, int(rng.integers(1, 4)), replace=False)))
                lag = bool(rng.random() < .05)
                c24 = rng.uniform(.35, .45) if lag else rng.uniform(.5, .7)
                c25 = min(.95, c24 + rng.uniform(.2, .33))
                cfin = min(.97, c25 + rng.uniform(.01, .05))
                smoke0 = rng.uniform(.6, .75) if lag else rng.uniform(.85, .97)
                mon0 = rng.uniform(.5, .6) if lag else rng.uniform(.7, .9)
                streets.append(Street(
                    sid, name + ("镇" if town else "街道"), "镇" if town else "街道", leaves,
                    int(rng.integers(4, 13)), str(rng.choice(["urban", "industrial", "chemical"], p=[.5, .4, .1])),
                    round(float(rng.uniform(3, 25)), 1), round(float(rng.uniform(.03, .07)), 3),
                    int(rng.integers(15_000, 90_000)), (float(c24), float(c25), float(cfin)),
                    -.2 if lag else round(float(rng.uniform(-.03, .03)), 3),
                    .55 if lag else round(float(rng.uniform(.9, 1.15)), 3),
                    -.2 if lag else round(float(rng.uniform(-.03, .04)), 3),
                    (float(smoke0), float(min(1.0, smoke0 + rng.uniform(.02, .1)))),
                    (float(mon0), float(min(.99, mon0 + rng.uniform(.1, .25)))),
                    scale=_PROVINCE_STREET_SCALE))
                parents[sid] = groups[sid] = did
                stations[sid] = (date(2018, 1, 1) + timedelta(days=int(rng.integers(0, 3650)))).isoformat()
    return Layout(PROVINCE_ID, PROVINCE_NAME, "省", tuple(streets), stations, tuple(middle), parents, groups)


def sample_layout(scale: str = "district", seed: int = config.SAMPLE_SEED) -> Layout:
    if scale not in SCALES:
        raise ValueError(f"unknown sample scale {scale!r}; expected one of {', '.join(SCALES)}")
    return DISTRICT if scale == "district" else province_layout(seed)


def _rescue_capacity(rng: Rng, ent: pd.DataFrame, org: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """Town/street rescue stations, community/village rescue points (20 before 2024, then 5, 4, 2
    a year), a city-level hazmat team, volunteer teams and teams of high-risk enterprises."""
    leaves = _leaves(org)
    rows = []
    for s in lay.streets:
        day = _day(lay.stations[s.id]) + int(rng.integers(-10, 10))
        if day <= _END:
            rows.append((s.id, f"{s.name}应急救援站", "镇街应急救援站", None, int(rng.integers(15, 31)), day))
    points = rng.choice(len(leaves), 31, replace=False)
    when = np.concatenate([_uniform_days(rng, _day("2018-01-01"), _day("2023-12-31"), 20),
                           _uniform_days(rng, _day("2024-02-01"), _day("2024-12-20"), 5),
                           _uniform_days(rng, _day("2025-02-01"), _day("2025-12-20"), 4),
                           _uniform_days(rng, _day("2026-02-01"), _END, 2)])
    for k, day in zip(points, when):
        leaf = leaves.iloc[int(k)]
        rows.append((leaf["unit_id"], f"{leaf['name']}应急救援点", "村居应急救援点", None,
                     int(rng.integers(6, 13)), int(day)))
    rows += [("SLQ-TQ", "示例区危险化学品应急救援队（市级）", "市级应急救援队伍", None, 45, _day("2024-06-26")),
             ("SLQ-XH", "示例区蓝天救援队", "社会应急救援队伍", None, 38, _day("2018-04-02")),
             ("SLQ-HS", "华山镇志愿应急救援队", "社会应急救援队伍", None, 24, _day("2025-03-15"))]
    est = _days_of(ent["established_on"])
    for k in np.flatnonzero(ent["high_risk"].to_numpy(dtype=bool) & (rng.random(len(ent)) < .4)):
        day = int(_uniform_days(rng, max(est[k] + 60, _day("2010-01-01")), _END + 400))
        if day <= ent["_last"].iloc[k]:
            rows.append((ent["unit_id"].iloc[k], f"{ent['name'].iloc[k]}应急救援队", "企业应急救援队伍",
                         ent["enterprise_id"].iloc[k], int(rng.integers(8, 31)), day))
    r = pd.DataFrame(rows, columns=["unit", "name", "kind", "eid", "members", "day"])
    r = r.sort_values(["day", "name"], kind="stable", ignore_index=True)
    closed_of = ent.set_index("enterprise_id")["closed_on"]
    closed = r["eid"].map(closed_of).astype("datetime64[ns]")
    return _frame("rescue_capacity", {
        "site_id": _ids("JY-", len(r), 3), "unit_id": r["unit"], "name": r["name"],
        "kind": r["kind"], "enterprise_id": r["eid"], "members": r["members"],
        "established_on": r["day"].to_numpy(float), "closed_on": closed})


_RECOGNITIONS = {"应急预案管理示范企业": {2023: 1, 2024: 2, 2025: 3, 2026: 1},
                 "安全生产标准化标杆企业": {2024: 1, 2025: 4, 2026: 1},
                 "双重预防体系建设标杆企业": {2023: 2, 2024: 2, 2025: 2},
                 "安全文化示范企业": {2022: 2, 2023: 1, 2024: 2, 2025: 2}}
"""Firms recognised per kind and year (2 plan-management demonstration firms in 2024 against 3)."""


def _recognitions(rng: Rng, ent: pd.DataFrame) -> pd.DataFrame:
    """Model enterprises recognised by the district, chosen among larger, diligent, older firms
    outside the laggard town."""
    good = ent[(ent["employees"] >= 50) & (ent["_z"] > .5) & ent["closed_on"].isna()
               & (ent["established_on"] <= "2021-12-31") & (ent["_street"] != "SLQ-TQ")]
    schedule = [(kind, y) for kind, years in _RECOGNITIONS.items() for y, n in years.items()
                for _ in range(n)]
    chosen = good.iloc[rng.choice(len(good), len(schedule), replace=False)]
    day = [int(_uniform_days(rng, _day(f"{y}-03-01"), min(_day(f"{y}-12-20"), _END)))
           for _, y in schedule]
    r = pd.DataFrame({"unit": chosen["unit_id"].to_numpy(),
                      "eid": chosen["enterprise_id"].to_numpy(),
                      "kind": [k for k, _ in schedule], "day": day})
    r = r[r["day"] <= _END].sort_values(["day", "eid"], ignore_index=True)
    year = _year(r["day"].to_numpy())
    seq = r.groupby(year).cumcount().to_numpy() + 1
    return _frame("recognitions", {
        "recognition_id": [f"RD-{y}-{n:02d}" for y, n in zip(year, seq)], "unit_id": r["unit"],
        "enterprise_id": r["eid"], "kind": r["kind"], "recognized_on": r["day"].to_numpy(float)})


def _gov_activities(rng: Rng, lay: Layout) -> pd.DataFrame:
    """The district's monthly dispatch notices, quarterly risk consultations and yearly consistency
    reviews (from 2024); the streets' and towns' monthly dispatch notices (from April 2024); yearly
    action plans, quarterly progress hearings and plan-revision trainings of district and
    streets/towns (the laggard town skipped its 2025 plan)."""
    rows = []
    one = np.array([_START]), np.array([_END])
    _, d = _periodic(rng, *one, 30.0, lambda e, d: np.where(d >= _PLAN_START, .99, .93),
                     np.zeros(1))
    rows += [(lay.root_id, day, "调度通报") for day in d]
    _, d = _periodic(rng, *one, 90.0, lambda e, d: np.full(len(e), .95), np.zeros(1))
    rows += [(lay.root_id, day, "会商研判") for day in d]
    for y in range(2021, 2027):
        if y >= 2024:
            rows.append((lay.root_id, _day(f"{y}-11-10") + int(rng.integers(0, 30)), "一致性评估"))
        for _ in range(rng.poisson(5)):
            day = _day(f"{y}-01-15") + int(rng.integers(0, 330))
            rows.append((lay.root_id, day, "研究分管领域安全生产问题"))
        for unit in lay.offices:
            lagging = lay.lags(unit)
            if not (lagging and y == 2025):
                rows.append((unit, _day(f"{y}-01-08") + int(rng.integers(0, 45)), "制定年度行动计划"))
            if y < 2024:
                continue
            for q in range(1, 5):
                if rng.random() < (.6 if lagging else .9):
                    day = _day(f"{y}-{3 * q:02d}-01") + int(rng.integers(0, 25))
                    rows.append((unit, day, "听取治本攻坚进展汇报"))
            if rng.random() < (.5 if lagging else .9):
                rows.append((unit, _day(f"{y}-04-01") + int(rng.integers(0, 150)), "企业应急预案编修培训"))
    # each street's and town's own monthly 调度通报 of its major hazards from April 2024 (the street
    # plans: 2024年3月底前健全数据库运行管理机制，每月调度查改情况), a laggard missing some months; drawn
    # from a generator of its own, so the rows above are those of earlier samples
    own = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    for unit in lay.street_ids:
        keep = .8 if lay.lags(unit) else .97
        for y, m in ((y, m) for y in range(2024, 2027) for m in range(1, 13) if (y, m) >= (2024, 4)):
            if own.random() < keep:
                rows.append((unit, _day(f"{y}-{m:02d}-01") + int(own.integers(0, 20)), "调度通报"))
    g = pd.DataFrame(rows, columns=["unit", "day", "kind"])
    g = g[g["day"] <= _END].sort_values(["unit", "day", "kind"], kind="stable", ignore_index=True)
    year = _year(g["day"].to_numpy())
    nth = g.groupby([g["unit"], g["kind"], year]).cumcount().to_numpy() + 1
    note = np.select([g["kind"] == "调度通报", g["kind"] == "制定年度行动计划"],
                     [[f"{y}年第{n}期安全生产工作调度通报" for y, n in zip(year, nth)],
                      [f"印发{y}年度安全生产治本攻坚行动计划" for y in year]], default=None)
    return _frame("gov_activities", {
        "activity_id": _numbered("ZW", _office_code(g["unit"]), 4), "unit_id": g["unit"],
        "activity_date": g["day"].to_numpy(float), "kind": g["kind"], "note": note})


# --------------------------------------------------------------------------- plan tasks


def task_reports(catalogs: Sequence[Catalog], units: Collection[str], seed: int = config.SAMPLE_SEED
                 ) -> tuple[pd.DataFrame, list[str]]:
    """Quarterly progress reports (tasks_status) of every task of every catalog, by the plan's
    org unit, from the quarter after issue (or the plan start) to 2026Q3 or the plan end.

    About LATE_SHARE of the tasks due by the last report finish late or are still open.
    Each plan draws from its own generator (seed + plan id), so adding a plan changes no other.
    Returns the typed frame and notes for the README (plans covered, plans or tasks left out)."""
    rows, notes = [], []
    for cat in catalogs:
        plan = cat.plan
        if plan.org_unit not in units:
            notes.append(f"{plan.id}：单位 {plan.org_unit} 不在示例区组织树中，未生成任务进展")
            continue
        first = Quarter.of(plan.period.start)
        if plan.issued_on:
            first = max(first, Quarter.of(plan.issued_on).shift(1))
        first = max(first, Quarter.of(DATA_START))
        last = min(Quarter.of(plan.period.end), Quarter.of(DATA_END))
        if first > last or not cat.tasks:
            continue
        quarters = quarter_range(first, last)
        notes.append(f"{plan.id}：{len(cat.tasks)} 项任务，{first}—{last} 每季度末报送")
        rng = np.random.default_rng([seed, zlib.crc32(plan.id.encode("utf-8"))])
        due = [i for i, t in enumerate(cat.tasks) if t.deadline <= last.end]
        late = set(rng.permutation(due)[:round(LATE_SHARE * len(due))].tolist()) if due else set()
        for i, task in enumerate(cat.tasks):
            start, done = _task_course(rng, plan.period.start, quarters[0].end, task.deadline,
                                       i in late)
            for q in quarters:
                state = _task_state(q.end, start, done, task.deadline)
                rows.append((plan.id, task.id, plan.org_unit, q.end, *state))
    names = [c.name for c in LEDGERS["tasks_status"].columns]
    t = pd.DataFrame(rows, columns=names)
    t = t.sort_values("reported_on", kind="stable", ignore_index=True)
    for col in ("reported_on", "completed_on"):
        t[col] = pd.to_datetime(t[col])
    return _frame("tasks_status", dict(t.items())), notes


def _task_course(rng: Rng, begin: date, first_report: date, deadline: date, late: bool
                 ) -> tuple[date, date | None]:
    """Start and completion day of one task (same number of draws for every task)."""
    u_start, u_span, u_late, u_days = rng.random(4)
    if u_start < .6 or deadline <= first_report + timedelta(days=90):
        start = begin + timedelta(days=int(u_span * 60))
    else:
        start = first_report + timedelta(days=int(u_span * .4 * (deadline - first_report).days))
    start = min(start, deadline - timedelta(days=10))
    if late:
        done = deadline + timedelta(days=20 + int(u_days * 220)) if u_late < .5 else None
    else:
        span = max((deadline - start).days, 1)  # long tasks mostly finish in their last quarter(s)
        done = start + timedelta(days=int((.75 + .25 * u_days) * span))
    return start, done


def _task_state(day: date, start: date, done: date | None, deadline: date
                ) -> tuple[str, date | None, str]:
    """Progress, completion date and note as reported at `day`."""
    if day < start:
        return "未启动", None, "尚未启动，已列入工作计划"
    if done is not None and done <= day:
        return "已完成", done, "已按期完成" if done <= deadline else "已完成（超过完成时限）"
    goal = done or deadline + timedelta(days=365)
    pct = int(min(90, 100 * (day - start).days / max((goal - start).days, 1)) // 10 * 10)
    if day > deadline:
        return "推进中", None, f"已超过完成时限，正在加紧推进（约完成{pct}%）"
    return "推进中", None, f"正在推进，约完成{pct}%"


# --------------------------------------------------------------------------- writing


def _text_columns(df: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """The ledger as the strings a clerk's CSV holds: 是/否, ISO dates, empty for missing."""
    out = {}
    for c in ledger.columns:
        s = df[c.name]
        if c.dtype == "date":
            t = s.dt.strftime("%Y-%m-%d")
        elif c.dtype == "bool":
            t = pd.Series(np.where(s.to_numpy(dtype=bool, na_value=False), "是", "否"), index=s.index)
        elif c.dtype == "float":
            values = s.to_numpy(dtype=float, na_value=np.nan)
            t = pd.Series(np.char.mod("%g", values), index=s.index)
        else:
            t = s.astype("string")
        out[c.header] = t.where(s.notna(), "")
    return pd.DataFrame(out)


def _write_csv(df: pd.DataFrame, ledger: Ledger, path: Path) -> None:
    _text_columns(df, ledger).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def _cell_values(df: pd.DataFrame, ledger: Ledger) -> list[list]:
    cols = []
    for c in ledger.columns:
        s = df[c.name]
        missing = s.isna().to_numpy()
        if c.dtype == "date":
            v = np.array(s.dt.date.tolist(), dtype=object)
        elif c.dtype == "bool":
            v = np.where(s.to_numpy(dtype=bool, na_value=False), "是", "否").astype(object)
        elif c.dtype == "int":
            v = np.array([int(x) for x in s.fillna(0)], dtype=object)
        elif c.dtype == "float":
            v = np.array([float(x) for x in s.fillna(0)], dtype=object)
        else:
            v = np.array(s.astype(object).to_numpy(), dtype=object)
        v[missing] = None
        cols.append(v)
    return [list(r) for r in zip(*cols)]


def _write_xlsx(df: pd.DataFrame, ledger: Ledger, path: Path) -> None:
    """One sheet, header in row 1, real Excel dates; fixed timestamps so bytes are reproducible."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "analysis.sample.generator（示例数据）"
    ws = wb.create_sheet(ledger.title)
    ws.freeze_panes = "A2"
    for j, c in enumerate(ledger.columns, 1):
        ws.column_dimensions[get_column_letter(j)].width = max(10, 2.2 * len(c.header) + 2)
    ws.append([c.header for c in ledger.columns])
    for row in _cell_values(df, ledger):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    stamp = b"2024-03-28T00:00:00Z"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp, data)
            member = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            member.external_attr = 0o644 << 16
            dst.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)


def _readme(frames: dict[str, pd.DataFrame], seed: int, notes: list[str], lay: Layout = DISTRICT) -> str:
    counts = "\n".join(f"  {name:<24}{LEDGERS[name].title:<12}{len(df):>8,} 行"
                       for name, df in frames.items())
    if lay is DISTRICT:
        title = "示例数据（虚构）—— 示例区安全生产台账"
        org = (f"组织机构：{DISTRICT_NAME}（{DISTRICT_ID}）下辖 {len(STREETS)} 个街道/镇："
               + "、".join(f"{s.name}（{s.id}）" for s in STREETS))
        files = ("文件：大台账（人员培训、应急演练、事故隐患、安全检查与服务活动）按街道/镇各一个 CSV"
                 "（UTF-8 带 BOM），其余台账各一个 Excel 工作簿；表头为中文，布尔值填“是/否”。")
    else:
        levels = pd.Series([m[3] for m in lay.middle]).value_counts()
        title = f"示例数据（虚构）—— {lay.root_name}安全生产台账（省级规模，供批量生成压力测试）"
        org = (f"组织机构：{lay.root_name}（{lay.root_id}）下辖 {levels.get('市', 0)} 个市、"
               f"{levels.get('区县', 0)} 个区县（含示例区）、{len(lay.streets):,} 个街道/镇、"
               f"{sum(len(s.leaves) for s in lay.streets):,} 个社区/村；"
               f"其中{DISTRICT_NAME}（{DISTRICT_ID}，隶属第一个市）与区县规模的示例数据相同，"
               "其余街道/镇各有1—3个社区/村和4—12家企业。")
        files = ("文件：大台账（人员培训、应急演练、事故隐患、安全检查与服务活动）按区县各一个 CSV，"
                 "其余台账各一个 CSV（均为 UTF-8 带 BOM）；表头为中文，布尔值填“是/否”。")
    lines = [
        title,
        "",
        "本目录由 analysis.sample.generator 生成，全部单位、企业、人员与数字均为虚构，仅用于演示和测试；",
        "请勿当作真实统计数据引用。由此生成的报告均应标注“示例数据”。",
        "",
        f"随机种子：{seed}（同一种子生成的文件逐字节相同）",
        (f"数据期间：{DATA_START.isoformat()} 至 {DATA_END.isoformat()}"
         "（生产安全事故、经济社会基础数据、人员安全培训、举报投诉和监管执法人员培训另含基期2020年）"),
        org,
        "",
        files,
        "",
        "行数：",
        counts,
        "",
        ("内置情形：唐泉镇（SLQ-TQ，化工园区所在地）在三类人员培训、应急演练频次与“四不”演练占比、"
         "主要负责人带队检查、安责险服务、隐患按期整改、居民小区烟感安装和执法人员轮训等方面明显滞后；"
         "全福街道（SLQ-QF）总体正常推进，但2025年三季度三类人员培训进度略低于序时进度；"
         "华山镇2022年发生1起较大道路交通事故（3人死亡）。"),
        "",
        "重点任务进展（tasks_status）按 params/plans/ 中的计划目录生成"
        + ("：" if notes else "；暂无计划目录，未生成 tasks_status.xlsx。"),
    ]
    lines += [f"  {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _load_catalogs(plans_dir: Path) -> list[Catalog]:
    """The catalogs that load; a broken one (`plans check` names its problems) gets no task reports."""
    found = []
    for p in plan_files(plans_dir).values():
        try:
            found.append(load_plan(p))
        except CatalogError:
            continue
    return found


def build_sample(seed: int = config.SAMPLE_SEED, plans_dir: Path = config.PLANS_DIR, scale: str = "district"
                 ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Every ledger of the sample district (or province, `scale`) as typed frames (ledger columns
    plus internal `_…` columns, e.g. `_street`), and notes on the plans behind tasks_status."""
    lay = sample_layout(scale, seed)
    root = np.random.default_rng(seed)
    r = dict(zip(("enterprises", "training", "drills", "hazards", "accidents", "economy",
                  "compounds", "activities", "staff", "complaints", "processes", "grades",
                  "rescue", "recognitions", "gov"), root.spawn(15)))
    org = _org_units(lay)
    ent = _enterprises(r["enterprises"], org, lay)
    tasks, notes = task_reports(_load_catalogs(plans_dir), set(org["unit_id"]), seed)
    frames = {
        "org_units": org,
        "enterprises": ent,
        "personnel_training": _training(r["training"], ent, lay),
        "drills": _drills(r["drills"], ent, org, lay),
        "hazards": _hazards(r["hazards"], ent, org, lay),
        "accidents": _accidents(r["accidents"], org, lay),
        "economy": _economy(r["economy"], ent, lay),
        "tasks_status": tasks,
        "safety_activities": _activities(r["activities"], ent, org, lay),
        "residential_compounds": _compounds(r["compounds"], org, lay),
    }
    frames["regulatory_staff"] = _regulatory_staff(r["staff"], lay)
    frames["staff_training"] = _staff_training(r["staff"], frames["regulatory_staff"], lay)
    frames["complaints"] = _complaints(r["complaints"], ent, org, lay)
    frames["chemical_processes"] = _chemical_processes(r["processes"], ent, lay)
    frames["standardization_grades"] = _standardization_grades(r["grades"], ent)
    frames["rescue_capacity"] = _rescue_capacity(r["rescue"], ent, org, lay)
    frames["recognitions"] = _recognitions(r["recognitions"], ent)
    frames["gov_activities"] = _gov_activities(r["gov"], lay)
    return frames, notes


def _safe_to_replace(out_dir: Path) -> None:
    """Refuse to delete a folder that holds anything but what a previous run wrote."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise FileExistsError(f"示例数据输出路径不是文件夹 / output path is not a folder: {out_dir}")
    foreign = [p.name for p in out_dir.iterdir()
               if not (p.is_file() and p.suffix.lower() in (".csv", ".xlsx", ".txt"))]
    if foreign:
        shown = ", ".join(sorted(foreign)[:5])
        raise FileExistsError(f"拒绝清空含有其他内容的文件夹 / refusing to empty a folder that holds "
                              f"other things than sample files: {out_dir} ({shown})")


def generate_sample(out_dir: Path = config.SAMPLE_DIR, seed: int = config.SAMPLE_SEED, *,
                    plans_dir: Path = config.PLANS_DIR, scale: str = "district") -> list[Path]:
    """Write the sample district into out_dir (removed and rewritten); return the files, sorted.

    scale="province": 示例省 (`province_layout`), every ledger as CSV, the large ones one file
    per district (…__C01D01.csv) rather than per street, so ingest reads a few hundred files."""
    out_dir = Path(out_dir)
    lay = sample_layout(scale, seed)
    _safe_to_replace(out_dir)
    frames, notes = build_sample(seed, plans_dir, scale)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    written: list[Path] = []
    for name, df in frames.items():
        ledger = LEDGERS[name]
        if df.empty:  # e.g. no plan catalogs yet: a header-only file would be rejected on ingest
            continue
        if name in CSV_LEDGERS:
            group = df["_street"].map(lambda s: lay.groups.get(s, s)) if lay.groups else df["_street"]
            for key, part in df.groupby(group, sort=True):
                path = out_dir / f"{name}__{key}.csv"
                _write_csv(part, ledger, path)
                written.append(path)
        elif lay is not DISTRICT:
            path = out_dir / f"{name}.csv"
            _write_csv(df, ledger, path)
            written.append(path)
        else:
            path = out_dir / f"{name}.xlsx"
            _write_xlsx(df, ledger, path)
            written.append(path)
    readme = out_dir / "README.txt"
    readme.write_text(_readme(frames, seed, notes, lay), encoding="utf-8")
    written.append(readme)
    return sorted(written)
