"""``/taxonomy/search``: ESCO suggestions in the reader's language, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from placement.taxonomy import get_taxonomy

bp = Blueprint("taxonomy", __name__, url_prefix="/taxonomy")
MAX_QUERY = 100
MAX_RESULTS = 15


@bp.route("/search")
def search() -> tuple[Response, int] | Response:
    query = (request.args.get("q") or "").strip()
    kind = request.args.get("kind", "skill")
    if kind not in ("skill", "occupation"):
        return jsonify(error=_("kind must be skill or occupation")), 400
    if len(query) > MAX_QUERY:
        return jsonify(error=_("The search text is too long.")), 400
    try:
        limit = min(MAX_RESULTS, max(1, int(request.args.get("limit", 10))))
    except ValueError:
        return jsonify(error=_("limit must be a whole number")), 400
    if len(query) < 2:
        return jsonify(results=[])
    hits = get_taxonomy().search(query, lang=str(get_locale() or "en"), kind=kind, limit=limit)
    return jsonify(results=[{"uri": h.uri, "label": h.label, "matched": h.matched} for h in hits])
