"""The portal's first load stays small for congested venue Wi-Fi: at most 50 KB over the wire,
compressed, with its stylesheet, scripts and the photo (documents themselves excepted)."""

from __future__ import annotations

import gzip

import pytest

from bench.portal import first_load, seed_portal

pytestmark = pytest.mark.english


def test_a_full_portal_loads_in_at_most_50_kb(app, client):
    with app.app_context():
        tokens = seed_portal(delegates=300, documents=20, photos=1)
    sizes = first_load(client, tokens[0])
    page = client.get(f"/b/{tokens[0]}", headers={"Accept-Encoding": "gzip"})
    html = gzip.decompress(page.data).decode()
    # What is weighed is the whole portal: agenda, livestreams, documents, photo, live scripts.
    assert html.count('class="doc-list"') == 1 and html.count("/documents/") >= 10
    assert "Live now" in html and "socket.io.min.js" in html
    assert any(path.endswith("photo.jpg") for path in sizes)
    assert sum(sizes.values()) <= 50 * 1024, sizes  # the budget itself, not the bench's copy
