"""The ledgers units hand in: one declaration per ledger, the single source for the warehouse
tables, the pandera validation schema, the Excel templates and the data dictionary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas

INDUSTRIES = ("危险化学品", "冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸", "建筑施工",
              "交通运输", "非煤矿山", "燃气", "其他")
TRAINING_ROLES = ("主要负责人", "安全管理人员", "特种作业人员", "一线从业人员")
KEY_ROLES = TRAINING_ROLES[:3]
"""三类人员: the three key roles the training targets count."""
DRILL_KINDS = ("综合演练", "专项演练", "现场处置演练")
HAZARD_GRADES = ("一般", "重大")
HAZARD_SOURCES = ("企业自查", "督导检查", "执法检查", "群众举报", "保险机构排查")
ACCIDENT_DOMAINS = ("工矿商贸", "道路交通", "火灾", "农业机械", "渔业船舶", "其他")
SEVERITIES = ("一般", "较大", "重大", "特别重大")
TASK_PROGRESS = ("未启动", "推进中", "已完成")
UNIT_LEVELS = ("全国", "省", "市", "区县", "街道", "镇", "社区", "村")
ACTIVITY_KINDS = ("主要负责人带队检查", "重大隐患专项督查", "保险机构风险评估", "保险机构隐患排查",
                  "保险机构全员培训", "安全生产普法竞赛", "执法检查")
RESCUE_KINDS = ("镇街应急救援站", "村居应急救援点", "市级应急救援队伍", "社会应急救援队伍", "企业应急救援队伍",
                "国家安全生产应急救援队伍")
COMPLAINT_CHANNELS = ("12345热线", "举报电话", "网络平台", "来信来访", "其他")
COMPLAINT_SUBJECTS = ("重大事故隐患", "一般事故隐患", "非法违法行为", "其他")
STAFF_ROLES = ("分管安全生产领导干部", "安全监管执法人员", "其他安全监管人员")
STAFF_TRAINING_KINDS = ("入职培训", "定期轮训", "跟班集中培训", "专题培训")
STANDARDIZATION_LEVELS = ("一级", "二级", "三级", "小微")
RECOGNITION_KINDS = ("应急预案管理示范企业", "安全生产标准化标杆企业", "双重预防体系建设标杆企业", "安全文化示范企业", "其他")
GOV_ACTIVITY_KINDS = ("听取治本攻坚进展汇报", "研究分管领域安全生产问题", "调度通报", "会商研判", "一致性评估",
                      "制定年度行动计划", "企业应急预案编修培训", "其他")
"""Kinds of the ledgers added for the 万张、历城、山亭、national catalogs (see their descriptions)."""
STATISTICS_INDICATORS = ("生产安全事故死亡人数", "生产安全事故起数", "地区生产总值", "亿元国内生产总值生产安全事故死亡人数",
                         "工矿商贸就业人员十万人生产安全事故死亡人数", "煤矿百万吨死亡人数", "道路交通事故万车死亡人数",
                         "重特大生产安全事故起数", "较大生产安全事故起数", "一般公共预算收入", "安全生产专项资金")
"""Names the published statistics use for the figures catalogs read (the ledger takes any name)."""


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    """Chinese column header as it appears in the unit's Excel/CSV file."""
    dtype: str
    """One of: str, int, float, date, bool."""
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    description: str = ""
    earliest: date = date(2000, 1, 1)
    """Dates before this are refused (events are recent; founding dates may be old)."""
    future_ok: bool = False
    """Dates after today are accepted (deadlines), not refused as typing errors."""
    magnitude: bool = False
    """Checked against the same unit's other periods: a value 100 times larger or smaller than the
    median of its history is refused (GDP in 万元 where 亿元 is asked is 10,000 times too large)."""


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row; rows with an empty cell in `columns` are not checked."""

    name: str
    columns: tuple[str, ...]
    holds: Callable[[pd.DataFrame], pd.Series]
    message: str


def _severity_matches_deaths(df: pd.DataFrame) -> pd.Series:
    """一般 <3 deaths, 较大 3–9, 重大 10–29, 特别重大 ≥30 (生产安全事故报告和调查处理条例 第三条).

    Deaths alone can only contradict a grade upwards (a 较大 accident may have 0 deaths because
    of injuries or losses), so the rule checks that deaths do not exceed the grade's band."""
    upper = df["severity"].map({"一般": 2, "较大": 9, "重大": 29, "特别重大": 10**9})
    return df["deaths"] <= upper


@dataclass(frozen=True)
class Ledger:
    name: str
    title: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    date_column: str | None = None
    """The column that places a row in a reporting period (for reporting rates)."""
    row_rules: tuple[RowRule, ...] = field(default=())
    frequency: str | None = None
    """How often each reporting unit delivers it: one of FREQUENCIES (quarterly, half-yearly,
    yearly), or None for registers kept up to date as things change (org units, enterprises)."""
    due_days: int = 15
    """A period's ledger is due this many days after the period ends (催报, on-time rate)."""
    reporters: tuple[str, ...] = ("街道", "镇")
    """Who owes it each period: units of these levels (their rows and their communities'), or
    PLAN_UNITS: the org unit of each plan catalog running in the period."""
    submitted_column: str | None = None
    """The column that says when a row was handed in; without one, the load time of its file."""
    registers_units: str | None = None
    """A column naming the unit: a row whose unit is not in the org_units register yet but gives
    its name here registers it as a top-level unit (a province's statistics need no org tree)."""
    own_figures: bool = False
    """Published figures of the unit itself (统计公报): measures match each row to the quarter it is
    for by `year`/`quarter` and never add up the units below (a province's published total is its
    own figure, not the sum of its cities'); a quarter without a figure is unknown, not zero."""

    @property
    def headers(self) -> dict[str, str]:
        """Chinese header -> column name."""
        return {c.header: c.name for c in self.columns}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def schema(self) -> pandera.pandas.DataFrameSchema:
        """pandera schema for the ledger after parsing into typed columns."""
        import pandera.pandas as pa  # only intake validates; report kernels skip the import

        cols = {}
        for c in self.columns:
            checks = []
            if c.choices:
                checks.append(pa.Check.isin(list(c.choices), error=f"取值须为：{'、'.join(c.choices)} / must be one of: {', '.join(c.choices)}"))
            if c.min_value is not None:
                checks.append(pa.Check.ge(c.min_value, error=f"不得小于 {c.min_value:g} / must be >= {c.min_value:g}"))
            cols[c.name] = pa.Column(_PANDERA_TYPES[c.dtype], checks=checks, nullable=not c.required,
                                     coerce=False, required=True)
        return pa.DataFrameSchema(cols, unique=list(self.key), strict=True, name=self.name)

    def duckdb_columns(self) -> str:
        return ", ".join(f"{c.name} {DUCKDB_TYPES[c.dtype]}" for c in self.columns)


_PANDERA_TYPES = {"str": "string", "int": "Int64", "float": "Float64", "date": "datetime64[ns]", "bool": "boolean"}
DUCKDB_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}


FREQUENCIES = {"quarterly": 1, "half-yearly": 2, "yearly": 4}
"""Delivery frequency -> quarters per period."""
PLAN_UNITS = "plan"
"""Ledger.reporters value: each plan's own org unit reports (tasks_status)."""


def _quarter_in_year(d: pd.DataFrame) -> pd.Series:
    return d["quarter"].between(1, 3)


def _is_quarter_end(d: pd.DataFrame) -> pd.Series:
    q = d["quarter_end"]
    return (q + pd.offsets.QuarterEnd(0)) == q


def C(name, header, dtype="str", required=True, **kw) -> Column:
    return Column(name, header, dtype, required, **kw)


LEDGERS: dict[str, Ledger] = {
    l.name: l
    for l in (
        Ledger("org_units", "组织机构", ("unit_id",), (
            C("unit_id", "单位代码"),
            C("name", "单位名称"),
            C("parent_id", "上级单位代码", required=False),
            C("level", "层级", choices=UNIT_LEVELS),
            C("kind", "类型", required=False, description="例如 城市街道、涉农镇、社区、行政村"),
        ), description="区—街道/镇—社区/村 组织树；汇总沿此树把分子、分母分别相加。"),
        Ledger("enterprises", "生产经营单位", ("enterprise_id",), (
            C("enterprise_id", "单位统一编码"),
            C("name", "单位名称"),
            C("unit_id", "所属社区/村代码"),
            C("industry", "行业", choices=INDUSTRIES),
            C("above_scale", "是否规上", "bool"),
            C("high_risk", "是否高危行业", "bool", description="危化品、非煤矿山、烟花爆竹、金属冶炼等"),
            C("crowded_place", "是否人员密集场所", "bool"),
            C("hazardous_chemicals", "涉危化品", "bool"),
            C("dust_explosion", "涉爆粉尘", "bool"),
            C("ammonia_refrigeration", "涉氨制冷", "bool"),
            C("molten_metal", "涉高温熔融金属", "bool"),
            C("confined_space", "涉有限空间", "bool"),
            C("employees", "从业人员数", "int", min_value=0),
            C("key_personnel", "三类人员数", "int", min_value=0, description="主要负责人、安全管理人员、特种作业人员应培训人数"),
            C("monitoring_required", "是否须接入监测预警", "bool"),
            C("monitoring_connected_on", "监测接入日期", "date", required=False),
            C("insured", "是否投保安责险", "bool"),
            C("standardization_level", "标准化等级", required=False, choices=("一级", "二级", "三级", "小微")),
            C("established_on", "成立日期", "date", earliest=date(1949, 10, 1)),
            C("closed_on", "注销/关闭日期", "date", required=False),
        ), description="辖区生产经营单位名册及风险标识。", row_rules=(
            RowRule("closed after established", ("established_on", "closed_on"),
                    lambda d: d["closed_on"] >= d["established_on"],
                    "注销/关闭日期早于成立日期 / closed before it was established"),
        )),
        Ledger("personnel_training", "人员安全培训", ("record_id",), (
            C("record_id", "记录编号"),
            C("person_id", "人员编号"),
            C("enterprise_id", "单位统一编码"),
            C("unit_id", "所属社区/村代码"),
            C("role", "人员类别", choices=TRAINING_ROLES),
            C("training_date", "培训日期", "date"),
            C("hours", "学时", "float", min_value=0),
            C("passed", "考核是否合格", "bool"),
        ), date_column="training_date", description="每人每次培训一行；三类人员培训覆盖率的分子。",
            frequency="quarterly"),
        Ledger("drills", "应急演练", ("drill_id",), (
            C("drill_id", "演练编号"),
            C("unit_id", "所属社区/村或街道代码"),
            C("enterprise_id", "单位统一编码", required=False, description="街道、社区组织的演练留空"),
            C("drill_date", "演练日期", "date"),
            C("kind", "演练类型", choices=DRILL_KINDS),
            C("unannounced", "是否“四不”演练", "bool", description="不提前通知、不设定脚本、不预设场景、不预设地点"),
            C("participants", "参演人数", "int", min_value=0),
        ), date_column="drill_date", frequency="half-yearly"),
        Ledger("hazards", "事故隐患", ("hazard_id",), (
            C("hazard_id", "隐患编号"),
            C("unit_id", "所属社区/村代码"),
            C("enterprise_id", "单位统一编码", required=False),
            C("found_on", "发现日期", "date"),
            C("grade", "隐患等级", choices=HAZARD_GRADES),
            C("source", "发现渠道", choices=HAZARD_SOURCES),
            C("deadline", "整改期限", "date", future_ok=True),
            C("rectified_on", "整改完成日期", "date", required=False),
        ), date_column="found_on", row_rules=(
            RowRule("rectified after found", ("found_on", "rectified_on"),
                    lambda d: d["rectified_on"] >= d["found_on"],
                    "整改完成日期早于发现日期 / rectified before it was found"),
            RowRule("deadline after found", ("found_on", "deadline"), lambda d: d["deadline"] >= d["found_on"],
                    "整改期限早于发现日期 / deadline before the hazard was found"),
        ), frequency="quarterly", due_days=10),
        Ledger("accidents", "生产安全事故", ("accident_id",), (
            C("accident_id", "事故编号"),
            C("unit_id", "发生地社区/村代码"),
            C("occurred_on", "发生日期", "date"),
            C("domain", "事故领域", choices=ACCIDENT_DOMAINS),
            C("deaths", "死亡人数", "int", min_value=0),
            C("injuries", "受伤人数", "int", min_value=0),
            C("direct_loss", "直接经济损失(万元)", "float", min_value=0),
            C("severity", "事故等级", choices=SEVERITIES),
        ), date_column="occurred_on", row_rules=(
            RowRule("severity vs deaths", ("severity", "deaths"), _severity_matches_deaths,
                    "死亡人数与事故等级不符（一般<3人，较大3–9人，重大10–29人，特别重大≥30人） / "
                    "deaths exceed the band of the grade"),
        )),
        Ledger("economy", "经济社会基础数据", ("unit_id", "quarter_end"), (
            C("unit_id", "单位代码"),
            C("quarter_end", "季度末日期", "date"),
            C("gdp", "地区生产总值(亿元,当季)", "float", min_value=0, magnitude=True),
            C("industry_workers", "工矿商贸从业人员数", "int", min_value=0, magnitude=True),
            C("motor_vehicles", "机动车保有量", "int", min_value=0, magnitude=True),
            C("population", "常住人口", "int", min_value=0, magnitude=True),
            C("reported_on", "报送日期", "date", required=False,
              description="单位报送本季度数据的日期；用于及时率，留空时按导入仓库的时间计"),
        ), date_column="quarter_end", description="亿元GDP、十万人、万车死亡率的分母。", row_rules=(
            RowRule("quarter end", ("quarter_end",), _is_quarter_end,
                    "季度末日期须为 3月31日、6月30日、9月30日或12月31日 / must be the last day of a quarter"),
        ), frequency="quarterly", due_days=15, submitted_column="reported_on"),
        Ledger("tasks_status", "重点任务进展", ("plan_id", "task_id", "unit_id", "reported_on"), (
            C("plan_id", "规划编号", description="params/plans/ 中规划目录的编号，如 quanfu_2024_2026"),
            C("task_id", "任务编号"),
            C("unit_id", "报送单位代码"),
            C("reported_on", "报送日期", "date"),
            C("progress", "进展状态", choices=TASK_PROGRESS),
            C("completed_on", "完成日期", "date", required=False),
            C("note", "进展说明", required=False),
        ), date_column="reported_on", row_rules=(
            RowRule("completed needs a date", ("progress",),
                    lambda d: (d["progress"] != "已完成") | d["completed_on"].notna(),
                    "进展为“已完成”时须填写完成日期 / a completed task needs its completion date"),
        ), description="每季度报送一次各项任务进展；以最近一次报送为准。", frequency="quarterly", due_days=10,
            reporters=(PLAN_UNITS,), submitted_column="reported_on"),
        Ledger("safety_activities", "安全检查与服务活动", ("activity_id",), (
            C("activity_id", "活动编号"),
            C("unit_id", "所属社区/村代码"),
            C("enterprise_id", "单位统一编码", required=False),
            C("activity_date", "活动日期", "date"),
            C("kind", "活动类型", choices=ACTIVITY_KINDS),
        ), date_column="activity_date", description="主要负责人带队检查、专项督查、安责险机构服务等频次类要求的依据。",
            frequency="quarterly"),
        Ledger("residential_compounds", "居民小区", ("compound_id",), (
            C("compound_id", "小区编号"),
            C("unit_id", "所属社区代码"),
            C("name", "小区名称"),
            C("households", "户数", "int", min_value=0),
            C("smoke_alarms_on", "联网型感烟探测器安装完成日期", "date", required=False),
        ), description="居民小区联网型独立式感烟火灾探测报警器覆盖情况。"),
        Ledger("rescue_capacity", "应急救援站点与队伍", ("site_id",), (
            C("site_id", "站点/队伍编号"),
            C("unit_id", "所在镇街/村居代码"),
            C("name", "名称"),
            C("kind", "类型", choices=RESCUE_KINDS),
            C("enterprise_id", "依托单位统一编码", required=False, description="企业应急救援队伍填写"),
            C("members", "队员人数", "int", required=False, min_value=0),
            C("established_on", "建成/组建日期", "date", earliest=date(1949, 10, 1)),
            C("closed_on", "撤销日期", "date", required=False),
        ), date_column="established_on",
            description="镇街应急救援站、村居应急救援点和各类应急救援队伍；新建数按建成/组建日期累计。"),
        Ledger("complaints", "安全生产举报投诉", ("complaint_id",), (
            C("complaint_id", "举报编号"),
            C("unit_id", "被举报地社区/村代码"),
            C("enterprise_id", "被举报单位统一编码", required=False),
            C("received_on", "受理日期", "date"),
            C("channel", "举报渠道", choices=COMPLAINT_CHANNELS),
            C("subject", "举报事项", choices=COMPLAINT_SUBJECTS),
            C("deadline", "办理期限", "date", future_ok=True),
            C("closed_on", "办结日期", "date", required=False),
            C("verified", "是否查实", "bool", required=False),
            C("reward", "奖励金额(元)", "float", required=False, min_value=0),
        ), date_column="received_on", description="每件举报投诉一行；办结率的分子分母。"),
        Ledger("regulatory_staff", "安全监管执法人员", ("staff_id",), (
            C("staff_id", "人员编号"),
            C("unit_id", "所在单位代码", description="区或镇街"),
            C("role", "人员类别", choices=STAFF_ROLES),
            C("professional_background", "具有安全生产相关专业背景", "bool"),
            C("practical_experience", "具有安全生产实践经验", "bool"),
            C("joined_on", "到岗日期", "date", earliest=date(1949, 10, 1)),
            C("left_on", "离岗日期", "date", required=False),
        ), description="区、镇街安全监管执法人员和分管安全生产领导干部名册（不含姓名）。"),
        Ledger("staff_training", "监管执法人员培训", ("record_id",), (
            C("record_id", "记录编号"),
            C("staff_id", "人员编号"),
            C("unit_id", "所在单位代码"),
            C("training_date", "培训日期", "date"),
            C("kind", "培训类型", choices=STAFF_TRAINING_KINDS),
            C("hours", "学时", "float", min_value=0),
            C("passed", "考核是否合格", "bool", required=False),
        ), date_column="training_date", description="安全监管执法人员、分管领导干部每人每次培训一行。"),
        Ledger("standardization_grades", "安全生产标准化定级", ("grade_id",), (
            C("grade_id", "定级记录编号"),
            C("enterprise_id", "单位统一编码"),
            C("unit_id", "所属社区/村代码"),
            C("level", "定级等级", choices=STANDARDIZATION_LEVELS),
            C("graded_on", "定级日期", "date"),
            C("valid_until", "有效期至", "date", required=False, future_ok=True),
            C("revoked_on", "撤销日期", "date", required=False),
        ), date_column="graded_on", description="每次定级（含撤销）一行，按日期判断期末有效等级。"),
        Ledger("recognitions", "示范标杆认定", ("recognition_id",), (
            C("recognition_id", "认定编号"),
            C("unit_id", "所属社区/村或镇街代码"),
            C("enterprise_id", "单位统一编码", required=False),
            C("kind", "认定类型", choices=RECOGNITION_KINDS),
            C("recognized_on", "认定日期", "date"),
        ), date_column="recognized_on", description="预案管理示范企业、标准化标杆企业等认定；培育数按认定日期累计。"),
        Ledger("chemical_processes", "重点监管危险化工工艺装置", ("process_id",), (
            C("process_id", "装置编号"),
            C("enterprise_id", "单位统一编码"),
            C("unit_id", "所属社区/村代码"),
            C("process_name", "危险化工工艺"),
            C("in_service_from", "投用日期", "date", earliest=date(1949, 10, 1)),
            C("retired_on", "停用日期", "date", required=False),
            C("automated_on", "自动化控制系统投用日期", "date", required=False),
        ), description="涉及重点监管危险化工工艺的装置；化工重点危险工艺自动化控制率的依据。"),
        Ledger("gov_activities", "政府部门工作活动", ("activity_id",), (
            C("activity_id", "活动编号"),
            C("unit_id", "组织单位代码", description="区或镇街"),
            C("activity_date", "活动日期", "date"),
            C("kind", "活动类型", choices=GOV_ACTIVITY_KINDS),
            C("note", "说明", required=False),
        ), date_column="activity_date",
            description="听取汇报、调度通报、会商研判、预案编修培训等政府部门频次类要求的依据。"),
        Ledger("statistics", "公开统计数据", ("unit_id", "year", "quarter", "indicator"), (
            C("unit_id", "单位代码", description="全国为 CN；省、市等按组织机构台账的单位代码"),
            C("unit_name", "单位名称", required=False,
              description="组织机构台账中还没有该单位时填写，导入时登记为一个顶层单位（如 示例省）"),
            C("year", "年份", "int", min_value=1949),
            C("quarter", "季度", "int", required=False, min_value=1,
              description="全年（或年末）数据留空；填 1、2、3 为年初至该季度末累计（1—3月、1—6月、1—9月），"
                          "存量为该季度末数"),
            C("indicator", "指标", description=f"统计公报中的指标名称，如 {'、'.join(STATISTICS_INDICATORS[:4])}；"
                                             "规划目录按此名称取数"),
            C("value", "数值", "float"),
            C("measure_unit", "计量单位", description="如 人、起、亿元、人/十万人"),
            C("source", "来源", description="发布机关和文件，如 国家统计局2023年国民经济和社会发展统计公报"),
            C("note", "备注", required=False, description="如 公布的约数、同比变化"),
        ), row_rules=(
            RowRule("quarter 1-3", ("quarter",), _quarter_in_year,
                    "季度只填 1、2、3（年初至该季度末累计），全年数据留空 / quarter is 1, 2 or 3 "
                    "(year to date); leave it empty for a whole year"),
        ), description="统计公报、统计年鉴等公开发布的全国、省、市数字，每个单位每年（或每季度累计）每项指标一行；"
                       "规划目录中的口径可直接读取，用于对国家、省级规划按公开统计数据评估。",
            own_figures=True, registers_units="unit_name"),
    )
}
