"""The badge portal /b/<token>: who the badge belongs to, the agenda, and keeping the token
secret (no cache, no referrer, masked in logs, guessing held off)."""

from __future__ import annotations

import io
import logging
import re
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from PIL import Image
from werkzeug.serving import make_server

from conference.auth.service import Actor
from conference.badges.identity import reissue_badge
from conference.checkin.service import check_in_delegate
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
    # Only same-site addresses repeat the token: the language switch, to come back to this
    # page, and the portal's own routes under it (the panels' forms: a request to speak).
    assert token not in html.replace(f"next=/b/{token}", "").replace(f'"/b/{token}/', "")
    assert "<img" not in html  # no photo


# --- checked in or not (issue 11, item 14) ---------------------------------------------------


@pytest.fixture
def desk(create_user):
    return Actor(create_user(admin=True), source="cli")


def check_in_the_evening_before(desk, agenda, delegate):
    """A check-in for the congress (no session under way) the evening before session two."""
    congress, (_first, second), items = agenda
    congress.current_item_id = None
    checkin = check_in_delegate(desk, delegate).checkin
    assert checkin.session_id is None
    checkin.checked_in_at = second.starts_at - timedelta(hours=14)
    congress.current_item_id = items[2].id  # the second session is under way again
    db.session.commit()


def wrong_token(token: str) -> str:
    """The token with its last character changed (to one it is not: a random token ends in
    "x" once in 64)."""
    return token[:-1] + ("y" if token.endswith("x") else "x")


def presence_line(html: str) -> str:
    """The check-in line as read: its text, markup left out."""
    paragraph = html.split('id="presence"')[1].split(">", 1)[1].split("</p>")[0]
    return " ".join(re.sub(r"<[^>]+>", "", paragraph).split())


def test_the_portal_says_the_delegate_is_not_checked_in_yet(client, holder):
    _delegate, token = holder
    page = client.get(f"/b/{token}").get_data(as_text=True)
    line = presence_line(page)
    assert "You are not checked in for the session under way: Phiên chính thức." in line
    assert '<span lang="vi">Phiên chính thức</span>' in page  # read with a Vietnamese voice
    assert "presence-out" in client.get(f"/b/{token}").get_data(as_text=True)


def test_a_check_in_the_evening_before_counts_on_the_portal(client, agenda, holder, desk):
    delegate, token = holder
    check_in_the_evening_before(desk, agenda, delegate)
    line = presence_line(client.get(f"/b/{token}").get_data(as_text=True))
    assert "You are checked in for the session under way: Phiên chính thức." in line
    assert "Your earlier check-in for the congress counts for it" in line


def test_under_the_strict_rule_the_portal_asks_for_a_check_in_per_session(client, agenda,
                                                                          holder, desk):
    congress, (_first, second), _items = agenda
    congress.checkin_rule = "session"
    delegate, token = holder
    check_in_the_evening_before(desk, agenda, delegate)
    line = presence_line(client.get(f"/b/{token}").get_data(as_text=True))
    assert "You are not checked in for the session under way" in line
    assert "Each session needs its own check-in" in line
    check_in_delegate(desk, delegate, session_id=second.id)
    fragment = client.get(f"/b/{token}/presence")
    assert fragment.status_code == 200 and private(fragment)
    assert "You are checked in for the session under way: Phiên chính thức." in presence_line(
        fragment.get_data(as_text=True))
    assert "<html" not in fragment.get_data(as_text=True)


def test_without_a_session_under_way_the_portal_speaks_of_the_congress(client, agenda, holder,
                                                                       desk):
    congress = agenda[0]
    congress.current_item_id = None
    db.session.commit()
    delegate, token = holder
    assert "You are not checked in yet." in presence_line(
        client.get(f"/b/{token}").get_data(as_text=True))
    check_in_delegate(desk, delegate)
    line = presence_line(client.get(f"/b/{token}").get_data(as_text=True))
    assert "You are checked in for the congress." in line
    assert "Your check-in counts for every session to come." in line


def test_the_presence_fragment_of_an_unknown_or_replaced_badge(client, agenda, holder, desk):
    delegate, token = holder
    assert client.get("/b/AAAAAAAAAAAAAAAAAAAAAA/presence").status_code == 404
    reissue_badge(desk, delegate)
    assert client.get(f"/b/{token}/presence").status_code == 410


def test_a_check_in_reaches_the_holder_s_portal_live_and_no_one_else(app, agenda, holder, desk,
                                                                    socket_client):
    congress = agenda[0]
    delegate, token = holder
    _other, other_token = add_delegate(congress, full_name="Trần Văn Khác")
    mine = socket_client(auth={"congress": congress.slug, "badge": token},
                         flask_client=app.test_client())
    theirs = socket_client(auth={"congress": congress.slug, "badge": other_token},
                           flask_client=app.test_client())
    public = socket_client(auth={"congress": congress.slug}, flask_client=app.test_client())
    forged = socket_client(auth={"congress": congress.slug, "badge": "x" * 22},
                           flask_client=app.test_client())
    for sock in (mine, theirs, public, forged):
        assert sock.is_connected("/live")
        sock.get_received("/live")
    check_in_delegate(desk, delegate)
    assert [m["name"] for m in mine.get_received("/live")] == ["presence_changed"]
    for sock in (theirs, public, forged):
        assert sock.get_received("/live") == []


def test_the_portal_script_follows_check_ins(client, holder):
    _delegate, token = holder
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert "js/portal-presence.js" in html and 'data-badge-in-path="1"' in html


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
    # Each request logs once its answer is sent, in its own thread: server_close() then waits
    # for those threads (it would not for daemon ones), so no line is missed.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            base = f"http://127.0.0.1:{server.port}"
            with urllib.request.urlopen(f"{base}/b/{token}", timeout=10) as response:
                assert response.status == 200
            with pytest.raises(urllib.error.HTTPError) as missed:
                urllib.request.urlopen(f"{base}/b/{wrong_token(token)}", timeout=10)
            missed.value.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(f"/b/{token[:4]}…" in line and " 200 " in line for line in lines), lines
    assert any(" 404 " in line for line in lines), lines
    assert not any(token[4:12] in line for line in lines), lines
