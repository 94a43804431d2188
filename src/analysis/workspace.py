"""A planner's workspace (`analysis init DIR --plan SEED`): one folder per unit holding its plan
catalog, the blank templates of the ledgers that plan reads, the deliveries by period, the
warehouse, the reports and the archive. Commands run inside it (or with `--workspace DIR`, or
ANALYSIS_WORKSPACE) read and write there (`config.use_workspace`).

    DIR/workspace.yaml      marks the folder; unit, plan, seed
    DIR/使用说明.md           the quarter in commands
    DIR/plans/<id>.yaml     the catalog, copied from a seed, fields to fill marked 【须填写】
    DIR/templates/          blank templates, only the ledgers the plan reads
    DIR/raw/<2025Q3>/       deliveries as received, one folder a period (never modified)
    DIR/returned/<2025Q3>/  annotated copies sent back (validate --annotate)
    DIR/data/warehouse.duckdb
    DIR/reports/            HTML, Word, Excel scoreboard, index
    DIR/archive/            one zip a period (analysis archive)
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import yaml

from analysis import config
from analysis.errors import AnalysisError
from analysis.intake.readers import sha256_of
from analysis.plans.catalog import load_plan, plan_files
from analysis.plans.needs import needs
from analysis.plans.periods import Quarter

SEEDS_DIR = config.PARAMS_DIR / "plans"
"""Seed catalogs a workspace starts from: the repository's, whatever workspace is in use."""
FOLDERS = ("plans", "templates", "raw", "returned", "data", "reports", "archive")

_FILL = {
    "id": "规划编号（英文字母、数字、下划线），须与文件名一致；台账“重点任务进展”的“规划编号”填此值",
    "title": "本单位规划文件的标题",
    "issuer": "印发单位，如 青石区人民政府办公室",
    "document_no": "文号，如 青政办发〔2024〕12号",
    "issued_on": "印发日期，如 2024-05-10",
    "level": "规划所属层级：district（区县）、street（街道）、town（镇）",
    "org_unit": "本单位在组织机构台账中的“单位代码”，两处须一致",
    "org_unit_name": "本单位名称",
    "period": "规划期起止日期",
    "baseline_year": "基准年（如“较2023年下降”则填 2023）",
    "milestones": "中期评估、总结评估的日期",
    "source_file": "本单位规划文件的文件名（可删除此行）",
}
"""plan.* fields the planner fills in, with the hint written beside each (YAML comments)."""


class WorkspaceError(AnalysisError):
    pass


def seeds() -> dict[str, Path]:
    return plan_files(SEEDS_DIR)


def marked_catalog(seed_text: str, seed_id: str, plan_id: str, unit_id: str | None, unit_name: str | None,
                   level: str | None) -> str:
    """The seed's YAML with the plan fields the planner must fill marked 【须填写】 (comments in
    Chinese, the rest of the file kept as it is, comments included)."""
    lines = seed_text.splitlines()
    out: list[str] = [
        f"# 本文件由 analysis init 从范本规划 {seed_id} 复制而来。",
        "# 标有【须填写】的字段请按本单位规划文件修改；指标的目标值（target）、依据原文（source）、",
        "# 责任单位（responsible）和重点任务（tasks）的内容、时限仍为范本的，请逐项核对改为本单位规划的。",
        "# 改完后运行：analysis plans check plans/" + plan_id + ".yaml （列出全部问题，文件名、字段名）",
        "# 格式说明见项目 docs/catalog.md。",
        "#",
        "# ---- 以下为范本原有说明 ----",
    ]
    given = {"id": plan_id, "org_unit": unit_id, "org_unit_name": unit_name, "level": level}
    in_plan, seen = False, set()
    for line in lines:
        if re.match(r"^\S", line):
            if in_plan:  # leaving the plan block: add the fields the seed lacks
                for key in ("document_no", "issued_on"):
                    if key not in seen:
                        value = "（待填写）" if key == "document_no" else "null"
                        out.append(f"  {key}: {value}  # 【须填写】{_FILL[key]}")
            in_plan = line.startswith("plan:")
            if line.startswith("indicators:"):
                out.append("# 【须核对】每项指标：target（目标值、时限）、responsible（责任单位）、source（规划原文）")
            if line.startswith("tasks:"):
                out.append("# 【须核对】每项任务：text、responsible、deadline（完成时限）、source 按本单位规划修改")
            out.append(line)
            continue
        m = re.match(r"^  ([a-z_]+):(.*)$", line) if in_plan else None
        if m and m.group(1) in _FILL:
            key, rest = m.group(1), m.group(2)
            seen.add(key)
            if given.get(key):
                value = given[key]
                rest = " " + (yaml.safe_dump(value, allow_unicode=True, default_flow_style=True)
                              .strip().removesuffix("...").strip())
            tag = "【已按 init 参数填写，请核对】" if given.get(key) else "【须填写】"
            out.append(f"  {key}:{rest.rstrip()}  # {tag}{_FILL[key]}")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def guide_text(unit_name: str, plan_id: str, period: Quarter, ledgers: list[str]) -> str:
    from analysis.intake.ledgers import LEDGERS

    listed = "\n".join(f"- `{n}.xlsx` {LEDGERS[n].title}" for n in ledgers)
    return f"""# 使用说明 · {unit_name}

本文件夹是 {unit_name} 的安全生产规划评估工作区。在本文件夹中运行的 `analysis` 命令，规划目录、台账、
数据仓库和报告都在这里读写（在别处运行时加 `--workspace 本文件夹路径`）。完整的操作指南见项目的
`docs/guide.md`。

| 文件夹 | 放什么 |
|---|---|
| `plans/{plan_id}.yaml` | 本单位的规划目录（指标、目标、任务）。先把标有【须填写】的字段改好 |
| `templates/` | 下发给各单位的空白填报模板（只含本规划用到的台账） |
| `raw/{period}/` | 各单位报送的台账原件，按季度一个文件夹，收到后不要修改 |
| `returned/` | 校验发现问题后退回各单位的标注副本 |
| `data/warehouse.duckdb` | 数据仓库（导入后自动生成） |
| `reports/` | 生成的评估报告（网页、Word、Excel 计分板），`reports/index.html` 为目录 |
| `archive/` | 每季度的归档压缩包 |

本规划需要的台账（模板在 `templates/`）：

{listed}

每个季度：

1. 核对规划目录：`analysis plans check plans/{plan_id}.yaml`
2. 下发模板：把 `templates/` 中的模板发给各街道/镇（`analysis plans needs {plan_id}` 列出每个台账用到的列）
3. 收集台账：收到的文件放入 `raw/{period}/`；催报：`analysis collect --period {period}`
4. 校验并退回问题：`analysis validate raw/{period} --annotate returned/{period}`
5. 导入：`analysis ingest raw/{period}`
6. 生成季度评估：`analysis report quarterly --plan {plan_id} --period {period}`
7. 审改评估意见：在 Word 稿或 Excel 计分板中修改后 `analysis ingest reports/{plan_id}/<单位代码>/{period}.docx`，再运行第 6 步
8. 归档：`analysis archive --period {period}`

中期评估、总结评估：`analysis report review --plan {plan_id} --stage midterm`（或 `final`）。
"""


def init(folder: Path, seed_id: str, unit_name: str | None = None, unit_id: str | None = None,
         plan_id: str | None = None, level: str | None = None, period: str | None = None,
         today: date | None = None) -> dict:
    """Lay out a workspace in `folder` (new or empty). Nothing is written when anything is wrong."""
    from analysis.intake.templates import write_templates

    found = seeds()
    if seed_id not in found:
        raise WorkspaceError(f"没有范本规划 {seed_id!r}；可选：{'、'.join(found)} / unknown seed plan")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        what = "已是一个工作区" if (folder / config.WORKSPACE_FILE).exists() else "不是空文件夹"
        raise WorkspaceError(f"{folder} {what}，为免覆盖已有文件，请指定一个新的或空的文件夹 / {folder} is not empty")
    plan_id = plan_id or seed_id
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", plan_id):
        raise WorkspaceError(f"规划编号 {plan_id!r} 只能含英文字母、数字、下划线和连字符 / invalid plan id")
    if unit_id is not None and not unit_id.strip():
        raise WorkspaceError("--unit-id 不能为空 / --unit-id is empty")
    q = Quarter.parse(period) if period else Quarter.of(today or date.today()).shift(-1)
    text = marked_catalog(found[seed_id].read_text(encoding="utf-8"), seed_id, plan_id, unit_id, unit_name, level)
    with tempfile.TemporaryDirectory() as tmp:  # the marked copy must still load before anything is written
        check = Path(tmp) / f"{plan_id}.yaml"
        check.write_text(text, encoding="utf-8")
        catalog = load_plan(check)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WorkspaceError(f"无法建立文件夹 {folder}（{e.strerror}） / cannot create {folder}") from None
    for name in FOLDERS:
        (folder / name).mkdir(exist_ok=True)
    (folder / "raw" / str(q)).mkdir()
    (folder / "plans" / f"{plan_id}.yaml").write_text(text, encoding="utf-8")
    wanted = needs(catalog)
    templates = write_templates(folder / "templates", {n: w.ordered_columns() for n, w in wanted.items()}, plan_id)
    name = unit_name or catalog.plan.org_unit_name
    (folder / config.WORKSPACE_FILE).write_text(
        "# 安全生产规划进度评估 · 工作区（analysis init 生成；本文件所在文件夹即工作区）\n"
        + yaml.safe_dump({"unit_name": name, "unit_id": unit_id or catalog.plan.org_unit, "plan": plan_id,
                          "seed": seed_id, "created": (today or date.today()).isoformat()},
                         allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "使用说明.md").write_text(guide_text(name, plan_id, q, list(wanted)), encoding="utf-8")
    return {"plan": folder / "plans" / f"{plan_id}.yaml", "templates": templates, "raw": folder / "raw" / str(q),
            "plan_id": plan_id, "period": str(q)}


def archive(folder: Path, period: str, force: bool = False) -> tuple[Path, list[tuple[str, str]]]:
    """archive/<period>.zip: the period's deliveries (raw/<period>/), returned copies, every report
    of the period (HTML, Word, Excel, notebook), the catalogs as they stood, and 清单.csv with
    each file's sha256. Refuses to overwrite an archive (unless `force`)."""
    q = Quarter.parse(period)
    out = folder / "archive" / f"{q}.zip"
    if out.exists() and not force:
        raise WorkspaceError(f"{out} 已存在：归档不覆盖，如确需重新归档请加 --force / archive exists")
    files: list[Path] = []
    for sub in (folder / "raw" / str(q), folder / "returned" / str(q)):
        files += sorted(p for p in sub.rglob("*") if p.is_file()) if sub.is_dir() else []
    reports = folder / "reports"
    files += sorted(p for p in reports.rglob(f"{q}*") if p.is_file()) if reports.is_dir() else []
    files += sorted((folder / "plans").glob("*.yaml"))
    if not any(p.is_relative_to(reports) for p in files):
        raise WorkspaceError(f"reports/ 中还没有 {q.label}的报告：请先生成季度评估再归档 / no report of {q} yet")
    listing = [(p.relative_to(folder).as_posix(), sha256_of(p)) for p in files]
    out.parent.mkdir(exist_ok=True)
    tmp = out.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for (rel, _), p in zip(listing, files, strict=True):
            z.write(p, rel)
        z.writestr("清单.csv", "\ufeff文件,sha256\n" + "".join(f"{r},{h}\n" for r, h in listing)
                   + f"# 归档时间 {datetime.now():%Y-%m-%d %H:%M:%S}\n")
    tmp.replace(out)
    return out, listing
