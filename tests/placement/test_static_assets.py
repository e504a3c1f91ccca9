"""Static files under content-hashed names, cached for a year (even for signed-in visitors), and
compressed responses."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

from placement.models import Role, User
from placement.static_assets import build_manifest, hashed_name

IMMUTABLE = "public, max-age=31536000, immutable"


def _static_links(client: FlaskClient, path: str) -> list[str]:
    html = client.get(path).get_data(as_text=True)
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_hashed_names_cached_for_a_year(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.EXPERT)  # signed-in pages are no-store; their assets are still cacheable
    links = _static_links(client, "/expert/")
    assert any(re.fullmatch(r"/static/css/app\.[0-9a-f]{10}\.css", link) for link in links)
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.headers["Cache-Control"] == IMMUTABLE, link
        response.close()


def test_plain_names_still_served_briefly_and_unknown_files_are_404(client: FlaskClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    response.close()
    assert client.get("/static/css/app.0000000000.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("a{color:red}")
    first = build_manifest(tmp_path)["css/site.css"]
    (tmp_path / "css" / "site.css").write_text("a{color:blue}")
    second = build_manifest(tmp_path)["css/site.css"]
    assert first != second and first.startswith("css/site.") and first.endswith(".css")
    assert hashed_name("LICENSE", b"x").startswith("LICENSE.")


def test_responses_are_compressed_as_the_browser_accepts(client: FlaskClient) -> None:
    plain = client.get("/needs")
    assert "Content-Encoding" not in plain.headers
    for encoding in ("br", "gzip"):
        response = client.get("/needs", headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert len(response.data) < len(plain.data) / 2
        assert "Accept-Encoding" in response.headers["Vary"]
    stylesheet = next(link for link in _static_links(client, "/") if link.endswith(".css"))
    response = client.get(stylesheet, headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    response.close()
