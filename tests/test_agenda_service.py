"""Agenda rules: order, moves across sessions, the current item, and the signal after commit."""

import pytest

from conference.agenda import service
from conference.auth.service import Actor
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.signals import agenda_changed


@pytest.fixture
def organizer(agenda, create_user):
    congress = agenda[0]
    return Actor(create_user(role="organizer", congress=congress))


def titles(congress):
    return [item.title for item in service.ordered_items(congress)]


def test_items_follow_session_time_then_position(agenda):
    congress, _sessions, _items = agenda
    assert titles(congress) == ["Khai mạc", "Bầu Đoàn Chủ tịch", "Báo cáo chính trị",
                                "Thảo luận", "Bế mạc"]


def test_next_moves_across_the_session_boundary(agenda, organizer):
    congress, _sessions, items = agenda
    service.set_current_item(organizer, congress, items[1].id)
    state = service.step_current_item(organizer, congress, +1)
    assert state["current_item_id"] == items[2].id
    assert state["current_session_id"] == items[2].session_id
    state = service.step_current_item(organizer, congress, -1)
    assert state["current_item_id"] == items[1].id


def test_next_from_nothing_starts_the_first_item_and_stops_at_the_end(agenda, organizer):
    congress, _sessions, items = agenda
    assert service.step_current_item(organizer, congress, +1)["current_item_id"] == items[0].id
    service.set_current_item(organizer, congress, items[-1].id)
    with pytest.raises(Conflict) as end:
        service.step_current_item(organizer, congress, +1)
    assert end.value.code == "agenda_end"
    assert congress.current_item_id == items[-1].id


def test_previous_at_the_start_and_with_nothing_current_is_refused(agenda, organizer):
    congress, _sessions, items = agenda
    with pytest.raises(Conflict):
        service.step_current_item(organizer, congress, -1)
    service.set_current_item(organizer, congress, items[0].id)
    with pytest.raises(Conflict) as start:
        service.step_current_item(organizer, congress, -1)
    assert start.value.code == "agenda_start"


def test_current_item_of_another_congress_is_refused(agenda, organizer, create_congress,
                                                     create_session, create_item):
    congress = agenda[0]
    other_item = create_item(create_session(create_congress()))
    with pytest.raises(ValidationFailed) as refused:
        service.set_current_item(organizer, congress, other_item.id)
    assert "item_id" in refused.value.fields
    assert congress.current_item_id is None


def test_moving_the_current_item_sends_agenda_changed_after_commit(agenda, organizer):
    congress, _sessions, items = agenda
    seen = []

    def receiver(sender, **extra):
        # A receiver must find the change already committed: read it on a fresh connection.
        with db.engine.connect() as connection:
            stored = connection.execute(
                db.text("SELECT current_item_id FROM congresses WHERE id = :id"),
                {"id": sender.id}).scalar()
        seen.append((extra["kind"], stored))

    with agenda_changed.connected_to(receiver):
        service.set_current_item(organizer, congress, items[2].id)
    assert seen == [("current", items[2].id)]


def test_revision_grows_with_every_change(agenda, organizer):
    congress, _sessions, items = agenda
    before = service.agenda_state(congress)["revision"]
    service.set_current_item(organizer, congress, items[0].id)
    service.move_item(organizer, items[4], -1)
    assert service.agenda_state(congress)["revision"] == before + 2


def test_move_up_at_the_top_of_a_session_goes_to_the_previous_session(agenda, organizer):
    congress, sessions, items = agenda
    service.move_item(organizer, items[2], -1)
    db.session.expire_all()
    assert [i.title for i in sessions[0].items] == ["Khai mạc", "Bầu Đoàn Chủ tịch",
                                                    "Báo cáo chính trị"]
    assert titles(congress)[2] == "Báo cáo chính trị"
    service.move_item(organizer, db.session.get(type(items[0]), items[0].id), -1)
    assert titles(congress)[0] == "Khai mạc"  # already first: nothing moves


def test_arrange_rejects_items_of_another_congress_and_lost_items(agenda, organizer,
                                                                  create_congress,
                                                                  create_session, create_item):
    congress, sessions, items = agenda
    stranger = create_item(create_session(create_congress()))
    with pytest.raises(ValidationFailed):
        service.arrange_agenda(organizer, congress,
                               {sessions[0].id: [items[0].id, stranger.id, items[1].id]})
    with pytest.raises(ValidationFailed):
        service.arrange_agenda(organizer, congress, {sessions[0].id: [items[0].id]})
    assert titles(congress)[:2] == ["Khai mạc", "Bầu Đoàn Chủ tịch"]


def test_arrange_moves_an_item_into_another_session(agenda, organizer):
    congress, sessions, items = agenda
    service.arrange_agenda(organizer, congress, {
        sessions[0].id: [items[0].id],
        sessions[1].id: [items[1].id, items[2].id, items[3].id, items[4].id]})
    assert titles(congress) == ["Khai mạc", "Bầu Đoàn Chủ tịch", "Báo cáo chính trị",
                                "Thảo luận", "Bế mạc"]
    db.session.expire_all()
    assert db.session.get(type(items[1]), items[1].id).session_id == sessions[1].id


def test_deleting_the_current_item_clears_it(agenda, organizer):
    congress, _sessions, items = agenda
    service.set_current_item(organizer, congress, items[3].id)
    service.delete_item(organizer, items[3])
    assert service.agenda_state(congress)["current_item_id"] is None


def test_session_must_end_after_it_starts(agenda, organizer):
    congress = agenda[0]
    with pytest.raises(ValidationFailed) as refused:
        service.create_session(organizer, congress, {
            "title": "Phiên bế mạc", "starts_at": "2023-09-28T14:00",
            "ends_at": "2023-09-28T13:00"})
    assert set(refused.value.fields) == {"ends_at"}


def test_times_without_offset_are_the_congress_local_time(agenda, organizer):
    congress = agenda[0]
    session = service.create_session(organizer, congress, {
        "title": "Phiên bế mạc", "kind": "closing", "starts_at": "2023-09-28T14:00",
        "ends_at": "2023-09-28T16:30+07:00"})
    assert session.starts_at.isoformat() == "2023-09-28T07:00:00+00:00"
    assert session.ends_at.isoformat() == "2023-09-28T09:30:00+00:00"


def test_item_cannot_move_into_another_congress_session(agenda, organizer, create_congress,
                                                        create_session):
    _congress, _sessions, items = agenda
    foreign = create_session(create_congress())
    with pytest.raises(ValidationFailed) as refused:
        service.update_item(organizer, items[0], {"session_id": foreign.id})
    assert "session_id" in refused.value.fields
    db.session.expire_all()
    assert db.session.get(type(items[0]), items[0].id).session_id != foreign.id
