"""The build-time map tool (scripts/build_world_map.py) and the compact file it ships."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "build_world_map", ROOT / "scripts" / "build_world_map.py"
)
assert _spec and _spec.loader
build_world_map = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_world_map)


def test_simplify_drops_points_closer_than_the_tolerance_and_keeps_the_ends() -> None:
    wobbly = [(0.0, 0.0), (1.0, 0.2), (2.0, -0.2), (3.0, 0.3), (4.0, 0.0)]
    assert build_world_map.simplify(wobbly, 0.5) == [0, 4]
    peaked = [(0.0, 0.0), (1.0, 1.4), (2.0, 3.0), (3.0, 1.6), (4.0, 0.0)]
    assert build_world_map.simplify(peaked, 0.5) == [0, 2, 4]


def test_path_data_on_whole_units_is_relative_integers() -> None:
    ring = [(10.4, 20.6), (15.2, 20.4), (15.0, 30.0), (10.0, 29.6)]
    d = build_world_map.path_data([ring], grid=1)
    assert re.fullmatch(r"M-?\d+ -?\d+l[\d -]+z", d)
    # The steps add up to the points, rounded to the grid.
    numbers = [int(n) for n in re.findall(r"-?\d+", d)]
    x, y = numbers[0], numbers[1]
    visited = [(x, y)]
    for dx, dy in zip(numbers[2::2], numbers[3::2], strict=True):
        x, y = x + dx, y + dy
        visited.append((x, y))
    assert visited == [(round(px), round(py)) for px, py in ring]


def test_path_data_drops_rings_that_collapse_on_the_grid() -> None:
    tiny = [(1.1, 1.1), (1.2, 1.3), (1.3, 1.1)]
    assert build_world_map.path_data([tiny], grid=1) == ""
    assert build_world_map.path_data([tiny], grid=10) != ""


def test_the_shipped_map_is_quantised_to_whole_units() -> None:
    world = json.loads((ROOT / "static" / "geo" / "world.json").read_text(encoding="utf-8"))
    paths = [entry["d"] for entry in world["countries"]] + [world["other_land"]]
    assert all(re.fullmatch(r"(M-?\d+ -?\d+l[\d -]+z)*", d) for d in paths)
    codes = [entry["code"] for entry in world["countries"]]
    assert len(codes) == len(set(codes))
    assert all(
        all(isinstance(v, int) for v in entry["dot"])
        for entry in world["countries"]
        if "dot" in entry
    )
