"""Static files under content-hashed names, cached for a year, and compressed responses whose
CSRF tokens differ on every response (against BREACH).

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.<hash>.css``: the hash is
that of the file's bytes, read once when the app starts (the manifest), so a changed file gets a
new name and browsers may keep every hashed file forever (``Cache-Control: public,
max-age=31536000, immutable``). The plain name still works, with a short lifetime, for files
that other files refer to by relative path (Swagger UI's own assets, for example).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request, send_from_directory, session
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import NotFound

ONE_YEAR = 31_536_000
HASH_LENGTH = 10
# API JSON is left uncompressed: replies are small and some API clients do not decode Brotli.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/csv",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
]


def hashed_name(filename: str, content: bytes) -> str:
    """``css/app.css`` -> ``css/app.<first hex digits of sha256>.css``."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, dot, suffix = filename.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{filename}.{digest}"


def build_manifest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (POSIX relative name) to its hashed name."""
    return {
        path.relative_to(folder).as_posix(): hashed_name(
            path.relative_to(folder).as_posix(), path.read_bytes()
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def install_static_assets(app: Flask) -> None:
    """Hashed static URLs with long cache lifetimes. Call before other after-request hooks that
    set Cache-Control (they run later and would otherwise win)."""
    folder = Path(app.static_folder or "")
    manifest = build_manifest(folder)
    originals = {hashed: name for name, hashed in manifest.items()}
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def _hashed_static_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    def serve_static(filename: str) -> Response:
        name = originals.get(filename, filename)
        if name not in manifest:
            raise NotFound()
        return send_from_directory(folder, name)

    app.view_functions["static"] = serve_static

    @app.after_request
    def _static_cache_lifetime(response: Response) -> Response:
        # Registered before placement.security's hook, so it runs after it: signed-in pages are
        # "no-store", but static files are no one's page.
        if request.endpoint == "static":
            filename = (request.view_args or {}).get("filename", "")
            response.headers["Cache-Control"] = (
                f"public, max-age={ONE_YEAR}, immutable"
                if filename in originals
                else "public, max-age=300"
            )
        return response


def install_compression(app: Flask) -> None:
    """Brotli or gzip for every text response (Flask-Compress), chosen from Accept-Encoding."""
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    Compress(app)
    # Registered after Flask-Compress, so it runs before it: tokens vary, then the page is
    # compressed.
    app.after_request(vary_csrf_tokens)


# --- BREACH ---------------------------------------------------------------------------------
# A compressed page that holds a secret and reflects text from the URL (a search box) leaks the
# secret through its compressed length, a guess at a time, over many requests (BREACH). The
# secret worth stealing here is a whole signed CSRF token (the session's raw token is useless
# without the server's key to sign it). Flask-WTF's tokens keep the same bytes for a second at a
# time; here every copy of the token on every page is signed afresh from a different, equally
# valid JSON spelling of the raw token (each character as itself or as its \u escape, at random),
# so no two responses share a token's bytes, and Flask-WTF validates them unchanged. Pages stay
# compressed, which matters most to the signed-in hosts on slow phone connections
# (docs/page-weight.md).
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's, so its validate_csrf accepts the tokens


class _VaryingJSON:
    """``json`` for itsdangerous, but each character of a string is written as itself or as its
    ``\\uXXXX`` escape at random: the same value when read back, different bytes each time."""

    @staticmethod
    def dumps(value: object, **_kwargs: object) -> str:
        if not isinstance(value, str):
            return json.dumps(value, separators=(",", ":"))
        # One draw from the system's CSPRNG for the whole string, a bit per character (a
        # draw per character cost a system call each, 40 per token, on every copy).
        bits = secrets.randbits(len(value)) if value else 0
        return '"' + "".join(_spell(c, bits >> i & 1) for i, c in enumerate(value)) + '"'

    loads = staticmethod(json.loads)


@lru_cache(maxsize=1024)
def _spell(character: str, escaped: int) -> str:
    if escaped and ord(character) <= 0xFFFF:
        return f"\\u{ord(character):04x}"
    return json.dumps(character)[1:-1]


def varied_token(raw: str, secret_key: str | bytes) -> str:
    """A new Flask-WTF-valid signed token for the session secret ``raw``."""
    return _signer(secret_key).dumps(raw)


def _signer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=CSRF_SALT, serializer=_VaryingJSON)


def vary_csrf_tokens(response: Response) -> Response:
    """Every copy of this request's CSRF token in an HTML page replaced by a fresh one."""
    field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token, raw = g.get(field_name), session.get(field_name)
    if (
        not token
        or not isinstance(raw, str)
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    body = response.get_data(as_text=True)
    if token not in body:
        return response
    secret_key = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    signer = _signer(secret_key)
    first, *rest = body.split(token)
    response.set_data(first + "".join(signer.dumps(raw) + part for part in rest))
    return response
