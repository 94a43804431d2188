"""Warehouse-wide figures a batch kernel keeps between the reports it renders.

A warm kernel in `batch` renders hundreds of reports of one quarter from one warehouse. Some of
what a report reads does not depend on its unit, or is cheapest computed for every unit at once:
the accident frame of all units, the reporting grid of the whole org tree, the national rates,
the data cut-off. Computed once per kernel instead of once per report, they save a sixth of a
report's CPU time. The memo is off outside a batch (`enable`): a single report reads only its
own unit's rows, which is cheaper than the whole tree.

Entries are keyed by the warehouse file and its data version (the ledger files loaded, which an
ingest always changes) and today's date (reports not yet due turn overdue at midnight); when
the key changes, every entry is dropped."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb

from analysis.store.warehouse import data_version

T = TypeVar("T")

_enabled = False
_key: tuple | None = None
_entries: dict[Hashable, object] = {}


def enable(on: bool = True) -> None:
    """Keep figures between reports in this process (a batch kernel's warm-up turns it on)."""
    global _enabled, _key
    _enabled = on
    _key = None
    _entries.clear()


def enabled() -> bool:
    return _enabled


def remembered(con: duckdb.DuckDBPyConnection, db: Path, name: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or what it returned for the same warehouse state when the memo is on.
    Callers must not modify the value (it is shared by later reports)."""
    if not _enabled:
        return compute()
    global _key
    key = (str(db.resolve()), data_version(con), date.today())
    if key != _key:
        _entries.clear()
        _key = key
    if name not in _entries:
        _entries[name] = compute()
    return _entries[name]  # type: ignore[return-value]
