"""Personal-data rights of an expert: a copy of everything (GDPR art. 15 and 20) and erasure
(art. 17) that keeps placements and outcome figures in anonymised form for evaluation."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import delete, inspect, or_, select

from placement import audit
from placement.auth.passwords import hash_password
from placement.experts.cv import forget_expert
from placement.experts.documents import stored_path
from placement.extensions import db
from placement.matches.services import forget_rankings
from placement.models import (
    AuditEvent,
    ConsentRecord,
    CvSuggestion,
    ExpertProfile,
    Interest,
    Notification,
    OutcomeReport,
    Placement,
    User,
    utcnow,
)

EXPORT_VERSION = 1
# Kept after erasure because anonymous evaluation statistics need them (by gender, country).
KEPT_FOR_STATISTICS = ("gender", "origin_country", "residence_country", "sectors")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of a row, as JSON-ready values."""
    columns = inspect(obj).mapper.column_attrs
    return {c.key: _plain(getattr(obj, c.key)) for c in columns if c.key not in skip}


def export_data(user: User) -> dict[str, Any]:
    """Every record about the user, as one JSON-ready document."""
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    data: dict[str, Any] = {
        "export_version": EXPORT_VERSION,
        "exported_at": utcnow().isoformat(),
        "account": _row(user, skip=("password_hash",)),
        "consents": [
            _row(c)
            for c in db.session.scalars(
                select(ConsentRecord).where(ConsentRecord.user_id == user.id)
            )
        ],
        "notifications": [
            _row(n)
            for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
        ],
        "audit_events_about_or_by_me": [
            _row(e)
            for e in db.session.scalars(
                select(AuditEvent).where(
                    or_(AuditEvent.actor_id == user.id, AuditEvent.object_uuid == str(user.uuid))
                )
            )
        ],
    }
    if profile is not None:
        data["profile"] = _row(profile)
        data["languages"] = [_row(x) for x in profile.languages]
        data["skills"] = [_row(x) for x in profile.skills]
        data["availability"] = [_row(x) for x in profile.availability]
        data["qualifications"] = [_row(x) for x in profile.qualifications]
        data["documents"] = [_row(x, skip=("stored_name",)) for x in profile.documents]
        data["cv_suggestions"] = [
            _row(x)
            for x in db.session.scalars(
                select(CvSuggestion).where(CvSuggestion.expert_id == profile.id)
            )
        ]
        placements = db.session.scalars(
            select(Placement).where(Placement.expert_id == profile.id)
        ).all()
        data["placements"] = [_row(p) for p in placements]
        data["interests"] = [
            _row(i)
            for i in db.session.scalars(select(Interest).where(Interest.expert_id == profile.id))
        ]
        data["outcome_reports"] = [
            _row(r)
            for r in db.session.scalars(
                select(OutcomeReport).where(OutcomeReport.respondent_id == user.id)
            )
        ]
    return data


def export_zip(user: User) -> bytes:
    """``data.json`` plus every uploaded document under ``documents/``."""
    data = export_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        profile = user.expert_profile
        for document in profile.documents if profile else []:
            path = stored_path(document)
            if path.exists():
                archive.write(path, f"documents/{document.uuid}-{document.original_name}")
    return buffer.getvalue()


def erase_account(user: User) -> list[Path]:
    """Erase the person, keep the anonymous facts; returns the files to delete once the
    transaction has committed (deleting them earlier would lose them if it rolled back).

    Removed: name, email, password, languages, skills, availability, qualifications, documents
    (files too), summary, education, region, interests, notifications and every kept ranking.
    Kept, no longer linked to anyone identifiable: the placements and outcome reports (for
    evaluation), gender and countries (for the fairness tables), the consent history (proof of
    lawful processing) and the audit trail.
    """
    profile = user.expert_profile
    files = []
    if profile is not None:
        files = [stored_path(d) for d in profile.documents]
        forget_expert(profile)  # suggestions quote the CV
        profile.languages.clear()
        profile.skills.clear()
        profile.availability.clear()
        profile.qualifications.clear()
        profile.documents.clear()
        for column in (
            "origin_region",
            "residence_status",
            "occupation_uri",
            "occupation_label",
            "summary",
            "education",
            "years_experience",
            "abroad_since",
        ):
            setattr(profile, column, None)
        profile.preferred_regions = []
        profile.remote_ok = False
        profile.anonymised_at = utcnow()
        db.session.execute(delete(Interest).where(Interest.expert_id == profile.id))
        forget_rankings()  # kept rankings name the expert and the skills that matched
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    audit.record("user.erase", user, actor=user, reason="Erased at the person's request.")
    user.email = f"erased-{user.uuid}@erased.invalid"
    user.full_name = ""
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.active = False
    user.deleted_at = utcnow()
    user.session_version += 1
    db.session.flush()
    return files
