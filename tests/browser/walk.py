"""The walk shared by the axe test and the page-weight test: one page per route, breadth first,
following every link of the pages seen, from the home page and the dashboard.

A route is the URL map's endpoint with its integer arguments (each profile step is its own
page); ``?page=2`` or another record of the same kind is the same page. The caller loads pages
its own way (Chromium, or the app's test client) and does its work on each page the walk yields.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException

# Pages per role at most: a safety net for a walk that would never end, far above today's count.
MAX_PAGES = 80
# Not pages: files, JSON, the API's own documentation (vendored Swagger UI), the header's forms.
SKIPPED_PREFIXES = ("/static/", "/api/", "/documents/", "/taxonomy/", "/logout", "/locale")
SKIPPED_SUFFIXES = (".csv", ".xlsx", ".zip", "/export", "/download")

Loaded = TypeVar("Loaded")


def endpoint_key(app: Flask, path: str) -> str | None:
    """The route a path belongs to (with its integer arguments, e.g. each profile step), or
    None when it is no page of ours."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, arguments = adapter.match(path, method="GET")
    except HTTPException:
        return None
    steps = sorted((k, v) for k, v in arguments.items() if isinstance(v, int))
    return f"{endpoint}{steps or ''}"


def wanted(path: str) -> bool:
    return not path.startswith(SKIPPED_PREFIXES) and not path.endswith(SKIPPED_SUFFIXES)


def walk(
    app: Flask, starts: list[str], load: Callable[[str], tuple[str, list[str], Loaded] | None]
) -> Iterator[tuple[str, str, Loaded]]:
    """(path, route key, what ``load`` kept) for one page per route. ``load(path)`` answers
    (the path it landed on after redirects, the page's links, anything the caller keeps), or
    None when the answer is no HTML page. A redirect counts as the page it lands on. The walk is
    lazy: each page is yielded right after it was loaded, while it is still the current one."""
    queue, seen = deque(starts), set()
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        key = endpoint_key(app, urlsplit(path).path)
        if key is None or key in seen:
            continue
        seen.add(key)
        loaded = load(path)
        if loaded is None:
            continue
        landed, links, kept = loaded
        if urlsplit(landed).path != urlsplit(path).path:
            key = endpoint_key(app, urlsplit(landed).path)
            if key is None or key in seen:
                continue
            seen.add(key)
        queue.extend(link for link in links if wanted(urlsplit(link).path))
        yield landed, key, kept
