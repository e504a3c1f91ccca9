"""An SVG timeline of availability windows over the coming twelve months.

Drawn with SVG attributes rather than inline styles, which the Content-Security-Policy forbids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date

from placement.models import AvailabilityWindow

SPAN_DAYS = 365


@dataclass(frozen=True)
class Bar:
    x: float  # percent of the width
    width: float
    label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    ticks: list[Tick]


def _percent(day: date, start: date) -> float:
    return max(0.0, min(100.0, (day - start).days * 100 / SPAN_DAYS))


def timeline(windows: list[AvailabilityWindow], today: date) -> Timeline:
    end = today + timedelta(days=SPAN_DAYS)
    bars = []
    for window in windows:
        if window.end < today or window.start > end:
            continue
        x = _percent(window.start, today)
        width = max(0.8, _percent(window.end + timedelta(days=1), today) - x)
        label = f"{format_date(window.start)} – {format_date(window.end)}"
        bars.append(Bar(round(x, 2), round(width, 2), label))
    ticks = []
    month = date(today.year, today.month, 1)
    for _ in range(13):
        if today <= month <= end:
            ticks.append(Tick(round(_percent(month, today), 2), format_date(month, "MMM")))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return Timeline(bars, ticks)
