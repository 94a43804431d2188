"""Command line (`python -m analysis …`): parses arguments and calls the library, nothing more."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from analysis import config
from analysis.config import SAMPLE_DIR, SAMPLE_SEED
from analysis.errors import AnalysisError
from analysis.labels import t

app = typer.Typer(help="安全生产规划进度评估 / work-safety plan progress assessment", no_args_is_help=True,
                  pretty_exceptions_enable=False)
plans_app = typer.Typer(help="规划目录 / plan catalogs", no_args_is_help=True)
report_app = typer.Typer(help="生成报告 / publish reports", no_args_is_help=True)
app.add_typer(plans_app, name="plans")
app.add_typer(report_app, name="report")

console = Console()
err = Console(stderr=True)

DbOption = Annotated[Path | None, typer.Option(
    "--db", help="数据仓库文件（默认 data/warehouse.duckdb，在工作区中为工作区的 data/warehouse.duckdb） / warehouse file")]
ReportOption = Annotated[Path | None, typer.Option("--report", help="把全部问题写入 CSV 文件 / write every problem to a CSV")]


@app.callback()
def _main(workspace: Annotated[Path | None, typer.Option(
        "--workspace", "-w", help="工作区目录（analysis init 建立；默认：当前目录或其上级中含 workspace.yaml 的目录，"
        "或环境变量 ANALYSIS_WORKSPACE） / workspace folder")] = None) -> None:
    """安全生产规划进度评估 / work-safety plan progress assessment"""
    if workspace is not None:
        if not (workspace / config.WORKSPACE_FILE).is_file():
            err.print(f"[bold red]错误 / error:[/] {workspace} 不是工作区（其中没有 {config.WORKSPACE_FILE}），请先运行 "
                      f"analysis init {workspace} --plan <范本规划> / not a workspace", highlight=False, soft_wrap=True)
            raise typer.Exit(1)
        config.use_workspace(workspace)


def _db(db: Path | None) -> Path:
    """--db, else the warehouse of the workspace in use, else data/warehouse.duckdb."""
    return db or config.WAREHOUSE


def _fail(e: AnalysisError) -> None:
    err.print(f"[bold red]错误 / error:[/] {e}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _output_dir(path: Path, what: str) -> Path:
    """A folder the command can write into, made if missing; else a clear error (exit 1) before any work."""
    import tempfile

    try:
        if path.exists() and not path.is_dir():
            raise NotADirectoryError
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except (NotADirectoryError, FileExistsError):
        _fail(AnalysisError(f"{what} {path} 不是文件夹（或位于一个文件之下），请指定一个文件夹 / {path} is not a "
                            "folder (or lies under a file)"))
    except OSError as e:
        _fail(AnalysisError(f"{what} {path} 无法写入（{e.strerror}），请检查权限或换一个位置 / cannot write "
                            f"to {path}: {e.strerror}"))
    return path


def _output_file(path: Path, what: str) -> Path:
    """A file the command can write (its folder made if missing); else a clear error (exit 1) before any work."""
    if path.is_dir():
        _fail(AnalysisError(f"{what} {path} 是一个文件夹，请给出文件名，如 {path / 'problems.csv'} / {path} is a "
                            "folder: give a file name"))
    _output_dir(path.parent, what)
    if path.exists() and not os.access(path, os.W_OK):
        _fail(AnalysisError(f"{what} {path} 为只读文件，无法覆盖 / {path} is read-only"))
    return path


def _plan_tasks() -> dict[str, set[str] | None]:
    """The task ids of every plan catalog (None for a catalog that does not load: its tasks go unchecked)."""
    from analysis.plans.catalog import get_plan, plan_files

    found: dict[str, set[str] | None] = {}
    for pid in plan_files():
        try:
            found[pid] = {t.id for t in get_plan(pid).tasks}
        except AnalysisError:
            found[pid] = None
    return found


@app.command()
def sample(out: Annotated[Path, typer.Option(help="输出目录")] = SAMPLE_DIR,
           seed: Annotated[int, typer.Option(help="随机种子")] = SAMPLE_SEED,
           scale: Annotated[str, typer.Option(
               help="district（示例区，默认）或 province（示例省：约16个市、1800个街道/镇，供批量生成压力测试）")
           ] = "district") -> None:
    """生成虚构示例区的台账文件（确定性） / write the fictional sample district's ledgers."""
    from analysis.sample.generator import SCALES, generate_sample

    if scale not in SCALES:
        err.print(f"[red]--scale 须为 {' 或 '.join(SCALES)} / --scale must be one of {', '.join(SCALES)}[/]")
        raise typer.Exit(2)
    files = generate_sample(out, seed, scale=scale)
    console.print(t("cli.sample_done", n=len(files), path=out))


@app.command()
def templates(out: Annotated[Path | None, typer.Option(help="输出目录（默认 data/templates/，在工作区中为 templates/）")] = None,
              dictionary: Annotated[Path | None, typer.Option(help="同时写出数据字典 Markdown")] = None,
              plan: Annotated[str | None, typer.Option(
                  help="只生成该规划读取的台账的模板（见 plans needs），表头下划线标出规划使用的列")] = None) -> None:
    """生成各台账的空白 Excel 填报模板 / write blank Excel templates, one per ledger."""
    from analysis.intake.templates import data_dictionary, write_templates

    out = out or (config.WORKSPACE / "templates" if config.WORKSPACE else config.DATA_DIR / "templates")
    only = None
    if plan:
        from analysis.plans.catalog import get_plan
        from analysis.plans.needs import needs

        try:
            only = {n: w.ordered_columns() for n, w in needs(get_plan(plan)).items()}
        except AnalysisError as e:
            _fail(e)
    _output_dir(out, "模板目录 / --out")
    files = write_templates(out, only, plan)
    console.print(f"已生成 {len(files)} 个填报模板" + (f"（规划 {plan} 读取的台账）" if plan else "") + f" → {out}")
    if dictionary:
        dictionary.write_text(data_dictionary() + "\n", encoding="utf-8")
        console.print(f"数据字典 → {dictionary}")


def _print_problems(problems, report: Path | None = None, total: int | None = None) -> None:
    """A table on a terminal; one `file:sheet:row:column` line per problem otherwise (grep-able
    logs); optionally the problems as a UTF-8 CSV a clerk can open in Excel. `total` counts also
    the problems beyond the first PROBLEM_CAP of a sheet, which are not kept."""
    from analysis.intake.readers import PROBLEM_CAP

    total = len(problems) if total is None else total
    if report:
        import csv

        from analysis.cells import safe_row

        with open(report, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["文件 file", "工作表 sheet", "行 row", "列 column", "值 value", "规则 rule", "说明 message"])
            w.writerows(safe_row([p.file, p.sheet, p.row or "", p.column, p.value, p.rule, p.message]) for p in problems)
    if console.is_terminal:
        tbl = Table("文件 file", "工作表 sheet", "行 row", "列 column", "值 value", "规则 rule", "说明 message",
                    title=t("cli.validate_problems", n=total))
        for p in problems[:500]:
            tbl.add_row(p.file, p.sheet, "" if p.row is None else str(p.row), p.column, p.value, p.rule, p.message)
        console.print(tbl)
    else:
        console.print(t("cli.validate_problems", n=total), soft_wrap=True)
        for p in problems[:500]:
            where = ":".join(x for x in (p.file, p.sheet, "" if p.row is None else f"第{p.row}行", p.column) if x)
            console.print(f"{where}: [{p.rule}] {p.message}" + (f" (值: {p.value})" if p.value else ""),
                          soft_wrap=True, highlight=False, markup=False)
    if len(problems) > 500:
        console.print(f"… 另有 {len(problems) - 500} 处问题 / {len(problems) - 500} more"
                      + (f"，全部问题见 {report}" if report else "，用 --report 导出全部"))
    if total > len(problems):
        console.print(f"（每个文件/工作表只列出前 {PROBLEM_CAP} 处问题，共 {total} 处 / only the first {PROBLEM_CAP} "
                      f"problems of each sheet are listed, {total} in all）")


@contextmanager
def _row_progress(verb: str):
    """A progress bar on stderr driven by rows read; yields the callback the warehouse calls."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(verb, total=None)
        yield lambda label, done, expected: bar.update(task, description=label, completed=done,
                                                       total=max(done, expected))


@app.command()
def validate(paths: Annotated[list[Path], typer.Argument(help="台账文件或目录")],
             db: DbOption = None,
             encoding: Annotated[str | None, typer.Option(help="CSV 编码，如 gbk")] = None,
             ledger: Annotated[str | None, typer.Option(help="台账类型（默认按文件名/表头识别）")] = None,
             report: ReportOption = None,
             annotate: Annotated[Path | None, typer.Option(
                 "--annotate", help="为每个报送文件写出标注问题单元格的副本（含“问题清单”工作表），可退回报送单位修改")] = None
             ) -> None:
    """只校验不写入，列出全部问题 / dry run: list every problem, write nothing."""
    from analysis.intake.readers import expand_paths
    from analysis.store.warehouse import validate as run

    db = _db(db)

    if report:
        _output_file(report, "问题清单文件 / --report")
    if annotate:
        _output_dir(annotate, "标注副本目录 / --annotate")
    try:
        with _row_progress("校验 / checking") as progress:
            batches, problems = run(paths, db, encoding, ledger, progress=progress, plan_tasks=_plan_tasks())
    except AnalysisError as e:
        _fail(e)
    if annotate:
        from analysis.intake.annotate import annotate as write_copies

        copies = write_copies(expand_paths(paths), batches, problems, annotate)
        console.print(f"已写出 {len(copies)} 个标注副本 / annotated copies → {annotate}")
    if problems:
        _print_problems(problems, report, len(problems) + sum(b.omitted for b in batches))
        raise typer.Exit(1)
    console.print(t("cli.validate_ok", files=len({b.path for b in batches})))


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="台账文件或目录")],
           db: DbOption = None,
           encoding: Annotated[str | None, typer.Option(help="CSV 编码，如 gbk")] = None,
           ledger: Annotated[str | None, typer.Option(help="台账类型（默认按文件名/表头识别）")] = None,
           report: ReportOption = None) -> None:
    """校验并在一个事务中导入数据仓库（全部成功或全部不写）；报告的 Excel 计分板、Word 稿中规划编制人员填写的
    情况说明、进展说明和审定稿一并导入 / validate, then load all-or-nothing; planners' text from scoreboards and Word files."""
    from analysis.report import planner
    from analysis.store.warehouse import IngestRejected
    from analysis.store.warehouse import ingest as run

    db = _db(db)

    if report:
        _output_file(report, "问题清单文件 / --report")
    try:
        edited, paths = planner.split(paths)
        if edited:
            _store_planner_text(planner.read(edited), db, edited)
        if not paths:
            return
        with _row_progress("导入 / loading") as progress:
            summaries = run(paths, db, encoding, ledger, progress=progress, plan_tasks=_plan_tasks())
    except IngestRejected as e:
        _print_problems(e.problems, report, e.total)
        err.print("[bold red]未写入任何数据 / nothing was written[/]")
        raise typer.Exit(1) from None
    except AnalysisError as e:
        _fail(e)
    tbl = Table("台账 ledger", "文件 files", "新增 imported", "更新 updated", "未变 ignored",
                title=t("cli.ingest_done", files=sum(s.files for s in summaries)))
    for s in summaries:
        tbl.add_row(s.ledger, str(s.files), str(s.imported), str(s.updated), str(s.ignored))
    console.print(tbl)
    console.print(f"数据仓库 / warehouse: {db}")


def _store_planner_text(entries, db: Path, files: list[Path]) -> None:
    from analysis.store import planner_text
    from analysis.store.warehouse import connect

    with connect(db) as con:
        new, changed, cleared = planner_text.store(con, entries)
    console.print(f"规划编制人员填写的内容：{len(files)} 个文件，新增 {new} 段、修改 {changed} 段、清除 {cleared} 段；"
                  f"重新生成报告即以其代替初稿 / planner text: {new} new, {changed} changed, {cleared} cleared",
                  soft_wrap=True)


@plans_app.command("list")
def plans_list() -> None:
    """列出全部规划目录 / list plan catalogs."""
    from analysis.plans.catalog import load_plan, plan_files

    files = plan_files()
    tbl = Table("plan", "规划", "层级", "规划期", "指标", "任务", title=t("cli.plans_header", n=len(files)))
    for pid, path in files.items():
        try:
            c = load_plan(path)
        except AnalysisError as e:
            tbl.add_row(pid, f"[red]无效 / invalid: {str(e).splitlines()[0]}[/]", "", "", "", "")
            continue
        p = c.plan
        tbl.add_row(pid, p.title, p.level, f"{p.period.start}–{p.period.end}", str(len(c.indicators)),
                    str(len(c.tasks)))
    console.print(tbl)


@plans_app.command("needs")
def plans_needs(plan: Annotated[str, typer.Argument(help="规划 id，见 plans list")]) -> None:
    """列出规划的指标读取哪些台账、哪些列（只收集规划需要的） / the ledgers and columns a plan reads."""
    from analysis.intake.ledgers import LEDGERS
    from analysis.plans.catalog import get_plan
    from analysis.plans.needs import needs

    try:
        catalog = get_plan(plan)
    except AnalysisError as e:
        _fail(e)
    found = needs(catalog)
    from analysis.labels import group

    freq = group("frequency")
    console.print(f"{catalog.plan.title}（{plan}）：需要 {len(found)} 个台账（共 {len(LEDGERS)} 个）", highlight=False,
                  soft_wrap=True)
    for i, (name, n) in enumerate(found.items(), start=1):
        ledger = LEDGERS[name]
        how = (f"{freq.get(ledger.frequency, ledger.frequency)}报送，期后 {ledger.due_days} 天内" if ledger.frequency
               else "有新记录时报送" if ledger.date_column else "名册，有变化时更新")
        console.print(f"\n{i}. {ledger.title}（{name}，{how}）", style="bold", highlight=False, soft_wrap=True)
        console.print("   用到的列：" + "、".join(ledger.column(c).header for c in n.ordered_columns()),
                      highlight=False, soft_wrap=True, markup=False)
        if n.indicators:
            console.print(f"   指标（{len(n.indicators)} 项）：" + "、".join(n.indicators), highlight=False,
                          soft_wrap=True, markup=False)
        if n.report_use:
            console.print(f"   报告通用：{n.report_use}", highlight=False, soft_wrap=True, markup=False)
    skipped = [LEDGERS[x].title for x in LEDGERS if x not in found]
    if skipped:
        console.print(f"\n不需要收集：{'、'.join(skipped)}", highlight=False, soft_wrap=True)
    console.print(f"只生成这些台账的模板：analysis templates --plan {plan}", highlight=False, soft_wrap=True)


@plans_app.command("check")
def plans_check(files: Annotated[list[Path] | None, typer.Argument(
        help="规划目录 YAML 文件或规划 id（默认 params/plans 中的全部）")] = None) -> None:
    """校验规划目录文件，一次列出每个文件的全部问题（字段、引用、日期、编码、SQL） / validate catalogs, every problem at once."""
    from analysis.method.measures import check_sql
    from analysis.plans.catalog import load_plan, plan_files

    known = plan_files()
    bad = 0
    # a plan id names its file in the plans folder, as for `plans needs ID`
    for f in [known.get(str(f), f) if not f.exists() else f for f in files] if files else list(known.values()):
        try:
            c = load_plan(f)
            problems = [f"  - {f.name}: {p}" for p in check_sql(c)]
            if c.plan.id != f.stem:
                problems.insert(0, f"  - {f.name}: plan.id: 须与文件名相同 / must equal the file name: "
                                   f"{c.plan.id!r} ≠ {f.stem!r}")
        except AnalysisError as e:
            bad += 1
            err.print(f"✖ {e}", highlight=False, markup=False, soft_wrap=True)
            continue
        if problems:
            bad += 1
            err.print(f"✖ 计划目录文件有误 / invalid plan catalog: {f}\n" + "\n".join(problems), highlight=False,
                      markup=False, soft_wrap=True)
        else:
            console.print(f"✔ {f}: {len(c.indicators)} 项指标, {len(c.tasks)} 项任务 / indicators, tasks",
                          highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(1 if bad else 0)


WordOption = Annotated[bool, typer.Option("--word/--no-word", help="同时生成公文 Word 稿（.docx，默认生成）")]
PdfOption = Annotated[bool, typer.Option("--pdf", help="同时生成可打印的 PDF（需 Chromium）")]


def _formats(word: bool, pdf: bool) -> tuple[str, ...]:
    return tuple(f for f, on in (("docx", word), ("pdf", pdf)) if on)


def _publish(plan: str, unit: str | None, period: str | None, kind: str, out: Path | None, db: Path | None,
             formats: tuple[str, ...]) -> None:
    from analysis.publish.pipeline import publish

    out, db = out or config.REPORTS_DIR, _db(db)
    _output_dir(out, "报告目录 / --out")
    _check_minimum(plan, unit, period if kind == "quarterly" else None, db)
    try:
        with console.status(f"正在生成 {plan} · {unit or '规划所属单位'} · {period or kind} …"):
            path = publish(plan, unit, period, kind, out, db, formats)
    except AnalysisError as e:
        _fail(e)
    console.print(t("cli.report_done", path=path))
    for f in formats:
        console.print(f"{'Word' if f == 'docx' else 'PDF'}：{path.with_suffix('.' + f)}")
    console.print(f"报告目录 / index: {out / 'index.html'}")


def _check_minimum(plan: str, unit: str | None, period: str | None, db: Path) -> None:
    """Before a report starts: refuse it, in Chinese, when the minimum data is not in the warehouse
    (which ledger, which period); list what will show as 数据不足 otherwise."""
    import duckdb

    from analysis.plans.catalog import get_plan
    from analysis.plans.needs import missing
    from analysis.plans.periods import Quarter
    from analysis.store.warehouse import connect

    try:
        catalog = get_plan(plan)
        if period:
            Quarter.parse(period)
    except AnalysisError as e:
        _fail(e)
    where = f"raw/{period or '<季度>'}" if config.WORKSPACE else "<台账文件夹>"
    if not db.exists():
        err.print(f"[bold red]无法生成报告：[/]数据仓库 {db} 尚未建立，还没有导入任何台账。\n"
                  f"请先把各单位报送的台账放入 {where}，运行 analysis validate {where} 校验，再运行 analysis ingest {where} 导入。"
                  f"\n本规划需要哪些台账：analysis plans needs {plan} / the warehouse does not exist yet", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    try:
        with connect(db, read_only=True) as con:
            found = missing(con, catalog, period, unit)
    except duckdb.Error:
        return  # a warehouse this check cannot read: the report's own errors say why
    if found.blocking:
        err.print("[bold red]无法生成报告：缺少最基本的数据[/] / cannot publish: the minimum data is missing", highlight=False, soft_wrap=True)
        for line in found.blocking + found.gaps:
            err.print(f"  - {line}", highlight=False, markup=False, soft_wrap=True)
        err.print(f"补齐后运行 analysis ingest {where} 导入，再生成报告。", highlight=False, markup=False)
        raise typer.Exit(1)
    if found.gaps:
        err.print("[yellow]注意：以下台账缺失，报告中相应的指标和部分将显示“数据不足”[/] / gaps:", highlight=False, soft_wrap=True)
        for line in found.gaps:
            err.print(f"  - {line}", highlight=False, markup=False, soft_wrap=True)


@report_app.command("quarterly")
def report_quarterly(plan: Annotated[str, typer.Option(help="规划 id，见 plans list")],
                     period: Annotated[str, typer.Option(help="评估季度，如 2025Q3")],
                     unit: Annotated[str | None, typer.Option(help="单位代码（默认为规划所属单位）")] = None,
                     out: Annotated[Path | None, typer.Option(help="报告目录（默认 reports/，在工作区中为工作区的 reports/）")] = None,
                     db: DbOption = None, word: WordOption = True, pdf: PdfOption = False) -> None:
    """生成季度评估报告（HTML、Excel 计分板、公文 Word 稿，可选 PDF） / publish a quarterly assessment."""
    _publish(plan, unit, period, "quarterly", out, db, _formats(word, pdf))


@report_app.command("review")
def report_review(plan: Annotated[str, typer.Option(help="规划 id，见 plans list")],
                  stage: Annotated[str, typer.Option(help="midterm（中期评估）或 final（总结评估）")],
                  unit: Annotated[str | None, typer.Option(help="单位代码（默认为规划所属单位）")] = None,
                  period: Annotated[str | None, typer.Option(help="评估至哪个季度（默认按规划的评估节点）")] = None,
                  out: Annotated[Path | None, typer.Option(help="报告目录（默认 reports/，在工作区中为工作区的 reports/）")] = None,
                  db: DbOption = None, word: WordOption = True, pdf: PdfOption = False) -> None:
    """生成中期评估或总结评估报告（HTML、公文 Word 稿，可选 PDF） / publish a mid-term or final plan review."""
    if stage not in ("midterm", "final"):
        err.print("[red]--stage 须为 midterm 或 final / --stage must be midterm or final[/]")
        raise typer.Exit(2)
    _publish(plan, unit, period, stage, out, db, _formats(word, pdf))


class _RateColumn(ProgressColumn):
    """Reports per second (over the last half minute)."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} 份/秒" if speed else "— 份/秒", style="progress.data.speed")


@app.command()
def batch(plan: Annotated[str, typer.Option(help="规划 id，或 all（全部规划）")],
          period: Annotated[str | None, typer.Option(help="评估季度，如 2025Q3（季度评估必填）")] = None,
          units: Annotated[list[str] | None, typer.Option(
              "--units", help="单位代码（可重复，或以逗号分隔）；all（默认）为社区/村以上的全部单位")] = None,
          kind: Annotated[str, typer.Option(help="quarterly、midterm 或 final")] = "quarterly",
          workers: Annotated[int, typer.Option(min=1, help="本机 Dask 工作进程数（各一个线程、一个常驻内核）")] = 2,
          scheduler: Annotated[str | None, typer.Option(help="已有 Dask 集群的调度器，如 tcp://10.0.0.5:8786")] = None,
          force: Annotated[bool, typer.Option("--force", help="输入未变的报告也重新生成")] = False,
          out: Annotated[Path | None, typer.Option(help="报告目录（默认 reports/，在工作区中为工作区的 reports/）")] = None,
          db: DbOption = None, word: WordOption = True, pdf: PdfOption = False) -> None:
    """批量生成全部单位的报告（Dask 并行、常驻内核、可续跑） / publish every unit's report on Dask."""
    from analysis.publish.batch import FAILED, PUBLISHED, SKIPPED, run_batch

    out, db = out or config.REPORTS_DIR, _db(db)
    _output_dir(out, "报告目录 / --out")
    ids = [u for item in units or [] for u in item.replace(",", " ").split()] or None
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                   TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(), console=err)
    counts = {PUBLISHED: 0, FAILED: 0}
    task = None

    def label() -> str:
        return f"成功 {counts[PUBLISHED]} · 失败 {counts[FAILED]}"

    def on_start(n: int, settled) -> None:
        nonlocal task
        skipped = sum(o.status == SKIPPED for o in settled)
        failed = sum(o.status == FAILED for o in settled)
        err.print(f"待生成 {n} 份；输入未变、跳过 {skipped} 份" + (f"；未能开始 {failed} 份" if failed else "")
                  + (f" / to render {n}, unchanged {skipped}" + (f", not started {failed}" if failed else "")))
        if n:
            bar.start()
            task = bar.add_task(label(), total=n)

    def on_done(o) -> None:
        counts[o.status] = counts.get(o.status, 0) + 1
        bar.update(task, advance=1, description=label())

    try:
        result = run_batch(plan, period, ids, kind, workers, scheduler, force, out, db, on_start, on_done,
                           formats=_formats(word, pdf))
    except AnalysisError as e:
        _fail(e)
    finally:
        bar.stop()
    tbl = Table("结果 outcome", "份数 reports", title=f"批量生成 / batch · {result.seconds:.0f} 秒"
                + (f" · {result.workers} 进程" if result.workers else ""))
    for status, name in ((PUBLISHED, "已生成 published"), (SKIPPED, "未变跳过 skipped"), (FAILED, "失败 failed")):
        tbl.add_row(name, str(len(result.of(status))))
    console.print(tbl)
    if result.failed:
        fails = Table("规划 plan", "单位 unit", title="失败的报告 / failed reports", show_lines=True)
        fails.add_column("错误 error", overflow="fold")
        for o in sorted(result.failed, key=lambda o: (o.plan_id, o.unit_id)):
            fails.add_row(o.plan_id, o.unit_id, o.error or "", style="red")
        console.print(fails)
    console.print(f"报告目录 / index: {out / 'index.html'}")
    raise typer.Exit(1 if result.failed else 0)


@app.command()
def collect(period: Annotated[str, typer.Option(help="报送季度，如 2025Q3（列出在该季度结束的各报送周期）")],
            unit: Annotated[str | None, typer.Option(help="单位代码（默认为组织树的根单位）")] = None,
            since: Annotated[str | None, typer.Option(help="自哪个季度起（默认只看 --period）")] = None,
            out: Annotated[Path | None, typer.Option(help="催报单 Excel 文件（.xlsx）")] = None,
            today: Annotated[str | None, typer.Option(help="按哪一天判断是否逾期（默认今天），如 2025-10-20")] = None,
            db: DbOption = None) -> None:
    """催报：列出哪些单位尚未报送哪些台账（应报 × 已报 × 报送期限），报送率与及时率 / who owes which ledger."""
    from datetime import date

    from analysis.method import collection
    from analysis.plans.periods import Quarter
    from analysis.store.warehouse import connect, fetch_one

    db = _db(db)
    if out:
        _output_file(out, "催报单文件 / --out")
    try:
        last = Quarter.parse(period)
        first = Quarter.parse(since) if since else last
        if first > last:
            raise AnalysisError(f"--since {first} 晚于 --period {last} / --since is after --period")
        try:
            day = date.fromisoformat(today) if today else date.today()
        except ValueError:
            raise AnalysisError(f"--today 须为日期，如 2025-10-20 / --today must be a date: {today!r}") from None
        with connect(db, read_only=True) as con:
            root = fetch_one(con, "SELECT unit_id FROM org_units WHERE parent_id IS NULL ORDER BY unit_id")
            unit_id = unit or (root[0] if root else None)
            name = fetch_one(con, "SELECT name FROM org_units WHERE unit_id = ?", [unit_id]) if unit_id else None
            if name is None:
                raise AnalysisError(f"数据仓库中没有单位 / unknown unit {unit_id!r}")
            grid = collection.status(con, unit_id, last, first, today=day)
    except AnalysisError as e:
        _fail(e)
    span = f"{first}" if first == last else f"{first}—{last}"
    owed = collection.owed(grid)
    tbl = Table("单位 unit", "台账 ledger", "规划 plan", "周期 period", "期限 due", "状态 status", "逾期天数 days late",
                title=f"催报清单 · {name[0]}（{unit_id}）· {span} · 未报送 {len(owed)} 项 / {len(owed)} report(s) owed")
    for r in owed.itertuples():
        tbl.add_row(f"{r.unit_name}（{r.unit_id}）", r.ledger_title, r.plan_id or "", r.period, f"{r.due:%Y-%m-%d}",
                    r.status, str(r.days_late) if r.days_late else "", style="red" if r.days_late else None)
    if console.is_terminal:
        console.print(tbl)
    else:  # one line per report owed (grep-able logs, mail merges)
        console.print(tbl.title, soft_wrap=True, highlight=False, markup=False)
        for r in owed.itertuples():
            console.print(f"{r.unit_name}（{r.unit_id}）: {r.ledger_title}" + (f" [{r.plan_id}]" if r.plan_id else "")
                          + f" {r.period} 期限 {r.due:%Y-%m-%d} {r.status}" + (f" 逾期 {r.days_late} 天" if r.days_late
                                                                          else ""),
                          soft_wrap=True, highlight=False, markup=False)
    rates = Table("台账 ledger", "应报 expected", "已报 received", "按时 on time", "报送率 reporting", "及时率 on time",
                  title="报送率与及时率（DHIS2；未到期的不计入应报） / completeness and timeliness")
    for r in collection.rates(grid).itertuples():
        rates.add_row(r.ledger_title, str(r.expected), str(r.received), str(r.on_time), f"{r.reporting_rate:.0%}",
                      f"{r.on_time_rate:.0%}")
    console.print(rates)
    if out:
        from analysis.report.reminders import write_reminders

        write_reminders(grid, out, f"{name[0]}（{unit_id}）台账报送情况 · {span} · 截至 {day:%Y-%m-%d}")
        console.print(f"催报单 / reminder workbook → {out}")


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="新工作区的文件夹（新建或空文件夹）")],
         plan: Annotated[str, typer.Option(help="作为起点的范本规划 id（见 plans list），复制到工作区的 plans/")],
         unit_name: Annotated[str | None, typer.Option(help="本单位名称，如 青石区")] = None,
         unit_id: Annotated[str | None, typer.Option(help="本单位在组织机构台账中的单位代码，如 QSQ")] = None,
         plan_id: Annotated[str | None, typer.Option("--id", help="本单位规划的编号（默认同范本），如 qingshi_2024_2026")] = None,
         level: Annotated[str | None, typer.Option(help="规划层级：district、street 或 town（默认同范本）")] = None,
         period: Annotated[str | None, typer.Option(help="第一个收集台账的季度（默认上一季度），如 2025Q3")] = None) -> None:
    """建立一个单位的工作区：目录结构、本规划所需台账的空白模板、待填写的规划目录和使用说明 / start a workspace."""
    from analysis.workspace import init as run

    try:
        made = run(folder, plan, unit_name, unit_id, plan_id, level, period)
    except AnalysisError as e:
        _fail(e)
    console.print(f"已建立工作区 / workspace: {folder}", highlight=False, soft_wrap=True)
    console.print(f"  规划目录（请先填写标有【须填写】的字段）: {made['plan']}", highlight=False, soft_wrap=True)
    console.print(f"  填报模板 {len(made['templates'])} 个（本规划读取的台账）: {folder / 'templates'}", highlight=False, soft_wrap=True)
    console.print(f"  台账存放: {made['raw']}", highlight=False, soft_wrap=True)
    console.print(f"  使用说明: {folder / '使用说明.md'}", highlight=False, soft_wrap=True)
    console.print(f"下一步：cd {folder} && analysis plans check plans/{made['plan_id']}.yaml", highlight=False, soft_wrap=True)


@app.command()
def archive(period: Annotated[str, typer.Option(help="归档的季度，如 2025Q3")],
            force: Annotated[bool, typer.Option("--force", help="覆盖已有的归档")] = False) -> None:
    """归档一个季度：台账原件、退回副本、报告（网页、Word、Excel）、规划目录和 sha256 清单打包为 archive/<季度>.zip."""
    from analysis.workspace import archive as run

    if config.WORKSPACE is None:
        _fail(AnalysisError("归档须在工作区中运行（analysis init 建立的文件夹，或加 --workspace） / run inside a workspace"))
    try:
        out, listing = run(config.WORKSPACE, period, force)
    except AnalysisError as e:
        _fail(e)
    console.print(f"已归档 {len(listing)} 个文件 / archived → {out}", highlight=False, soft_wrap=True)
