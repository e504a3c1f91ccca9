"""Evaluation figures, the evaluators' export and the fairness table.

Everything is computed from the same filtered set of placements (a programme and a period on the
placement's start), so the dashboard, the CSV and the XLSX always agree.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from placement.extensions import db
from placement.matches.services import consenting_user_ids
from placement.models import (
    BOOKED_STATUSES,
    ConsentPurpose,
    ExpertProfile,
    Need,
    OutcomeReport,
    Placement,
    PlacementStatus,
    Programme,
    RespondentRole,
    SurveyPoint,
)

APPROVED_OR_LATER = BOOKED_STATUSES | {PlacementStatus.COMPLETED}


@dataclass(frozen=True)
class Filters:
    programme_id: int | None = None
    start: date | None = None
    end: date | None = None


def placements(filters: Filters) -> list[Placement]:
    query = select(Placement).join(Need, Need.id == Placement.need_id)
    if filters.programme_id:
        query = query.where(Need.programme_id == filters.programme_id)
    if filters.start:
        query = query.where(Placement.start >= filters.start)
    if filters.end:
        query = query.where(Placement.start <= filters.end)
    return list(db.session.scalars(query.order_by(Placement.start, Placement.id)))


def _reports(rows: list[Placement]) -> dict[int, list[OutcomeReport]]:
    grouped: dict[int, list[OutcomeReport]] = defaultdict(list)
    ids = [p.id for p in rows]
    for start in range(0, len(ids), 500):
        for report in db.session.scalars(
            select(OutcomeReport).where(OutcomeReport.placement_id.in_(ids[start : start + 500]))
        ):
            grouped[report.placement_id].append(report)
    return grouped


def _answer(
    reports: list[OutcomeReport], point: SurveyPoint, role: RespondentRole, key: str
) -> Any:
    for report in reports:
        if (
            report.point is point
            and report.respondent_role is role
            and report.submitted_at is not None
        ):
            return report.answers.get(key)
    return None


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    rows: list[tuple[str, float]]
    unit: str = ""  # "%" for rates


def _share(numerator: int, denominator: int) -> float:
    return round(100.0 * numerator / denominator, 1) if denominator else 0.0


def dashboard(filters: Filters) -> list[Figure]:
    rows = placements(filters)
    reports = _reports(rows)
    approved = [p for p in rows if p.status in APPROVED_OR_LATER]
    programmes = {p.id: p.name for p in db.session.scalars(select(Programme))}
    figures = [
        Figure(
            "programme",
            _l("Placements by programme"),
            _count(programmes.get(p.need.programme_id, str(_l("No programme"))) for p in approved),
        ),
        Figure("country", _l("Placements by country"), _count(p.need.country for p in approved)),
        Figure(
            "sector", _l("Placements by sector"), _count(p.need.sector or "—" for p in approved)
        ),
        Figure(
            "gender", _l("Placements by gender"), _count(p.expert.gender.value for p in approved)
        ),
    ]
    ended = [p for p in approved if p.end < date.today() or p.status is PlacementStatus.COMPLETED]
    completed = sum(p.status is PlacementStatus.COMPLETED for p in ended)
    figures.append(
        Figure(
            "completion",
            _l("Completion rate of approved placements that ended"),
            [(str(_l("completed")), _share(completed, len(ended)))],
            "%",
        )
    )
    figures.append(Figure("response", _l("Survey response rates"), _response_rates(reports), "%"))
    figures.append(
        Figure(
            "satisfaction",
            _l("Average satisfaction at the end (1–5)"),
            _satisfaction(approved, reports),
        )
    )
    met = [
        _answer(reports[p.id], SurveyPoint.END, RespondentRole.HOST, "objectives_met")
        for p in approved
    ]
    met = [m for m in met if m is not None]
    figures.append(
        Figure(
            "objectives",
            _l("Objectives met, according to the host"),
            [(str(_l("met")), _share(sum(met), len(met)))],
            "%",
        )
    )
    trained = [
        _answer(reports[p.id], SurveyPoint.END, RespondentRole.HOST, "people_trained")
        for p in approved
    ]
    figures.append(
        Figure(
            "trained",
            _l("People trained (host reports)"),
            [(str(_l("people")), float(sum(t for t in trained if t)))],
        )
    )
    waits = [
        (p.approved_at.date() - (p.need.opened_at or p.need.created_at).date()).days
        for p in approved
        if p.approved_at and (p.need.opened_at or p.need.created_at)
    ]
    figures.append(
        Figure(
            "time_to_placement",
            _l("Days from need to approved placement"),
            [(str(_l("median")), float(statistics.median(waits)) if waits else 0.0)],
        )
    )
    return figures


def _count(values: Iterable[str]) -> list[tuple[str, float]]:
    return sorted(((k, float(v)) for k, v in Counter(values).items()), key=lambda kv: -kv[1])


def _response_rates(reports: dict[int, list[OutcomeReport]]) -> list[tuple[str, float]]:
    invited: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    for group in reports.values():
        for report in group:
            if report.invited_at is None:
                continue
            key = f"{report.point.value} / {report.respondent_role.value}"
            invited[key] += 1
            answered[key] += report.submitted_at is not None
    return [(key, _share(answered[key], invited[key])) for key in sorted(invited)]


def _satisfaction(
    rows: list[Placement], reports: dict[int, list[OutcomeReport]]
) -> list[tuple[str, float]]:
    result = []
    for role in (RespondentRole.EXPERT, RespondentRole.HOST):
        values = [_answer(reports[p.id], SurveyPoint.END, role, "satisfaction") for p in rows]
        values = [v for v in values if v is not None]
        result.append((role.value, round(statistics.mean(values), 2) if values else 0.0))
    return result


# Export --------------------------------------------------------------------------------------

COLUMNS: tuple[tuple[str, str], ...] = (
    ("placement", "Pseudonymous placement id (stable; not the database id)"),
    ("expert", "Pseudonymous expert id (stable across exports; no name or contact)"),
    ("programme", "Programme code"),
    ("need_country", "Country of the placement (ISO 3166-1 alpha-2)"),
    ("sector", "Sector of the need"),
    ("origin_country", "Expert's country of origin"),
    ("residence_country", "Expert's country of residence"),
    ("gender", "Expert's gender as self-declared (female, male, other, undisclosed)"),
    ("status", "Placement status"),
    ("start", "Start date"),
    ("end", "End date"),
    ("duration_weeks", "Length of the placement in weeks"),
    ("remote", "Remote placement (true/false)"),
    ("match_score", "Matching score when proposed (0-1)"),
    ("days_need_to_approval", "Days from the need's opening to the placement's approval"),
    ("end_host_objectives_met", "End survey, host: objectives met"),
    ("end_host_satisfaction", "End survey, host: satisfaction 1-5"),
    ("end_host_people_trained", "End survey, host: staff trained"),
    ("end_host_would_host_again", "End survey, host: would host again"),
    ("end_expert_objectives_met", "End survey, expert: objectives met"),
    ("end_expert_satisfaction", "End survey, expert: satisfaction 1-5"),
    ("end_expert_people_trained", "End survey, expert: people trained"),
    ("end_expert_would_return", "End survey, expert: would take another assignment"),
    ("follow_up_host_procedures_adopted", "Follow-up (12 months), host: procedures adopted"),
    ("follow_up_host_people_still_applying", "Follow-up, host: people still applying skills"),
    ("follow_up_host_continued_links", "Follow-up, host: still in touch with the expert"),
    ("follow_up_expert_continued_links", "Follow-up, expert: still in touch"),
)


def pseudonym(kind: str, value: object) -> str:
    """A stable, keyed, one-way id: evaluators can link rows without knowing who they are."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:12]


def export_rows(filters: Filters) -> list[dict[str, Any]]:
    rows = placements(filters)
    reports = _reports(rows)
    codes = {p.id: p.code for p in db.session.scalars(select(Programme))}
    result = []
    for p in rows:
        r = reports[p.id]
        opened = p.need.opened_at or p.need.created_at
        result.append(
            {
                "placement": pseudonym("placement", p.uuid),
                "expert": pseudonym("expert", p.expert.uuid),
                "programme": codes.get(p.need.programme_id, ""),
                "need_country": p.need.country,
                "sector": p.need.sector or "",
                "origin_country": p.expert.origin_country or "",
                "residence_country": p.expert.residence_country or "",
                "gender": p.expert.gender.value,
                "status": p.status.value,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "duration_weeks": p.need.duration_weeks,
                "remote": p.need.remote,
                "match_score": p.match_score,
                "days_need_to_approval": (p.approved_at.date() - opened.date()).days
                if p.approved_at and opened
                else None,
                **{
                    f"end_host_{k}": _answer(r, SurveyPoint.END, RespondentRole.HOST, k)
                    for k in (
                        "objectives_met",
                        "satisfaction",
                        "people_trained",
                        "would_host_again",
                    )
                },
                **{
                    f"end_expert_{k}": _answer(r, SurveyPoint.END, RespondentRole.EXPERT, k)
                    for k in ("objectives_met", "satisfaction", "people_trained", "would_return")
                },
                **{
                    f"follow_up_host_{k}": _answer(r, SurveyPoint.FOLLOW_UP, RespondentRole.HOST, k)
                    for k in ("procedures_adopted", "people_still_applying", "continued_links")
                },
                "follow_up_expert_continued_links": _answer(
                    r, SurveyPoint.FOLLOW_UP, RespondentRole.EXPERT, "continued_links"
                ),
            }
        )
    return result


FAIRNESS_COLUMNS = (
    "group",
    "value",
    "registered",
    "proposed",
    "approved",
    "selection_rate",
    "completed",
    "mean_host_satisfaction",
)


def fairness(filters: Filters) -> list[dict[str, Any]]:
    """Selection rates and outcomes by gender and by country of residence, against everyone
    registered (and consenting) in those groups."""
    experts = list(
        db.session.scalars(select(ExpertProfile).where(ExpertProfile.anonymised_at.is_(None)))
    )
    consenting = consenting_user_ids([e.user_id for e in experts], ConsentPurpose.PROCESSING)
    experts = [e for e in experts if e.user_id in consenting]
    rows = placements(filters)
    reports = _reports(rows)
    table = []
    for group, attribute in (("gender", "gender"), ("residence_country", "residence_country")):

        def value_of(expert: ExpertProfile, attr: str = attribute) -> str:
            value = getattr(expert, attr)
            return value.value if hasattr(value, "value") else (value or "")

        registered = Counter(value_of(e) for e in experts)
        proposed = Counter(value_of(e) for e in {p.expert for p in rows})
        approved_rows = [p for p in rows if p.status in APPROVED_OR_LATER]
        approved = Counter(value_of(e) for e in {p.expert for p in approved_rows})
        completed = Counter(
            value_of(p.expert) for p in rows if p.status is PlacementStatus.COMPLETED
        )
        satisfaction: dict[str, list[int]] = defaultdict(list)
        for p in approved_rows:
            answer = _answer(reports[p.id], SurveyPoint.END, RespondentRole.HOST, "satisfaction")
            if answer is not None:
                satisfaction[value_of(p.expert)].append(answer)
        for value in sorted(set(registered) | set(proposed)):
            table.append(
                {
                    "group": group,
                    "value": value,
                    "registered": registered[value],
                    "proposed": proposed[value],
                    "approved": approved[value],
                    "selection_rate": round(approved[value] / registered[value], 4)
                    if registered[value]
                    else None,
                    "completed": completed[value],
                    "mean_host_satisfaction": round(statistics.mean(satisfaction[value]), 2)
                    if satisfaction[value]
                    else None,
                }
            )
    return table


def to_csv(columns: Iterable[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def to_xlsx(filters: Filters) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "placements"
    names = [name for name, _ in COLUMNS]
    sheet.append(names)
    for row in export_rows(filters):
        sheet.append([row.get(name) for name in names])
    dictionary = workbook.create_sheet("data dictionary")
    dictionary.append(["column", "meaning"])
    for name, meaning in COLUMNS:
        dictionary.append([name, meaning])
    fair = workbook.create_sheet("fairness")
    fair.append(list(FAIRNESS_COLUMNS))
    for row in fairness(filters):
        fair.append([row[c] for c in FAIRNESS_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
