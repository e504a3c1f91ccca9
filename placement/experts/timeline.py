"""An SVG timeline of availability windows over the coming twelve months.

Drawn with SVG attributes rather than inline styles, which the Content-Security-Policy forbids.
Month names sit in a second SVG that has no viewBox: their ``x`` is a percentage of the width
while the text keeps its own size, so each name stays centred on its month at any width (an
evenly spaced row of names drifted a month off the bars, since the axis starts mid-month).
In a right-to-left page the whole axis runs from the right, bars and names alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date

from placement.models import AvailabilityWindow

SPAN_DAYS = 365
# A month showing less of itself than this (percent of the width) gets no name: it would not fit.
MIN_LABEL_WIDTH = 4.0


@dataclass(frozen=True)
class Bar:
    x: float  # percent of the width, from the start edge (left, or right in RTL pages)
    width: float
    label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class MonthLabel:
    """A month's name centred on the part of the month the axis shows."""

    x: float
    label: str  # abbreviated ("Jan")
    narrow: str  # one letter, for phones ("J")
    year: str  # shown under each January (and the first month when no January is near)


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    ticks: list[Tick]  # month boundaries
    months: list[MonthLabel]


def _percent(day: date, start: date) -> float:
    return max(0.0, min(100.0, (day - start).days * 100 / SPAN_DAYS))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def timeline(windows: list[AvailabilityWindow], today: date, rtl: bool = False) -> Timeline:
    """Bars for the windows in the year from ``today``, month boundaries and month names.

    With ``rtl`` every position is measured from the right edge, as a reader of Arabic
    expects time to run.
    """

    def place(x: float, width: float = 0.0) -> float:
        return round(100.0 - x - width if rtl else x, 2)

    end = today + timedelta(days=SPAN_DAYS)
    bars = []
    for window in windows:
        if window.end < today or window.start > end:
            continue
        x = _percent(window.start, today)
        width = max(0.8, _percent(window.end + timedelta(days=1), today) - x)
        label = f"{format_date(window.start)} – {format_date(window.end)}"
        bars.append(Bar(place(x, width), round(width, 2), label))
    ticks, months = [], []
    month = date(today.year, today.month, 1)
    while month <= end:
        following = _next_month(month)
        shown_from, shown_to = _percent(max(month, today), today), _percent(following, today)
        if month > today:
            ticks.append(Tick(place(shown_from), format_date(month, "MMM")))
        if shown_to - shown_from >= MIN_LABEL_WIDTH:
            # The year under each January, and under the first month unless a January comes
            # within two months (two years side by side would overlap on a phone).
            first_without_january = not months and month.month not in (11, 12, 1)
            year = str(month.year) if month.month == 1 or first_without_january else ""
            months.append(
                MonthLabel(
                    place((shown_from + shown_to) / 2),
                    format_date(month, "MMM"),
                    format_date(month, "MMMMM"),
                    year,
                )
            )
        month = following
    return Timeline(bars, ticks, months)
