"""Responses compressed for phones on the venue Wi-Fi, and staff pages left alone (BREACH)."""

from __future__ import annotations

import gzip

import pytest

from tests.test_checkin import add_delegate

GZIP = {"Accept-Encoding": "gzip"}


@pytest.mark.parametrize("path", ["/static/css/app.css", "/static/vendor/socket.io.min.js"])
def test_static_files_are_compressed(client, path):
    with client.get(path) as plain, client.get(path, headers=GZIP) as response:
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data) == plain.data
        assert len(response.data) < len(plain.data) / 2
        assert "Accept-Encoding" in response.headers["Vary"]


def test_the_badge_portal_and_the_public_page_are_compressed(client, agenda):
    congress = agenda[0]
    _delegate, token = add_delegate(congress)
    for path in (f"/b/{token}", f"/c/{congress.slug}"):
        response = client.get(path, headers=GZIP)
        assert response.headers.get("Content-Encoding") == "gzip", path
        assert congress.name in gzip.decompress(response.data).decode()


def test_pages_of_signed_in_staff_are_not_compressed(client, agenda, create_user, login):
    congress = agenda[0]
    login(create_user(role="organizer", congress=congress))
    response = client.get(f"/manage/{congress.id}/delegates?q=abc", headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    with client.get("/static/css/app.css", headers=GZIP) as stylesheet:
        assert stylesheet.headers["Content-Encoding"] == "gzip"
