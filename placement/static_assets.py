"""Static files under content-hashed names, cached for a year, and compressed responses.

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.<hash>.css``: the hash is
that of the file's bytes, read once when the app starts (the manifest), so a changed file gets a
new name and browsers may keep every hashed file forever (``Cache-Control: public,
max-age=31536000, immutable``). The plain name still works, with a short lifetime, for files
that other files refer to by relative path (Swagger UI's own assets, for example).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, send_from_directory
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
