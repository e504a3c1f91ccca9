"""The engine's records read from the database: the plain-row loader used to rank a country's
experts converts every field exactly as the ORM one does."""

from __future__ import annotations

from datetime import date, timedelta

from placement.extensions import db
from placement.matches.records import expert_record, expert_records_where
from placement.models import (
    AvailabilityWindow,
    CEFRLevel,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Gender,
)
from tests import factories

TODAY = date.today()


def test_plain_rows_give_the_same_record_as_the_orm(app_ctx: None) -> None:
    expert = factories.ExpertFactory(
        gender=Gender.FEMALE,
        occupation_uri=None,
        occupation_label="midwife",
        sectors=["health", "education"],
    )
    expert.languages = [
        ExpertLanguage(code="fr", level=CEFRLevel.NATIVE),
        ExpertLanguage(code="en", level=CEFRLevel.B2),
    ]
    expert.skills = [
        ExpertSkill(label="assist in childbirth", esco_uri="http://data.europa.eu/esco/skill/x"),
        ExpertSkill(label="teach nursing practice"),
    ]
    expert.availability = [
        AvailabilityWindow(start=TODAY + timedelta(days=300), end=TODAY + timedelta(days=400)),
        AvailabilityWindow(start=TODAY + timedelta(days=10), end=TODAY + timedelta(days=90)),
    ]
    other = factories.ExpertFactory(origin_country="GH", years_experience=None, summary=None)
    db.session.commit()
    db.session.expire_all()
    loaded = expert_records_where(ExpertProfile.origin_country == "SL")
    assert set(loaded) == {expert.id}
    profile = db.session.get(ExpertProfile, expert.id)
    assert loaded[expert.id] == (profile.user_id, expert_record(profile))
    assert [w.start for w in loaded[expert.id][1].availability] == sorted(
        w.start for w in profile.availability
    )
    both = expert_records_where(ExpertProfile.id.in_([expert.id, other.id]))
    assert both[other.id][1] == expert_record(db.session.get(ExpertProfile, other.id))
