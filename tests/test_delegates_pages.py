"""Delegate pages: the list with search, filters, sort and pages; the form; one delegate."""

from __future__ import annotations

import re
import unicodedata

import pytest

from conference.audit.models import AuditEntry
from conference.auth.service import Actor
from conference.badges.identity import (
    BadgeRevoked,
    BadgeUnknown,
    badge_token,
    find_badge,
    reissue_badge,
)
from conference.badges.models import RevokedBadge
from conference.checkin.service import check_in_delegate
from conference.delegates import service
from conference.delegates.models import Delegate
from conference.extensions import db

pytestmark = pytest.mark.english


@pytest.fixture
def add(congress, create_user):
    """Register a delegate through the service, as an administrator."""
    admin = Actor(create_user(admin=True))

    def make(full_name, **fields):
        return service.create_delegate(admin, congress, {"full_name": full_name} | fields)

    return make


FORM = {"full_name": "Trần Thị Mai", "code": "", "category": "official", "unit": "",
        "position": "", "delegation": "", "seat": "", "gender": "", "phone": "", "email": "",
        "status": "registered", "notes": ""}


def names(response) -> list[str]:
    return re.findall(r'<a href="/manage/delegates/\d+">([^<]+)</a>', response.text)


# --- the list --------------------------------------------------------------------------------


@pytest.fixture
def some(add):
    return [add("Nguyễn Văn Trường", code="DB001", unit="LĐLĐ huyện Cẩm Xuyên",
                delegation="Đoàn Cẩm Xuyên", seat="A1"),
            add("Trương Thị Lan", code="DB002", category="guest", unit="Công đoàn ngành Y tế",
                delegation="Đoàn Y tế", seat="A2"),
            add("Đào Anh Dũng", code="KM-07", unit="Công đoàn Khu kinh tế",
                delegation="Đoàn Cẩm Xuyên", seat="B10", status="withdrawn"),
            add("Lê An", code="DB004", unit="Công đoàn ngành Giáo dục", seat="C3")]


def test_the_list_is_in_vietnamese_order_with_counts(client, congress, organizer, some):
    response = client.get(f"/manage/{congress.id}/delegates")
    assert response.status_code == 200
    # By given name: An, Dũng, Lan, Trường.
    assert names(response) == ["Lê An", "Đào Anh Dũng", "Trương Thị Lan", "Nguyễn Văn Trường"]
    assert "4 delegates" in response.text
    assert "registered 3 · confirmed 0 · withdrawn 1" in response.text
    assert "Official delegate 2 · Guest 1" in response.text  # withdrawn ones are not expected
    assert 'href="/manage/' + str(congress.id) + '/delegates/new"' in response.text


@pytest.mark.parametrize(("q", "expected"), [
    ("truong", ["Trương Thị Lan", "Nguyễn Văn Trường"]),  # without diacritics finds both
    ("Trường", ["Trương Thị Lan", "Nguyễn Văn Trường"]),
    ("nguyen truong", ["Nguyễn Văn Trường"]),             # every word, in any order
    ("km-07", ["Đào Anh Dũng"]),                          # code
    ("giáo dục", ["Lê An"]),                               # unit
    ("B10", ["Đào Anh Dũng"]),                            # seat
    ("%", []),                                            # no wildcards
    ("_", []),
])
def test_search_by_name_code_unit_or_seat(client, congress, organizer, some, q, expected):
    response = client.get(f"/manage/{congress.id}/delegates", query_string={"q": q})
    assert names(response) == expected


def test_filters_and_sort(client, congress, organizer, some):
    url = f"/manage/{congress.id}/delegates"
    assert names(client.get(url, query_string={"category": "guest"})) == ["Trương Thị Lan"]
    assert names(client.get(url, query_string={"status": "withdrawn"})) == ["Đào Anh Dũng"]
    assert names(client.get(url, query_string={"delegation": "Đoàn Cẩm Xuyên"})) == [
        "Đào Anh Dũng", "Nguyễn Văn Trường"]
    assert names(client.get(url, query_string={"sort": "code"})) == [
        "Nguyễn Văn Trường", "Trương Thị Lan", "Lê An", "Đào Anh Dũng"]
    empty = client.get(url, query_string={"q": "không ai"})
    assert "No delegate matches." in empty.text and "Show all" in empty.text


def test_pages_of_fifty_keep_the_filters(client, congress, organizer, add):
    for number in range(1, 56):
        add(f"Đại biểu {number:02d}", code=f"X{number:02d}", category="guest")
    add("Người khác", code="Y1")
    url = f"/manage/{congress.id}/delegates"
    first = client.get(url, query_string={"category": "guest", "sort": "code"})
    assert len(names(first)) == 50 and "Showing 1–50 of 55." in first.text
    assert "Page 1 of 2" in first.text
    next_link = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = client.get(next_link)
    assert names(second) == [f"Đại biểu {n}" for n in range(51, 56)]
    assert "Showing 51–55 of 55." in second.text
    beyond = client.get(url, query_string={"page": 99})  # the last page, not an empty one
    assert "Page 2 of 2" in beyond.text


def test_checkin_staff_see_the_list_but_no_editing(client, congress, create_user, login, some):
    login(create_user(role="checkin", congress=congress))
    response = client.get(f"/manage/{congress.id}/delegates")
    assert response.status_code == 200 and len(names(response)) == 4
    assert "/delegates/new" not in response.text and "export" not in response.text
    detail = client.get(f"/manage/delegates/{some[0].id}")
    assert detail.status_code == 200 and "Reissue badge" not in detail.text
    assert "/b/" not in detail.text  # the badge token is for organizers
    assert client.get(f"/manage/delegates/{some[0].id}/edit").status_code == 403


def test_names_are_escaped(client, congress, organizer, add):
    add("<script>alert(1)</script> Hùng")
    response = client.get(f"/manage/{congress.id}/delegates")
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hùng" in response.text


# --- the form --------------------------------------------------------------------------------


def test_register_a_delegate(client, congress, organizer):
    typed = unicodedata.normalize("NFD", "  Nguyễn Thị Hương ")  # as a Mac keyboard sends it
    response = client.post(f"/manage/{congress.id}/delegates/new", data=FORM | {
        "full_name": typed, "gender": "female", "phone": "0912 345 678", "seat": "A5",
        "category": "guest", "notes": "Ăn chay"})
    assert response.status_code == 302
    delegate = db.session.scalar(db.select(Delegate))
    assert response.headers["Location"] == f"/manage/delegates/{delegate.id}"
    assert delegate.full_name == "Nguyễn Thị Hương"
    assert delegate.full_name == unicodedata.normalize("NFC", delegate.full_name)
    assert (delegate.code, delegate.category, delegate.gender) == ("DB0001", "guest", "female")
    page = client.get(f"/manage/delegates/{delegate.id}")
    assert "Delegate registered." in page.text and "Ăn chay" in page.text


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"full_name": "   "}, "full_name", "This field is required."),
    ({"full_name": "x" * 201}, "full_name", "At most 200 characters."),
    ({"category": "press"}, "category", "Unknown category."),
    ({"code": "DB 01"}, "code", "Letters, digits, dots, dashes or slashes."),
    ({"email": "not-an-address"}, "email", "This is not an email address."),
    ({"phone": "call me"}, "phone", "This is not a phone number."),
    ({"status": "maybe"}, "status", "Choose one of"),
    ({"gender": "x"}, "gender", "Choose one of"),
])
def test_form_errors_are_shown_per_field_and_nothing_is_saved(client, congress, organizer,
                                                              change, field, message):
    response = client.post(f"/manage/{congress.id}/delegates/new", data=FORM | change)
    assert response.status_code == 422
    assert re.search(rf'class="field has-error">\s*<label for="f-{field}"', response.text)
    assert message in response.text
    assert db.session.scalar(db.select(db.func.count(Delegate.id))) == 0


def test_a_taken_code_is_refused_on_new_and_on_edit(client, congress, organizer, add):
    first = add("Lê Văn Hùng", code="DB001")
    second = add("Võ Thị Lan", code="DB002")
    response = client.post(f"/manage/{congress.id}/delegates/new", data=FORM | {"code": "DB001"})
    assert response.status_code == 422
    assert "Another delegate of this congress has this code." in response.text
    edit = client.post(f"/manage/delegates/{second.id}/edit",
                       data=service.delegate_values(second) | {"code": "DB001"})
    assert edit.status_code == 422 and 'id="e-code"' in edit.text
    db.session.expire_all()
    assert (first.code, second.code) == ("DB001", "DB002")
    # Its own code is fine, and codes are per congress.
    same = client.post(f"/manage/delegates/{second.id}/edit",
                       data=service.delegate_values(second) | {"seat": "B1"})
    assert same.status_code == 302


def test_edit_shows_the_current_values_and_saves(client, organizer, add):
    delegate = add("Lê Văn Hùng", code="DB001", unit="LĐLĐ thị xã Kỳ Anh", gender="male")
    form = client.get(f"/manage/delegates/{delegate.id}/edit")
    assert 'value="LĐLĐ thị xã Kỳ Anh"' in form.text
    assert '<option value="male" selected>' in form.text
    response = client.post(f"/manage/delegates/{delegate.id}/edit",
                           data=service.delegate_values(delegate) | {"code": "",
                                                                     "position": "Chủ tịch"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (delegate.code, delegate.position) == ("DB001", "Chủ tịch")  # empty code: kept


def test_a_delegate_of_another_congress_is_not_found(client, organizer, create_congress,
                                                     create_user):
    other = create_congress()
    stranger = service.create_delegate(Actor(create_user(admin=True)), other,
                                       {"full_name": "Người lạ"})
    for path in ("", "/edit", "/photo.jpg"):
        assert client.get(f"/manage/delegates/{stranger.id}{path}").status_code == 404
    assert client.post(f"/manage/delegates/{stranger.id}/withdraw").status_code == 404
    assert client.get(f"/manage/{other.id}/delegates").status_code == 404


# --- one delegate ----------------------------------------------------------------------------


def test_the_delegate_page_links_the_badge_and_the_portal(client, organizer, add):
    delegate = add("Lê Văn Hùng", code="DB001")
    page = client.get(f"/manage/delegates/{delegate.id}")
    assert f'href="/manage/delegates/{delegate.id}/badge.pdf"' in page.text
    assert "Badge (PDF)" in page.text and "Reissue badge" in page.text
    assert f"http://localhost/b/{badge_token(delegate)}" in page.text


def test_the_portal_link_uses_public_url(make_app, create_user, create_congress, login):
    app = make_app(PUBLIC_URL="https://daihoi.example.vn/")
    with app.app_context():
        congress = create_congress()
        user = create_user(role="organizer", congress=congress)
        delegate = service.create_delegate(Actor(user), congress, {"full_name": "Lê Văn Hùng"})
        client = app.test_client()
        login(user, the_client=client)
        page = client.get(f"/manage/delegates/{delegate.id}")
        assert f"https://daihoi.example.vn/b/{badge_token(delegate)}" in page.text


def test_reissue_replaces_the_badge(client, organizer, add):
    delegate = add("Lê Văn Hùng")
    old = badge_token(delegate)
    response = client.post(f"/manage/delegates/{delegate.id}/reissue", follow_redirects=True)
    assert "A new badge was issued" in response.text
    db.session.expire_all()
    with pytest.raises(BadgeRevoked):
        find_badge(old)
    assert find_badge(badge_token(delegate)).id == delegate.id


def test_withdraw_keeps_the_record(client, organizer, add):
    delegate = add("Lê Văn Hùng")
    response = client.post(f"/manage/delegates/{delegate.id}/withdraw", follow_redirects=True)
    assert "is withdrawn" in response.text
    db.session.expire_all()
    assert delegate.status == "withdrawn"
    assert ">Withdraw</button>" not in response.text
    assert db.session.scalar(db.select(AuditEntry.action).where(
        AuditEntry.action == "delegate.update"))


def test_delete_only_a_delegate_who_never_checked_in(client, congress, organizer, add):
    mistake = add("Nhập nhầm")
    mistake_id, first_badge = mistake.id, badge_token(mistake)
    reissue_badge(Actor(organizer), mistake)  # its replaced badge goes with it
    response = client.post(f"/manage/delegates/{mistake_id}/delete")
    assert response.headers["Location"] == f"/manage/{congress.id}/delegates"
    db.session.expire_all()
    assert db.session.get(Delegate, mistake_id) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(RevokedBadge)) == 0
    with pytest.raises(BadgeUnknown):
        find_badge(first_badge)

    came = add("Lê Văn Hùng")
    check_in_delegate(Actor(organizer), came)
    page = client.get(f"/manage/delegates/{came.id}")
    assert "checked in" in page.text and ">Delete</button>" not in page.text
    refused = client.post(f"/manage/delegates/{came.id}/delete", follow_redirects=True)
    assert "has checked in, so the record stays" in refused.text
    assert db.session.get(Delegate, came.id) is not None


def test_the_vietnamese_page_is_the_default(make_app, create_user, create_congress, login):
    app = make_app()
    with app.app_context():
        congress = create_congress()
        user = create_user(role="organizer", congress=congress)
        client = app.test_client()
        login(user, the_client=client)
        response = client.get(f"/manage/{congress.id}/delegates/new")
        assert response.status_code == 200 and 'lang="vi"' in response.text
        assert "Đại biểu chính thức" in response.text  # the category's Vietnamese label
