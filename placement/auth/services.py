"""Account operations. They flush, never commit: the request or command commits once."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from placement import audit, mail
from placement.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import (
    ConsentPurpose,
    ConsentRecord,
    ExpertProfile,
    Institution,
    InstitutionMember,
    InstitutionType,
    MemberRole,
    Role,
    User,
    utcnow,
)

CONSENT_TEXT_VERSION = "2026-11"


class AccountError(Exception):
    """A refusal the user can act on; the message is translated and safe to show."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def new_account(email: str, password: str, role: Role, full_name: str, locale: str | None) -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(str(_l("An account with this email address already exists.")), "email")
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, "password")
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    return user


def record_consent(user: User, purpose: ConsentPurpose, granted: bool) -> ConsentRecord:
    consent = ConsentRecord(
        user_id=user.id, purpose=purpose, granted=granted, text_version=CONSENT_TEXT_VERSION
    )
    db.session.add(consent)
    return consent


def register_expert(
    email: str,
    password: str,
    full_name: str,
    *,
    share_with_hosts: bool,
    locale: str | None = None,
) -> User:
    """An expert account with an empty profile; consent to processing is a condition of
    registering and is recorded with the notice version, sharing with hosts is a free choice."""
    user = new_account(email, password, Role.EXPERT, full_name, locale)
    db.session.add(ExpertProfile(user_id=user.id, sectors=[], preferred_regions=[]))
    record_consent(user, ConsentPurpose.PROCESSING, True)
    record_consent(user, ConsentPurpose.SHARE_WITH_HOSTS, share_with_hosts)
    db.session.flush()
    return user


def register_institution_user(
    email: str,
    password: str,
    full_name: str,
    *,
    institution_name: str,
    institution_kind: InstitutionType,
    country: str,
    town: str | None,
    job_title: str | None,
    locale: str | None = None,
) -> User:
    """A host account and its institution, which waits for staff verification."""
    user = new_account(email, password, Role.INSTITUTION, full_name, locale)
    institution = Institution(
        name=institution_name.strip(), kind=institution_kind, country=country, town=town
    )
    db.session.add(institution)
    db.session.flush()
    db.session.add(
        InstitutionMember(
            institution_id=institution.id,
            user_id=user.id,
            role=MemberRole.ADMIN,
            job_title=job_title,
        )
    )
    record_consent(user, ConsentPurpose.PROCESSING, True)
    db.session.flush()
    return user


def create_user(
    email: str, password: str, role: Role, full_name: str = "", actor: User | None = None
) -> User:
    """Staff and admin accounts come from the command line, never from the public form."""
    user = new_account(email, password, role, full_name, None)
    user.created_by_id = actor.id if actor else None
    audit.record("user.create", user, actor=actor, after={"email": user.email, "role": role})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the credentials are right and the account usable, else None."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User) -> None:
    """Log in with a fresh session (no fixation) stamped for idle and absolute expiry."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    now = datetime.now(UTC).timestamp()
    session["login_at"] = now
    session["seen_at"] = now
    session.permanent = True
    login_user(user)
    user.last_login_at = utcnow()


def end_all_sessions(user: User) -> None:
    """Every login cookie carries the session version, so bumping it logs out everywhere."""
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(str(_l("Your current password is not correct.")), "current_password")
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    audit.record("user.password_change", user, actor=user)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The hash fragment makes the token single-use: it stops matching once the password changes.
    return _reset_serializer().dumps({"u": str(user.uuid), "h": user.password_hash[-16:]})


def request_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; say nothing either way (no account probing)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_reset_token(user)
    mail.queue_email(
        user, "password_reset", _l("Reset your Homeward password"), "password_reset", token=token
    )


def user_for_reset_token(token: str) -> User | None:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    user_uuid = parse_uuid(data.get("u"))
    if user_uuid is None:
        return None
    user = db.session.scalar(select(User).where(User.uuid == user_uuid))
    if user is None or not user.is_active or user.password_hash[-16:] != data.get("h"):
        return None
    return user


def reset_password(user: User, new: str) -> None:
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    audit.record("user.password_reset", user, actor=user)
