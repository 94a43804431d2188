"""Planner-facing text (Chinese) kept apart from code, in labels/zh_CN.yaml, like Open SDG's translations."""

from __future__ import annotations

from functools import cache

import yaml

from analysis.config import LABELS_DIR

LANGUAGE = "zh_CN"


@cache
def _table(language: str = LANGUAGE) -> dict:
    return yaml.safe_load((LABELS_DIR / f"{language}.yaml").read_text(encoding="utf-8"))


def t(key: str, **fmt) -> str:
    """Label for a dotted key, e.g. t('status.on_track'); format fields filled from kwargs."""
    node = _table()
    for part in key.split("."):
        node = node[part]
    return node.format(**fmt) if fmt else node


def group(name: str) -> dict[str, str]:
    """A whole label group, e.g. group('status') -> {'achieved': '已达标', ...}."""
    return dict(_table()[name])
