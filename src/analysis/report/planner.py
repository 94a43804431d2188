"""The files planners edit and hand back: the Excel scoreboard (情况说明, 进展说明, 审定稿) and the
Word file (edited 评估意见). `ingest` sorts them out of the paths it is given and stores their text
(`store.planner_text`); everything else is a ledger."""

from __future__ import annotations

from pathlib import Path

from analysis.intake.readers import expand_paths
from analysis.report.docx import read_docx
from analysis.report.scoreboard import identify, read_scoreboard
from analysis.store.planner_text import Entry


def is_planner_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix == ".docx" or (suffix == ".xlsx" and identify(path) is not None)


def split(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(the planners' files, the ledger files) among the files and folders given."""
    docx = [p for p in paths if p.is_file() and p.suffix.lower() == ".docx"]
    for folder in (p for p in paths if p.is_dir()):
        docx += sorted(folder.rglob("*.docx"))
    files = expand_paths([p for p in paths if p not in docx]) if any(p not in docx for p in paths) else []
    planner = [p for p in files if is_planner_file(p)]
    return docx + planner, [p for p in files if p not in planner]


def read(paths: list[Path]) -> list[Entry]:
    """The planner's text in each file (Word or scoreboard)."""
    out = []
    for p in paths:
        out += read_docx(p) if p.suffix.lower() == ".docx" else read_scoreboard(p)
    return out
