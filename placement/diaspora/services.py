"""Know your diaspora: who the registered experts are, where they live, what they offer, and how
that compares with what open needs ask for.

Every expert figure comes from GROUP BY queries over one population: profiles that are not
anonymised, of accounts that are not deleted, whose latest decision on consent to processing is a
grant. That is the rule of ``placement.matches.services.consenting_user_ids``, written as a SQL
subquery so that a page costs the same handful of queries at 240 experts or at 20,000.

Public reports pass every table of people through ``suppression.publish``; staff reports show the
exact counts. Open needs are not people and are already listed one by one on the public "Open
needs" page, so their figures are exact everywhere.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from placement import geo
from placement.diaspora import suppression
from placement.diaspora.suppression import Published, PublishedTable, Table
from placement.extensions import db
from placement.labels import sector_label
from placement.models import (
    ConsentPurpose,
    ConsentRecord,
    ExpertProfile,
    ExpertSkill,
    Gender,
    Need,
    NeedSkill,
    NeedStatus,
    User,
)
from placement.taxonomy import get_taxonomy

NOT_STATED = ""  # the key of a missing country, sector or occupation group
GENDERS = tuple(g.value for g in (Gender.FEMALE, Gender.MALE, Gender.OTHER, Gender.UNDISCLOSED))
GENDER_TITLES = {
    Gender.FEMALE.value: _l("Women"),
    Gender.MALE.value: _l("Men"),
    Gender.OTHER.value: _l("Another gender"),
    Gender.UNDISCLOSED.value: _l("Gender not stated"),
}
PUBLIC_SKILL_ROWS = 20
STAFF_SKILL_ROWS = 50
GAP_SKILL_ROWS = 15
CHARTED_ORIGINS = 12
STAFF_DETAIL_ROWS_SHOWN = 100


def sector_keys() -> tuple[str, ...]:
    from placement.experts.forms import SECTOR_LABELS

    return tuple(SECTOR_LABELS)


@dataclass(frozen=True)
class Filters:
    """What a reader narrowed the report to; both are validated by the caller."""

    origin: str | None = None
    sector: str | None = None

    def __post_init__(self) -> None:
        if self.origin is not None and self.origin not in geo.country_codes():
            raise ValueError(f"unknown country {self.origin!r}")
        if self.sector is not None and self.sector not in sector_keys():
            raise ValueError(f"unknown sector {self.sector!r}")

    def query_args(self) -> dict[str, str]:
        return {k: v for k, v in (("origin", self.origin), ("sector", self.sector)) if v}


# --- the population --------------------------------------------------------------------------


def consenting_users() -> ColumnElement[bool]:
    """Users whose latest consent decision for processing is a grant, as a SQL condition."""
    ranked = (
        select(
            ConsentRecord.user_id,
            ConsentRecord.granted,
            func.row_number()
            .over(
                partition_by=ConsentRecord.user_id,
                order_by=(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc()),
            )
            .label("position"),
        )
        .where(ConsentRecord.purpose == ConsentPurpose.PROCESSING)
        .subquery()
    )
    latest_grants = select(ranked.c.user_id).where(
        ranked.c.position == 1, ranked.c.granted.is_(True)
    )
    return ExpertProfile.user_id.in_(latest_grants)


def _sectors_text() -> ColumnElement[str]:
    return cast(ExpertProfile.sectors, String)


def counted(filters: Filters) -> list[ColumnElement[bool]]:
    """The experts a report counts (joined to their User)."""
    conditions = [
        ExpertProfile.anonymised_at.is_(None),
        User.deleted_at.is_(None),
        consenting_users(),
    ]
    if filters.origin:
        conditions.append(ExpertProfile.origin_country == filters.origin)
    if filters.sector:
        conditions.append(_sectors_text().contains(f'"{filters.sector}"', autoescape=True))
    return conditions


def _experts_select(*columns: object) -> object:
    return (
        select(*columns)  # type: ignore[call-overload]
        .select_from(ExpertProfile)
        .join(User, User.id == ExpertProfile.user_id)
    )


@lru_cache(maxsize=256)
def _parse_sectors(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        value = []
    sectors = tuple(dict.fromkeys(s for s in value if isinstance(s, str) and s)) if value else ()
    return sectors or (NOT_STATED,)


# --- aggregation -----------------------------------------------------------------------------


@dataclass
class Aggregates:
    """True counts, each a Counter keyed by tuples of dimension keys."""

    residence_gender: Counter = field(default_factory=Counter)
    origin_gender: Counter = field(default_factory=Counter)
    origin_residence: Counter = field(default_factory=Counter)
    sector_gender: Counter = field(default_factory=Counter)
    occupation_gender: Counter = field(default_factory=Counter)
    origin_sector: Counter = field(default_factory=Counter)
    detail: Counter = field(default_factory=Counter)  # origin, residence, sector, group, gender
    skill_gender: Counter = field(default_factory=Counter)
    need_positions: Counter = field(default_factory=Counter)  # country, sector -> slots
    need_counts: Counter = field(default_factory=Counter)  # country, sector -> needs
    need_skills: Counter = field(default_factory=Counter)  # skill uri -> open needs asking


def aggregate(filters: Filters, *, detail: bool = False) -> Aggregates:
    """All the counts a report needs, in a few GROUP BY queries (``detail``: also the full
    cross-tabulation, for staff)."""
    taxonomy = get_taxonomy()
    major_group = lru_cache(maxsize=4096)(
        lambda uri: (taxonomy.isco_major_group(uri) if uri else None) or NOT_STATED
    )
    result = Aggregates()

    def grouped(*columns: ColumnElement) -> list:
        return db.session.execute(
            _experts_select(*columns, func.count(ExpertProfile.id))
            .where(*counted(filters))
            .group_by(*columns)
        ).all()

    # Small GROUP BYs, each a few hundred rows at most, whatever the number of experts.
    origin, residence, gender = (
        ExpertProfile.origin_country,
        ExpertProfile.residence_country,
        ExpertProfile.gender,
    )
    for o, r, g, count in grouped(origin, residence, gender):
        o, r, g = o or NOT_STATED, r or NOT_STATED, Gender(g).value
        result.residence_gender[r, g] += count
        result.origin_gender[o, g] += count
        result.origin_residence[o, r] += count
    for o, g, sectors_text, count in grouped(origin, gender, _sectors_text()):
        for sector in _parse_sectors(sectors_text):
            result.sector_gender[sector, Gender(g).value] += count
            result.origin_sector[o or NOT_STATED, sector] += count
    for occupation, g, count in grouped(ExpertProfile.occupation_uri, gender):
        result.occupation_gender[major_group(occupation), Gender(g).value] += count
    if detail:
        # Staff only: every combination (as many rows as there are distinct profiles, at worst).
        for o, r, g, sectors_text, occupation, count in grouped(
            origin, residence, gender, _sectors_text(), ExpertProfile.occupation_uri
        ):
            for sector in _parse_sectors(sectors_text):
                key = (o or NOT_STATED, r or NOT_STATED, sector, major_group(occupation))
                result.detail[(*key, Gender(g).value)] += count

    skills = db.session.execute(
        _experts_select(
            ExpertSkill.esco_uri,
            ExpertProfile.gender,
            func.count(func.distinct(ExpertSkill.expert_id)),
        )
        .join(ExpertSkill, ExpertSkill.expert_id == ExpertProfile.id)
        .where(*counted(filters), ExpertSkill.esco_uri.is_not(None))
        .group_by(ExpertSkill.esco_uri, ExpertProfile.gender)
    ).all()
    for uri, gender, count in skills:
        result.skill_gender[uri, Gender(gender).value] += count

    need_conditions = [Need.status == NeedStatus.OPEN]
    if filters.origin:
        need_conditions.append(Need.country == filters.origin)
    if filters.sector:
        need_conditions.append(Need.sector == filters.sector)
    needs = db.session.execute(
        select(Need.country, Need.sector, func.count(Need.id), func.sum(Need.slots))
        .where(*need_conditions)
        .group_by(Need.country, Need.sector)
    ).all()
    for country, sector, count, slots in needs:
        key = (country or NOT_STATED, sector or NOT_STATED)
        result.need_counts[key] += count
        result.need_positions[key] += int(slots or 0)
    need_skills = db.session.execute(
        select(NeedSkill.esco_uri, func.count(func.distinct(Need.id)))
        .join(Need, Need.id == NeedSkill.need_id)
        .where(*need_conditions, NeedSkill.esco_uri.is_not(None))
        .group_by(NeedSkill.esco_uri)
    ).all()
    result.need_skills.update(dict(need_skills))
    return result


@dataclass(frozen=True)
class Exclusions:
    """Profiles a report leaves out (shown to staff only)."""

    without_consent: int
    erased: int


def exclusions() -> Exclusions:
    not_erased = [ExpertProfile.anonymised_at.is_(None), User.deleted_at.is_(None)]
    kept = db.session.scalar(_experts_select(func.count(ExpertProfile.id)).where(*not_erased)) or 0
    consenting = (
        db.session.scalar(
            _experts_select(func.count(ExpertProfile.id)).where(*not_erased, consenting_users())
        )
        or 0
    )
    total = db.session.scalar(select(func.count(ExpertProfile.id))) or 0
    return Exclusions(without_consent=kept - consenting, erased=total - kept)


# --- labels ----------------------------------------------------------------------------------


def label(kind: str, key: str, lang: str) -> str:
    """What a reader sees for a dimension key (country code, sector, ISCO code, ESCO URI...)."""
    if kind == "gender":
        return str(GENDER_TITLES.get(key, key))
    if kind in ("origin", "residence", "country"):
        return geo.country_name(key) if key else str(_l("Not stated"))
    if kind == "sector":
        return sector_label(key) if key else str(_l("No sector given"))
    if kind == "occupation":
        if not key:
            return str(_l("Not classified"))
        taxonomy = get_taxonomy()
        return taxonomy.isco_label(key, lang) or taxonomy.isco_label(key, "en") or key
    if kind == "skill":
        taxonomy = get_taxonomy()
        return taxonomy.label(key, lang) or key
    return key


# --- what a page shows -----------------------------------------------------------------------

KIND_TITLES = {
    "origin": _l("Country of origin"),
    "residence": _l("Country of residence"),
    "country": _l("Country"),
    "sector": _l("Sector"),
    "occupation": _l("Occupation group (ISCO-08)"),
    "skill": _l("Skill (ESCO)"),
    "gender": _l("Gender"),
}


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: object  # a lazy string
    row_kind: str
    column_kind: str
    note: object | None = None
    public: bool = True


TABLES: tuple[TableSpec, ...] = (
    TableSpec("residence", _l("Experts by country of residence and gender"), "residence", "gender"),
    TableSpec("origin", _l("Experts by country of origin and gender"), "origin", "gender"),
    TableSpec(
        "origin-residence",
        _l("Experts by country of origin and country of residence"),
        "origin",
        "residence",
    ),
    TableSpec(
        "sector",
        _l("Experts by sector and gender"),
        "sector",
        "gender",
        note=_l("An expert may offer several sectors, so this table has no total of experts."),
    ),
    TableSpec(
        "occupation",
        _l("Experts by occupation group (ISCO-08 major group) and gender"),
        "occupation",
        "gender",
    ),
    TableSpec(
        "skills",
        _l("Most common skills (ESCO) and gender"),
        "skill",
        "gender",
        note=_l("Experts hold several skills each, so this table has no total of experts."),
    ),
    TableSpec(
        "origin-sector",
        _l("Experts by country of origin and sector"),
        "origin",
        "sector",
        note=_l("An expert may offer several sectors, so rows have no total."),
    ),
    TableSpec(
        "supply-needs",
        _l("Skills supply versus needs, by country of origin and sector"),
        "origin",
        "sector",
    ),
    TableSpec(
        "needs",
        _l("Open positions in open needs, by country and sector"),
        "country",
        "sector",
        note=_l("Open needs are published one by one on the Open needs page: figures are exact."),
    ),
    TableSpec(
        "skill-gap",
        _l("Skills most asked for by open needs, and the experts who hold them"),
        "skill",
        "skill",
    ),
    TableSpec(
        "detail",
        _l("Detailed breakdown: origin, residence, sector, occupation group and gender"),
        "origin",
        "gender",
        public=False,
    ),
)
TABLE_SPECS = {spec.id: spec for spec in TABLES}
PUBLIC_TABLE_IDS = tuple(spec.id for spec in TABLES if spec.public)
STAFF_TABLE_IDS = tuple(spec.id for spec in TABLES)


@dataclass(frozen=True)
class GridRow:
    code: str  # the key(s) behind the row, for machines (CSV)
    labels: tuple[str, ...]
    figures: tuple[Published | None, ...]  # None: no figure in that column
    total: bool = False  # the line of totals


@dataclass(frozen=True)
class Grid:
    """One table as shown: the page renders it and the CSV export writes the same cells."""

    id: str
    title: str
    code_heading: str
    label_headings: tuple[str, ...]
    figure_headings: tuple[str, ...]
    rows: tuple[GridRow, ...]
    exact: bool
    note: str | None = None
    rows_shown: int | None = None  # the page shows only the first rows (staff detail)
    needs_columns: tuple[int, ...] = ()  # figure columns that count needs, not people

    def figure_kind(self, column: int) -> str:
        return "needs" if column in self.needs_columns else "people"

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([self.code_heading, *self.label_headings, *self.figure_headings])
        for row in self.rows:
            writer.writerow(
                [
                    _csv_safe(row.code),
                    *(_csv_safe(text) for text in row.labels),
                    *("" if f is None else f for f in row.figures),
                ]
            )
        return buffer.getvalue()


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in text cells."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[Published, ...]


@dataclass(frozen=True)
class OriginComparison:
    origin: str
    name: str
    bars: tuple[Bar, ...]  # per sector: (experts, open positions)


@dataclass(frozen=True)
class Report:
    filters: Filters
    exact: bool
    experts: Published
    open_needs: int
    open_positions: int
    residence: dict[str, Published]  # for the map
    sector_bars: tuple[Bar, ...]
    occupation_bars: tuple[Bar, ...]
    comparisons: tuple[OriginComparison, ...]
    more_origins: int  # origins left out of the charts (all are in the table)
    grids: dict[str, Grid]
    exclusions: Exclusions | None = None


def build_report(filters: Filters, *, exact: bool, lang: str) -> Report:
    """The whole report: public (suppressed) when ``exact`` is False, else the staff one."""
    data = aggregate(filters, detail=exact)
    rank = (lambda n: n) if exact else suppression.rank_key
    labeller = _Labeller(lang)

    def by_name(keys: Iterable[str], kind: str) -> list[str]:
        return sorted(set(keys), key=lambda k: (k == NOT_STATED, labeller(kind, k)))

    def by_figure(keys: Sequence[str], shown: Sequence[Published], kind: str) -> list[str]:
        """Largest figure first as shown (hidden ones after the numbers), then by name, "not
        stated" last: the order of rows says nothing that their figures do not."""
        figures = dict(zip(keys, shown, strict=True))
        return sorted(
            keys,
            key=lambda k: (
                k == NOT_STATED,
                not isinstance(figures[k], int),
                -figures[k] if isinstance(figures[k], int) else 0,
                labeller(kind, k),
            ),
        )

    def row_totals(counter: Counter) -> Counter:
        totals: Counter = Counter()
        for (row, _column), count in counter.items():
            totals[row] += count
        return totals

    residence_totals = row_totals(data.residence_gender)
    origin_totals = row_totals(data.origin_gender)
    residences = by_name(residence_totals, "residence")
    origins = by_name(origin_totals, "origin")
    sector_totals = row_totals(data.sector_gender)
    sectors = [s for s in (*sector_keys(), NOT_STATED) if sector_totals.get(s)]
    if filters.sector and filters.sector not in sectors:
        sectors = [filters.sector]
    occupation_totals = row_totals(data.occupation_gender)
    occupations = sorted(occupation_totals, key=lambda k: (k == NOT_STATED, k))
    skill_totals = row_totals(data.skill_gender)
    skill_limit = STAFF_SKILL_ROWS if exact else PUBLIC_SKILL_ROWS
    skills = sorted(skill_totals, key=lambda k: (-rank(skill_totals[k]), k))[:skill_limit]
    skills = by_name(skills, "skill")

    # Tables with a person counted in several columns (sectors) are protected as if their
    # totals were known (they are, whenever people offer one sector each), but do not show them.
    linked = {
        "residence": suppression.Linked(
            Table.from_counts(data.residence_gender, residences, GENDERS),
            "residence",
            "gender",
            grand_total=True,
        ),
        "origin": suppression.Linked(
            Table.from_counts(data.origin_gender, origins, GENDERS),
            "origin",
            "gender",
            grand_total=True,
        ),
        "origin-residence": suppression.Linked(
            Table.from_counts(data.origin_residence, origins, residences),
            "origin",
            "residence",
            grand_total=True,
        ),
        "sector": suppression.Linked(
            Table.from_counts(data.sector_gender, sectors, GENDERS), "sector", None
        ),
        "occupation": suppression.Linked(
            Table.from_counts(data.occupation_gender, occupations, GENDERS),
            "occupation",
            "gender",
            grand_total=True,
        ),
        "skills": suppression.Linked(
            Table.from_counts(
                data.skill_gender, skills, GENDERS, row_totals=True, column_totals=False
            ),
            "skill",
            None,
        ),
        "origin-sector": suppression.Linked(
            Table.from_counts(data.origin_sector, origins, sectors), None, "sector"
        ),
    }
    if exact:
        published = {key: suppression.exact(link.table) for key, link in linked.items()}
    else:
        published = suppression.publish_linked(linked)
    published["sector"] = suppression.without_margins(published["sector"], columns=True)
    residences = by_figure(residences, published["residence"].row_totals or (), "residence")
    origins = by_figure(origins, published["origin"].row_totals or (), "origin")
    skills = by_figure(skills, published["skills"].row_totals or (), "skill")
    for key, rows, columns in (
        ("residence", residences, None),
        ("origin", origins, None),
        ("origin-residence", origins, residences),
        ("origin-sector", origins, None),
        ("skills", skills, None),
    ):
        published[key] = suppression.reordered(published[key], rows=rows, columns=columns)
    published["origin-sector"] = suppression.without_margins(published["origin-sector"], rows=True)
    grids = {key: labeller.grid(TABLE_SPECS[key], value) for key, value in published.items()}

    need_totals = row_totals(data.need_positions)  # needs are public: their true order
    need_countries = sorted(
        need_totals, key=lambda c: (c == NOT_STATED, -need_totals[c], labeller("country", c))
    )
    need_sectors = [
        s for s in (*sector_keys(), NOT_STATED) if any(k[1] == s for k in data.need_positions)
    ]
    needs_table = suppression.exact(
        Table.from_counts(data.need_positions, need_countries, need_sectors)
    )
    grids["needs"] = replace(
        labeller.grid(TABLE_SPECS["needs"], needs_table),
        needs_columns=tuple(range(len(need_sectors) + 1)),
    )

    comparisons, supply_rows = _supply_versus_needs(
        data, published["origin-sector"], origins, sectors, labeller
    )
    grids["supply-needs"] = Grid(
        id="supply-needs",
        title=str(TABLE_SPECS["supply-needs"].title),
        code_heading="code",
        label_headings=(str(KIND_TITLES["origin"]), str(KIND_TITLES["sector"])),
        figure_headings=(
            str(_l("Experts (supply)")),
            str(_l("Open positions (needs)")),
            str(_l("Gap (positions minus experts)")),
        ),
        rows=tuple(supply_rows),
        exact=exact,
        note=str(
            _l("The gap is worked out from the figures shown, and only where both are numbers.")
        ),
        needs_columns=(1, 2),
    )
    skills_shown = published["skills"]
    grids["skill-gap"] = _skill_gap(
        data,
        skill_totals,
        dict(zip(skills_shown.rows, skills_shown.row_totals or (), strict=True)),
        exact,
        labeller,
    )
    if exact:
        grids["detail"] = _detail_grid(data, labeller)
    grids = {spec.id: grids[spec.id] for spec in TABLES if spec.id in grids}

    residence_table = published["residence"]
    experts = residence_table.grand_total
    return Report(
        filters=filters,
        exact=exact,
        experts=experts if experts is not None else 0,
        open_needs=sum(data.need_counts.values()),
        open_positions=sum(data.need_positions.values()),
        residence=dict(zip(residence_table.rows, residence_table.row_totals or (), strict=True)),
        sector_bars=_bars(published["sector"], "sector", labeller),
        occupation_bars=_bars(published["occupation"], "occupation", labeller),
        comparisons=tuple(comparisons[:CHARTED_ORIGINS]),
        more_origins=max(0, len(comparisons) - CHARTED_ORIGINS),
        grids=grids,
        exclusions=exclusions() if exact else None,
    )


def gap(supply: Published | None, demand: int) -> Published | None:
    """Open positions minus experts, when the experts figure is a number."""
    return demand - supply if isinstance(supply, int) else None


def _supply_versus_needs(
    data: Aggregates,
    origin_sector: PublishedTable,
    origins: Sequence[str],
    sectors: Sequence[str],
    labeller: _Labeller,
) -> tuple[list[OriginComparison], list[GridRow]]:
    supply = {
        (origin, sector): origin_sector.cells[i][j]
        for i, origin in enumerate(origin_sector.rows)
        for j, sector in enumerate(origin_sector.columns)
    }
    countries = [o for o in origins if o != NOT_STATED]
    countries += sorted(
        {c for c, _ in data.need_positions} - set(countries), key=lambda c: labeller("origin", c)
    )
    compared_sectors = [s for s in sectors if s != NOT_STATED]
    for _country, sector in data.need_positions:
        if sector not in compared_sectors and sector != NOT_STATED:
            compared_sectors.append(sector)
    order = {key: index for index, key in enumerate(sector_keys())}
    compared_sectors.sort(key=lambda s: order.get(s, len(order)))
    comparisons, rows = [], []
    for origin in countries:
        bars = []
        for sector in compared_sectors:
            experts = supply.get((origin, sector), 0)
            positions = data.need_positions.get((origin, sector), 0)
            if experts == 0 and positions == 0:
                continue
            name = labeller("sector", sector)
            bars.append(Bar(name, (experts, positions)))
            rows.append(
                GridRow(
                    code=f"{origin}/{sector}",
                    labels=(labeller("origin", origin), name),
                    figures=(experts, positions, gap(experts, positions)),
                )
            )
        if bars:
            comparisons.append(OriginComparison(origin, labeller("origin", origin), tuple(bars)))
    return comparisons, rows


def _skill_gap(
    data: Aggregates,
    skill_totals: Counter,
    shown: Mapping[str, Published],
    exact: bool,
    labeller: _Labeller,
) -> Grid:
    """The skills open needs ask for most; the experts figure is the skills table's where the
    skill is in it (the same count must be published alike), else published on its own."""
    asked = sorted(data.need_skills, key=lambda uri: (-data.need_skills[uri], uri))[:GAP_SKILL_ROWS]
    rows = []
    for uri in asked:
        holders = skill_totals.get(uri, 0)
        if uri in shown:
            experts = shown[uri]
        else:
            experts = holders if exact else suppression.publish_count(holders)
        rows.append(
            GridRow(
                code=uri,
                labels=(labeller("skill", uri),),
                figures=(data.need_skills[uri], experts),
            )
        )
    return Grid(
        id="skill-gap",
        title=str(TABLE_SPECS["skill-gap"].title),
        code_heading="esco_uri",
        label_headings=(str(KIND_TITLES["skill"]),),
        figure_headings=(str(_l("Open needs asking for it")), str(_l("Experts who hold it"))),
        rows=tuple(rows),
        exact=exact,
        needs_columns=(0,),
    )


def _detail_grid(data: Aggregates, labeller: _Labeller) -> Grid:
    rows = []
    for (origin, residence, sector, group, gender), count in sorted(
        data.detail.items(), key=lambda item: (-item[1], item[0])
    ):
        rows.append(
            GridRow(
                code="/".join((origin, residence, sector, group, gender)),
                labels=(
                    labeller("origin", origin),
                    labeller("residence", residence),
                    labeller("sector", sector),
                    labeller("occupation", group),
                    labeller("gender", gender),
                ),
                figures=(count,),
            )
        )
    return Grid(
        id="detail",
        title=str(TABLE_SPECS["detail"].title),
        code_heading="code",
        label_headings=tuple(
            str(KIND_TITLES[k]) for k in ("origin", "residence", "sector", "occupation", "gender")
        ),
        figure_headings=(str(_l("Experts")),),
        rows=tuple(rows),
        exact=True,
        note=str(_l("An expert who offers several sectors has one row for each of them.")),
        rows_shown=STAFF_DETAIL_ROWS_SHOWN,
    )


def _bars(table: PublishedTable, kind: str, labeller: _Labeller) -> tuple[Bar, ...]:
    totals = table.row_totals or ()
    return tuple(
        Bar(labeller(kind, key), (total,)) for key, total in zip(table.rows, totals, strict=True)
    )


class _Labeller:
    """Labels in the page language, memoised for one report."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, key: str) -> str:
        cached = self._cache.get((kind, key))
        if cached is None:
            cached = self._cache[kind, key] = label(kind, key, self.lang)
        return cached

    def grid(self, spec: TableSpec, table: PublishedTable) -> Grid:
        figure_headings = [self(spec.column_kind, key) for key in table.columns]
        if table.row_totals is not None:
            figure_headings.append(str(_l("Total")))
        rows = [
            GridRow(
                code=key,
                labels=(self(spec.row_kind, key),),
                figures=(*cells, *((table.row_totals[i],) if table.row_totals else ())),
            )
            for i, (key, cells) in enumerate(zip(table.rows, table.cells, strict=True))
        ]
        if table.column_totals is not None:
            rows.append(
                GridRow(
                    code="total",
                    labels=(str(_l("Total")),),
                    figures=(
                        *table.column_totals,
                        *((table.grand_total,) if table.row_totals is not None else ()),
                    ),
                    total=True,
                )
            )
        return Grid(
            id=spec.id,
            title=str(spec.title),
            code_heading="code",
            label_headings=(str(KIND_TITLES[spec.row_kind]),),
            figure_headings=tuple(figure_headings),
            rows=tuple(rows),
            exact=table.exact,
            note=str(spec.note) if spec.note else None,
        )
