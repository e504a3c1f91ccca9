"""Build ``static/geo/world.json``, the world map of the diaspora pages, from Natural Earth.

A build-time tool, never imported by the web app. Input: ``countries-50m.json`` from the npm
package ``world-atlas`` 2.0.2 (Natural Earth 4.1.0 Admin 0 countries as TopoJSON; Natural Earth
is in the public domain) and Debian's ``iso-codes`` table, to turn ISO 3166-1 numeric codes into
the alpha-2 codes Homeward stores. Output: one SVG path per country, already projected (Equal
Earth), simplified (Douglas-Peucker, once per shared border) and quantised to whole map units, so
the server only pastes short strings into the page and nothing is fetched at run time. Whole
units and a 0.6-unit tolerance halved the file (73 KB -> 37 KB) and the map page's transferred
HTML (30 KB -> 17 KB with the test data) against 0.1-unit rounding and 0.45 units, with no
difference visible at the map's largest size (1000 units drawn in at most ~1130 px).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m placement.diaspora.build_map package/countries-50m.json static/geo/world.json

Only the standard library is used, so the tool adds no dependency to the project.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

ISO_CODES = Path("/usr/share/iso-codes/json/iso_3166-1.json")
# Features Natural Earth leaves without a numeric code.
CODES_BY_NAME = {"Kosovo": "XK"}
LEFT_OUT = {"010"}  # Antarctica: half the map's height for no one's residence
WIDTH = 1000.0
TOLERANCE = 0.6  # Douglas-Peucker tolerance in map units: the map is 1000 units wide and at most
# ~1130 px on screen, so 0.6 unit stays under a pixel at its largest
GRID = 1  # coordinates rounded to 1 / GRID map unit
MIN_RING_AREA = 1.5  # rings smaller than this (square map units) are dropped...
DOT_AREA = 6.0  # ...and a country whose largest ring is smaller than this also gets a dot

Point = tuple[float, float]

# Equal Earth projection (Šavrič, Patterson and Jenny, 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> Point:
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180, 0)[0]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Absolute lon/lat points of every (delta-encoded, quantized) TopoJSON arc."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(points: Sequence[Point], tolerance: float) -> list[int]:
    """Douglas-Peucker, iterative: the indexes of the points kept (the end points always)."""
    if len(points) < 3:
        return list(range(len(points)))
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - x1, py - y1)
            else:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [i for i, k in enumerate(keep) if k]


def clip(ring: Sequence[Point], limit: float, keep_below: bool) -> list[Point]:
    """Sutherland-Hodgman against the meridian ``lon = limit`` (one half-plane)."""

    def inside(p: Point) -> bool:
        return p[0] <= limit if keep_below else p[0] >= limit

    result: list[Point] = []
    for current, following in zip(ring, [*ring[1:], ring[0]], strict=True):
        if inside(current):
            result.append(current)
        if inside(current) != inside(following):
            (x1, y1), (x2, y2) = current, following
            result.append((limit, y1 + (y2 - y1) * (limit - x1) / (x2 - x1)))
    return result


def split_at_antimeridian(ring: Sequence[Point]) -> list[list[Point]]:
    """Natural Earth rings that cross 180° (Russia, Fiji, the Aleutians) as one ring per side."""
    if all(abs(b[0] - a[0]) <= 180 for a, b in itertools.pairwise(ring)):
        return [list(ring)]
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        while lon - previous > 180:
            lon -= 360
        while lon - previous < -180:
            lon += 360
        unwrapped.append((lon, lat))
    low, high = min(p[0] for p in unwrapped), max(p[0] for p in unwrapped)
    if high > 180:
        inner, outer, shift = clip(unwrapped, 180, True), clip(unwrapped, 180, False), -360
    elif low < -180:
        inner, outer, shift = clip(unwrapped, -180, False), clip(unwrapped, -180, True), 360
    else:
        return [unwrapped]
    return [r for r in (inner, [(x + shift, y) for x, y in outer]) if len(r) >= 3]


def area(ring: Sequence[Point]) -> float:
    closed = [*ring, ring[0]]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(closed))) / 2


def centroid(ring: Sequence[Point]) -> Point:
    xs, ys = zip(*ring, strict=True)
    return sum(xs) / len(xs), sum(ys) / len(ys)


def path_data(rings: Iterable[Sequence[Point]], grid: int = GRID) -> str:
    """Relative SVG path commands on a grid of ``1 / grid`` map units: whole units by default,
    so every step is a short integer (an SVG path needs no more precision than a pixel)."""
    parts = []
    for ring in rings:
        cells = [(round(x * grid), round(y * grid)) for x, y in ring]
        deduped = [cells[0]]
        for cell in cells[1:]:
            if cell != deduped[-1]:
                deduped.append(cell)
        if len(deduped) > 1 and deduped[-1] == deduped[0]:
            deduped.pop()
        if len(deduped) < 3:
            continue
        x0, y0 = deduped[0]
        pairs = itertools.pairwise(deduped)
        steps = [_pair(xb - xa, yb - ya, grid) for (xa, ya), (xb, yb) in pairs]
        parts.append(f"M{_num(x0, grid)} {_num(y0, grid)}l{''.join(steps).lstrip(' ')}z")
    return "".join(parts)


def _num(cells: int, grid: int) -> str:
    if grid == 1:
        return str(cells)
    digits = len(str(grid)) - 1
    text = f"{cells / grid:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace("0.", ".", 1) if text.startswith("0.") else text.replace("-0.", "-.", 1)


def _pair(dx: int, dy: int, grid: int) -> str:
    """One step: a minus sign separates two numbers in SVG, so no space is needed before it."""
    a, b = _num(dx, grid), _num(dy, grid)
    return f"{'' if a.startswith('-') else ' '}{a}{'' if b.startswith('-') else ' '}{b}"


def build(
    source: Path,
    iso_codes: Path = ISO_CODES,
    *,
    tolerance: float = TOLERANCE,
    grid: int = GRID,
    min_ring_area: float = MIN_RING_AREA,
) -> dict:
    topology = json.loads(source.read_text(encoding="utf-8"))
    numeric_to_alpha2 = {
        row["numeric"]: row["alpha_2"]
        for row in json.loads(iso_codes.read_text(encoding="utf-8"))["3166-1"]
    }
    arcs_lonlat = decode_arcs(topology)
    scale = WIDTH / (2 * X_MAX)

    def project(lon: float, lat: float) -> Point:
        x, y = equal_earth(max(-180.0, min(180.0, lon)), lat)
        return (x + X_MAX) * scale, -y * scale

    # Simplified once per arc, so neighbours keep exactly the same border.
    simplified = []
    for arc in arcs_lonlat:
        kept = simplify([project(lon, lat) for lon, lat in arc], tolerance)
        simplified.append([arc[i] for i in kept])

    def ring(indexes: list[int]) -> list[list[Point]]:
        points: list[Point] = []
        for index in indexes:
            arc = simplified[index] if index >= 0 else simplified[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return [[project(lon, lat) for lon, lat in part] for part in split_at_antimeridian(points)]

    shapes: dict[str, list[list[Point]]] = {}
    unnamed: list[list[Point]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        if numeric in LEFT_OUT:
            continue
        code = numeric_to_alpha2.get(numeric) or CODES_BY_NAME.get(
            geometry.get("properties", {}).get("name", "")
        )
        polygons = {
            "Polygon": [geometry.get("arcs", [])],
            "MultiPolygon": geometry.get("arcs", []),
        }.get(geometry["type"], [])
        rings = [part for polygon in polygons for r in polygon for part in ring(r)]
        (shapes.setdefault(code, []) if code else unnamed).extend(rings)

    top = min(y for rings in shapes.values() for r in rings for _, y in r) - 4
    bottom = max(y for rings in shapes.values() for r in rings for _, y in r) + 4

    def shifted(rings: list[list[Point]]) -> list[list[Point]]:
        return [[(x, y - top) for x, y in r] for r in rings]

    countries = []
    for code in sorted(shapes):
        rings = shifted(shapes[code])
        largest = max(rings, key=area)
        kept = [r for r in rings if area(r) >= min_ring_area]
        entry: dict[str, object] = {"code": code, "d": path_data(kept, grid)}
        if area(largest) < DOT_AREA:
            cx, cy = centroid(largest)
            entry["dot"] = [round(cx), round(cy)]
        countries.append(entry)
    background = [r for r in shifted(unnamed) if area(r) >= min_ring_area]
    return {
        "source": "Natural Earth 4.1.0 Admin 0 countries 1:50m (public domain), "
        "via the npm package world-atlas 2.0.2; Equal Earth projection, simplified",
        "width": WIDTH,
        "height": round(bottom - top),
        "countries": countries,
        "other_land": path_data(background, grid),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("target", type=Path, help="e.g. static/geo/world.json")
    parser.add_argument("--iso-codes", type=Path, default=ISO_CODES)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="in map units")
    parser.add_argument("--grid", type=int, default=GRID, help="cells per map unit: 1, 10, 100")
    args = parser.parse_args(argv)
    data = build(args.source, args.iso_codes, tolerance=args.tolerance, grid=args.grid)
    args.target.write_text(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    print(f"{args.target}: {len(data['countries'])} countries, {args.target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
