"""The public address QR codes lead to: set by an administrator in the app (the environment
variable still wins), warned about on every page that prints a QR code while only this computer
can open it, and the LAN addresses printed when the server listens on every interface."""

from __future__ import annotations

import pytest

from conference import urls
from conference.actors import Actor
from conference.audit.models import AuditEntry
from conference.badges.identity import badge_token
from conference.displays import service as displays
from conference.extensions import db
from conference.site.service import set_public_url
from conference.urls import check_public_url, public_base_url, serving_lines, stored_public_url
from tests.conftest import PASSWORD
from tests.test_checkin import add_delegate, bare_congress

pytestmark = pytest.mark.english

LAN = "http://192.168.1.20:5000"
WARNING = 'id="qr-address-warning"'


def set_public_url_as(user, value):
    return set_public_url(Actor(user, "10.0.0.1", "web"), value)


def create_congress_id(app) -> int:
    return bare_congress("env-wins").id


@pytest.fixture
def admin(create_user, login):
    user = create_user(admin=True)
    login(user)
    return user


@pytest.fixture
def qr_pages(agenda, admin):
    """Every staff page that prints or shows a QR code, by name."""
    congress = agenda[0]
    delegate, _token = add_delegate(congress)
    scene = displays.create_scene(Actor(admin), congress, {"name": "Mã QR",
                                                            "scene": {"type": "qr", "url": ""}})
    return {"badge print": f"/manage/{congress.id}/badges",
            "delegate": f"/manage/delegates/{delegate.id}",
            "posters": f"/manage/{congress.id}/streams",
            "console": f"/manage/{congress.id}/screens",
            "new QR scene": f"/manage/{congress.id}/scenes/new/qr",
            "QR scene": f"/manage/scenes/{scene.id}/edit"}


def test_qr_pages_warn_while_the_address_is_loopback_until_it_is_set(client, qr_pages):
    for name, path in qr_pages.items():
        page = client.get(path)  # the test client asks for http://localhost/
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        assert WARNING in html and "http://localhost" in html, name
        assert 'href="/admin/site"' in html, name  # the administrator's way to fix it
    saved = client.post("/admin/site", data={"public_url": "https://daihoi.example.vn/"})
    assert saved.status_code == 302
    for name, path in qr_pages.items():
        assert WARNING not in client.get(path).get_data(as_text=True), name


def test_a_page_opened_through_the_lan_address_does_not_warn(client, qr_pages, admin):
    client.post("/login", data={"username": admin.username, "password": PASSWORD}, base_url=LAN)
    page = client.get(qr_pages["badge print"], base_url=LAN)
    assert page.status_code == 200 and WARNING not in page.get_data(as_text=True)


def test_staff_who_are_not_administrators_are_told_whom_to_ask(client, agenda, create_user,
                                                                login):
    login(create_user(role="organizer", congress=agenda[0]))
    html = client.get(f"/manage/{agenda[0].id}/badges").get_data(as_text=True)
    assert WARNING in html and "Ask an administrator" in html
    assert 'href="/admin/site"' not in html


def test_the_other_kinds_of_scene_form_do_not_warn(client, agenda, admin):
    html = client.get(f"/manage/{agenda[0].id}/scenes/new/announcement").get_data(as_text=True)
    assert WARNING not in html


def test_badges_and_the_qr_scene_get_the_stored_address(app, client, agenda, admin):
    congress = agenda[0]
    delegate, token = add_delegate(congress)
    client.post("/admin/site", data={"public_url": "http://192.168.1.20:5000"})
    page = client.get(f"/manage/delegates/{delegate.id}").get_data(as_text=True)
    assert f"{LAN}/b/{token}" in page
    with app.test_request_context("/"):
        assert public_base_url() == LAN
        assert public_base_url("http://127.0.0.1:5000") == LAN  # a kiosk opened locally too
    assert token == badge_token(delegate)


def test_the_environment_variable_wins_and_the_page_says_so(app, client, admin):
    set_public_url_as(admin, "https://saved.example.vn")
    app.config["CONFERENCE"]["PUBLIC_URL"] = "https://daihoi.example.vn"
    html = client.get("/admin/site").get_data(as_text=True)
    assert 'id="environment-wins"' in html
    assert '<code id="effective-address">https://daihoi.example.vn</code>' in html
    assert 'value="https://saved.example.vn"' in html  # kept, for when the variable goes
    with app.test_request_context("/"):
        assert public_base_url() == "https://daihoi.example.vn"
    app.config["CONFERENCE"]["PUBLIC_URL"] = "http://127.0.0.1:5000"
    html = client.get(f"/manage/{create_congress_id(app)}/badges").get_data(as_text=True)
    assert WARNING in html and "CONFERENCE_PUBLIC_URL" in html


def test_saving_is_audited_and_clearing_goes_back_to_the_request_address(app, client, admin):
    assert client.post("/admin/site", data={"public_url": "HTTPS://DaiHoi.Example.VN:8443/"}
                       ).status_code == 302
    assert stored_public_url() == "https://daihoi.example.vn:8443"
    html = client.get("/admin/site").get_data(as_text=True)
    assert "The public address is saved." in html and "from the address saved below" in html
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "site.public_url"))
    assert entry.details == {"before": "", "after": "https://daihoi.example.vn:8443"}
    client.post("/admin/site", data={"public_url": "  "})
    assert stored_public_url() is None
    assert 'id="loopback-warning"' in client.get("/admin/site").get_data(as_text=True)


@pytest.mark.parametrize(("value", "message"), [
    ("daihoi.example.vn", "Start the address with http:// or https://"),
    ("ftp://daihoi.example.vn", "Start the address with http:// or https://"),
    ("javascript:alert(1)", "Start the address with http:// or https://"),
    ("https://", "Start the address with http:// or https://"),
    ("https://daihoi.example.vn/b/abc", "no path, ? or #"),
    ("https://daihoi.example.vn?x=1", "no path, ? or #"),
    ("https://daihoi.example.vn#top", "no path, ? or #"),
    ("https://daihoi.example.vn?", "no path, ? or #"),
    ("https://admin:secret@daihoi.example.vn", "user name or password"),
    ("https://daihoi.example.vn:99999", "The host or port is not valid"),
    ("https://daihoi.example.vn:http", "The host or port is not valid"),
    ("https://[::1", "The host or port is not valid"),
    ("https://dai_hoi!.vn", "The host or port is not valid"),
    ("https://daihoi .vn", "spaces or control characters"),
    ("https://dai\thoi.vn", "spaces or control characters"),
    ("https://" + "a" * 200 + ".vn", "too long"),
])
def test_wrong_addresses_are_refused_with_a_message(client, admin, value, message):
    page = client.post("/admin/site", data={"public_url": value})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert stored_public_url() is None


def test_a_nul_byte_is_refused_without_an_error_page(client, admin):
    page = client.post("/admin/site", data={"public_url": "https://daihoi.vn\x00"})
    assert page.status_code == 400 and "Traceback" not in page.get_data(as_text=True)
    with pytest.raises(Exception, match="control characters"):
        check_public_url("https://daihoi.vn\x00")
    assert stored_public_url() is None


@pytest.mark.parametrize(("value", "stored"), [
    ("http://192.168.1.20:5000", "http://192.168.1.20:5000"),
    ("https://daihoi.example.vn/", "https://daihoi.example.vn"),
    ("https://[fe80::1]:8443", "https://[fe80::1]:8443"),
    ("https://Đạihội.vn", "https://" + "đạihội.vn".encode("idna").decode()),
])
def test_good_addresses_are_kept_in_one_form(value, stored):
    assert check_public_url(value) == stored


def test_non_administrators_cannot_change_it(client, agenda, create_user, login):
    login(create_user(role="organizer", congress=agenda[0]))
    assert client.post("/admin/site", data={"public_url": LAN}).status_code == 403
    assert stored_public_url() is None


def test_the_form_needs_its_csrf_token(make_app):
    from conference.auth.models import User
    from tests.conftest import PASSWORD, PASSWORD_HASH
    from tests.test_auth import csrf_token

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.session.add(User(username="lan", password_hash=PASSWORD_HASH, is_admin=True))
        db.session.commit()
        client = app.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
        assert client.post("/admin/site", data={"public_url": LAN}).status_code == 400
        assert stored_public_url() is None
        token = csrf_token(client.get("/admin/site").get_data(as_text=True))
        assert client.post("/admin/site", data={"public_url": LAN, "csrf_token": token}
                           ).status_code == 302
        assert stored_public_url() == LAN
        db.session.remove()


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:5000", True), ("http://localhost", True), ("http://[::1]:5000", True),
    ("http://0.0.0.0:5000", True), ("http://127.1.2.3", True), ("http://app.localhost", True),
    ("http://192.168.1.20:5000", False), ("https://daihoi.example.vn", False),
])
def test_loopback_addresses_are_recognised(url, loopback):
    assert urls.is_loopback(url) is loopback


def test_listening_everywhere_prints_the_lan_addresses(monkeypatch):
    monkeypatch.setattr(urls, "lan_addresses", lambda: ["10.10.0.7", "192.168.1.20"])
    assert serving_lines("0.0.0.0", 5000) == [
        "Open http://10.10.0.7:5000 on the venue network.",
        "Open http://192.168.1.20:5000 on the venue network."]
    monkeypatch.setattr(urls, "lan_addresses", list)
    assert "No network address found" in serving_lines("0.0.0.0", 5000)[0]
    assert "--host 0.0.0.0" in serving_lines("127.0.0.1", 5000)[0]
    assert serving_lines("192.168.1.20", 5000) == []


def test_the_lan_addresses_leave_out_loopback(monkeypatch):
    monkeypatch.setattr(urls.socket, "getaddrinfo", lambda *_a, **_k: [
        (2, 1, 6, "", ("127.0.1.1", 0)), (2, 1, 6, "", ("192.168.1.20", 0)),
        (2, 1, 6, "", ("169.254.3.4", 0))])
    addresses = urls.lan_addresses()
    assert "192.168.1.20" in addresses
    assert not {"127.0.1.1", "169.254.3.4"} & set(addresses)
