"""Livestreams: the rules, the embeds, the pages, the posters and the live pushes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from conference.audit.models import AuditEntry
from conference.auth.models import Role
from conference.auth.service import Actor
from conference.errors import Forbidden, NotFound, ValidationFailed
from conference.extensions import db
from conference.signals import stream_changed
from conference.streams import service
from conference.streams.embed import embed_url
from conference.streams.models import Stream
from tests.test_badges import decode_qr
from tests.test_checkin import add_delegate

pytestmark = pytest.mark.english

FACEBOOK = "https://www.facebook.com/congdoanhatinh/videos/1234567890123456/"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
NEWSPAPER = "https://laodong.vn/truc-tuyen/dai-hoi-cong-doan-ha-tinh.ldo"
BAD_URLS = ["javascript:alert(1)", "ftp://example.com/video", "data:text/html,<b>x</b>",
            "file:///etc/passwd", "https://", "not a url", "https://exa mple.com/"]
NAMESPACE = "/live"


@pytest.fixture
def acting(agenda, create_user):
    """Actors of the agenda congress by role, and one of another congress."""
    congress = agenda[0]

    def make(role):
        return Actor(create_user(role=role, congress=congress))

    return make


@pytest.fixture
def boss(acting):
    return acting(Role.ORGANIZER)


@pytest.fixture
def stream(agenda, boss):
    return service.create_stream(boss, agenda[0], {"platform": "facebook", "url": FACEBOOK,
                                                   "title": "Phiên khai mạc"})


# --- embeds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ&t=5",
    "https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/live/dQw4w9WgXcQ?si=abc",
    "https://m.youtube.com/watch?v=dQw4w9WgXcQ"])
def test_youtube_videos_play_from_the_no_cookie_host(url):
    assert embed_url(url) == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


def test_facebook_videos_play_through_the_video_plugin():
    player = embed_url(FACEBOOK)
    assert player.startswith("https://www.facebook.com/plugins/video.php?")
    assert "href=https%3A%2F%2Fwww.facebook.com%2Fcongdoanhatinh%2Fvideos%2F" in player


@pytest.mark.parametrize("url", [
    NEWSPAPER, "https://www.facebook.com/congdoanhatinh", "https://www.youtube.com/@channel",
    "https://youtu.be/short", "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ"])
def test_other_addresses_are_links(url):
    assert embed_url(url) is None


# --- the service -----------------------------------------------------------------------------


def test_create_stores_the_start_in_utc_and_audits(agenda, boss):
    congress, sessions, _items = agenda
    stream = service.create_stream(boss, congress, {
        "url": YOUTUBE, "title": "Phiên chính thức", "session_id": sessions[1].id,
        "scheduled_start": "2023-09-28T07:30"})
    assert stream.platform == "youtube"  # guessed from the address
    assert stream.scheduled_start == datetime(2023, 9, 28, 0, 30, tzinfo=UTC)
    assert stream.status == "scheduled" and stream.position == 1
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "stream.create"))
    assert entry.target == f"stream:{stream.id}" and entry.congress_id == congress.id


def test_each_change_bumps_the_revision_and_signals_after_commit(agenda, boss, stream):
    congress = agenda[0]
    heard = []

    def listener(sender, **kwargs):
        # The change is committed: a fresh connection already sees it.
        with db.engine.connect() as connection:
            status = connection.scalar(db.select(Stream.status).where(Stream.id == stream.id))
        heard.append((sender.id, kwargs["kind"], status, sender.streams_revision))

    before = congress.streams_revision
    with stream_changed.connected_to(listener):
        service.set_stream_status(boss, stream, "live")
        service.update_stream(boss, stream, {"title": "Khai mạc"})
        service.set_stream_status(boss, stream, "ended", "https://youtu.be/dQw4w9WgXcQ")
    assert heard == [(congress.id, "status", "live", before + 1),
                     (congress.id, "update", "live", before + 2),
                     (congress.id, "status", "ended", before + 3)]
    assert stream.display == "replay"


def test_state_lists_streams_in_order_with_display_and_embed(agenda, boss, stream):
    congress = agenda[0]
    service.create_stream(boss, congress, {"platform": "newspaper", "url": NEWSPAPER})
    state = service.streams_state(congress)
    assert state["revision"] == congress.streams_revision and state["published"] is True
    assert [s["url"] for s in state["streams"]] == [FACEBOOK, NEWSPAPER]
    assert state["streams"][0]["embed_url"].startswith("https://www.facebook.com/plugins/")
    assert state["streams"][1]["embed_url"] is None
    layout = state["layout"]
    service.set_stream_status(boss, stream, "live")
    assert service.streams_state(congress)["layout"] == layout  # a status change only
    service.update_stream(boss, stream, {"title": "Khác"})
    assert service.streams_state(congress)["layout"] != layout


@pytest.mark.parametrize("url", BAD_URLS)
def test_an_address_that_is_not_http_is_refused(agenda, boss, url):
    with pytest.raises(ValidationFailed) as refused:
        service.create_stream(boss, agenda[0], {"platform": "other", "url": url})
    assert refused.value.fields["url"] == (
        "Enter a web address starting with http:// or https://.")
    assert db.session.scalar(db.select(db.func.count(Stream.id))) == 0


def test_a_bad_replay_link_is_refused(boss, stream):
    with pytest.raises(ValidationFailed) as refused:
        service.set_stream_status(boss, stream, "ended", "javascript:alert(1)")
    assert "replay_url" in refused.value.fields
    db.session.refresh(stream)
    assert stream.status == "scheduled" and stream.replay_url == ""


def test_an_unknown_status_is_refused(boss, stream):
    with pytest.raises(ValidationFailed) as refused:
        service.set_stream_status(boss, stream, "paused")
    assert refused.value.fields["status"].startswith("Choose one of")


def test_a_session_of_another_congress_is_refused(agenda, boss, create_congress,
                                                  create_session):
    other = create_session(create_congress())
    with pytest.raises(ValidationFailed) as refused:
        service.create_stream(boss, agenda[0], {"url": YOUTUBE, "session_id": other.id})
    assert refused.value.fields == {"session_id": "No such session in this congress."}


def test_an_overlong_title_or_address_is_refused(agenda, boss):
    with pytest.raises(ValidationFailed) as refused:
        service.create_stream(boss, agenda[0], {"url": YOUTUBE, "title": "x" * 201})
    assert refused.value.fields == {"title": "At most 200 characters."}
    with pytest.raises(ValidationFailed) as refused:
        service.create_stream(boss, agenda[0], {"url": "https://a.vn/" + "x" * 1000})
    assert refused.value.fields == {"url": "At most 1000 characters."}


def test_roles(agenda, acting, stream, create_congress, create_user):
    operator, staff = acting(Role.OPERATOR), acting(Role.CHECKIN)
    service.set_stream_status(operator, stream, "live")  # the operator drives the streams
    with pytest.raises(Forbidden):
        service.update_stream(operator, stream, {"title": "x"})
    with pytest.raises(Forbidden):
        service.create_stream(operator, agenda[0], {"url": YOUTUBE})
    with pytest.raises(Forbidden):
        service.set_stream_status(staff, stream, "ended")
    with pytest.raises(Forbidden):
        service.delete_stream(staff, stream)
    stranger = Actor(create_user(role=Role.ORGANIZER, congress=create_congress()))
    with pytest.raises(NotFound):
        service.get_stream(stranger, stream.id)
    with pytest.raises(NotFound):
        service.set_stream_status(stranger, stream, "ended")


def test_delete(agenda, boss, stream):
    service.delete_stream(boss, stream)
    assert service.list_streams(agenda[0]) == []
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "stream.delete"))


def test_a_deleted_session_leaves_its_stream_to_the_whole_congress(agenda, boss):
    from conference.agenda.service import delete_session

    congress, sessions, _items = agenda
    stream = service.create_stream(boss, congress, {"url": YOUTUBE, "session_id": sessions[0].id})
    delete_session(boss, sessions[0])
    db.session.expire_all()
    assert db.session.get(Stream, stream.id).session_id is None


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def signed_in(agenda, create_user, login):
    def sign_in(role):
        user = create_user(role=role, congress=agenda[0])
        login(user)
        return user

    return sign_in


def test_organizer_adds_edits_and_deletes_a_stream_through_the_pages(client, agenda, signed_in):
    congress, sessions, _items = agenda
    signed_in(Role.ORGANIZER)
    page = client.get(f"/manage/{congress.id}/streams")
    assert page.status_code == 200 and "No livestreams yet." in page.get_data(as_text=True)
    form = {"platform": "", "url": FACEBOOK, "title": "Khai mạc", "session_id": sessions[0].id,
            "scheduled_start": "2023-09-27T14:00", "status": "scheduled", "replay_url": "",
            "position": ""}
    created = client.post(f"/manage/{congress.id}/streams/new", data=form)
    assert created.status_code == 302
    stream = db.session.scalar(db.select(Stream))
    assert stream.platform == "facebook" and stream.session_id == sessions[0].id
    page = client.get(f"/manage/{congress.id}/streams").get_data(as_text=True)
    for text in ("Khai mạc", "Scheduled · Wednesday, 27 September 2023, 14:00", "Facebook",
                 f"/manage/streams/{stream.id}/qr.png", "Poster (A3)"):
        assert text in page, text
    edit = client.get(f"/manage/streams/{stream.id}/edit").get_data(as_text=True)
    assert 'value="2023-09-27T14:00"' in edit
    bad = client.post(f"/manage/streams/{stream.id}/edit", data=form | {"url": "javascript:x"})
    assert bad.status_code == 422
    assert "Enter a web address starting with http:// or https://." in bad.get_data(as_text=True)
    assert client.post(f"/manage/streams/{stream.id}/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count(Stream.id))) == 0


def test_operator_flips_the_status_without_javascript(client, agenda, signed_in, stream):
    signed_in(Role.OPERATOR)
    page = client.get(f"/manage/{agenda[0].id}/streams").get_data(as_text=True)
    assert 'name="status" value="live"' in page and "Add a livestream" not in page
    flipped = client.post(f"/manage/streams/{stream.id}/status", data={"status": "live"})
    assert flipped.status_code == 302
    db.session.refresh(stream)
    assert stream.status == "live"
    client.post(f"/manage/streams/{stream.id}/status",
                data={"status": "ended", "replay_url": "ftp://x"})
    db.session.refresh(stream)
    assert stream.status == "live"  # refused, nothing lost
    assert "Enter a web address" in client.get(f"/manage/{agenda[0].id}/streams").get_data(
        as_text=True)
    assert client.get(f"/manage/streams/{stream.id}/edit").status_code == 403


def test_checkin_staff_may_not_touch_streams(client, agenda, signed_in, stream):
    signed_in(Role.CHECKIN)
    assert client.get(f"/manage/{agenda[0].id}/streams").status_code == 403
    assert client.post(f"/manage/streams/{stream.id}/status",
                       data={"status": "live"}).status_code == 403
    assert client.post(f"/manage/streams/{stream.id}/delete").status_code == 403


def test_a_user_of_another_congress_gets_404(client, create_congress, create_user, login,
                                             stream):
    login(create_user(role=Role.ORGANIZER, congress=create_congress()))
    assert client.get(f"/manage/{stream.congress_id}/streams").status_code == 404
    for path in ("edit", "qr.png", "poster.pdf"):
        assert client.get(f"/manage/streams/{stream.id}/{path}").status_code == 404
    assert client.post(f"/manage/streams/{stream.id}/status",
                       data={"status": "live"}).status_code == 404


def test_the_qr_code_of_a_stream_opens_it(client, signed_in, stream):
    import io

    import zxingcpp
    from PIL import Image

    signed_in(Role.OPERATOR)
    png = client.get(f"/manage/streams/{stream.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    with Image.open(io.BytesIO(png.data)) as image:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [r.text for r in found] == [FACEBOOK]


def _public_streams(html: str) -> str:
    return html[html.index('id="live-streams"'):]


def test_public_page_shows_each_status(client, agenda, boss, stream):
    congress = agenda[0]
    live = service.create_stream(boss, congress, {"url": YOUTUBE, "title": "YT"})
    service.set_stream_status(boss, live, "live")
    replay = service.create_stream(boss, congress, {"url": NEWSPAPER, "title": "Báo"})
    service.set_stream_status(boss, replay, "ended", "https://laodong.vn/xem-lai")
    ended = service.create_stream(boss, congress, {"url": NEWSPAPER + "?2", "title": "Hết"})
    service.set_stream_status(boss, ended, "ended")
    response = client.get(f"/c/{congress.slug}")
    html = _public_streams(response.get_data(as_text=True))
    assert "frame-src https://www.youtube-nocookie.com" in response.headers[
        "Content-Security-Policy"]
    for text in ("Livestreams", "Phiên khai mạc", 'is-scheduled">Scheduled</span>',
                 'is-live">Live now</span>', 'is-replay">Replay</span>',
                 'is-ended">Ended</span>', 'href="https://laodong.vn/xem-lai"',
                 'data-player="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"',
                 "live-streams.js", f'data-revision="{congress.streams_revision}"'):
        assert text in html, text
    assert "<iframe" not in html  # players load only on a click
    fragment = client.get(f"/c/{congress.slug}/streams-fragment").get_data(as_text=True)
    assert fragment.strip().startswith('<div class="stream-list"') and "Báo" in fragment


def test_portal_shows_the_streams(client, agenda, stream):
    _delegate, token = add_delegate(agenda[0])
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert "Phiên khai mạc" in _public_streams(html) and "live-streams.js" in html


def _titles_in_order(html: str) -> list[str]:
    """The streams' titles as a page (or the list's fragment) shows them, top to bottom."""
    return re.findall(r'<article class="stream"[^>]*>\s*<h3[^>]*>([^<]+)</h3>', html)


def test_a_live_stream_comes_first_on_the_public_page_and_the_portal(client, agenda, boss,
                                                                    stream):
    congress = agenda[0]
    later = service.create_stream(boss, congress, {"url": YOUTUBE, "title": "Phiên bế mạc"})
    _delegate, token = add_delegate(congress)
    before = service.streams_state(congress)["layout"]
    assert _titles_in_order(client.get(f"/c/{congress.slug}").get_data(as_text=True)) == [
        "Phiên khai mạc", "Phiên bế mạc"]
    service.set_stream_status(boss, later, "live")
    for path in (f"/c/{congress.slug}", f"/b/{token}", f"/c/{congress.slug}/streams-fragment"):
        assert _titles_in_order(client.get(path).get_data(as_text=True)) == [
            "Phiên bế mạc", "Phiên khai mạc"], path
    state = service.streams_state(congress)
    assert state["layout"] != before  # open pages fetch the list in its new order
    assert [s["title"] for s in state["streams"]] == ["Phiên khai mạc", "Phiên bế mạc"]  # API
    service.set_stream_status(boss, later, "ended")
    assert service.streams_state(congress)["layout"] == before


@pytest.mark.parametrize(("url", "label"), [
    ("https://baohatinh.vn/truyen-hinh-truc-tuyen/dai-hoi.html", "Báo Hà Tĩnh"),
    ("https://www.baohatinh.vn/video/dai-hoi", "Báo Hà Tĩnh"),
    ("https://m.laodong.vn/truc-tuyen/x.ldo", "Báo Lao Động"),
])
def test_a_newspaper_is_named_by_its_address(client, agenda, boss, url, label):
    congress = agenda[0]
    made = service.create_stream(boss, congress, {"url": url})
    assert made.platform == "newspaper"
    html = _public_streams(client.get(f"/c/{congress.slug}").get_data(as_text=True))
    assert f"<h3>{label}</h3>" in html and "Other website" not in html
    assert service.platform_label(made) == label


def test_an_unknown_site_or_a_look_alike_is_another_website(agenda, boss):
    for url in ("https://example.com/live", "https://notbaohatinh.vn/live",
                "https://baohatinh.vn.example.com/live"):
        made = service.create_stream(boss, agenda[0], {"url": url})
        assert (made.platform, service.platform_label(made)) == ("other", "Other website"), url


def test_the_list_of_known_sites_is_a_setting(make_app, caplog):
    app = make_app(STREAM_PLATFORMS="tv.example.vn=Truyền hình Ví dụ, broken, =x")
    with app.test_request_context():
        assert service.known_site("https://live.tv.example.vn/a") == "Truyền hình Ví dụ"
        assert service.known_site("https://baohatinh.vn/a") is None
    assert "broken" in caplog.text


def test_unpublished_congress_shows_no_streams(client, create_congress, create_user):
    hidden = create_congress(published=False)
    service.create_stream(Actor(create_user(admin=True)), hidden, {"url": YOUTUBE})
    _delegate, token = add_delegate(hidden)
    assert 'id="live-streams"' not in client.get(f"/b/{token}").get_data(as_text=True)
    assert client.get(f"/c/{hidden.slug}/streams-fragment").status_code == 404


# --- posters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["a4", "a3"])
def test_congress_poster_leads_to_the_public_page(app, client, agenda, signed_in, tmp_path,
                                                  size):
    app.config["CONFERENCE"]["PUBLIC_URL"] = "https://daihoi.example.vn"
    signed_in(Role.ORGANIZER)
    congress = agenda[0]
    pdf = client.get(f"/manage/{congress.id}/poster.pdf?size={size}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert decode_qr(pdf.data, tmp_path) == [f"https://daihoi.example.vn/c/{congress.slug}"]


def test_stream_poster_leads_to_the_stream(client, signed_in, stream, tmp_path):
    from tests.test_badges import pdf_text

    signed_in(Role.ORGANIZER)
    pdf = client.get(f"/manage/streams/{stream.id}/poster.pdf")
    assert decode_qr(pdf.data, tmp_path) == [FACEBOOK]
    assert "Phiên khai mạc · Facebook" in pdf_text(pdf.data)


def test_poster_size_must_be_known(client, agenda, signed_in):
    signed_in(Role.ORGANIZER)
    assert client.get(f"/manage/{agenda[0].id}/poster.pdf?size=letter").status_code == 422


def test_operators_do_not_print_posters(client, agenda, signed_in):
    signed_in(Role.OPERATOR)
    assert client.get(f"/manage/{agenda[0].id}/poster.pdf").status_code == 403


# --- live ------------------------------------------------------------------------------------


def streams_pushed(sock) -> list[dict]:
    return [m["args"][0] for m in sock.get_received(NAMESPACE) if m["name"] == "streams_state"]


def test_a_listener_hears_the_streams_on_connect_and_after_each_change(app, agenda, boss, stream,
                                                                        socket_client):
    congress = agenda[0]
    sock = socket_client(auth={"congress": congress.slug}, flask_client=app.test_client())
    greeting = streams_pushed(sock)
    assert len(greeting) == 1 and greeting[0]["streams"][0]["status"] == "scheduled"
    service.set_stream_status(boss, stream, "live")
    pushed = streams_pushed(sock)
    assert len(pushed) == 1
    assert pushed[0]["streams"][0]["display"] == "live"
    assert pushed[0]["revision"] == greeting[0]["revision"] + 1
    service.delete_stream(boss, stream)
    assert streams_pushed(sock)[0]["streams"] == []


def test_deleting_a_session_pushes_its_streams_under_the_whole_congress(app, agenda, boss,
                                                                         socket_client):
    from conference.agenda.service import delete_session

    congress, sessions, _items = agenda
    stream = service.create_stream(boss, congress, {"url": YOUTUBE, "session_id": sessions[0].id})
    sock = socket_client(auth={"congress": congress.slug}, flask_client=app.test_client())
    greeting = streams_pushed(sock)[0]
    assert greeting["streams"][0]["session_id"] == sessions[0].id
    delete_session(boss, sessions[0])
    pushed = streams_pushed(sock)
    assert len(pushed) == 1
    assert pushed[0]["streams"][0]["id"] == stream.id
    assert pushed[0]["streams"][0]["session_id"] is None
    assert pushed[0]["revision"] > greeting["revision"]
    assert pushed[0]["layout"] != greeting["layout"]  # pages fetch the list again


def test_an_unpublished_congress_pushes_nothing_but_that(app, agenda, boss, stream,
                                                         socket_client):
    congress = agenda[0]
    sock = socket_client(auth={"congress": congress.slug}, flask_client=app.test_client())
    streams_pushed(sock)
    congress.published = False
    db.session.commit()
    service.set_stream_status(boss, stream, "live")
    assert streams_pushed(sock) == [{"congress_id": congress.id, "published": False,
                                     "revision": congress.streams_revision}]


def test_the_longest_address_accepted_still_makes_a_qr_code(client, agenda, boss, signed_in):
    import io

    import zxingcpp
    from PIL import Image

    url = "https://laodong.vn/truc-tuyen?" + "x" * (1000 - 30)
    stream = service.create_stream(boss, agenda[0], {"url": url})
    signed_in(Role.OPERATOR)
    png = client.get(f"/manage/streams/{stream.id}/qr.png")
    with Image.open(io.BytesIO(png.data)) as image:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [r.text for r in found] == [url]
