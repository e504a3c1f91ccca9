"""Translated names for the states and roles users see (the enums hold the stored values)."""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from placement.models import NeedStatus, PlacementStatus, Role, SurveyPoint, VerificationStatus

ROLE_LABELS = {
    Role.EXPERT: _l("Experts"),
    Role.INSTITUTION: _l("Host institution members"),
    Role.STAFF: _l("Programme staff"),
    Role.ADMIN: _l("Administrators"),
    Role.PARTNER: _l("Diaspora organisation representatives"),
}

VERIFICATION_LABELS = {
    VerificationStatus.PENDING: _l("Waiting for verification"),
    VerificationStatus.VERIFIED: _l("Verified"),
    VerificationStatus.REJECTED: _l("Not verified"),
}

NEED_STATUS_LABELS = {
    NeedStatus.DRAFT: _l("Draft (not sent to staff)"),
    NeedStatus.SUBMITTED: _l("Waiting for staff approval"),
    NeedStatus.APPROVED: _l("Approved, not yet open"),
    NeedStatus.OPEN: _l("Open to experts"),
    NeedStatus.FILLED: _l("Filled"),
    NeedStatus.CLOSED: _l("Closed"),
    NeedStatus.EXPIRED: _l("Expired"),
}

PLACEMENT_STATUS_LABELS = {
    PlacementStatus.PROPOSED: _l("Proposed"),
    PlacementStatus.OFFERED: _l("Offered"),
    PlacementStatus.ACCEPTED: _l("Accepted by the expert"),
    PlacementStatus.APPROVED: _l("Approved"),
    PlacementStatus.SCHEDULED: _l("Scheduled"),
    PlacementStatus.IN_PROGRESS: _l("In progress"),
    PlacementStatus.COMPLETED: _l("Completed"),
    PlacementStatus.DECLINED: _l("Declined"),
    PlacementStatus.WITHDRAWN: _l("Withdrawn"),
    PlacementStatus.CANCELLED: _l("Cancelled"),
    PlacementStatus.EXPIRED: _l("Expired"),
}


CRITERION_LABELS = {
    "required_skills": _l("Required skills"),
    "desired_skills": _l("Desired skills"),
    "skills": _l("Overall skill profile"),
    "occupation": _l("Occupation"),
    "text": _l("Description and summary"),
    "semantic": _l("Kind of work described"),
    "language": _l("Languages"),
    "availability": _l("Availability"),
    "experience": _l("Experience"),
    "region": _l("Region of origin"),
    "predicted_success": _l("Predicted success (from past outcomes)"),
}


SURVEY_POINT_LABELS = {
    SurveyPoint.BASELINE: _l("before the assignment"),
    SurveyPoint.END: _l("end of the assignment"),
    SurveyPoint.FOLLOW_UP: _l("one year later"),
}

NEED_STATUS_HELP = {
    NeedStatus.DRAFT: _l(
        "Only your institution sees this draft. Send it to programme staff when it is ready."
    ),
    NeedStatus.SUBMITTED: _l("Programme staff are reviewing it. Experts cannot see it yet."),
    NeedStatus.APPROVED: _l(
        "Approved by programme staff. Experts cannot see it yet: programme staff open it to"
        " experts next, and you are told when they do. Meanwhile you can look at the ranked"
        " candidates."
    ),
    NeedStatus.OPEN: _l("Experts can see it and staff are proposing candidates."),
    NeedStatus.FILLED: _l("All the experts wanted have been placed."),
    NeedStatus.CLOSED: _l("Closed: experts no longer see it."),
    NeedStatus.EXPIRED: _l("Its dates passed before it was filled."),
}


def host_provides_label(key: str) -> str:
    from placement.needs.forms import HOST_PROVIDES_LABELS

    return str(HOST_PROVIDES_LABELS.get(key, key))


def sector_label(key: str | None) -> str:
    from placement.experts.forms import SECTOR_LABELS

    return str(SECTOR_LABELS.get(key, key)) if key else ""


def _logistics_label(kind: object) -> str:
    from placement.placements.forms import LOGISTICS_LABELS

    return str(LOGISTICS_LABELS.get(kind, kind))


def _institution_kind_label(kind: object) -> str:
    from placement.auth.forms import INSTITUTION_KIND_LABELS

    return str(INSTITUTION_KIND_LABELS.get(kind, kind))


def chart_label(figure_key: str, value: str) -> str:
    """Readable row labels for the evaluation charts (codes become names)."""
    from placement.geo import country_name

    if figure_key == "country":
        return country_name(value)
    if figure_key == "sector":
        return sector_label(value) or value
    if figure_key == "gender":
        from placement.experts.forms import GENDER_LABELS

        return str(next((label for g, label in GENDER_LABELS.items() if g.value == value), value))
    return value


def criterion_labels() -> dict[str, str]:
    """Every matching criterion's name in the reader's language, by criterion.

    A page of ranked candidates shows a table of every criterion for each of its twenty
    matches: the labels are translated once per request and language (a mail written in its
    reader's language during a request has its own), kept on ``g``, not once per cell.
    """
    if not has_request_context():
        return {key: str(label) for key, label in CRITERION_LABELS.items()}
    by_locale = g.setdefault("criterion_labels", {})
    locale = str(get_locale())
    labels = by_locale.get(locale)
    if labels is None:
        labels = by_locale[locale] = {key: str(label) for key, label in CRITERION_LABELS.items()}
    return labels


def template_helpers() -> dict[str, object]:
    from placement.experts.forms import DOCUMENT_LABELS

    return {
        "criterion_labels": criterion_labels,
        "sector_label": sector_label,
        "chart_label": chart_label,
        "survey_point_label": SURVEY_POINT_LABELS.__getitem__,
        "logistics_label": _logistics_label,
        "placement_status_choices": lambda: [
            (s.value, str(label)) for s, label in PLACEMENT_STATUS_LABELS.items()
        ],
        "institution_kind_label": _institution_kind_label,
        "need_status_help": NEED_STATUS_HELP.__getitem__,
        "document_label": DOCUMENT_LABELS.__getitem__,
        "role_label": ROLE_LABELS.__getitem__,
        "verification_label": VERIFICATION_LABELS.__getitem__,
        "need_status_label": NEED_STATUS_LABELS.__getitem__,
        "placement_status_label": PLACEMENT_STATUS_LABELS.__getitem__,
    }
