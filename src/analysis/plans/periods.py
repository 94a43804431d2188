"""Quarters as the reporting grid: parsing `2025Q3`, quarter ends and aggregation windows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from analysis.errors import PeriodError

_QUARTER = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _QUARTER.match(str(text))
        if not m:
            raise PeriodError(f"期间格式应为 2025Q3 这样的季度 / period must look like 2025Q3: {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, d: date) -> Quarter:
        return cls(d.year, (d.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        nxt = self.shift(1).start
        return nxt - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.q - 1]}季度"

    def shift(self, n: int) -> Quarter:
        idx = self.year * 4 + (self.q - 1) + n
        return Quarter(idx // 4, idx % 4 + 1)

    def __sub__(self, other: Quarter) -> int:
        return (self.year * 4 + self.q) - (other.year * 4 + other.q)


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    """Inclusive list of quarters from first to last."""
    return [first.shift(i) for i in range(last - first + 1)]


WINDOWS = ("quarter", "ytd", "trailing_4q", "plan_to_date")
"""Aggregation windows for dated (flow) measures, each ending at the quarter's last day.

quarter: the quarter itself; ytd: 1 January to quarter end; trailing_4q: the four quarters
ending here; plan_to_date: plan start to quarter end (cumulative)."""


def window_start(window: str, q: Quarter, plan_start: date) -> date:
    """First day of `window` for quarter `q`."""
    if window == "quarter":
        return q.start
    if window == "ytd":
        return date(q.year, 1, 1)
    if window == "trailing_4q":
        return q.shift(-3).start
    if window == "plan_to_date":
        return plan_start
    raise PeriodError(f"未知的统计窗口 / unknown window {window!r}; expected one of {WINDOWS}")
