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

from analysis.config import DATA_DIR, REPORTS_DIR, SAMPLE_DIR, SAMPLE_SEED, WAREHOUSE
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

DbOption = Annotated[Path, typer.Option("--db", help="数据仓库文件 / warehouse file")]
ReportOption = Annotated[Path | None, typer.Option("--report", help="把全部问题写入 CSV 文件 / write every problem to a CSV")]


def _fail(e: AnalysisError) -> None:
    err.print(f"[bold red]错误 / error:[/] {e}", highlight=False)
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
def templates(out: Annotated[Path, typer.Option(help="输出目录")] = DATA_DIR / "templates",
              dictionary: Annotated[Path | None, typer.Option(help="同时写出数据字典 Markdown")] = None) -> None:
    """生成各台账的空白 Excel 填报模板 / write blank Excel templates, one per ledger."""
    from analysis.intake.templates import data_dictionary, write_templates

    files = write_templates(out)
    console.print(f"已生成 {len(files)} 个填报模板 → {out}")
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
             db: DbOption = WAREHOUSE,
             encoding: Annotated[str | None, typer.Option(help="CSV 编码，如 gbk")] = None,
             ledger: Annotated[str | None, typer.Option(help="台账类型（默认按文件名/表头识别）")] = None,
             report: ReportOption = None,
             annotate: Annotated[Path | None, typer.Option(
                 "--annotate", help="为每个报送文件写出标注问题单元格的副本（含“问题清单”工作表），可退回报送单位修改")] = None
             ) -> None:
    """只校验不写入，列出全部问题 / dry run: list every problem, write nothing."""
    from analysis.intake.readers import expand_paths
    from analysis.store.warehouse import validate as run

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
           db: DbOption = WAREHOUSE,
           encoding: Annotated[str | None, typer.Option(help="CSV 编码，如 gbk")] = None,
           ledger: Annotated[str | None, typer.Option(help="台账类型（默认按文件名/表头识别）")] = None,
           report: ReportOption = None) -> None:
    """校验并在一个事务中导入数据仓库（全部成功或全部不写）；报告的 Excel 计分板、Word 稿中规划编制人员填写的
    情况说明、进展说明和审定稿一并导入 / validate, then load all-or-nothing; planners' text from scoreboards and Word files."""
    from analysis.report import planner
    from analysis.store.warehouse import IngestRejected
    from analysis.store.warehouse import ingest as run

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
                  f"重新生成报告即以其代替初稿 / planner text: {new} new, {changed} changed, {cleared} cleared")


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


@plans_app.command("check")
def plans_check(files: Annotated[list[Path] | None, typer.Argument(
        help="规划目录 YAML 文件（默认 params/plans 中的全部）")] = None) -> None:
    """校验规划目录文件，一次列出每个文件的全部问题（字段、引用、日期、编码、SQL） / validate catalogs, every problem at once."""
    from analysis.method.measures import check_sql
    from analysis.plans.catalog import load_plan, plan_files

    bad = 0
    for f in files or list(plan_files().values()):
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


def _publish(plan: str, unit: str | None, period: str | None, kind: str, out: Path, db: Path,
             formats: tuple[str, ...]) -> None:
    from analysis.publish.pipeline import publish

    _output_dir(out, "报告目录 / --out")
    try:
        with console.status(f"正在生成 {plan} · {unit or '规划所属单位'} · {period or kind} …"):
            path = publish(plan, unit, period, kind, out, db, formats)
    except AnalysisError as e:
        _fail(e)
    console.print(t("cli.report_done", path=path))
    for f in formats:
        console.print(f"{'Word' if f == 'docx' else 'PDF'}：{path.with_suffix('.' + f)}")
    console.print(f"报告目录 / index: {out / 'index.html'}")


@report_app.command("quarterly")
def report_quarterly(plan: Annotated[str, typer.Option(help="规划 id，见 plans list")],
                     period: Annotated[str, typer.Option(help="评估季度，如 2025Q3")],
                     unit: Annotated[str | None, typer.Option(help="单位代码（默认为规划所属单位）")] = None,
                     out: Annotated[Path, typer.Option(help="报告目录")] = REPORTS_DIR,
                     db: DbOption = WAREHOUSE, word: WordOption = True, pdf: PdfOption = False) -> None:
    """生成季度评估报告（HTML、Excel 计分板、公文 Word 稿，可选 PDF） / publish a quarterly assessment."""
    _publish(plan, unit, period, "quarterly", out, db, _formats(word, pdf))


@report_app.command("review")
def report_review(plan: Annotated[str, typer.Option(help="规划 id，见 plans list")],
                  stage: Annotated[str, typer.Option(help="midterm（中期评估）或 final（总结评估）")],
                  unit: Annotated[str | None, typer.Option(help="单位代码（默认为规划所属单位）")] = None,
                  period: Annotated[str | None, typer.Option(help="评估至哪个季度（默认按规划的评估节点）")] = None,
                  out: Annotated[Path, typer.Option(help="报告目录")] = REPORTS_DIR,
                  db: DbOption = WAREHOUSE, word: WordOption = True, pdf: PdfOption = False) -> None:
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
          out: Annotated[Path, typer.Option(help="报告目录")] = REPORTS_DIR,
          db: DbOption = WAREHOUSE, word: WordOption = True, pdf: PdfOption = False) -> None:
    """批量生成全部单位的报告（Dask 并行、常驻内核、可续跑） / publish every unit's report on Dask."""
    from analysis.publish.batch import FAILED, PUBLISHED, SKIPPED, run_batch

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
            db: DbOption = WAREHOUSE) -> None:
    """催报：列出哪些单位尚未报送哪些台账（应报 × 已报 × 报送期限），报送率与及时率 / who owes which ledger."""
    from datetime import date

    from analysis.method import collection
    from analysis.plans.periods import Quarter
    from analysis.store.warehouse import connect, fetch_one

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
