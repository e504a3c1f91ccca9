"""Document downloads: always an attachment, never rendered by the browser."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from placement.auth.decorators import signed_in_user
from placement.experts.documents import document_for, stored_path

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.route("/<document_id>")
def download(document_id: str) -> Response:
    """Owner, staff, or a host with an approved placement of this expert; others get 404."""
    document = document_for(signed_in_user(), document_id)
    path = stored_path(document) if document else None
    if document is None or path is None or not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.original_name,
        max_age=0,
    )
