"""Personal access tokens for the JSON API.

A token is a random secret shown once, when it is made. Only its SHA-256 is stored (a lookup by
hash needs no slow hashing: the secret has 256 bits of entropy, so a fast hash is enough), with
a short prefix so people can tell their tokens apart. A token acts as its user, with the user's
role; its scopes only narrow that ("read" for GET, "write" for changes). Tokens can expire and
can be revoked; a deactivated or deleted user's tokens stop working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from placement import audit
from placement.database import commit_apart
from placement.extensions import db
from placement.ids import parse_uuid
from placement.models import AccessToken, User, utcnow

TOKEN_PREFIX = "hw_"  # noqa: S105  # nosec B105 (a public marker, not a secret)
PREFIX_LENGTH = 11  # "hw_" and 8 characters of the secret: enough to recognise, useless to guess
SCOPES = ("read", "write")
MAX_TOKENS_PER_USER = 20
MAX_DAYS = 366
# last_used_at is written at most this often, so reading with a token is not a write each time.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(Exception):
    """A refusal the user can act on (translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def active_tokens(user: User) -> list[AccessToken]:
    """The user's tokens, newest first, revoked ones included (they show as revoked)."""
    return list(
        db.session.scalars(
            select(AccessToken)
            .where(AccessToken.user_id == user.id)
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )


def is_usable(token: AccessToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def create_token(
    user: User, name: str, scopes: list[str], days: int | None
) -> tuple[AccessToken, str]:
    """Make a token; returns the row and the secret, which is never available again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenError(str(_l("Give the token a name of at most 100 characters.")), "name")
    wanted = sorted(set(scopes))
    if not wanted or any(scope not in SCOPES for scope in wanted):
        raise TokenError(str(_l("Choose what the token may do.")), "scopes")
    if "write" in wanted and "read" not in wanted:
        wanted = ["read", "write"]  # changing something always involves reading it
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise TokenError(
            str(_l("A token lasts between 1 and %(n)d days.", n=MAX_DAYS)), "expires_in_days"
        )
    usable = [t for t in active_tokens(user) if is_usable(t)]
    if len(usable) >= MAX_TOKENS_PER_USER:
        raise TokenError(
            str(_l("You have %(n)d tokens already: revoke one first.", n=MAX_TOKENS_PER_USER))
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user_id=user.id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:PREFIX_LENGTH],
        scopes=wanted,
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "token.create",
        token,
        actor=user,
        after={"name": name, "scopes": wanted, "prefix": token.prefix},
    )
    return token, secret


def token_of(user: User, token_uuid: str) -> AccessToken | None:
    """One of the user's own tokens; anybody else's is 'not found'."""
    key = parse_uuid(token_uuid)
    if key is None:
        return None
    return db.session.scalar(
        select(AccessToken).where(AccessToken.uuid == key, AccessToken.user_id == user.id)
    )


def revoke(token: AccessToken, *, actor: User) -> bool:
    """Revoke a token; returns False when it was already revoked (nothing changes)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record("token.revoke", token, actor=actor, after={"prefix": token.prefix})
    return True


def revoke_all(user: User, *, actor: User) -> int:
    """Revoke every usable token of ``user`` (for a lost laptop, or an account being closed)."""
    count = 0
    for token in active_tokens(user):
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            count += 1
    if count:
        audit.record("token.revoke_all", user, actor=actor, after={"count": count})
    return count


def authenticate(secret: str) -> AccessToken | None:
    """The usable token for ``secret`` whose user may still sign in, else None. Reads only:
    :func:`record_use` notes the use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
    )
    if token is None or not is_usable(token, utcnow()) or not token.user.is_active:
        return None
    return token


def record_use(token: AccessToken) -> None:
    """Note when the token was last used, coarsely (at most every LAST_USED_RESOLUTION), so
    that reading with a token is not a write each time. The write gets a transaction of its
    own: the request's may be a read-only one (see placement.database)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at <= LAST_USED_RESOLUTION:
        return
    commit_apart(
        lambda: db.session.execute(
            update(AccessToken).where(AccessToken.id == token.id).values(last_used_at=now)
        )
    )
