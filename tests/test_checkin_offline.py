"""Scans a gate made while the venue Wi-Fi was down, sent later to
POST /api/v1/congresses/{id}/checkins/batch: judged at their own time, never counted twice."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from conference.auth.service import Actor
from conference.badges.identity import reissue_badge
from conference.checkin.models import CheckIn, OfflineScan
from conference.dates import utcnow
from conference.delegates.models import Delegate, DelegateStatus
from conference.extensions import db
from tests import test_checkin_api
from tests.test_checkin import add_delegate, badge_url, count_checkins

# The check-in API tests' world: the agenda's congress, and its check-in staff through the API.
congress = test_checkin_api.congress
gate = test_checkin_api.gate


def send(caller, congress, *items):
    return caller.post(f"/api/v1/congresses/{congress.id}/checkins/batch",
                       json={"items": list(items)})


def checkin_id(answer) -> int:
    return answer.json["items"][0]["checkin"]["id"]


def scan(token, nonce, when, gate="Cổng A", **fields):
    return {"scan": token, "nonce": nonce, "scanned_at": when.isoformat(), "gate": gate,
            **fields}


def test_two_gates_and_a_retry_make_one_check_in_at_the_earliest_time(gate, congress, agenda):
    delegate, token = add_delegate(congress, full_name="Trần Thị Hoa")
    start = agenda[1][0].starts_at
    later, earlier = start + timedelta(minutes=20), start + timedelta(minutes=5)
    first = send(gate, congress, scan(badge_url(token), "gate-a-0001", later))
    assert first.status_code == 200 and first.json["items"][0]["result"] == "checked_in"
    other_gate = send(gate, congress, scan(token, "gate-b-0001", earlier, gate="Cổng B"))
    assert other_gate.json["items"][0]["result"] == "already_checked_in"
    retry = send(gate, congress, scan(badge_url(token), "gate-a-0001", later))
    answered = retry.json["items"][0]  # as the first time, with the check-in as it is now
    assert (answered["result"], answered["checkin"]["id"]) == ("checked_in", checkin_id(first))
    db.session.expire_all()
    [checkin] = db.session.scalars(db.select(CheckIn)).all()
    assert checkin.delegate_id == delegate.id
    assert checkin.checked_in_at == earlier and checkin.gate == "Cổng B"
    scans = db.session.scalars(db.select(OfflineScan).order_by(OfflineScan.id)).all()
    assert [(s.nonce, s.gate, s.checkin_id) for s in scans] == [
        ("gate-a-0001", "Cổng A", checkin.id), ("gate-b-0001", "Cổng B", checkin.id)]


def test_each_scan_is_answered_in_order_and_refusals_change_nothing(gate, congress, agenda,
                                                                   create_user):
    now = agenda[1][0].starts_at
    good, _token = add_delegate(congress, code="DB0007")
    _gone, gone_token = add_delegate(congress, status=DelegateStatus.WITHDRAWN)
    replaced, old_token = add_delegate(congress)
    reissue_badge(Actor(create_user(admin=True)), replaced)
    answer = send(gate, congress,
                  scan("not a badge at all", "n-unknown-1", now),
                  scan(old_token, "n-revoked-1", now),
                  scan(gone_token, "n-withdrawn", now),
                  scan("db 0007", "n-printed-1", now))
    assert answer.status_code == 200
    items = answer.json["items"]
    assert [i["nonce"] for i in items] == ["n-unknown-1", "n-revoked-1", "n-withdrawn",
                                          "n-printed-1"]
    assert [i["result"] for i in items] == ["badge_unknown", "badge_revoked",
                                           "delegate_withdrawn", "checked_in"]
    assert items[0]["delegate"] is None and items[0]["message"]
    assert items[3]["delegate"]["id"] == good.id and items[3]["checkin"]["gate"] == "Cổng A"
    assert count_checkins() == 1


def test_a_scan_counts_for_the_session_under_way_at_its_own_time(gate, congress, agenda):
    _congress, sessions, _items = agenda
    _delegate, token = add_delegate(congress)
    during_second = sessions[1].starts_at + timedelta(minutes=10)
    answer = send(gate, congress, scan(token, "n-session-1", during_second))
    assert answer.json["items"][0]["checkin"]["session_id"] == sessions[1].id
    _other, other_token = add_delegate(congress)
    future = send(gate, congress, scan(other_token, "n-future-1",
                                       utcnow() + timedelta(days=2)))  # a gate's clock ahead
    checked = future.json["items"][0]["checkin"]
    assert checked["session_id"] is None  # nothing under way now, in 2026
    db.session.expire_all()
    assert db.session.get(CheckIn, checked["id"]).checked_in_at <= utcnow()


# A valid scan of a real badge first (the "<badge>" is replaced by its token): were the batch
# not refused whole, it would be checked in.
GOOD = {"scan": "<badge>", "nonce": "n-good-0001", "scanned_at": "2023-09-28T08:00"}


@pytest.mark.parametrize(("items", "field"), [
    ([GOOD, {"scan": "x", "nonce": "short", "scanned_at": "2023-09-28T08:00"}], "items.1.nonce"),
    ([GOOD, {"scan": "x", "nonce": "has spaces in", "scanned_at": "2023-09-28T08:00"}],
     "items.1.nonce"),
    ([GOOD, {"scan": "x", "nonce": "n-no-time-1"}], "items.1.scanned_at"),
    ([GOOD, {"scan": "x", "nonce": "n-bad-year-1", "scanned_at": "0001-01-01T00:00"}],
     "items.1.scanned_at"),
    ([], "items"),
    ([{"scan": "x", "nonce": f"n-many-{n:05d}", "scanned_at": "2023-09-28T08:00"}
      for n in range(501)], "items"),
])
def test_a_malformed_batch_is_refused_whole(gate, congress, items, field):
    _delegate, token = add_delegate(congress)
    answer = send(gate, congress, *[item | {"scan": token} if item is GOOD else item
                                    for item in items])
    assert answer.status_code == 422
    fields = answer.json["error"]["fields"]
    assert any(name.startswith(field) for name in fields), fields
    assert count_checkins() == 0 and not db.session.scalars(db.select(OfflineScan)).all()


def test_a_session_of_another_congress_is_refused(gate, congress, create_congress,
                                                  create_session):
    foreign = create_session(create_congress())
    _delegate, token = add_delegate(congress)
    answer = send(gate, congress, scan(token, "n-foreign-1", utcnow(), session_id=foreign.id))
    assert answer.status_code == 422 and count_checkins() == 0


def test_staff_of_another_congress_and_operators_cannot_send_scans(api, congress, create_user,
                                                                  create_congress):
    _delegate, token = add_delegate(congress)
    elsewhere = api(create_user("khac", role="checkin", congress=create_congress()))
    operator = api(create_user("dieu.hanh", role="operator", congress=congress))
    item = scan(token, "n-refused-1", utcnow())
    assert send(elsewhere, congress, item).status_code == 404
    assert send(operator, congress, item).status_code == 403
    assert count_checkins() == 0


# --- the manifest a gate keeps ---------------------------------------------------------------


def manifest(caller, congress, **query):
    return caller.get(f"/api/v1/congresses/{congress.id}/checkins/manifest", query_string=query)


def test_the_manifest_lets_a_gate_recognise_badges_without_holding_tokens(gate, congress,
                                                                         create_user):
    delegate, token = add_delegate(congress, full_name="Lê Thị Thu", seat="C-7")
    answer = manifest(gate, congress)
    assert answer.status_code == 200 and answer.json["complete"] is True
    [badge] = answer.json["badges"]
    assert badge["hash"] == hashlib.sha256(token.encode()).hexdigest()  # what the gate computes
    assert (badge["full_name"], badge["seat"], badge["photo_url"]) == ("Lê Thị Thu", "C-7", None)
    assert token not in answer.get_data(as_text=True)
    assert answer.json["delegate_ids"] == [delegate.id] and answer.json["revoked"] == []


def test_a_refresh_brings_only_what_changed_and_who_is_gone(gate, congress, create_user):
    kept, _token = add_delegate(congress)
    replaced, old_token = add_delegate(congress)
    gone, _gone_token = add_delegate(congress)
    db.session.execute(db.update(Delegate).values(updated_at=utcnow() - timedelta(hours=1)))
    db.session.commit()  # registered an hour ago
    first = manifest(gate, congress).json
    reissue_badge(Actor(create_user(admin=True)), replaced)
    db.session.delete(db.session.get(Delegate, gone.id))
    db.session.commit()
    refresh = manifest(gate, congress, since=first["as_of"]).json
    assert refresh["complete"] is False
    assert [b["id"] for b in refresh["badges"]] == [replaced.id]
    assert hashlib.sha256(old_token.encode()).hexdigest() in refresh["revoked"]
    assert sorted(refresh["delegate_ids"]) == sorted([kept.id, replaced.id])


@pytest.mark.parametrize("since", ["yesterday", "2023-09-28T07:30:00", "2023-13-01T00:00Z"])
def test_a_refresh_needs_a_time_with_its_offset(gate, congress, since):
    answer = manifest(gate, congress, since=since)
    assert answer.status_code == 422 and "since" in answer.json["error"]["fields"]


def test_only_check_in_staff_of_the_congress_get_the_manifest(api, congress, create_user,
                                                             create_congress):
    add_delegate(congress)
    operator = api(create_user("dieu.hanh2", role="operator", congress=congress))
    elsewhere = api(create_user("khac2", role="checkin", congress=create_congress()))
    assert manifest(operator, congress).status_code == 403
    assert manifest(elsewhere, congress).status_code == 404
