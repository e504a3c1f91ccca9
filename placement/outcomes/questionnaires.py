"""The survey questions, as versioned data.

Each questionnaire is identified by (point, respondent role) and carries a version string that is
stored with every answer, so a later change of wording never reinterprets old answers. Pages and
exports read these definitions; nothing about a question is hard-coded in a template. To change a
question, add a new version: answers keep pointing at the version they were given under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from placement.models import RespondentRole, SurveyPoint


@dataclass(frozen=True)
class Question:
    key: str
    kind: str  # "text", "number", "scale" (1..5), "yes_no"
    label: Any
    required: bool = True
    maximum: int | None = None  # for "number"


@dataclass(frozen=True)
class Questionnaire:
    point: SurveyPoint
    role: RespondentRole
    version: str
    title: Any
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


P, R = SurveyPoint, RespondentRole
_OBJECTIVES = Question("objectives", "text", _l("What are the objectives of this assignment?"))
_EXPECTED = Question("expected_results", "text", _l("Which results do you expect at the end?"))

QUESTIONNAIRES: tuple[Questionnaire, ...] = (
    Questionnaire(
        P.BASELINE,
        R.EXPERT,
        "baseline-expert-1",
        _l("Before the assignment"),
        (
            _OBJECTIVES,
            _EXPECTED,
            Question(
                "preparation",
                "scale",
                _l("How well prepared do you feel? (1 = not at all, 5 = fully)"),
            ),
        ),
    ),
    Questionnaire(
        P.BASELINE,
        R.HOST,
        "baseline-host-1",
        _l("Before the assignment"),
        (
            _OBJECTIVES,
            _EXPECTED,
            Question(
                "people_to_train",
                "number",
                _l("How many people should the expert train?"),
                maximum=100000,
            ),
        ),
    ),
    Questionnaire(
        P.END,
        R.EXPERT,
        "end-expert-1",
        _l("End of the assignment"),
        (
            Question("objectives_met", "yes_no", _l("Were the objectives met?")),
            Question("activities", "text", _l("What did you do during the assignment?")),
            Question(
                "people_trained", "number", _l("How many people did you train?"), maximum=100000
            ),
            Question(
                "satisfaction",
                "scale",
                _l("How satisfied are you with the assignment? (1 = not at all, 5 = very)"),
            ),
            Question("would_return", "yes_no", _l("Would you take another assignment?")),
        ),
    ),
    Questionnaire(
        P.END,
        R.HOST,
        "end-host-1",
        _l("End of the assignment"),
        (
            Question("objectives_met", "yes_no", _l("Were the objectives met?")),
            Question(
                "people_trained",
                "number",
                _l("How many of your staff were trained?"),
                maximum=100000,
            ),
            Question(
                "satisfaction",
                "scale",
                _l("How satisfied is your institution? (1 = not at all, 5 = very)"),
            ),
            Question("would_host_again", "yes_no", _l("Would you host an expert again?")),
            Question(
                "endorsement",
                "text",
                _l(
                    "Your endorsement of the expert (shown to future "
                    "hosts with the expert's consent)"
                ),
                required=False,
            ),
        ),
    ),
    Questionnaire(
        P.FOLLOW_UP,
        R.EXPERT,
        "follow-up-expert-1",
        _l("One year later"),
        (
            Question(
                "continued_links", "yes_no", _l("Are you still in touch with the institution?")
            ),
            Question("what_lasted", "text", _l("What has lasted from your assignment?")),
        ),
    ),
    Questionnaire(
        P.FOLLOW_UP,
        R.HOST,
        "follow-up-host-1",
        _l("One year later"),
        (
            Question("procedures_adopted", "yes_no", _l("Were new procedures adopted and kept?")),
            Question(
                "people_still_applying",
                "number",
                _l("How many people still apply what they learned?"),
                maximum=100000,
            ),
            Question("continued_links", "yes_no", _l("Are you still in touch with the expert?")),
            Question("what_lasted", "text", _l("What has lasted from the assignment?")),
        ),
    ),
)
_BY_KEY = {(q.point, q.role): q for q in QUESTIONNAIRES}
_BY_VERSION = {q.version: q for q in QUESTIONNAIRES}


def questionnaire_for(point: SurveyPoint, role: RespondentRole) -> Questionnaire:
    """The current questionnaire for a point and a respondent."""
    return _BY_KEY[(point, role)]


def by_version(version: str) -> Questionnaire | None:
    return _BY_VERSION.get(version)


def clean_answers(
    questionnaire: Questionnaire, raw: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse submitted strings into typed answers; returns (answers, errors by question key)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questionnaire.questions:
        value = (raw.get(question.key) or "").strip()
        if not value:
            if question.required:
                errors[question.key] = str(_l("Please answer this question."))
            continue
        if question.kind == "text":
            if len(value) > 4000:
                errors[question.key] = str(_l("Please keep it under 4,000 characters."))
            else:
                answers[question.key] = value
        elif question.kind == "yes_no":
            if value not in ("yes", "no"):
                errors[question.key] = str(_l("Choose yes or no."))
            else:
                answers[question.key] = value == "yes"
        else:
            low, high = (1, 5) if question.kind == "scale" else (0, question.maximum or 10**6)
            try:
                number = int(value)
            except ValueError:
                errors[question.key] = str(_l("Enter a whole number."))
                continue
            if not low <= number <= high:
                errors[question.key] = str(
                    _l("Enter a number from %(low)d to %(high)d.", low=low, high=high)
                )
            else:
                answers[question.key] = number
    return answers, errors
