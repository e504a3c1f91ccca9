"""Where `next` may send a user after login: only a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a same-site path, else None.

    Browsers treat ``//host``, ``/\\host`` and paths with tabs or newlines as other sites, and
    decode before they resolve, so the checks run on the raw and the percent-decoded value.
    """
    if not target:
        return None
    for candidate in (target, unquote(target)):
        if any(ord(ch) < 0x20 or ch == "\x7f" for ch in candidate):
            return None
        if "\\" in candidate or not candidate.startswith("/") or candidate.startswith("//"):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return target
