"""Long staff and admin lists, one page at a time: ``?page=N`` on the list's own URL.

Flask-SQLAlchemy's ``db.paginate`` reads ``?page=`` and answers 404 for a page that is not a
whole number, is below 1 or lies past the last page, so a stale or hand-made link gets a clear
"not found" instead of an empty table. ``page_url`` builds the pager's links from the current
request, keeping every filter of the query string.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from placement.extensions import db

# Rows per page: enough to scan on a phone, small enough to keep a page light (40 KB budget,
# docs/page-weight.md). LIST_PAGE_SIZE in the config overrides it (tests use a small one).
PAGE_SIZE = 50


def paginate(query: Select[Any]) -> Pagination:
    """The page of ``query`` that ``?page=`` asks for (404 for a bad or out-of-range page)."""
    size = int(current_app.config.get("LIST_PAGE_SIZE", PAGE_SIZE))
    return db.paginate(query, per_page=size, max_per_page=size, error_out=True)


def page_url(number: int) -> str:
    """The current page's URL at page ``number``, with the same filters (every value kept)."""
    args: dict[str, Any] = dict(request.args.lists())
    args.update(request.view_args or {}, page=number)
    return url_for(str(request.endpoint), **args)
