"""Check-in at the door: the service's answers and refusals, and the scanner page."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from conference.agenda.service import delete_session, update_session
from conference.audit.models import AuditEntry
from conference.auth.models import Membership, User
from conference.auth.service import Actor
from conference.badges.identity import badge_token, reissue_badge, token_from_scan
from conference.checkin import service
from conference.checkin.models import CheckIn
from conference.checkin.service import perform_checkin, undo_checkin
from conference.congresses.models import Congress
from conference.delegates import photos
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.errors import Conflict, Gone, NotFound, ValidationFailed
from conference.extensions import db
from conference.signals import delegate_checked_in
from tests.conftest import PASSWORD, PASSWORD_HASH

pytestmark = pytest.mark.english

PUBLIC_URL = "https://daihoi.example.vn"
_codes = itertools.count(1)


def add_delegate(congress, *, full_name="Nguyễn Văn Trường", status=None,
                 **fields) -> tuple[Delegate, str]:
    """Register a delegate straight in the database; returns it and its badge token."""
    values = DelegateInput(code=fields.pop("code", f"CK{next(_codes):04d}"), full_name=full_name,
                           **{"position": "Chủ tịch Công đoàn", "unit": "Công ty Điện lực Hà Tĩnh",
                              "delegation": "Đoàn Khối doanh nghiệp", "seat": "B-12"} | fields)
    delegate = Delegate(**new_delegate_values(congress, values))
    if status:
        delegate.status = status
    db.session.add(delegate)
    db.session.commit()
    return delegate, badge_token(delegate)


def bare_congress(slug: str = "dai-hoi") -> Congress:
    """A congress made straight in the database, for tests that build their own app."""
    congress = Congress(slug=slug, name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX",
                        starts_on=date(2023, 9, 27), ends_on=date(2023, 9, 28))
    db.session.add(congress)
    db.session.commit()
    return congress


def badge_url(token: str) -> str:
    return f"{PUBLIC_URL}/b/{token}"


def count_checkins(**where) -> int:
    query = db.select(db.func.count(CheckIn.id))
    for name, value in where.items():
        query = query.where(getattr(CheckIn, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def congress(agenda):
    return agenda[0]


@pytest.fixture
def staff(congress, create_user):
    return create_user("cong.a", role="checkin", congress=congress)


@pytest.fixture
def door(staff):
    return Actor(staff, "10.0.0.7", "web")


@pytest.fixture
def holder(congress):
    """A delegate of the congress and their badge token."""
    return add_delegate(congress)


# --- reading what the scanner read -----------------------------------------------------------


@pytest.mark.parametrize("text", [
    "{url}", "{url}\n", "  {url}  ", "{url}/", "{url}?utm=qr", "{url}#top",
    "http://192.168.1.10:8000/b/{token}", "{token}", "\t{token}\r\n",
])
def test_the_token_is_read_from_a_badge_url_or_alone(text):
    token = "Abc-_0123456789xyzXYZ9"
    assert token_from_scan(text.format(url=badge_url(token), token=token)) == token


@pytest.mark.parametrize("text", [
    "", "hello", "https://example.vn/", "https://example.vn/b/short",
    "https://example.vn/b/Abc-_0123456789xyzXYZ9extra", "Abc-_0123456789xyzXYZ9 extra",
    "https://example.vn/c/Abc-_0123456789xyzXYZ9",
])
def test_anything_else_has_no_token(text):
    assert token_from_scan(text) is None


# --- the service ---------------------------------------------------------------------------


def test_a_scan_checks_the_delegate_in_once_and_tells_the_others(congress, door, holder):
    delegate, token = holder
    heard = []

    def listener(sender, **extra):
        heard.append((sender, extra["checkin"]))

    delegate_checked_in.connect(listener)
    try:
        first = perform_checkin(door, congress, badge_url(token), gate="Cổng A")
        again = perform_checkin(door, congress, token, gate="Cổng B")
    finally:
        delegate_checked_in.disconnect(listener)
    assert first.created and not again.created
    assert first.delegate.id == delegate.id == again.delegate.id
    assert again.checkin.id == first.checkin.id
    assert [(sender.id, checkin.id) for sender, checkin in heard] == [
        (congress.id, first.checkin.id)]
    assert count_checkins(delegate_id=delegate.id) == 1


def test_a_repeat_scan_answers_with_the_first_time_and_gate(congress, door, holder):
    _delegate, token = holder
    first = perform_checkin(door, congress, token, gate="Cổng chính")
    first_at = first.checkin.checked_in_at
    again = perform_checkin(door, congress, token, gate="Cổng phụ")
    assert not again.created
    assert again.checkin.gate == "Cổng chính"
    assert again.checkin.checked_in_at == first_at


def test_random_text_is_refused_as_unknown(congress, door):
    with pytest.raises(NotFound) as refused:
        perform_checkin(door, congress, "Xin chào, đây không phải là thẻ")
    assert refused.value.code == "badge_unknown"
    assert count_checkins() == 0


def test_an_unknown_token_is_refused_as_unknown(congress, door, holder):
    with pytest.raises(NotFound) as refused:
        perform_checkin(door, congress, badge_url("A" * 22))
    assert refused.value.code == "badge_unknown"
    assert refused.value.delegate is None


def test_a_replaced_badge_is_refused_and_the_new_one_works(congress, door, holder,
                                                          create_user):
    delegate, old_token = holder
    organizer = Actor(create_user(role="organizer", congress=congress), source="web")
    new_token = reissue_badge(organizer, delegate)
    with pytest.raises(Gone) as refused:
        perform_checkin(door, congress, badge_url(old_token))
    assert refused.value.code == "badge_revoked"
    assert refused.value.status == 410
    assert refused.value.delegate.id == delegate.id  # the door may see whose badge it was
    assert count_checkins() == 0
    assert perform_checkin(door, congress, badge_url(new_token)).created


def test_a_badge_of_another_congress_is_refused(congress, door, create_congress):
    _stranger, token = add_delegate(create_congress())
    with pytest.raises(NotFound) as refused:
        perform_checkin(door, congress, badge_url(token))
    assert refused.value.code == "badge_unknown"
    assert "another congress" in refused.value.message
    assert refused.value.delegate is None  # nothing about another congress's delegates
    assert count_checkins() == 0


@pytest.mark.parametrize("typed", ["DB0005", "db0005", " DB 0005\n", "Db0005"])
def test_the_code_printed_under_the_qr_checks_the_delegate_in(congress, door, typed):
    delegate, _token = add_delegate(congress, code="DB0005")
    result = perform_checkin(door, congress, typed, gate="Cổng A")
    assert result.created and result.delegate.id == delegate.id
    assert not perform_checkin(door, congress, "DB0005").created  # a repeat, as for a scan


def test_a_code_of_another_congress_or_a_withdrawn_delegate_is_refused(congress, door,
                                                                       create_congress):
    add_delegate(create_congress(), code="DB0007", full_name="Người Lạ")
    with pytest.raises(NotFound) as refused:
        perform_checkin(door, congress, "DB0007")
    assert refused.value.code == "badge_unknown" and refused.value.delegate is None
    add_delegate(congress, code="DB0008", status=DelegateStatus.WITHDRAWN)
    with pytest.raises(Conflict) as withdrawn:
        perform_checkin(door, congress, "db0008")
    assert withdrawn.value.code == "delegate_withdrawn"
    assert count_checkins() == 0


def test_codes_that_differ_only_in_case_need_the_exact_one(congress, door):
    lower, _ = add_delegate(congress, code="ab1")
    upper, _ = add_delegate(congress, code="AB1")
    assert perform_checkin(door, congress, "ab1").delegate.id == lower.id
    assert perform_checkin(door, congress, "AB1").delegate.id == upper.id
    with pytest.raises(NotFound):  # "Ab1" could be either: not a guess
        perform_checkin(door, congress, "Ab1")


def test_a_code_never_opens_the_portal(client, congress):
    _delegate, token = add_delegate(congress, code="ABCDEFGHIJKLMNOPQRSTUV")  # token-shaped
    assert client.get("/b/ABCDEFGHIJKLMNOPQRSTUV").status_code == 404
    assert client.get(f"/b/{token}").status_code == 200


def test_a_withdrawn_delegate_is_refused(congress, door):
    delegate, token = add_delegate(congress, status=DelegateStatus.WITHDRAWN)
    with pytest.raises(Conflict) as refused:
        perform_checkin(door, congress, token)
    assert refused.value.code == "delegate_withdrawn"
    assert refused.value.delegate.id == delegate.id
    assert count_checkins() == 0


def test_a_session_of_another_congress_is_refused(congress, door, holder, create_congress,
                                                  create_session):
    other_session = create_session(create_congress())
    with pytest.raises(ValidationFailed) as refused:
        perform_checkin(door, congress, holder[1], session_id=other_session.id)
    assert set(refused.value.fields) == {"session_id"}
    assert count_checkins() == 0


def test_staff_of_another_congress_cannot_check_in_here(congress, holder, create_congress,
                                                       create_user):
    elsewhere = Actor(create_user(role="checkin", congress=create_congress()), source="web")
    with pytest.raises(NotFound):
        perform_checkin(elsewhere, congress, holder[1])
    assert count_checkins() == 0


def test_the_session_under_way_is_the_default_and_each_session_counts_once(
        agenda, door, holder):
    congress, sessions, items = agenda
    _delegate, token = holder
    # Nothing under way (the congress was in 2023): the check-in is for the congress.
    assert perform_checkin(door, congress, token).checkin.session_id is None
    congress.current_item_id = items[3].id  # an item of the second session
    db.session.commit()
    assert service.session_under_way(congress).id == sessions[1].id
    second = perform_checkin(door, congress, token)
    assert second.created and second.checkin.session_id == sessions[1].id
    first = perform_checkin(door, congress, token, session_id=sessions[0].id)
    assert first.created and first.checkin.session_id == sessions[0].id
    assert not perform_checkin(door, congress, token).created
    assert count_checkins() == 3


def test_a_session_is_under_way_from_an_hour_before_its_start(agenda):
    congress, sessions, _items = agenda
    sessions[1].starts_at += timedelta(hours=2)  # a gap of three hours after the first
    sessions[1].ends_at += timedelta(hours=2)
    db.session.commit()
    start = sessions[1].starts_at
    assert service.session_under_way(congress, start - timedelta(minutes=61)) is None
    assert service.session_under_way(congress, start - timedelta(minutes=59)).id == \
        sessions[1].id
    assert service.session_under_way(congress, sessions[0].ends_at).id == sessions[0].id
    assert service.session_under_way(congress, sessions[1].ends_at + timedelta(seconds=1)) \
        is None


def test_sessions_at_the_ends_of_the_calendar_do_not_stop_a_check_in(agenda, door, holder):
    """A session typed with year 1 or 9999 (the API accepts any date) once made every scan fail
    with a server error: the hour before its start was before the first day there is."""
    congress, sessions, _items = agenda
    sessions[0].starts_at = datetime(1, 1, 1, tzinfo=UTC)
    sessions[1].ends_at = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    db.session.commit()
    checked_in = perform_checkin(door, congress, holder[1])
    assert checked_in.created and checked_in.checkin.session_id == sessions[1].id


def test_at_lunch_the_afternoon_session_counts_though_the_morning_item_is_current(agenda):
    congress, sessions, items = agenda
    morning, afternoon = sessions
    afternoon.starts_at += timedelta(hours=2)  # 00:30-03:30 and 06:30-09:30 UTC
    afternoon.ends_at += timedelta(hours=2)
    congress.current_item_id = items[1].id  # the morning's last item, never moved on
    db.session.commit()
    during_morning = morning.starts_at + timedelta(hours=1)
    at_lunch = afternoon.starts_at - timedelta(minutes=30)  # the afternoon's doors are open
    gap = morning.ends_at + timedelta(minutes=10)  # no doors open: the agenda runs late
    assert service.session_under_way(congress, during_morning).id == morning.id
    assert service.session_under_way(congress, at_lunch).id == afternoon.id
    assert service.session_under_way(congress, gap).id == morning.id
    congress.current_item_id = None
    db.session.commit()
    assert service.session_under_way(congress, during_morning).id == morning.id
    assert service.session_under_way(congress, gap) is None
    # Doors open for the afternoon while the morning still runs: the current item decides.
    congress.current_item_id = items[0].id
    db.session.commit()
    overlap = afternoon.starts_at - timedelta(minutes=50)
    morning.ends_at = overlap + timedelta(minutes=5)
    db.session.commit()
    assert service.session_under_way(congress, overlap).id == morning.id
    congress.current_item_id = items[2].id
    db.session.commit()
    assert service.session_under_way(congress, overlap).id == afternoon.id


def test_a_session_moved_by_the_organizer_counts_at_once(agenda, door, holder, create_user):
    """The sessions' times are read once per agenda revision; an edit moves the revision."""
    congress, sessions, _items = agenda
    organizer = Actor(create_user("to.chuc", role="organizer", congress=congress), "", "web")
    now = datetime.now(UTC).replace(microsecond=0)
    assert service.session_under_way(congress, now) is None  # read (and kept) once
    update_session(organizer, sessions[1], {"starts_at": now - timedelta(minutes=5),
                                            "ends_at": now + timedelta(hours=2)})
    result = perform_checkin(door, congress, holder[1])
    assert result.checkin.session_id == sessions[1].id
    delete_session(organizer, sessions[1])
    assert service.session_under_way(congress, now) is None


def test_undo_then_check_in_again_is_audited(congress, door, holder):
    delegate, token = holder
    first = perform_checkin(door, congress, token, gate="Cổng A")
    undo_checkin(door, first.checkin)
    assert count_checkins() == 0
    again = perform_checkin(door, congress, token, gate="Cổng B")
    assert again.created and again.checkin.gate == "Cổng B"
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "checkin.undo"))
    assert entry.username == "cong.a" and entry.congress_id == congress.id
    assert entry.target == f"delegate:{delegate.code}"
    assert entry.details["gate"] == "Cổng A" and entry.address == "10.0.0.7"


def test_a_long_gate_name_is_cut_and_a_scan_request_is_validated(congress, door, holder):
    result = service.record_scan(door, congress.id, {"scan": holder[1], "gate": "  Cổng A  "})
    assert result.checkin.gate == "Cổng A"
    with pytest.raises(ValidationFailed) as refused:
        service.record_scan(door, congress.id, {"scan": "", "gate": "x" * 61, "extra": 1})
    assert set(refused.value.fields) == {"scan", "gate", "extra"}


# --- the scanner page ----------------------------------------------------------------------


@pytest.fixture
def signed_in(staff, login):
    login(staff)
    return staff


def panel_of(html: str) -> str:
    match = re.search(r'<div class="scan-result tone-(\w+)"', html)
    return match.group(1) if match else ""


def test_the_scanner_page_offers_gate_session_camera_and_search(client, agenda, signed_in):
    congress, sessions, items = agenda
    congress.current_item_id = items[0].id
    db.session.commit()
    page = client.get(f"/manage/{congress.id}/checkin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="gate"' in html and 'id="f-scan"' in html and "autofocus" in html
    assert f"now: {sessions[0].title}" in html  # the default: the session under way
    assert all(f'<option value="{s.id}"' in html for s in sessions)
    assert "vendor/jsQR.js" in html and "js/scanner.js" in html
    assert 'id="search-form"' in html and 'data-csrf="' in html


def test_the_scan_form_works_without_script(client, congress, signed_in, holder):
    delegate, token = holder
    url = f"/manage/{congress.id}/checkin"
    first = client.post(url, data={"scan": badge_url(token), "gate": "Cổng A", "session_id": ""})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and panel_of(html) == "ok"
    assert delegate.full_name in html and "B-12" in html and "Official delegate" in html
    assert "Undo this check-in" in html
    assert 'value="Cổng A"' in html  # the gate stays filled in for the next scan
    again = client.post(url, data={"scan": token, "gate": "Cổng B"})
    html = again.get_data(as_text=True)
    assert panel_of(html) == "warn" and "Already checked in" in html
    assert "at gate Cổng A" in html and "Undo" not in html
    unknown = client.post(url, data={"scan": "không phải thẻ", "gate": "Cổng B"})
    assert unknown.status_code == 404 and panel_of(unknown.get_data(as_text=True)) == "err"


def scan(client, congress, **body):
    return client.post(f"/manage/{congress.id}/checkin/scan", json=body)


def test_the_json_endpoint_answers_with_the_panel(client, congress, signed_in, holder,
                                                  create_user):
    delegate, token = holder
    first = scan(client, congress, scan=badge_url(token), gate="Cổng A", session_id=None)
    assert first.status_code == 201
    assert first.json["result"] == "checked_in" and first.json["checkin_id"]
    assert panel_of(first.json["html"]) == "ok" and delegate.full_name in first.json["html"]
    again = scan(client, congress, scan=token, gate="Cổng B")
    assert again.status_code == 200 and again.json["result"] == "already_checked_in"
    assert again.json["checkin_id"] == first.json["checkin_id"]
    assert panel_of(again.json["html"]) == "warn" and "Cổng A" in again.json["html"]


@pytest.mark.parametrize(("case", "status", "code"), [
    ("random", 404, "badge_unknown"), ("unknown", 404, "badge_unknown"),
    ("replaced", 410, "badge_revoked"), ("other congress", 404, "badge_unknown"),
    ("withdrawn", 409, "delegate_withdrawn"), ("other session", 422, "validation_failed"),
])
def test_each_refusal_shows_a_red_panel(client, congress, signed_in, create_congress,
                                        create_session, create_user, case, status, code):
    delegate, token = add_delegate(congress, full_name="Đào Anh Dũng")
    body = {"scan": badge_url(token), "gate": "Cổng A"}
    if case == "random":
        body["scan"] = "WIFI:S:HoiTruong;T:WPA;P:12345678;;"
    elif case == "unknown":
        body["scan"] = badge_url("Z" * 22)
    elif case == "replaced":
        reissue_badge(Actor(create_user(admin=True)), delegate)
    elif case == "other congress":
        body["scan"] = badge_url(add_delegate(create_congress(), full_name="Người Lạ")[1])
    elif case == "withdrawn":
        delegate.status = DelegateStatus.WITHDRAWN
        db.session.commit()
    elif case == "other session":
        body["session_id"] = create_session(create_congress()).id
    answer = scan(client, congress, **body)
    assert answer.status_code == status
    assert answer.json["result"] == "refused" and answer.json["code"] == code
    assert panel_of(answer.json["html"]) == "err"
    # The door sees whose badge it was when it is one of this congress's delegates.
    assert ("Đào Anh Dũng" in answer.json["html"]) == (case in ("replaced", "withdrawn"))
    assert "Người Lạ" not in answer.json["html"]
    assert count_checkins() == 0


def test_the_json_endpoint_needs_the_csrf_token_in_a_header(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        congress = bare_congress()
        user = User(username="gate.keeper", password_hash=PASSWORD_HASH)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user=user, congress_id=congress.id, role="checkin"))
        db.session.commit()
        _delegate, token = add_delegate(congress)
        congress_id = congress.id
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        login_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "gate.keeper", "password": PASSWORD,
                                    "csrf_token": login_token})
        html = client.get(f"/manage/{congress_id}/checkin").get_data(as_text=True)
        csrf = re.search(r'data-csrf="([^"]+)"', html).group(1)
        url = f"/manage/{congress_id}/checkin/scan"
        refused = client.post(url, json={"scan": token})
        assert refused.status_code == 400
        assert count_checkins() == 0
        accepted = client.post(url, json={"scan": token}, headers={"X-CSRFToken": csrf})
        assert accepted.status_code == 201
        db.session.remove()


def test_search_by_name_or_code_and_check_in_by_hand(client, congress, signed_in,
                                                     create_congress):
    truong, _token = add_delegate(congress, full_name="Nguyễn Văn Trường", code="DB0007")
    add_delegate(congress, full_name="Nguyễn Thị Rút", status=DelegateStatus.WITHDRAWN)
    stranger, _ = add_delegate(create_congress(), full_name="Nguyễn Văn Khách")
    url = f"/manage/{congress.id}/checkin/search"
    found = client.get(url, query_string={"q": "Nguyễn"}).json
    assert found["count"] == 2
    assert "Nguyễn Văn Trường" in found["html"] and "Khách" not in found["html"]
    assert found["html"].count('class="checkin-by-hand"') == 1  # not for the withdrawn
    assert "withdrawn" in found["html"]
    assert client.get(url, query_string={"q": "DB0007"}).json["count"] == 1
    assert client.get(url, query_string={"q": ""}).json["count"] == 0

    done = scan(client, congress, delegate_id=truong.id, gate="Bàn tiếp đón")
    assert done.status_code == 201 and "Nguyễn Văn Trường" in done.json["html"]
    after = client.get(url, query_string={"q": "Trường"}).json["html"]
    assert "checked in" in after and "checkin-by-hand" not in after
    # Without script: the search is a page, and its button a form post.
    page = client.get(f"/manage/{congress.id}/checkin", query_string={"q": "Trường"})
    assert "Nguyễn Văn Trường" in page.get_data(as_text=True)
    assert scan(client, congress, delegate_id=stranger.id).status_code == 404
    assert scan(client, congress, delegate_id="abc").status_code == 404
    by_form = client.post(f"/manage/{congress.id}/checkin",
                          data={"delegate_id": truong.id, "gate": "Bàn tiếp đón"})
    assert panel_of(by_form.get_data(as_text=True)) == "warn"


def test_check_in_staff_print_one_badge_from_the_search_but_no_print_run(client, congress,
                                                                        signed_in, api):
    truong, _token = add_delegate(congress, full_name="Nguyễn Văn Trường")
    add_delegate(congress, full_name="Nguyễn Thị Rút", status=DelegateStatus.WITHDRAWN)
    html = client.get(f"/manage/{congress.id}/checkin/search", query_string={"q": "Nguyễn"}
                      ).json["html"]
    links = re.findall(r'class="button secondary print-badge"[^>]*href="([^"]+)"', html)
    assert links == [f"/manage/delegates/{truong.id}/badge.pdf"]  # none for the withdrawn
    page = client.get(f"/manage/{congress.id}/checkin", query_string={"q": "Trường"})
    assert links[0] in page.get_data(as_text=True)  # the page without script too
    badge = client.get(links[0])
    assert badge.status_code == 200 and badge.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(badge.data)).pages) == 2  # the badge and its back (PIN)
    assert client.post(f"/manage/{congress.id}/badges", data={"layout": "sheet"}
                       ).status_code == 403
    caller = api(signed_in)
    assert caller.get(f"/api/v1/delegates/{truong.id}/badge.pdf").status_code == 200
    assert caller.get(f"/api/v1/congresses/{congress.id}/badges.pdf").status_code == 403


def test_undo_from_the_page_with_and_without_script(client, congress, signed_in, holder):
    _delegate, token = holder
    checkin_id = scan(client, congress, scan=token, gate="Cổng A").json["checkin_id"]
    undone = client.post(f"/manage/checkins/{checkin_id}/undo", json={})
    assert undone.status_code == 200 and undone.json["result"] == "undone"
    assert "no longer checked in" in undone.json["html"]
    assert count_checkins() == 0
    checkin_id = scan(client, congress, scan=token, gate="Cổng A").json["checkin_id"]
    form = client.post(f"/manage/checkins/{checkin_id}/undo",
                       data={"gate": "Cổng A", "session_id": ""})
    assert form.status_code == 302
    assert form.headers["Location"].startswith(f"/manage/{congress.id}/checkin?gate=")
    assert count_checkins() == 0
    assert client.post(f"/manage/checkins/{checkin_id}/undo").status_code == 404
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "checkin.undo")) == 2


def test_an_earlier_day_shows_the_date_with_the_time(client, congress, signed_in, holder):
    _delegate, token = holder
    first = perform_checkin(Actor(signed_in), congress, token, gate="Cổng A")
    first.checkin.checked_in_at = datetime(2023, 9, 28, 1, 5, tzinfo=UTC)
    db.session.commit()
    html = scan(client, congress, scan=token).json["html"]
    assert "28/09/2023, 08:05" in html or "28 September 2023, 08:05" in html


def test_the_panel_shows_the_photo(client, congress, signed_in, holder):
    delegate, token = holder
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (30, 90, 200)).save(buffer, "PNG")
    delegate.photo = photos.store_photo(delegate.id, photos.process_photo(buffer.getvalue()))
    db.session.commit()
    html = scan(client, congress, scan=token).json["html"]
    assert f'<img class="scan-photo" src="/manage/delegates/{delegate.id}/photo.jpg"' in html
    picture = client.get(f"/manage/delegates/{delegate.id}/photo.jpg")
    picture.close()
    assert picture.status_code == 200
