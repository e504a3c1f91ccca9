"""Password hashing (argon2id) and the password policy (ASVS V2.1: length 12-128, not common)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# A hash to verify against when the account does not exist, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; over-long input is refused before hashing (no hashing DoS)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, email: str | None = None) -> str | None:
    """The reason a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return str(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return str(_l("This password is too common or too easy to guess."))
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return str(_l("The password must not contain your email address."))
    return None
