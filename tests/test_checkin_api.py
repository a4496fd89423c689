"""The check-in API: POST /congresses/{id}/checkins and DELETE /checkins/{id}."""

from __future__ import annotations

import pytest

from conference.audit.models import AuditEntry
from conference.auth.service import Actor
from conference.badges.identity import reissue_badge
from conference.checkin.schemas import CheckInResult
from conference.delegates.models import DelegateStatus
from conference.extensions import db
from tests.test_checkin import add_delegate, badge_url, count_checkins


@pytest.fixture
def congress(agenda):
    return agenda[0]


@pytest.fixture
def gate(api, congress, create_user):
    """The API as check-in staff of the congress."""
    return api(create_user("may.quet", role="checkin", congress=congress))


def post(caller, congress, **body):
    return caller.post(f"/api/v1/congresses/{congress.id}/checkins", json=body)


def test_first_scan_is_201_and_a_repeat_200_with_the_first_time_and_gate(gate, congress):
    delegate, token = add_delegate(congress, full_name="Trần Thị Hoa")
    first = post(gate, congress, scan=badge_url(token), gate="Cổng A")
    assert first.status_code == 201
    CheckInResult.model_validate(first.json)
    assert first.json["result"] == "checked_in"
    assert first.json["delegate"]["full_name"] == "Trần Thị Hoa"
    assert first.json["delegate"]["id"] == delegate.id
    assert "phone" not in first.json["delegate"] and "email" not in first.json["delegate"]
    assert first.json["checkin"]["session_id"] is None  # nothing under way in 2023
    again = post(gate, congress, scan=token, gate="Cổng B", session_id=None)
    assert again.status_code == 200
    CheckInResult.model_validate(again.json)
    assert again.json["result"] == "already_checked_in"
    assert again.json["checked_in_at"] == first.json["checked_in_at"]
    assert again.json["gate"] == "Cổng A"
    assert again.json["checkin"]["id"] == first.json["checkin"]["id"]
    assert first.json["checked_in_at"].endswith("+00:00")


def test_scan_accepts_the_code_printed_on_the_badge(gate, congress):
    delegate, _token = add_delegate(congress, code="DB0005")
    answer = post(gate, congress, scan="db 0005", gate="Cổng A")
    assert answer.status_code == 201
    assert answer.json["delegate"]["id"] == delegate.id
    assert post(gate, congress, scan="DB0006").status_code == 404


@pytest.mark.parametrize(("case", "status", "code"), [
    ("random text", 404, "badge_unknown"),
    ("unknown token", 404, "badge_unknown"),
    ("replaced badge", 410, "badge_revoked"),
    ("other congress", 404, "badge_unknown"),
    ("withdrawn", 409, "delegate_withdrawn"),
    ("other session", 422, "validation_failed"),
    ("no scan", 422, "validation_failed"),
])
def test_refusals_have_their_codes(gate, congress, create_congress, create_session,
                                   create_user, case, status, code):
    delegate, token = add_delegate(congress)
    body = {"scan": badge_url(token), "gate": "Cổng A"}
    if case == "random text":
        body["scan"] = "https://facebook.com/congdoanhatinh"
    elif case == "unknown token":
        body["scan"] = "A" * 22
    elif case == "replaced badge":
        reissue_badge(Actor(create_user(admin=True)), delegate)
    elif case == "other congress":
        body["scan"] = add_delegate(create_congress())[1]
    elif case == "withdrawn":
        delegate.status = DelegateStatus.WITHDRAWN
        db.session.commit()
    elif case == "other session":
        body["session_id"] = create_session(create_congress()).id
    elif case == "no scan":
        del body["scan"]
    answer = post(gate, congress, **body)
    assert answer.status_code == status
    assert answer.json["error"]["code"] == code
    assert answer.json["error"]["message"]
    assert count_checkins() == 0


def test_the_body_must_be_json(gate, congress):
    url = f"/api/v1/congresses/{congress.id}/checkins"
    assert gate.post(url, data="scan=x").status_code == 415
    assert gate.post(url, data="[1]", headers={"Content-Type": "application/json"}
                     ).status_code == 400


def test_undo_then_scan_again(gate, congress):
    delegate, token = add_delegate(congress)
    first = post(gate, congress, scan=token, gate="Cổng A").json["checkin"]["id"]
    assert gate.delete(f"/api/v1/checkins/{first}").status_code == 204
    assert count_checkins() == 0
    assert gate.delete(f"/api/v1/checkins/{first}").status_code == 404
    again = post(gate, congress, scan=token, gate="Cổng B")
    assert again.status_code == 201 and again.json["gate"] == "Cổng B"
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "checkin.undo"))
    assert entry.source == "api" and entry.username == "may.quet"
    assert entry.target == f"delegate:{delegate.code}"


def test_the_operator_may_not_check_in(api, congress, create_user):
    operator = api(create_user(role="operator", congress=congress))
    _delegate, token = add_delegate(congress)
    answer = post(operator, congress, scan=token)
    assert answer.status_code == 403 and count_checkins() == 0
