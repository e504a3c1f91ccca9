"""Small-cell suppression for published tables of people. Pure functions: no Flask, no database.

The rule (ONS "10-5" practice, see shared/design/security-and-reliability.md):

- a count from 1 to 9 is never published: it is shown as ``<10`` (primary suppression);
- every other count is rounded to the nearest 5 (0 stays 0);
- totals are computed from the true counts, then published by the same rule;
- secondary suppression: a table with totals is a set of *lines* (each row with its row total,
  each column with its column total, and the line of totals with the grand total). A line with
  exactly one hidden figure would give that figure away (total minus the visible cells), so
  another figure of the line is hidden too, shown as ``c``, until no line has exactly one. On a
  table with both row and column totals that is not quite enough: a hidden figure can still be
  worked out through a chain of lines when it is a *bridge* of the graph whose nodes are rows
  and columns and whose edges are hidden figures, so bridges are closed into cycles as well.

Secondary figures are chosen among the table's cells before its totals (totals are shared with
other tables, which must publish them alike), non-zero cells before zeros, smallest first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

THRESHOLD = 10
ROUNDING_BASE = 5
PRIMARY = "<10"  # a count from 1 to 9
SECONDARY = "c"  # hidden so that a count from 1 to 9 cannot be worked out from the totals

Published = int | str
Position = tuple[int, int]


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def round_count(count: int) -> int:
    """Nearest multiple of 5 (halves cannot occur: 12 → 10, 13 → 15); 0 stays 0."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    return ROUNDING_BASE * ((count + ROUNDING_BASE // 2) // ROUNDING_BASE)


def publish_count(count: int) -> Published:
    """A count published on its own, with no total to difference it against."""
    return PRIMARY if is_small(count) else round_count(count)


def rank_key(count: int) -> int:
    """What an ordering may reveal of a count: its published size, with every small count equal.
    Rows of public tables are sorted on this (then by name), never on the true count."""
    return 1 if is_small(count) else round_count(count)


@dataclass(frozen=True)
class Table:
    """True counts: ``counts[i][j]`` for row key ``rows[i]`` and column key ``columns[j]``.

    ``row_totals``/``column_totals`` say whether the table has those margins; they are only
    meaningful when each person is counted once along that direction (a person offering two
    sectors makes a sector column total that is not a sum of people). A table with both margins
    also has a grand total.
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    row_totals: bool = True
    column_totals: bool = True

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.rows):
            raise ValueError("one line of counts per row")
        if any(len(line) != len(self.columns) for line in self.counts):
            raise ValueError("one count per column in every row")
        if any(c < 0 for line in self.counts for c in line):
            raise ValueError("a count cannot be negative")

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[tuple[str, str], int],
        rows: Sequence[str],
        columns: Sequence[str],
        *,
        row_totals: bool = True,
        column_totals: bool = True,
    ) -> Table:
        """Pivot ``{(row key, column key): count}``; missing pairs count 0."""
        return cls(
            rows=tuple(rows),
            columns=tuple(columns),
            counts=tuple(tuple(counts.get((r, c), 0) for c in columns) for r in rows),
            row_totals=row_totals,
            column_totals=column_totals,
        )

    @property
    def has_grand_total(self) -> bool:
        return self.row_totals and self.column_totals

    def row_total(self, i: int) -> int:
        return sum(self.counts[i])

    def column_total(self, j: int) -> int:
        return sum(line[j] for line in self.counts)

    def grand_total(self) -> int:
        return sum(sum(line) for line in self.counts)

    def extended(self) -> dict[Position, int]:
        """Every figure of the table by position; totals sit in row ``len(rows)`` and column
        ``len(columns)``."""
        n_rows, n_cols = len(self.rows), len(self.columns)
        values = {(i, j): self.counts[i][j] for i in range(n_rows) for j in range(n_cols)}
        if self.row_totals:
            values.update({(i, n_cols): self.row_total(i) for i in range(n_rows)})
        if self.column_totals:
            values.update({(n_rows, j): self.column_total(j) for j in range(n_cols)})
        if self.has_grand_total:
            values[(n_rows, n_cols)] = self.grand_total()
        return values

    def lines(self) -> list[list[Position]]:
        """The additive constraints: the figures of each line sum to its last one (a total)."""
        n_rows, n_cols = len(self.rows), len(self.columns)
        result = []
        if self.row_totals:
            result += [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows)]
        if self.column_totals:
            result += [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols)]
        if self.has_grand_total:
            result.append([(n_rows, j) for j in range(n_cols + 1)])
            result.append([(i, n_cols) for i in range(n_rows + 1)])
        return result


@dataclass(frozen=True)
class PublishedTable:
    """Figures as they may be shown: ints (rounded, or exact on staff pages) and markers."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Published, ...], ...]
    row_totals: tuple[Published, ...] | None
    column_totals: tuple[Published, ...] | None
    grand_total: Published | None
    exact: bool = False

    def figures(self) -> Iterable[Published]:
        """Every figure of the table, cells and totals."""
        for line in self.cells:
            yield from line
        yield from self.row_totals or ()
        yield from self.column_totals or ()
        if self.grand_total is not None:
            yield self.grand_total


def _candidate_key(table: Table, values: Mapping[Position, int], position: Position) -> tuple:
    i, j = position
    margin = i == len(table.rows) or j == len(table.columns)
    value = values[position]
    return (margin, value == 0, value, i, j)


def _fix_lines(table: Table, values: Mapping[Position, int], hidden: set[Position]) -> bool:
    changed = False
    for line in table.lines():
        if sum(p in hidden for p in line) == 1:
            visible = [p for p in line if p not in hidden]
            if visible:
                hidden.add(min(visible, key=lambda p: _candidate_key(table, values, p)))
                changed = True
    return changed


def _component(edges: set[Position], start: tuple[str, int], skip: Position) -> set:
    """Nodes reachable from ``start`` through hidden figures other than ``skip``."""
    adjacency: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for i, j in edges:
        if (i, j) == skip:
            continue
        adjacency.setdefault(("r", i), []).append(("c", j))
        adjacency.setdefault(("c", j), []).append(("r", i))
    seen = {start}
    queue = deque([start])
    while queue:
        for neighbour in adjacency.get(queue.popleft(), ()):
            if neighbour not in seen:
                seen.add(neighbour)
                queue.append(neighbour)
    return seen


def bridges(hidden: set[Position]) -> list[tuple[Position, set, set]]:
    """Hidden figures that lie on no cycle of hidden figures (with both margins, exactly the
    ones that can be solved for), each with the two sides it joins."""
    found = []
    for i, j in sorted(hidden):
        side = _component(hidden, ("r", i), (i, j))
        if ("c", j) not in side:
            found.append(((i, j), side, _component(hidden, ("c", j), (i, j))))
    return found


def _fix_bridges(table: Table, values: Mapping[Position, int], hidden: set[Position]) -> bool:
    for _position, side_a, side_b in bridges(hidden):
        candidates = [
            p
            for p in values
            if p not in hidden
            and (
                (("r", p[0]) in side_a and ("c", p[1]) in side_b)
                or (("r", p[0]) in side_b and ("c", p[1]) in side_a)
            )
        ]
        if candidates:
            hidden.add(min(candidates, key=lambda p: _candidate_key(table, values, p)))
            return True
    return False


def suppression_pattern(
    table: Table, forced: Iterable[Position] = ()
) -> tuple[frozenset[Position], frozenset[Position]]:
    """(primary, secondary) positions to hide, over the extended table (see ``extended``).
    ``forced`` positions are hidden as secondary whatever their value (see ``publish_linked``)."""
    values = table.extended()
    primary = {p for p, v in values.items() if is_small(v)}
    hidden = primary | {p for p in forced if p in values}
    while _fix_lines(table, values, hidden) or (
        table.has_grand_total and _fix_bridges(table, values, hidden)
    ):
        pass
    return frozenset(primary), frozenset(hidden - primary)


def publish(table: Table, forced: Iterable[Position] = ()) -> PublishedTable:
    """The table as the public may see it."""
    primary, secondary = suppression_pattern(table, forced)
    values = table.extended()

    def shown(position: Position) -> Published:
        if position in primary:
            return PRIMARY
        if position in secondary:
            return SECONDARY
        return round_count(values[position])

    return _assemble(table, shown, exact=False)


@dataclass(frozen=True)
class Linked:
    """A table of a report, and what its margins count: ``row_dimension`` names the dimension of
    its rows when its row totals are published (e.g. "residence"), likewise for columns. Equal
    dimension and key in two tables means the same number of the same people."""

    table: Table
    row_dimension: str | None = None
    column_dimension: str | None = None
    grand_total: bool = False  # its grand total is the report's total of people


def _hidden_totals(link: Linked, hidden: frozenset[Position]) -> set[tuple[str, str]]:
    table = link.table
    n_rows, n_cols = len(table.rows), len(table.columns)
    found = set()
    if link.row_dimension and table.row_totals:
        found |= {
            (link.row_dimension, k) for i, k in enumerate(table.rows) if (i, n_cols) in hidden
        }
    if link.column_dimension and table.column_totals:
        found |= {
            (link.column_dimension, k) for j, k in enumerate(table.columns) if (n_rows, j) in hidden
        }
    if link.grand_total and (n_rows, n_cols) in hidden:
        found.add(("", ""))
    return found


def _positions_of(link: Linked, totals: set[tuple[str, str]]) -> set[Position]:
    table = link.table
    n_rows, n_cols = len(table.rows), len(table.columns)
    positions = set()
    if link.row_dimension and table.row_totals:
        positions |= {
            (i, n_cols) for i, k in enumerate(table.rows) if (link.row_dimension, k) in totals
        }
    if link.column_dimension and table.column_totals:
        positions |= {
            (n_rows, j) for j, k in enumerate(table.columns) if (link.column_dimension, k) in totals
        }
    if link.grand_total and ("", "") in totals:
        positions.add((n_rows, n_cols))
    return positions


def publish_linked(tables: Mapping[str, Linked]) -> dict[str, PublishedTable]:
    """Publish the tables of one report together: a total that one table must hide is hidden in
    every table that shows the same total, and their suppression is redone, until it settles.
    Otherwise a total hidden in one table could be read in another and undo the protection."""
    forced: dict[str, set[Position]] = {name: set() for name in tables}
    while True:
        patterns = {
            name: suppression_pattern(link.table, forced[name]) for name, link in tables.items()
        }
        hidden_totals: set[tuple[str, str]] = set()
        for name, link in tables.items():
            hidden_totals |= _hidden_totals(link, patterns[name][0] | patterns[name][1])
        changed = False
        for name, link in tables.items():
            hidden = patterns[name][0] | patterns[name][1]
            missing = _positions_of(link, hidden_totals) - hidden
            if missing:
                forced[name] |= missing
                changed = True
        if not changed:
            return {name: publish(link.table, forced[name]) for name, link in tables.items()}


def without_margins(
    table: PublishedTable, *, rows: bool = False, columns: bool = False
) -> PublishedTable:
    """Drop margins that were used to protect the table but must not be shown (a total of a
    person counted in several columns would not be a number of people)."""
    return replace(
        table,
        row_totals=None if rows else table.row_totals,
        column_totals=None if columns else table.column_totals,
        grand_total=None if rows or columns else table.grand_total,
    )


def exact(table: Table) -> PublishedTable:
    """The true counts, in the same shape (for staff pages only)."""
    values = table.extended()
    return _assemble(table, values.__getitem__, exact=True)


def _assemble(
    table: Table, shown: Callable[[Position], Published], *, exact: bool
) -> PublishedTable:
    n_rows, n_cols = len(table.rows), len(table.columns)
    return PublishedTable(
        rows=table.rows,
        columns=table.columns,
        cells=tuple(tuple(shown((i, j)) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(shown((i, n_cols)) for i in range(n_rows)) if table.row_totals else None,
        column_totals=(
            tuple(shown((n_rows, j)) for j in range(n_cols)) if table.column_totals else None
        ),
        grand_total=shown((n_rows, n_cols)) if table.has_grand_total else None,
        exact=exact,
    )


def reordered(
    table: PublishedTable,
    *,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> PublishedTable:
    """The same figures with rows and columns in another order (for display only: suppression
    never depends on the order beyond its tie-breaks)."""
    row_index = [table.rows.index(k) for k in rows] if rows is not None else range(len(table.rows))
    col_index = (
        [table.columns.index(k) for k in columns]
        if columns is not None
        else range(len(table.columns))
    )
    return replace(
        table,
        rows=tuple(table.rows[i] for i in row_index),
        columns=tuple(table.columns[j] for j in col_index),
        cells=tuple(tuple(table.cells[i][j] for j in col_index) for i in row_index),
        row_totals=(
            tuple(table.row_totals[i] for i in row_index) if table.row_totals is not None else None
        ),
        column_totals=(
            tuple(table.column_totals[j] for j in col_index)
            if table.column_totals is not None
            else None
        ),
    )
