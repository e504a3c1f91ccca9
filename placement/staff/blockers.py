"""What stands in the way of an action, in words, with who must act.

The placement workflow, the need lifecycle and the institution review compute their blockers with
the same checks they run when the action is taken, so a page offers a button only when it can
succeed, and otherwise says what is missing and who can fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

WHO_LABELS = {
    "host": _l("the host institution"),
    "expert": _l("the expert"),
    "staff": _l("programme staff"),
    "programme": _l("programme staff (the programme's rules)"),
}


@dataclass(frozen=True)
class Blocker:
    """Why an action cannot succeed now, who must act, and what helps (an action name)."""

    message: str
    who: str  # a key of WHO_LABELS
    remedy: str | None = None  # e.g. "remind_host", "verify_institution", "edit_need"


def who_label(who: str) -> str:
    return str(WHO_LABELS.get(who, who))
