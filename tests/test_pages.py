"""Organizers' and operators' pages: congress settings, agenda editing, control, audit log."""

import pytest

from conference.agenda.models import AgendaItem, CongressSession
from conference.audit.models import AuditEntry
from conference.congresses.models import Congress
from conference.extensions import db


@pytest.fixture
def organizer(agenda, create_user, login):
    user = create_user(role="organizer", congress=agenda[0])
    login(user)
    return user


def count(model):
    return db.session.scalar(db.select(db.func.count(model.id)))


CONGRESS_FORM = {"name": "Đại hội Công đoàn cơ sở Trường THPT Phan Đình Phùng",
                 "starts_on": "2023-09-27", "ends_on": "2023-09-28",
                 "timezone": "Asia/Ho_Chi_Minh", "quorum_numerator": "1",
                 "quorum_denominator": "2", "quorum_strict": "1"}


def test_a_congress_creator_makes_a_congress_and_becomes_its_organizer(client, create_user,
                                                                       login):
    user = create_user(can_create=True)
    login(user)
    response = client.post("/manage/new", data=CONGRESS_FORM)
    assert response.status_code == 302
    congress = db.session.scalar(db.select(Congress))
    assert congress.slug == "dai-hoi-cong-doan-co-so-truong-thpt-phan-dinh-phung"
    assert congress.published is False and congress.quorum_strict is True
    db.session.expire_all()
    assert user.role_in(congress.id) == "organizer"
    assert client.get(f"/c/{congress.slug}").status_code == 404  # not public yet


def test_an_organizer_chooses_the_check_in_rule(client, create_user, login):
    login(create_user(can_create=True))
    page = client.get("/manage/new").get_data(as_text=True)
    assert 'value="congress" checked>' in page and 'value="session">' in page
    assert client.post("/manage/new", data=CONGRESS_FORM | {"checkin_rule": "session"}
                       ).status_code == 302
    congress = db.session.scalar(db.select(Congress))
    assert congress.checkin_rule == "session"
    edit = client.get(f"/manage/{congress.id}/edit").get_data(as_text=True)
    assert 'value="session" checked>' in edit
    refused = client.post(f"/manage/{congress.id}/edit",
                          data=CONGRESS_FORM | {"checkin_rule": "sometimes"})
    assert refused.status_code == 422
    db.session.expire_all()
    assert congress.checkin_rule == "session"


def test_a_user_without_the_right_cannot_create_congresses(client, create_user, login):
    login(create_user())
    assert client.post("/manage/new", data=CONGRESS_FORM).status_code == 403
    assert count(Congress) == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 301}, "name"),
    ({"ends_on": "2023-09-26"}, "ends_on"),
    ({"starts_on": "28/09/2023"}, "starts_on"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"quorum_numerator": "3"}, "quorum_numerator"),
    ({"slug": "Có Dấu"}, "slug"),
])
def test_congress_form_errors_are_shown_per_field_and_nothing_is_saved(
        client, create_user, login, change, field):
    login(create_user(can_create=True))
    response = client.post("/manage/new", data=CONGRESS_FORM | change)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.get_data(as_text=True)
    assert count(Congress) == 0


def test_publish_and_hide(client, organizer, agenda):
    congress = agenda[0]
    client.post(f"/manage/{congress.id}/publish", data={"published": "0"})
    assert client.get(f"/c/{congress.slug}").status_code == 404
    client.post(f"/manage/{congress.id}/publish", data={"published": "1"})
    assert client.get(f"/c/{congress.slug}").status_code == 200


def test_a_published_congress_cannot_be_deleted(client, organizer, agenda):
    congress = agenda[0]
    response = client.post(f"/manage/{congress.id}/delete")
    assert response.status_code == 409
    client.post(f"/manage/{congress.id}/publish", data={"published": "0"})
    assert client.post(f"/manage/{congress.id}/delete").status_code == 302
    assert count(Congress) == 0 and count(AgendaItem) == 0


def test_session_form_reads_local_time_and_refuses_end_before_start(client, organizer, agenda):
    congress = agenda[0]
    bad = client.post(f"/manage/{congress.id}/sessions/new", data={
        "title": "Phiên bế mạc", "kind": "closing", "starts_at": "2023-09-28T14:00",
        "ends_at": "2023-09-28T13:00", "room": "", "chair": ""})
    assert bad.status_code == 422 and 'id="e-ends_at"' in bad.get_data(as_text=True)
    good = client.post(f"/manage/{congress.id}/sessions/new", data={
        "title": "Phiên bế mạc", "kind": "closing", "starts_at": "2023-09-28T14:00",
        "ends_at": "2023-09-28T16:30", "room": "Hội trường A", "chair": ""})
    assert good.status_code == 302
    session = db.session.scalar(db.select(CongressSession).where(
        CongressSession.title == "Phiên bế mạc"))
    assert session.starts_at.isoformat() == "2023-09-28T07:00:00+00:00"
    edit_page = client.get(f"/manage/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="2023-09-28T14:00"' in edit_page


def test_item_form_adds_to_the_end_and_validates(client, organizer, agenda):
    _congress, sessions, _items = agenda
    bad = client.post(f"/manage/sessions/{sessions[0].id}/items/new", data={
        "title": "", "duration_minutes": "abc", "session_id": sessions[0].id})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="e-title"' in page and 'id="e-duration_minutes"' in page
    client.post(f"/manage/sessions/{sessions[0].id}/items/new", data={
        "title": "Nghỉ giải lao", "duration_minutes": "15", "session_id": sessions[0].id})
    db.session.expire_all()
    assert [i.title for i in sessions[0].items][-1] == "Nghỉ giải lao"


def test_up_and_down_buttons_reorder_without_javascript(client, organizer, agenda):
    _congress, sessions, items = agenda
    response = client.post(f"/manage/items/{items[1].id}/move", data={"direction": "up"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.title for i in sessions[0].items] == ["Bầu Đoàn Chủ tịch", "Khai mạc"]


def test_drag_and_drop_posts_the_new_order(client, organizer, agenda):
    congress, sessions, items = agenda
    response = client.post(f"/manage/{congress.id}/agenda/arrange", json={"sessions": {
        str(sessions[0].id): [items[4].id, items[0].id, items[1].id],
        str(sessions[1].id): [items[2].id, items[3].id]}})
    assert response.status_code == 200
    assert [i["title"] for i in response.json["sessions"][0]["items"]] == [
        "Bế mạc", "Khai mạc", "Bầu Đoàn Chủ tịch"]
    garbage = client.post(f"/manage/{congress.id}/agenda/arrange", data="not json")
    assert garbage.status_code == 422


def test_operator_controls_the_current_item(client, agenda, create_user, login):
    congress, _sessions, items = agenda
    login(create_user(role="operator", congress=congress))
    client.post(f"/manage/{congress.id}/control/next")
    client.post(f"/manage/{congress.id}/control/next")
    db.session.expire_all()
    assert db.session.get(Congress, congress.id).current_item_id == items[1].id
    client.post(f"/manage/{congress.id}/control/start", data={"item_id": items[4].id})
    page = client.post(f"/manage/{congress.id}/control/next", follow_redirects=True)
    assert page.status_code == 200  # at the end: a message, not an error page
    assert "flash-error" in page.get_data(as_text=True)
    client.post(f"/manage/{congress.id}/control/clear")
    db.session.expire_all()
    assert db.session.get(Congress, congress.id).current_item_id is None
    assert client.post(f"/manage/{congress.id}/control/explode").status_code == 404


def test_public_page_marks_the_current_item_and_escapes_titles(client, agenda, organizer):
    congress, sessions, items = agenda
    client.post(f"/manage/items/{items[2].id}/edit", data={
        "title": "<script>alert(1)</script> Báo cáo", "session_id": sessions[1].id})
    client.post(f"/manage/{congress.id}/control/start", data={"item_id": items[2].id})
    page = client.get(f"/c/{congress.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Báo cáo" in page
    assert f'data-item-id="{items[2].id}" class="current"' in page


def test_public_page_works_for_an_anonymous_phone(app, agenda):
    congress = agenda[0]
    page = app.test_client().get(f"/c/{congress.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="viewport"' in html and "Khai mạc" in html
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_pages_and_ids_are_404_pages_without_traceback(client, organizer):
    for path in ("/c/no-such-congress", "/manage/999/", "/manage/items/999/edit",
                 "/manage/sessions/999/edit"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Traceback" not in response.get_data(as_text=True)


def test_audit_log_lists_changes_and_filters(client, agenda, create_user, login):
    congress, _sessions, items = agenda
    operator = create_user("dieuhanh", role="operator", congress=congress)
    login(operator)
    client.post(f"/manage/{congress.id}/control/start", data={"item_id": items[0].id})
    client.post("/logout")
    login(create_user(admin=True))
    rows = client.get("/admin/audit?username=dieuhanh&action=agenda.").text.split("<tbody>")[1]
    assert "Chuyển nội dung đang diễn ra" in rows and "dieuhanh" in rows
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "agenda.current"))
    assert entry.address == "127.0.0.1" and entry.congress_id == congress.id
    empty = client.get("/admin/audit?username=nobody").text.split("<tbody>")[1]
    assert "Chuyển nội dung đang diễn ra" not in empty
