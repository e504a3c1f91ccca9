"""Know your diaspora: suppression (unit and property tests), aggregation, consent, pages, CSV."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement.diaspora import charts, services, suppression
from placement.diaspora.suppression import PRIMARY, SECONDARY, Linked, Table
from placement.extensions import db
from placement.matches.services import consenting_user_ids
from placement.models import (
    ConsentPurpose,
    ConsentRecord,
    ExpertProfile,
    ExpertSkill,
    Gender,
    NeedSkill,
    NeedStatus,
    Role,
    User,
    utcnow,
)
from tests import factories

# ESCO occupations of the demo data: ISCO major groups 2 (professionals), 1 and 3.
GP = "http://data.europa.eu/esco/occupation/71f09c8b-a172-408c-b9e7-32e580e39ff6"
# Cells small, large or empty, in any mixture: the patterns that secondary suppression must close.
CELL_VALUES = st.one_of(st.integers(1, 9), st.integers(10, 80), st.just(0), st.integers(0, 14))


# --- an independent audit ------------------------------------------------------------------


def lines_of(n_rows: int, n_cols: int, rows: bool, cols: bool) -> list[list[tuple[int, int]]]:
    """Lines of an extended table, written independently of suppression.Table.lines; the last
    position of each line is its total."""
    lines = []
    if rows:
        lines += [[(i, j) for j in range(n_cols)] + [(i, n_cols)] for i in range(n_rows)]
    if cols:
        lines += [[(i, j) for i in range(n_rows)] + [(n_rows, j)] for j in range(n_cols)]
    if rows and cols:
        lines.append([(n_rows, j) for j in range(n_cols)] + [(n_rows, n_cols)])
        lines.append([(i, n_cols) for i in range(n_rows)] + [(n_rows, n_cols)])
    return lines


def recoverable(
    hidden: set[tuple[int, int]], lines: list[list[tuple[int, int]]]
) -> set[tuple[int, int]]:
    """Hidden figures that the published ones determine exactly, by any combination of line
    differences (linear algebra: the unit vector of the figure lies in the row space of the
    constraints restricted to the hidden figures). Visible figures are taken as exact, which
    is stricter than reality (they are rounded)."""
    unknowns = sorted(hidden)
    if not unknowns:
        return set()
    index = {p: k for k, p in enumerate(unknowns)}
    matrix = np.zeros((len(lines), len(unknowns)))
    for r, line in enumerate(lines):
        *cells, total = line
        for p in cells:
            if p in index:
                matrix[r, index[p]] += 1
        if total in index:
            matrix[r, index[total]] -= 1
    rank = np.linalg.matrix_rank(matrix) if matrix.any() else 0
    found = set()
    for p, k in index.items():
        unit = np.zeros((1, len(unknowns)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(p)
    return found


def published_positions(table: suppression.PublishedTable) -> dict[tuple[int, int], object]:
    n_rows, n_cols = len(table.rows), len(table.columns)
    values = {(i, j): table.cells[i][j] for i in range(n_rows) for j in range(n_cols)}
    if table.row_totals is not None:
        values.update({(i, n_cols): v for i, v in enumerate(table.row_totals)})
    if table.column_totals is not None:
        values.update({(n_rows, j): v for j, v in enumerate(table.column_totals)})
    if table.grand_total is not None:
        values[(n_rows, n_cols)] = table.grand_total
    return values


def check_published(table: Table, published: suppression.PublishedTable) -> None:
    """Everything the rule promises, for one table."""
    true = table.extended()
    shown = published_positions(published)
    assert set(shown) == set(true)
    for position, value in shown.items():
        if isinstance(value, int):
            assert not 1 <= value <= 9, (position, value)
            assert value % 5 == 0
            assert abs(value - true[position]) <= 2
            assert (value == 0) == (true[position] == 0)
        else:
            assert value in (PRIMARY, SECONDARY)
        if 1 <= true[position] <= 9:
            assert value == PRIMARY
        if value == PRIMARY:
            assert 1 <= true[position] <= 9
    hidden = {p for p, v in shown.items() if isinstance(v, str)}
    lines = lines_of(len(table.rows), len(table.columns), table.row_totals, table.column_totals)
    for line in lines:
        assert sum(p in hidden for p in line) != 1, f"line {line} gives away its hidden figure"
    assert recoverable(hidden, lines) == set()


# --- suppression: examples ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "rounded"),
    [(0, 0), (10, 10), (11, 10), (12, 10), (13, 15), (14, 15), (15, 15), (17, 15), (18, 20)],
)
def test_rounding_to_five(count: int, rounded: int) -> None:
    assert suppression.round_count(count) == rounded


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "<10"), (9, "<10"), (10, 10), (23, 25)])
def test_a_count_alone(count: int, shown: object) -> None:
    assert suppression.publish_count(count) == shown


def test_rank_key_says_no_more_than_the_figure() -> None:
    assert suppression.rank_key(2) == suppression.rank_key(9)
    assert suppression.rank_key(11) == suppression.rank_key(12) < suppression.rank_key(13)


def test_a_lone_small_cell_takes_a_neighbour_with_it() -> None:
    table = Table.from_counts(
        {("a", "x"): 3, ("a", "y"): 50, ("b", "x"): 20, ("b", "y"): 40}, ["a", "b"], ["x", "y"]
    )
    published = suppression.publish(table)
    assert published.cells[0][0] == PRIMARY
    assert published.cells[0][1] == SECONDARY  # else 55 - 50 gives the 3 away
    assert published.row_totals == (55, 60)
    assert published.grand_total == 115
    check_published(table, published)


def test_a_small_total_is_hidden_like_a_cell() -> None:
    table = Table.from_counts(
        {("a", "x"): 4, ("a", "y"): 3, ("b", "x"): 30}, ["a", "b"], ["x", "y"]
    )
    published = suppression.publish(table)
    assert published.row_totals[0] == PRIMARY
    check_published(table, published)


def test_a_bridge_between_two_blocks_is_closed() -> None:
    """Each line has two hidden figures or more, yet the 5 that joins the two blocks of small
    cells could be solved for (rows 1-2 minus columns 1-2 leave it alone): it is closed too."""
    counts = [
        [3, 4, 5, 50],
        [5, 6, 50, 50],
        [40, 50, 2, 7],
        [50, 40, 8, 1],
    ]
    table = Table(("a", "b", "c", "d"), ("w", "x", "y", "z"), tuple(map(tuple, counts)))
    primary = {p for p, v in table.extended().items() if 1 <= v <= 9}
    lines = lines_of(4, 4, True, True)
    assert all(sum(p in primary for p in line) != 1 for line in lines)
    assert recoverable(primary, lines) == {(0, 2)}
    check_published(table, suppression.publish(table))


def test_linked_tables_hide_a_shared_total_alike() -> None:
    """Germany's 3 makes the first table hide the next total of its line, the Netherlands' 12.
    The second table shows the Netherlands' total too, with nothing small beside it: unlinked,
    it would publish 10 and undo the first table's protection."""
    one = Table.from_counts(
        {("NL", "f"): 12, ("FR", "f"): 30, ("FR", "m"): 20, ("DE", "m"): 3},
        ["NL", "FR", "DE"],
        ["f", "m"],
    )
    two = Table.from_counts(
        {("SL", "NL"): 12, ("SL", "FR"): 25, ("GH", "FR"): 25}, ["SL", "GH"], ["NL", "FR"]
    )
    assert suppression.publish(one).row_totals[0] == SECONDARY
    assert suppression.publish(two).column_totals[0] == 10
    published = suppression.publish_linked(
        {
            "one": Linked(one, "residence", "gender"),
            "two": Linked(two, "origin", "residence"),
        }
    )
    assert published["one"].row_totals[0] == published["two"].column_totals[0] == SECONDARY
    check_published(one, published["one"])
    check_published(two, published["two"])


def test_exact_is_the_truth_in_the_same_shape() -> None:
    table = Table.from_counts({("a", "x"): 3, ("b", "y"): 12}, ["a", "b"], ["x", "y"])
    shown = suppression.exact(table)
    assert shown.cells == ((3, 0), (0, 12))
    assert shown.row_totals == (3, 12)
    assert shown.grand_total == 15
    assert shown.exact


def test_reordering_moves_figures_with_their_rows() -> None:
    table = suppression.exact(
        Table.from_counts({("a", "x"): 1, ("b", "y"): 2}, ["a", "b"], ["x", "y"])
    )
    moved = suppression.reordered(table, rows=["b", "a"], columns=["y", "x"])
    assert moved.cells == ((2, 0), (0, 1))
    assert moved.row_totals == (2, 1)
    assert moved.column_totals == (2, 1)
    assert moved.grand_total == 3


def test_tables_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="negative"):
        Table(("a",), ("x",), ((-1,),))
    with pytest.raises(ValueError, match="one count per column"):
        Table(("a",), ("x", "y"), ((1,),))


# --- suppression: properties ----------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n_rows = draw(st.integers(1, 7))
    n_cols = draw(st.integers(1, 5))
    counts = draw(
        st.lists(
            st.lists(CELL_VALUES, min_size=n_cols, max_size=n_cols),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    rows, cols = draw(st.sampled_from([(True, True), (True, False), (False, True)]))
    return Table(
        tuple(f"r{i}" for i in range(n_rows)),
        tuple(f"c{j}" for j in range(n_cols)),
        tuple(map(tuple, counts)),
        row_totals=rows,
        column_totals=cols,
    )


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_published_figure_reveals_a_small_count(table: Table) -> None:
    check_published(table, suppression.publish(table))


# Microdata: (origin, residence, gender, sectors, occupation group).
PEOPLE = st.lists(
    st.tuples(
        st.sampled_from(["SL", "GH", "SN", "HT", None]),
        st.sampled_from(["NL", "FR", "DE", "GB", "US"]),
        st.sampled_from(services.GENDERS),
        st.lists(st.sampled_from(["health", "ict", "education", "finance"]), max_size=2),
        st.sampled_from(["1", "2", "3", ""]),
    ),
    max_size=120,
)


def _pivot(counter: Counter, rows: bool = True, cols: bool = True) -> Table:
    row_keys = sorted({r for r, _ in counter})
    col_keys = sorted({c for _, c in counter})
    return Table.from_counts(counter, row_keys, col_keys, row_totals=rows, column_totals=cols)


@settings(max_examples=150, deadline=None)
@given(
    PEOPLE,
    st.sampled_from([None, "SL", "GH", "HT"]),
    st.sampled_from([None, "health", "ict"]),
)
def test_random_populations_and_filters(
    people: list, origin: str | None, sector: str | None
) -> None:
    """The same chain as a report (filter, cross-tabulate, publish linked tables) over random
    people and filters: no figure from 1 to 9, no hidden figure recoverable, and a total shown
    in two tables shown alike."""
    chosen = [
        p
        for p in people
        if (origin is None or p[0] == origin) and (sector is None or sector in p[3])
    ]
    by = {name: Counter() for name in ("residence", "origin", "origin_res", "sector", "group")}
    for o, r, g, sectors, group in chosen:
        o = o or ""
        by["residence"][r, g] += 1
        by["origin"][o, g] += 1
        by["origin_res"][o, r] += 1
        by["group"][group, g] += 1
        for s in sectors or [""]:
            by["sector"][s, g] += 1
    linked = {
        "residence": Linked(_pivot(by["residence"]), "residence", "gender", grand_total=True),
        "origin": Linked(_pivot(by["origin"]), "origin", "gender", grand_total=True),
        "origin-res": Linked(_pivot(by["origin_res"]), "origin", "residence", grand_total=True),
        "sector": Linked(_pivot(by["sector"]), "sector", None),
        "group": Linked(_pivot(by["group"]), "group", "gender", grand_total=True),
    }
    published = suppression.publish_linked(linked)
    shown_totals: dict[tuple[str, str], object] = {}
    for name, link in linked.items():
        check_published(link.table, published[name])
        table = published[name]
        pairs = []
        if link.row_dimension:
            pairs += [
                ((link.row_dimension, k), v)
                for k, v in zip(table.rows, table.row_totals, strict=True)
            ]
        if link.column_dimension:
            pairs += [
                ((link.column_dimension, k), v)
                for k, v in zip(table.columns, table.column_totals, strict=True)
            ]
        if link.grand_total:
            pairs.append((("", ""), table.grand_total))
        for key, value in pairs:
            assert shown_totals.setdefault(key, value) == value, f"{key} shown two ways"


# --- the population: consent and erasure ----------------------------------------------------


def _withdraw(user_id: int, purpose: ConsentPurpose = ConsentPurpose.PROCESSING) -> None:
    db.session.add(
        ConsentRecord(
            user_id=user_id,
            purpose=purpose,
            granted=False,
            text_version="test",
            recorded_at=utcnow() + timedelta(seconds=5),
        )
    )
    db.session.commit()


def test_the_sql_consent_rule_is_consenting_user_ids(app_ctx: None) -> None:
    experts = [factories.ExpertFactory() for _ in range(5)]
    _withdraw(experts[1].user_id)
    _withdraw(experts[2].user_id)
    db.session.add(
        ConsentRecord(
            user_id=experts[2].user_id,
            purpose=ConsentPurpose.PROCESSING,
            granted=True,
            text_version="test",
            recorded_at=utcnow() + timedelta(seconds=9),
        )
    )
    _withdraw(experts[3].user_id, ConsentPurpose.SHARE_WITH_HOSTS)  # sharing is another matter
    ids = [e.user_id for e in experts]
    from sqlalchemy import select

    in_sql = set(
        db.session.scalars(
            select(ExpertProfile.user_id).where(
                ExpertProfile.user_id.in_(ids), services.consenting_users()
            )
        )
    )
    assert in_sql == consenting_user_ids(ids, ConsentPurpose.PROCESSING)
    assert in_sql == {ids[0], ids[2], ids[3], ids[4]}


def _population_with_outsiders() -> None:
    """12 counted experts from Sierra Leone in Ghana... and three who must never be counted."""
    for _ in range(12):
        factories.ExpertFactory(origin_country="SL", residence_country="GH")
    withdrawn = factories.ExpertFactory(origin_country="SL", residence_country="GH")
    _withdraw(withdrawn.user_id)
    erased = factories.ExpertFactory(origin_country="SL", residence_country="GH")
    erased.anonymised_at = utcnow()
    deleted = factories.ExpertFactory(origin_country="SL", residence_country="GH")
    deleted.user.deleted_at = utcnow()
    db.session.commit()


def test_experts_without_consent_are_never_counted(app_ctx: None) -> None:
    _population_with_outsiders()
    staff_view = services.build_report(services.Filters(origin="SL"), exact=True, lang="en")
    assert staff_view.experts == 12
    assert staff_view.residence == {"GH": 12}
    assert staff_view.exclusions.without_consent >= 1
    assert staff_view.exclusions.erased >= 2
    public_view = services.build_report(services.Filters(origin="SL"), exact=False, lang="en")
    assert public_view.experts == 10  # 12 rounds to 10; 13 (one more) would show 15


def test_the_public_page_leaves_out_a_withdrawn_expert(
    client: FlaskClient, app: Flask, db_session: object
) -> None:
    with app.test_request_context():
        _population_with_outsiders()
    page = client.get("/diaspora/?origin=SL").get_data(as_text=True)
    grid = parse_tables(page)["residence"]
    assert grid["GH"][-1] == "10"  # with the withdrawn expert it would be 13, shown as 15
    assert grid["total"][-1] == "10"
    rows = csv_rows(client.get("/diaspora/table.csv?table=residence&origin=SL"))
    assert rows[1][:2] == ["GH", "Ghana"]
    assert rows[1][-1] == "10"


# --- aggregation ----------------------------------------------------------------------------


def test_aggregates_count_each_dimension(app_ctx: None) -> None:
    first = factories.ExpertFactory(
        origin_country="GH",
        residence_country="DE",
        gender=Gender.FEMALE,
        sectors=["health", "education"],
        occupation_uri=GP,
    )
    first.skills.append(ExpertSkill(label="x", esco_uri="http://example.org/skill/a"))
    first.skills.append(ExpertSkill(label="y", esco_uri="http://example.org/skill/a"))
    second = factories.ExpertFactory(
        origin_country="GH", residence_country="FR", gender=Gender.MALE, sectors=[]
    )
    second.skills.append(ExpertSkill(label="z", esco_uri="http://example.org/skill/a"))
    need = factories.NeedFactory(
        institution=factories.InstitutionFactory(country="GH"), sector="health", slots=3
    )
    need.skills.append(NeedSkill(label="a", esco_uri="http://example.org/skill/a"))
    factories.NeedFactory(
        institution=factories.InstitutionFactory(country="GH"), status=NeedStatus.DRAFT
    )
    db.session.commit()
    data = services.aggregate(services.Filters(origin="GH"))
    assert data.residence_gender == Counter({("DE", "female"): 1, ("FR", "male"): 1})
    assert data.sector_gender == Counter(
        {("health", "female"): 1, ("education", "female"): 1, ("", "male"): 1}
    )
    assert data.origin_sector[("GH", "health")] == 1
    assert data.skill_gender[("http://example.org/skill/a", "female")] == 1  # once per expert
    assert data.skill_gender[("http://example.org/skill/a", "male")] == 1
    assert data.need_positions == Counter({("GH", "health"): 3})  # the draft is not open
    assert data.need_skills["http://example.org/skill/a"] == 1
    groups = {group for group, _gender in data.occupation_gender}
    assert "" in groups  # the second expert has no ESCO occupation
    only_health = services.aggregate(services.Filters(origin="GH", sector="health"))
    assert sum(only_health.residence_gender.values()) == 1


def test_filters_refuse_unknown_values() -> None:
    with pytest.raises(ValueError, match="country"):
        services.Filters(origin="ZZ")
    with pytest.raises(ValueError, match="sector"):
        services.Filters(sector="%")


def test_the_gap_needs_a_number() -> None:
    assert services.gap(10, 14) == 4
    assert services.gap(PRIMARY, 14) is None
    assert services.gap(SECONDARY, 0) is None


# --- charts ---------------------------------------------------------------------------------


def test_bars_are_proportional_and_hidden_figures_are_stubs() -> None:
    chart = charts.bar_chart([("a", (100,)), ("b", (50,)), ("c", (PRIMARY,))], fmt=str)
    widths = [group.bars[0].width for group in chart.groups]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == charts.STUB
    assert "suppressed" in chart.groups[2].bars[0].css


def test_bars_mirror_for_right_to_left() -> None:
    ltr = charts.bar_chart([("a", (10,))], fmt=str, width=200)
    rtl = charts.bar_chart([("a", (10,))], fmt=str, width=200, rtl=True)
    bar_l, bar_r = ltr.groups[0].bars[0], rtl.groups[0].bars[0]
    assert bar_l.x == 0
    assert bar_r.x + bar_r.width == pytest.approx(200)
    assert rtl.groups[0].label_anchor == "end"


def test_map_classes_never_split_small_counts() -> None:
    levels = charts.map_classes([0, PRIMARY, 10, 35, 480])
    assert levels[0] == 10
    assert charts.map_class(PRIMARY, levels) == "small"
    assert charts.map_class(0, levels) == "none"
    assert charts.map_class(SECONDARY, levels) == "hidden"
    assert charts.map_class(480, levels) != charts.map_class(10, levels)


def test_the_shipped_map_has_the_countries_it_needs(app: Flask) -> None:
    geometry = charts.load_geometry(str(app.static_folder) + "/geo/world.json")
    codes = {entry["code"] for entry in geometry["countries"]}
    assert {"SL", "GH", "SN", "HT", "EC", "SD", "AF", "MA", "NL", "FR", "US", "MT", "SG"} <= codes
    world = charts.world_map(geometry, {"NL": 25, "MT": PRIMARY, "ZZ": 10})
    assert world.unmapped == ("ZZ",)
    malta = next(c for c in world.countries if c.code == "MT")
    assert malta.dot is not None  # too small to see: a dot


# --- pages ----------------------------------------------------------------------------------


class _FigureParser(HTMLParser):
    """Collects the published figures of a page (data-figure cells, chart values, map values)
    and its tables as {table id: {row code: [cells]}}."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[tuple[str, str]] = []
        self.tables: dict[str, dict[str, list[str]]] = {}
        self._table: str | None = None
        self._row: str | None = None
        self._figure: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = {}
        elif tag == "tr" and self._table and a.get("data-code") is not None:
            self._row = a["data-code"]
            self.tables[self._table][self._row] = []
        if "data-value" in a:
            self.figures.append((a.get("data-figure") or "", a["data-value"] or ""))
        elif "data-figure" in a:
            self._figure = a["data-figure"]
            self._cell = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._cell is not None and tag in ("td", "th", "span", "text"):
            text = "".join(self._cell).strip()
            if self._figure is not None:
                self.figures.append((self._figure, text))
            if self._row is not None and self._table and tag in ("td", "th"):
                self.tables[self._table][self._row].append(text)
            self._cell, self._figure = None, None
        if tag == "tr":
            self._row = None
        if tag == "table":
            self._table = None


def parse_page(html: str) -> _FigureParser:
    parser = _FigureParser()
    parser.feed(html)
    return parser


def parse_tables(html: str) -> dict[str, dict[str, list[str]]]:
    return parse_page(html).tables


def as_number(text: str) -> int | None:
    digits = re.sub(r"[\s\u202f\u00a0,.]", "", text)
    return int(digits) if re.fullmatch(r"-?\d+", digits) else None


def assert_no_small_people_figures(html: str) -> int:
    """Every figure about people on the page: none from 1 to 9. Returns how many were read."""
    figures = [(kind, text) for kind, text in parse_page(html).figures if kind == "people"]
    for _kind, text in figures:
        number = as_number(text)
        if number is None:
            assert text in (PRIMARY, SECONDARY, ""), text
        else:
            assert not 1 <= number <= 9, f"published {text}"
    return len(figures)


def csv_rows(response: object) -> list[list[str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def diaspora(app: Flask, db_session: object) -> None:
    """A varied population: many small cells, a few large ones, two sectors each for some."""
    with app.test_request_context():
        plan = [
            ("SL", "NL", Gender.FEMALE, ["health"], 14),
            ("SL", "NL", Gender.MALE, ["health", "ict"], 6),
            ("SL", "GB", Gender.MALE, ["education"], 3),
            ("GH", "GB", Gender.FEMALE, ["ict"], 11),
            ("GH", "US", Gender.UNDISCLOSED, ["finance"], 2),
            ("GH", "NL", Gender.OTHER, ["health"], 1),
            ("SN", "FR", Gender.FEMALE, ["education", "health"], 9),
        ]
        for origin, residence, gender, sectors, count in plan:
            for _ in range(count):
                expert = factories.ExpertFactory(
                    origin_country=origin,
                    residence_country=residence,
                    gender=gender,
                    sectors=sectors,
                    occupation_uri=GP,
                )
                expert.skills.append(
                    ExpertSkill(label="s", esco_uri="http://data.europa.eu/esco/skill/test")
                )
        for country, sector, slots in [
            ("SL", "health", 4),
            ("GH", "ict", 2),
            ("SN", "education", 12),
        ]:
            factories.NeedFactory(
                institution=factories.InstitutionFactory(country=country),
                sector=sector,
                slots=slots,
            )
        db.session.commit()


def test_anonymous_visitors_see_only_suppressed_figures(
    client: FlaskClient, diaspora: None
) -> None:
    response = client.get("/diaspora/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Know your diaspora" in html
    assert assert_no_small_people_figures(html) > 50
    assert 'class="world-map"' in html and 'data-code="NL"' in html
    assert "Exact counts" not in html


def test_every_filter_combination_is_suppressed(client: FlaskClient, diaspora: None) -> None:
    """Pages and CSV files, for every combination of the filters (valid or not)."""
    for origin, sector in itertools.product(
        [None, "SL", "GH", "SN", "ZZ"], [None, "health", "bad"]
    ):
        query = "&".join(f"{k}={v}" for k, v in (("origin", origin), ("sector", sector)) if v)
        html = client.get(f"/diaspora/?{query}").get_data(as_text=True)
        assert_no_small_people_figures(html)
        for table in services.PUBLIC_TABLE_IDS:
            rows = csv_rows(client.get(f"/diaspora/table.csv?table={table}&{query}"))
            grid = _grid_for(table)
            for row in rows[1:]:
                for column, value in enumerate(row[1 + grid["labels"] :]):
                    if grid["kind"](column) == "people" and value.lstrip("-").isdigit():
                        assert not 1 <= int(value) <= 9, (query, table, row)


def _grid_for(table: str) -> dict:
    labels = {"supply-needs": 2, "skill-gap": 1}.get(table, 1)
    needs_columns = {"supply-needs": {1, 2}, "skill-gap": {0}}.get(table, set())
    if table == "needs":
        return {"labels": labels, "kind": lambda column: "needs"}
    return {
        "labels": labels,
        "kind": lambda column: "needs" if column in needs_columns else "people",
    }


def test_csv_files_are_the_tables_as_shown(client: FlaskClient, diaspora: None) -> None:
    tables = parse_tables(client.get("/diaspora/").get_data(as_text=True))
    assert set(tables) == set(services.PUBLIC_TABLE_IDS)
    for table, rows_on_page in tables.items():
        response = client.get(f"/diaspora/table.csv?table={table}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        assert f"public-{table}" in response.headers["Content-Disposition"]
        rows = csv_rows(response)
        assert rows[0][0] == ("esco_uri" if table == "skill-gap" else "code")
        by_code = {row[0]: row[1:] for row in rows[1:]}
        assert list(by_code) == list(rows_on_page), table
        for code, cells in rows_on_page.items():
            assert [c if as_number(c) is None else str(as_number(c)) for c in cells] == by_code[
                code
            ], (table, code)


def test_the_residence_csv_has_its_columns(client: FlaskClient, diaspora: None) -> None:
    rows = csv_rows(client.get("/diaspora/table.csv?table=residence"))
    assert rows[0] == [
        "code",
        "Country of residence",
        "Women",
        "Men",
        "Another gender",
        "Gender not stated",
        "Total",
    ]
    nl = next(row for row in rows if row[0] == "NL")
    # 14 women, 6 men, 1 of another gender: 21 in all.
    assert nl[1] == "Netherlands"
    assert nl[3:] == ["<10", "<10", "0", "20"]
    assert nl[2] in ("15", SECONDARY)


def test_rows_are_ordered_by_what_is_shown(client: FlaskClient, diaspora: None) -> None:
    """Largest published figure first, hidden ones after: a row's place reveals nothing that
    its figure does not."""
    tables = parse_tables(client.get("/diaspora/").get_data(as_text=True))
    for table in ("residence", "origin", "skills"):
        totals = [cells[-1] for code, cells in tables[table].items() if code not in ("total", "")]
        numbers = [as_number(t) for t in totals]
        shown = [n for n in numbers if n is not None]
        assert shown == sorted(shown, reverse=True), table
        assert numbers == shown + [None] * (len(numbers) - len(shown)), table


def test_the_staff_page_needs_staff(
    client: FlaskClient, login_as: Callable[..., User], diaspora: None
) -> None:
    anonymous = client.get("/diaspora/staff")
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
    assert client.get("/diaspora/staff/table.csv?table=residence").status_code == 302
    login_as(Role.EXPERT)
    assert client.get("/diaspora/staff").status_code == 403
    assert client.get("/diaspora/staff/table.csv?table=detail").status_code == 403


def test_staff_see_exact_counts_and_are_told_so(
    client: FlaskClient, login_as: Callable[..., User], diaspora: None
) -> None:
    login_as(Role.STAFF)
    response = client.get("/diaspora/staff?origin=GH")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Exact counts, for programme staff only" in html
    tables = parse_tables(html)
    assert tables["residence"]["US"][-1] == "2"  # exact: two experts live in the United States
    assert "detail" in tables
    rows = csv_rows(client.get("/diaspora/staff/table.csv?table=detail&origin=GH"))
    assert rows[0][-1] == "Experts"
    assert sum(int(row[-1]) for row in rows[1:]) == 14
    exact = client.get("/diaspora/staff/table.csv?table=residence")
    assert "staff-exact" in exact.headers["Content-Disposition"]


def test_the_detail_table_is_not_public(client: FlaskClient, diaspora: None) -> None:
    assert client.get("/diaspora/table.csv?table=detail").status_code == 400


@pytest.mark.parametrize("query", ["", "?table=", "?table=nope", "?table=../residence"])
def test_an_unknown_table_is_a_bad_request(client: FlaskClient, diaspora: None, query: str) -> None:
    assert client.get(f"/diaspora/table.csv{query}").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "origin=ZZ",
        "origin=sl",
        "sector=%3Cscript%3E",
        "origin=%27%20OR%201%3D1%20--",
        "origin=" + "A" * 5000,
        "origin=SL&origin=GH",
        "sector=health&sector=",
        "origin=%00",
    ],
)
def test_bad_filters_are_ignored_and_said_so(
    client: FlaskClient, diaspora: None, query: str
) -> None:
    response = client.get(f"/diaspora/?{query}")
    assert response.status_code == 200
    csv_response = client.get(f"/diaspora/table.csv?table=residence&{query}")
    assert csv_response.status_code == 200
    html = response.get_data(as_text=True)
    if "origin=SL&" not in query and "sector=health" not in query:
        assert "in the list" in html
    assert_no_small_people_figures(html)


def test_a_valid_filter_narrows_the_page(client: FlaskClient, diaspora: None) -> None:
    html = client.get("/diaspora/?origin=SN").get_data(as_text=True)
    tables = parse_tables(html)
    assert list(tables["residence"]) == ["FR", "total"]
    assert "in the list" not in html
    assert re.search(r'<option[^>]*(selected[^>]*value="SN"|value="SN"[^>]*selected)', html)


def test_pages_speak_the_readers_language(client: FlaskClient, diaspora: None) -> None:
    client.post("/locale", data={"locale": "fr", "next": "/diaspora/"})
    html = client.get("/diaspora/").get_data(as_text=True)
    assert 'lang="fr"' in html
    assert "Pays-Bas" in html  # the Netherlands, in French, from CLDR
    client.post("/locale", data={"locale": "ar", "next": "/diaspora/"})
    html = client.get("/diaspora/").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert_no_small_people_figures(html)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(
        st.tuples(
            st.sampled_from(["SL", "GH", "SN"]),
            st.sampled_from(["NL", "FR", "GB"]),
            st.sampled_from(list(Gender)),
            st.lists(st.sampled_from(["health", "ict", "education"]), max_size=2, unique=True),
            st.booleans(),  # consent to processing
        ),
        min_size=1,
        max_size=45,
    ),
    origin=st.sampled_from([None, "SL", "GH"]),
    sector=st.sampled_from([None, "health", "ict"]),
)
def test_reports_from_the_database_hold_the_rule(
    app_ctx: None, people: list, origin: str | None, sector: str | None
) -> None:
    """Random people in the database, random filters: the public report publishes no small
    figure, hides no figure alone in a line, and counts only those who consented."""
    savepoint = db.session.begin_nested()
    try:
        for index, (o, r, gender, sectors, consents) in enumerate(people):
            user = User(
                email=f"h{index}-{utcnow().timestamp()}@example.org",
                password_hash="x",
                role=Role.EXPERT,
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                ExpertProfile(
                    user_id=user.id,
                    origin_country=o,
                    residence_country=r,
                    gender=gender,
                    sectors=sectors,
                )
            )
            db.session.add(
                ConsentRecord(
                    user_id=user.id,
                    purpose=ConsentPurpose.PROCESSING,
                    granted=consents,
                    text_version="t",
                )
            )
        db.session.flush()
        filters = services.Filters(origin=origin, sector=sector)
        public = services.build_report(filters, exact=False, lang="en")
        staff = services.build_report(filters, exact=True, lang="en")
        expected = sum(
            1
            for o, _r, _g, sectors, consents in people
            if consents
            and (origin is None or o == origin)
            and (sector is None or sector in sectors)
        )
        assert staff.experts == expected
        assert public.experts in (suppression.publish_count(expected), SECONDARY)
        for grid in public.grids.values():
            for row in grid.rows:
                for column, value in enumerate(row.figures):
                    if grid.figure_kind(column) == "people" and isinstance(value, int):
                        assert not 1 <= value <= 9, (grid.id, row)
        for key in ("residence", "origin", "origin-residence", "occupation"):
            exact_grid, public_grid = staff.grids[key], public.grids[key]
            assert {r.code for r in exact_grid.rows} == {r.code for r in public_grid.rows}
            hidden = {
                (i, j)
                for i, row in enumerate(public_grid.rows)
                for j, value in enumerate(row.figures)
                if isinstance(value, str)
            }
            n_rows, n_cols = len(public_grid.rows) - 1, len(public_grid.figure_headings) - 1
            assert recoverable(hidden, lines_of(n_rows, n_cols, True, True)) == set(), key
    finally:
        savepoint.rollback()
