"""Geometry for the server-rendered SVG charts. Pure functions: no Flask, no database.

The templates draw what these functions lay out, with presentation attributes and CSS classes
only (the Content Security Policy forbids inline styles and scripts), so the charts need no
JavaScript. Right-to-left pages get mirrored bar charts; the map is a map and is never mirrored.
Suppressed figures are drawn as a short hatched stub, never as a length that would suggest a
value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from placement.diaspora.suppression import PRIMARY, SECONDARY, Published

LABEL_HEIGHT = 16  # a label line above each group of bars
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 10
VALUE_SPACE = 56  # room after the longest bar for its figure
STUB = 5  # the width of a bar whose figure is hidden


def largest_figure(series: Iterable[Sequence[Published]]) -> int:
    return max((v for values in series for v in values if isinstance(v, int)), default=0)


@dataclass(frozen=True)
class BarShape:
    series: int
    x: float
    y: float
    width: float
    height: float
    css: str  # "series-0", "series-1", plus "suppressed" for a hidden figure
    text: str  # the figure as shown
    text_x: float
    text_y: float
    text_anchor: str
    title: str


@dataclass(frozen=True)
class Group:
    label: str
    label_x: float
    label_y: float
    label_anchor: str
    bars: tuple[BarShape, ...]


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    groups: tuple[Group, ...]
    series: int

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


def bar_chart(
    groups: Sequence[tuple[str, Sequence[Published]]],
    *,
    fmt: Callable[[Published], str],
    series_names: Sequence[str] = ("",),
    rtl: bool = False,
    width: float = 480,
    longest: int | None = None,
) -> BarChart:
    """Horizontal bars, one group per label and one bar per series in each group.

    Lengths are proportional to the figures shown (already rounded or exact); a hidden figure
    (``<10`` or ``c``) gets a stub, whatever its true value. Charts meant to be compared share
    a scale by passing the same ``longest``.
    """
    if longest is None:
        longest = largest_figure(values for _, values in groups)
    scale = (width - VALUE_SPACE) / longest if longest else 0.0
    y = 0.0
    shaped = []
    for name, values in groups:
        label_y = y + LABEL_HEIGHT - 4
        y += LABEL_HEIGHT
        bars = []
        for index, value in enumerate(values):
            hidden = value in (PRIMARY, SECONDARY)
            length = STUB if hidden else max(float(value) * scale, 0.0)  # type: ignore[arg-type]
            if not hidden and value and length < 1:
                length = 1.0
            x = width - length if rtl else 0.0
            text_x = width - length - 4 if rtl else length + 4
            series_name = series_names[index] if index < len(series_names) else ""
            text = fmt(value)
            bars.append(
                BarShape(
                    series=index,
                    x=round(x, 1),
                    y=round(y, 1),
                    width=round(length, 1),
                    height=BAR_HEIGHT,
                    css=f"series-{index}" + (" suppressed" if hidden else ""),
                    text=text,
                    text_x=round(text_x, 1),
                    text_y=round(y + BAR_HEIGHT - 3, 1),
                    text_anchor="end" if rtl else "start",
                    title=f"{name}, {series_name}: {text}" if series_name else f"{name}: {text}",
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        shaped.append(
            Group(
                label=name,
                label_x=width if rtl else 0.0,
                label_y=round(label_y, 1),
                label_anchor="end" if rtl else "start",
                bars=tuple(bars),
            )
        )
        y += GROUP_GAP - BAR_GAP
    return BarChart(
        width=width,
        height=max(round(y, 1), 1.0),
        groups=tuple(shaped),
        series=len(series_names),
    )


# --- the world map ---------------------------------------------------------------------------

BREAKS = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000)
MAX_CLASSES = 5


@lru_cache(maxsize=2)
def load_geometry(path: str) -> dict:
    """The shapes shipped in static/geo/world.json (see its README)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def map_classes(values: Sequence[Published]) -> list[int]:
    """Lower bounds of the coloured classes for the figures shown (never below 10)."""
    largest = max((v for v in values if isinstance(v, int)), default=0)
    levels = [b for b in BREAKS if b <= largest] or [BREAKS[0]]
    if len(levels) > MAX_CLASSES:
        step = (len(levels) - 1) / (MAX_CLASSES - 1)
        levels = sorted({levels[round(k * step)] for k in range(MAX_CLASSES)})
    return levels


# Which of the five shades each class gets, by number of classes: spread over the range.
SHADES = {1: (3,), 2: (2, 4), 3: (1, 3, 5), 4: (1, 2, 4, 5), 5: (1, 2, 3, 4, 5)}


def map_class(value: Published, levels: Sequence[int]) -> str:
    if value == 0:
        return "none"
    if value == PRIMARY or (isinstance(value, int) and value < levels[0]):
        return "small"
    if not isinstance(value, int):
        return "hidden"
    position = sum(1 for level in levels if value >= level)
    return f"q{SHADES[len(levels)][max(position, 1) - 1]}"


@dataclass(frozen=True)
class CountryShape:
    code: str
    d: str
    dot: tuple[float, float] | None
    css: str
    value: Published


@dataclass(frozen=True)
class LegendEntry:
    css: str
    low: Published | None  # None for the classes without bounds
    high: int | None


@dataclass(frozen=True)
class WorldMap:
    width: float
    height: float
    countries: tuple[CountryShape, ...]  # only the countries with a figure to show
    other_land: str
    empty_land: str  # every country without experts, as one shape: one element, not ~200
    legend: tuple[LegendEntry, ...]
    unmapped: tuple[str, ...]  # codes with figures but no shape (shown in the table only)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


def world_map(geometry: Mapping, values: Mapping[str, Published]) -> WorldMap:
    """Each country with experts coloured by the class of its figure (small states get a dot);
    the countries without any are drawn together as one shape, for a lighter page."""
    levels = map_classes(list(values.values()))
    shapes = []
    known = set()
    empty = []
    for entry in geometry["countries"]:
        code = entry["code"]
        known.add(code)
        value = values.get(code, 0)
        if value == 0:
            empty.append(entry["d"])
            continue
        css = map_class(value, levels)
        dot = entry.get("dot") if value != 0 else None
        shapes.append(
            CountryShape(
                code=code,
                d=entry["d"],
                dot=tuple(dot) if dot else None,  # type: ignore[arg-type]
                css=css,
                value=value,
            )
        )
    legend = [LegendEntry("none", None, None), LegendEntry("small", PRIMARY, None)]
    for index, level in enumerate(levels):
        high = levels[index + 1] - 1 if index + 1 < len(levels) else None
        legend.append(LegendEntry(f"q{SHADES[len(levels)][index]}", level, high))
    if any(v == SECONDARY for v in values.values()):
        legend.append(LegendEntry("hidden", SECONDARY, None))
    return WorldMap(
        width=float(geometry["width"]),
        height=float(geometry["height"]),
        countries=tuple(shapes),
        other_land=geometry.get("other_land", ""),
        empty_land="".join(empty),
        legend=tuple(legend),
        unmapped=tuple(sorted(c for c, v in values.items() if c not in known and v != 0)),
    )
