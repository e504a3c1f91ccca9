"""Expert-side operations: the guided profile, availability, consent, completeness.

Services take plain values, flush, and never commit: the route commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.units import format_unit
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from matching.evidence import has_skill_evidence
from placement import audit
from placement.auth.services import record_consent
from placement.database import commit_apart
from placement.extensions import db
from placement.ids import parse_uuid
from placement.matches.services import RankedNeed, needs_for_expert
from placement.models import (
    AvailabilityWindow,
    CEFRLevel,
    ConsentPurpose,
    ConsentRecord,
    DocumentKind,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Gender,
    Placement,
    Qualification,
    QualificationKind,
    User,
)
from placement.taxonomy import best_concept

PROFILE_STEPS = (
    ("origin", _l("Origin and residence")),
    ("languages", _l("Languages")),
    ("skills", _l("Occupation and skills")),
    ("qualifications", _l("Qualifications")),
    ("preferences", _l("Preferences")),
)


def file_size(size: int) -> str:
    """A file size for people, in the reader's language: "170 bytes", "0.2 kB" would hide
    that the file is tiny and "0 kB" that it holds anything at all. Bytes below 1 kB,
    then kB and MB with one decimal (CLDR unit names: "170 octets", "1,5 Mo")."""
    locale = str(get_locale() or "en")
    if size < 1000:
        spelled = format_unit(size, "digital-byte", length="long", locale=locale)
        # CLDR has no long name for bytes in some languages (Arabic): the short one is right.
        if "digital-" in spelled:
            spelled = format_unit(size, "digital-byte", length="short", locale=locale)
        return spelled
    unit, value = (
        ("digital-kilobyte", size / 1000)
        if size < 1_000_000
        else (
            "digital-megabyte",
            size / 1_000_000,
        )
    )
    return format_unit(value, unit, length="short", format="#,##0.#", locale=locale)


class ProfileError(Exception):
    """A refusal the expert can act on; the message is translated."""


def profile_for(user: User) -> ExpertProfile:
    """The signed-in expert's own profile (created at registration)."""
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    if profile is None:  # an expert account always has one; repair rather than fail
        profile = commit_apart(lambda: _new_profile(user))
    return profile


def _new_profile(user: User) -> ExpertProfile:
    profile = ExpertProfile(user_id=user.id, sectors=[], preferred_regions=[])
    db.session.add(profile)
    return profile


def placements_for(profile: ExpertProfile) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.expert_id == profile.id)
            .order_by(Placement.start.desc(), Placement.id.desc())
        )
    )


def _advance(profile: ExpertProfile, step: int) -> None:
    profile.profile_step = max(profile.profile_step, step)


def save_origin(
    profile: ExpertProfile,
    *,
    origin_country: str,
    origin_region: str | None,
    residence_country: str,
    residence_status: str | None,
    gender: str,
    abroad_since: int | None = None,
) -> None:
    profile.origin_country = origin_country
    profile.abroad_since = abroad_since
    profile.origin_region = origin_region or None
    profile.residence_country = residence_country
    profile.residence_status = residence_status or None
    profile.gender = Gender(gender)
    _advance(profile, 1)


def save_languages(profile: ExpertProfile, rows: list[tuple[str, str]]) -> None:
    """Replace the languages with ``rows`` of (ISO 639-1 code, CEFR level)."""
    profile.languages = [ExpertLanguage(code=code, level=CEFRLevel(level)) for code, level in rows]
    _advance(profile, 2)


def save_skills(
    profile: ExpertProfile,
    *,
    occupation: str | None,
    skills: list[tuple[str, int | None]],
    years_experience: int | None,
    sectors: list[str],
    summary: str | None,
    lang: str | None,
) -> None:
    """Store typed skills and occupation, each linked to its ESCO concept when the taxonomy
    recognises it (in any shipped language, typos included); the rest stays free text."""
    profile.occupation_label = occupation or None
    concept = best_concept(occupation, "occupation", lang) if occupation else None
    profile.occupation_uri = concept.uri if concept else None
    profile.skills = [
        ExpertSkill(label=label, esco_uri=_skill_uri(label, lang), proficiency=level)
        for label, level in skills
    ]
    profile.years_experience = years_experience
    profile.sectors = sectors
    profile.summary = summary or None
    _advance(profile, 3)


def _skill_uri(label: str, lang: str | None) -> str | None:
    concept = best_concept(label, "skill", lang)
    return concept.uri if concept else None


def add_confirmed_skills(profile: ExpertProfile, concepts: list[tuple[str, str]]) -> int:
    """Add skills the expert confirmed from CV suggestions, as (uri, label); returns how many
    were new."""
    known = {skill.esco_uri for skill in profile.skills if skill.esco_uri}
    added = 0
    for uri, label in concepts:
        if uri not in known:
            profile.skills.append(ExpertSkill(label=label, esco_uri=uri))
            known.add(uri)
            added += 1
    return added


def save_qualifications(
    profile: ExpertProfile, education: str | None, rows: list[dict[str, Any]]
) -> None:
    profile.education = education or None
    profile.qualifications = [
        Qualification(
            kind=QualificationKind(row["kind"]),
            title=row["title"],
            issuer=row.get("issuer") or None,
            obtained_on=row.get("obtained_on"),
            expires_on=row.get("expires_on"),
        )
        for row in rows
    ]
    _advance(profile, 4)


def save_preferences(profile: ExpertProfile, regions: list[str], remote_ok: bool) -> None:
    profile.preferred_regions = regions
    profile.remote_ok = remote_ok
    _advance(profile, 5)


# availability ---------------------------------------------------------------------------------


def window_of(profile: ExpertProfile, window_uuid: str) -> AvailabilityWindow | None:
    """One of the expert's own windows; another expert's window is 'not found'."""
    key = parse_uuid(window_uuid)
    return next((w for w in profile.availability if w.uuid == key), None)


def _overlapping(
    profile: ExpertProfile, start: date, end: date, ignore: AvailabilityWindow | None
) -> bool:
    return any(w is not ignore and w.start <= end and start <= w.end for w in profile.availability)


def save_window(
    profile: ExpertProfile,
    start: date,
    end: date,
    note: str | None,
    window: AvailabilityWindow | None = None,
) -> AvailabilityWindow:
    if _overlapping(profile, start, end, window):
        raise ProfileError(str(_l("This window overlaps another one; change or remove that one.")))
    if window is None:
        window = AvailabilityWindow(start=start, end=end, note=note or None)
        profile.availability.append(window)
    else:
        window.start, window.end, window.note = start, end, note or None
    db.session.flush()
    return window


def remove_window(profile: ExpertProfile, window: AvailabilityWindow) -> None:
    profile.availability.remove(window)


# consent ---------------------------------------------------------------------------------------


def current_consents(user: User) -> dict[ConsentPurpose, bool]:
    """The latest decision per purpose; never asked means no."""
    rows = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.user_id == user.id)
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    ).all()
    state = dict.fromkeys(ConsentPurpose, False)
    for row in rows:
        state[row.purpose] = row.granted
    return state


def set_consents(user: User, wanted: dict[ConsentPurpose, bool]) -> list[ConsentPurpose]:
    """Record each change as a new row (the history is the proof); returns what changed."""
    changed = []
    for purpose, granted in current_consents(user).items():
        if wanted.get(purpose, granted) != granted:
            record_consent(user, purpose, wanted[purpose])
            audit.record(
                "consent.grant" if wanted[purpose] else "consent.withdraw",
                user,
                actor=user,
                after={"purpose": purpose.value, "granted": wanted[purpose]},
            )
            changed.append(purpose)
    return changed


def visible_to_hosts(user: User) -> bool:
    consents = current_consents(user)
    return consents[ConsentPurpose.PROCESSING] and consents[ConsentPurpose.SHARE_WITH_HOSTS]


# completeness ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    percent: int
    next_label: str | None
    next_endpoint: str | None
    next_args: dict[str, Any]


def completeness(profile: ExpertProfile) -> Completeness:
    """How complete the profile is, and the single most useful thing to add next (the items
    are weighted by how much they change the matching)."""
    items: list[tuple[int, bool, Any, str, dict[str, Any]]] = [
        (
            20,
            bool(profile.origin_country and profile.residence_country),
            _l("Say where you come from and where you live"),
            "experts.profile_step",
            {"step": 1},
        ),
        (
            20,
            len(profile.skills) >= 3,
            _l("Add at least three skills"),
            "experts.profile_step",
            {"step": 3},
        ),
        (15, bool(profile.availability), _l("Say when you can travel"), "experts.availability", {}),
        (
            15,
            bool(profile.languages),
            _l("Add the languages you speak"),
            "experts.profile_step",
            {"step": 2},
        ),
        (
            10,
            bool(profile.occupation_label),
            _l("Give your occupation"),
            "experts.profile_step",
            {"step": 3},
        ),
        (
            10,
            any(d.kind is DocumentKind.CV for d in profile.documents),
            _l("Upload your CV"),
            "experts.documents",
            {},
        ),
        (
            5,
            profile.years_experience is not None,
            _l("Give your years of experience"),
            "experts.profile_step",
            {"step": 3},
        ),
        (
            5,
            bool(profile.qualifications or profile.education),
            _l("Add your qualifications"),
            "experts.profile_step",
            {"step": 4},
        ),
    ]
    done = sum(weight for weight, ok, *_ in items if ok)
    missing = [item for item in items if not item[1]]
    if not missing:
        return Completeness(100, None, None, {})
    _, _, label, endpoint, args = missing[0]
    return Completeness(done, str(label), endpoint, args)


@dataclass(frozen=True)
class MatchList:
    """The expert's matches, split by whether skills or the occupation back them.

    ``recommended`` are needs where at least one skill matches or the occupation or skill
    profile is close (:func:`matching.evidence.has_skill_evidence`); ``weaker`` fit only the
    circumstances (country, dates, languages, a few shared words) and are shown apart, never
    as recommendations.
    """

    recommended: list[RankedNeed]
    weaker: list[RankedNeed]


def match_list(profile: ExpertProfile, limit: int = 5) -> MatchList:
    """Up to ``limit`` recommended needs and up to ``limit`` weaker ones, best first each."""
    ranked = needs_for_expert(profile, limit=3 * limit)
    recommended = [r for r in ranked if has_skill_evidence(r.match.components)]
    weaker = [r for r in ranked if not has_skill_evidence(r.match.components)]
    return MatchList(recommended[:limit], weaker[:limit])
