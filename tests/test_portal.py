"""The badge portal /b/<token>: who the badge belongs to, the agenda, and keeping the token
secret (no cache, no referrer, masked in logs, guessing held off)."""

from __future__ import annotations

import io
import logging
import threading
import urllib.error
import urllib.request

import pytest
from PIL import Image
from werkzeug.serving import make_server

from conference.auth.service import Actor
from conference.badges.identity import reissue_badge
from conference.delegates import photos
from conference.delegates.models import DelegateStatus
from conference.extensions import db
from conference.token_pages import TokenFilter, mask_token_paths
from tests.test_checkin import add_delegate, bare_congress

pytestmark = pytest.mark.english

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def private(response) -> bool:
    return all(response.headers.get(name) == value for name, value in PRIVATE_HEADERS.items())


@pytest.fixture
def holder(agenda):
    congress, _sessions, items = agenda
    congress.current_item_id = items[2].id
    db.session.commit()
    return add_delegate(congress, full_name="Lê Thị Minh Châu", category="guest",
                        position="Phó Chủ tịch", unit="Công đoàn Giáo dục Hà Tĩnh",
                        delegation="Đoàn Giáo dục", seat="A-07")


def test_a_current_badge_shows_its_holder_and_the_agenda(client, agenda, holder):
    congress, _sessions, items = agenda
    _delegate, token = holder
    response = client.get(f"/b/{token}")
    assert response.status_code == 200 and private(response)
    html = response.get_data(as_text=True)
    for text in ("Lê Thị Minh Châu", "Phó Chủ tịch", "Công đoàn Giáo dục Hà Tĩnh",
                 "Đoàn Giáo dục", "A-07", "Guest", congress.name):
        assert text in html, text
    assert f'data-item-id="{items[2].id}" class="current"' in html
    assert all(item.title in html for item in items)
    assert "live-agenda.js" in html
    # Only the language switch repeats the token, to come back to this page (same site).
    assert token not in html.replace(f"next=/b/{token}", "")
    assert "<img" not in html  # no photo


def test_the_photo_is_shown_through_the_badge(client, agenda, holder, create_user):
    delegate, token = holder
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (30, 90, 200)).save(buffer, "PNG")
    delegate.photo = photos.store_photo(delegate.id, photos.process_photo(buffer.getvalue()))
    db.session.commit()
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert f'src="/b/{token}/photo.jpg"' in html
    picture = client.get(f"/b/{token}/photo.jpg")
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg" and private(picture)
    assert Image.open(io.BytesIO(picture.data)).size == (60, 80)
    reissue_badge(Actor(create_user(admin=True)), delegate)
    assert client.get(f"/b/{token}/photo.jpg").status_code == 410
    assert client.get(f"/b/{'B' * 22}/photo.jpg").status_code == 404


def test_phones_get_a_small_copy_of_the_photo_made_once(client, agenda, holder):
    delegate, token = holder
    buffer = io.BytesIO()
    Image.new("RGB", (450, 600), (30, 90, 200)).save(buffer, "JPEG")
    name = photos.store_photo(delegate.id, photos.process_photo(buffer.getvalue()))
    delegate.photo = name
    db.session.commit()
    picture = client.get(f"/b/{token}/photo.jpg")
    assert Image.open(io.BytesIO(picture.data)).size == (180, 240)
    small = photos.small_photo_path(delegate)
    assert small.is_file() and small != photos.photo_path(delegate)
    assert client.get(f"/b/{token}/photo.jpg").data == picture.data  # the same copy again
    photos.delete_photo_file(name)
    assert not small.exists()


def test_the_agenda_waits_until_the_congress_is_published(client, agenda, holder):
    congress, _sessions, items = agenda
    congress.published = False
    db.session.commit()
    html = client.get(f"/b/{holder[1]}").get_data(as_text=True)
    assert "Lê Thị Minh Châu" in html
    assert items[0].title not in html and "live-agenda.js" not in html


def test_a_withdrawn_delegate_sees_that_they_withdrew(client, agenda):
    _delegate, token = add_delegate(agenda[0], status=DelegateStatus.WITHDRAWN)
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert "withdrawn from the congress" in html


def test_a_replaced_badge_says_so_with_410_and_not_the_portal(client, agenda, holder,
                                                              create_user):
    delegate, old_token = holder
    new_token = reissue_badge(Actor(create_user(admin=True)), delegate)
    response = client.get(f"/b/{old_token}")
    assert response.status_code == 410 and private(response)
    html = response.get_data(as_text=True)
    assert "This badge was replaced" in html
    assert "Lê Thị Minh Châu" not in html and "A-07" not in html
    assert client.get(f"/b/{new_token}").status_code == 200


@pytest.mark.parametrize("token", ["A" * 22, "short", "x" * 200, "Lê-Thị-Minh-Châu-12345"])
def test_an_unknown_token_is_a_404_page(client, holder, token):
    response = client.get(f"/b/{token}")
    assert response.status_code == 404 and private(response)
    assert "This badge is not known" in response.get_data(as_text=True)


def test_misses_are_limited_per_address_and_hits_are_not(make_app):
    app = make_app(PORTAL_MISS_LIMIT="3 per minute")
    with app.app_context():
        _delegate, token = add_delegate(bare_congress())
        client = app.test_client()
        for _ in range(10):  # hits never count
            assert client.get(f"/b/{token}").status_code == 200
        for n in range(3):
            assert client.get(f"/b/{'Q' * 21}{n}").status_code == 404
        held_off = client.get(f"/b/{'Q' * 22}")  # the next miss waits
        assert held_off.status_code == 429 and private(held_off)
        assert held_off.headers["Retry-After"].isdigit()
        # A real badge opens anyway: a whole hall of phones shares the venue's address.
        assert client.get(f"/b/{token}").status_code == 200
        other = app.test_client()
        assert other.get(f"/b/{'Q' * 22}", environ_base={"REMOTE_ADDR": "10.1.1.9"}
                         ).status_code == 404
        db.session.remove()


# --- the token stays out of the logs ---------------------------------------------------------


@pytest.mark.parametrize(("line", "masked"), [
    ('127.0.0.1 - - [28/Sep/2023 08:00:00] "GET /b/Abcd1234567890_-xyzXY HTTP/1.1" 200 -',
     '127.0.0.1 - - [28/Sep/2023 08:00:00] "GET /b/Abcd… HTTP/1.1" 200 -'),
    ('"GET /b/Abcd1234567890_-xyzXY?x=1 HTTP/1.1"', '"GET /b/Abcd…?x=1 HTTP/1.1"'),
    ('"GET /b/Ab HTTP/1.1"', '"GET /b/Ab… HTTP/1.1"'),
    ('"GET /lang/en?next=%2Fb%2FAbcd1234567890_-xyzXY HTTP/1.1"',
     '"GET /lang/en?next=%2Fb%2FAbcd… HTTP/1.1"'),
    ('"GET /c/dai-hoi HTTP/1.1"', '"GET /c/dai-hoi HTTP/1.1"'),
])
def test_badge_paths_are_masked(line, masked):
    assert mask_token_paths(line) == masked


def test_the_filter_rewrites_werkzeug_and_gunicorn_records():
    werkzeug = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                                 '%s - - [%s] "%s" %s %s',
                                 ("10.0.0.5", "now", "GET /b/SecretToken1234567890 HTTP/1.1",
                                  "200", "-"), None)
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                                 '%(h)s "%(r)s" %(s)s',
                                 None, None)
    gunicorn.args = {"h": "10.0.0.5", "r": "GET /b/SecretToken1234567890 HTTP/1.1", "s": "200"}
    for record in (werkzeug, gunicorn):
        assert TokenFilter().filter(record)
        assert "SecretToken" not in record.getMessage()
        assert "/b/Secr…" in record.getMessage()


def test_the_filter_is_on_the_loggers_that_print_paths(app):
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "conference.web"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, TokenFilter) for f in filters) == 1, name


def test_the_served_access_log_shows_only_four_characters(app, holder, caplog):
    _delegate, token = holder
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            base = f"http://127.0.0.1:{server.port}"
            with urllib.request.urlopen(f"{base}/b/{token}", timeout=10) as response:
                assert response.status == 200
            with pytest.raises(urllib.error.HTTPError) as missed:
                urllib.request.urlopen(f"{base}/b/{token[:-1]}x", timeout=10)
            missed.value.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(f"/b/{token[:4]}…" in line and " 200 " in line for line in lines), lines
    assert any(" 404 " in line for line in lines), lines
    assert not any(token[4:12] in line for line in lines), lines
