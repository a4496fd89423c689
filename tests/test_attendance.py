"""Attendance: the quorum arithmetic, who counts, per session or whole congress, the dashboard
page and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conference.attendance.chart import arrivals_chart
from conference.attendance.service import (
    arrival_times,
    arrivals,
    attendance,
    attendance_session,
    attendance_state,
    quorum_required,
)
from conference.auth.models import Role
from conference.auth.service import Actor
from conference.checkin.service import check_in_delegate, undo_checkin
from conference.congresses.models import Congress
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.errors import ValidationFailed
from conference.extensions import db

# --- factories shared by the attendance tests ------------------------------------------------


@pytest.fixture
def add_delegate(app):
    """Register a delegate straight in the database: add_delegate(congress, category=...)."""
    counter = iter(range(1, 100_000))

    def make(congress, *, category="official", delegation="Đoàn Hà Nội", status=None,
             **fields):
        n = next(counter)
        values = DelegateInput(code=f"T{n:04d}", full_name=fields.pop("full_name",
                                                                      f"Nguyễn Văn {n}"),
                               category=category, delegation=delegation, **fields)
        delegate = Delegate(**new_delegate_values(congress, values))
        if status:
            delegate.status = status
        db.session.add(delegate)
        db.session.commit()
        return delegate

    return make


@pytest.fixture
def admin_actor(create_user):
    return Actor(create_user(admin=True), source="cli")


@pytest.fixture
def arrive(admin_actor):
    """Check a delegate in through the check-in service, optionally at a given time."""

    def check_in(delegate, *, session=None, gate="Cổng A", at=None):
        result = check_in_delegate(admin_actor, delegate, gate=gate,
                                   session_id=session.id if session else None)
        if at is not None:
            result.checkin.checked_in_at = at
            db.session.commit()
        return result.checkin

    return check_in


@pytest.fixture
def hall(agenda, add_delegate):
    """The agenda congress with 4 official delegates in two delegations, 2 guests and one
    withdrawn official delegate."""
    congress, sessions, _items = agenda
    officials = [add_delegate(congress, full_name=name, delegation=delegation)
                 for name, delegation in [("Lê Thị Mai", "Đoàn Hà Nội"),
                                          ("Trần Văn Hùng", "Đoàn Hà Nội"),
                                          ("Phạm Minh Tuấn", "Đoàn Hải Phòng"),
                                          ("Đỗ Thu Hà", "Đoàn Hải Phòng")]]
    guests = [add_delegate(congress, category="guest", full_name=name, delegation="Khách mời")
              for name in ("Võ Thanh Bình", "Hoàng Kim Oanh")]
    withdrawn = add_delegate(congress, full_name="Bùi Đức Rút", delegation="Đoàn Hà Nội",
                             status=DelegateStatus.WITHDRAWN)
    return congress, sessions, officials, guests, withdrawn


def make_congress(numerator=1, denominator=2, strict=True) -> Congress:
    return Congress(quorum_numerator=numerator, quorum_denominator=denominator,
                    quorum_strict=strict)


# --- quorum arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(("numerator", "denominator", "strict", "expected", "required"), [
    (1, 2, True, 10, 6),  # more than half of an even number: half plus one
    (1, 2, True, 11, 6),  # more than 5.5
    (1, 2, True, 300, 151),
    (1, 2, True, 1, 1),
    (1, 2, False, 10, 5),  # at least half
    (1, 2, False, 11, 6),
    (2, 3, False, 9, 6),  # at least two thirds, exactly
    (2, 3, False, 10, 7),  # 6.67 rounds up
    (2, 3, False, 300, 200),  # no float error pushes this to 201
    (2, 3, True, 9, 7),  # more than two thirds
    (2, 3, True, 300, 201),
    (3, 4, False, 299, 225),
    (1, 1, False, 7, 7),  # everybody
])
def test_quorum_required(numerator, denominator, strict, expected, required):
    assert quorum_required(make_congress(numerator, denominator, strict), expected) == required


def test_float_fractions_would_have_been_wrong():
    """2/3 of 300 as floats is 199.99999999999997 or 200.00000000000003, depending on order."""
    congress = make_congress(2, 3, strict=False)
    for expected in range(1, 1000):
        required = quorum_required(congress, expected)
        assert 3 * required >= 2 * expected > 3 * (required - 1)


@pytest.mark.parametrize("strict", [True, False])
def test_zero_expected_never_meets_the_quorum(create_congress, strict):
    congress = create_congress(quorum_strict=strict)
    quorum = attendance(congress)["quorum"]
    assert quorum["expected"] == 0 and quorum["present"] == 0
    assert quorum["met"] is False


@pytest.mark.parametrize(("strict", "numerator", "denominator", "officials", "present", "met"), [
    (True, 1, 2, 4, 2, False),  # exactly half is not more than half
    (True, 1, 2, 4, 3, True),
    (True, 1, 2, 5, 3, True),
    (True, 1, 2, 5, 2, False),
    (False, 2, 3, 6, 4, True),  # exactly two thirds is enough when not strict
    (False, 2, 3, 6, 3, False),
    (True, 2, 3, 6, 4, False),  # but not when strict
    (True, 2, 3, 6, 5, True),
])
def test_quorum_met_at_the_boundary(create_congress, add_delegate, arrive, strict, numerator,
                                    denominator, officials, present, met):
    congress = create_congress(quorum_strict=strict, quorum_numerator=numerator,
                               quorum_denominator=denominator)
    delegates = [add_delegate(congress) for _ in range(officials)]
    for delegate in delegates[:present]:
        arrive(delegate)
    quorum = attendance(congress)["quorum"]
    assert quorum["present"] == present and quorum["expected"] == officials
    assert quorum["met"] is met


# --- who counts ----------------------------------------------------------------------------


def test_withdrawn_delegates_are_neither_expected_nor_present(hall, arrive):
    congress, _sessions, _officials, _guests, withdrawn = hall
    # Checked in first, withdrawn afterwards: the check-in stays, the delegate no longer counts.
    withdrawn.status = DelegateStatus.CONFIRMED
    db.session.commit()
    arrive(withdrawn)
    assert attendance(congress)["official"] == {"expected": 5, "present": 1}
    withdrawn.status = DelegateStatus.WITHDRAWN
    db.session.commit()
    counts = attendance(congress)
    assert counts["official"] == {"expected": 4, "present": 0}
    assert counts["quorum"]["expected"] == 4
    hanoi = next(row for row in counts["by_delegation"] if row["delegation"] == "Đoàn Hà Nội")
    assert hanoi == {"delegation": "Đoàn Hà Nội", "expected": 2, "present": 0}
    assert arrival_times(congress) == []


def test_guests_do_not_count_for_the_quorum(hall, arrive):
    congress, _sessions, officials, guests, _withdrawn = hall
    for guest in guests:
        arrive(guest)
    arrive(officials[0])
    state = attendance_state(congress)
    assert state["guest"] == {"expected": 2, "present": 2}
    assert state["official"] == {"expected": 4, "present": 1}
    assert state["quorum"] == {"required": 3, "present": 1, "expected": 4, "met": False,
                               "numerator": 1, "denominator": 2, "strict": True,
                               "checked_in_for_congress": 1, "present_for_session": None}
    assert state["not_counted"] == {"expected": 2, "present": 2}
    assert [row["key"] for row in state["categories"]] == ["official", "guest"]
    assert [row["counts_for_quorum"] for row in state["categories"]] == [True, False]
    arrive(officials[1])
    arrive(officials[2])
    assert attendance(congress)["quorum"]["met"] is True


def test_per_session_and_whole_congress(hall, arrive):
    congress, (first, second), officials, _guests, _withdrawn = hall
    arrive(officials[0], session=first)
    arrive(officials[1], session=first)
    arrive(officials[1], session=second)
    arrive(officials[2])  # no session under way: a check-in for the congress as a whole
    assert attendance(congress, first.id)["quorum"]["present"] == 2
    assert attendance(congress, second.id)["quorum"]["present"] == 1
    whole = attendance(congress)
    assert whole["quorum"]["present"] == 3  # anyone checked in for anything, once each
    assert whole["session_id"] is None
    assert attendance_state(congress, second)["session_title"] == "Phiên chính thức"
    assert len(arrival_times(congress)) == 3  # Trần Văn Hùng arrived once, not twice


EVENING_BEFORE = datetime(2023, 9, 27, 12, 0, tzinfo=UTC)  # 19:00 in Hà Nội, the day before


def test_a_check_in_the_evening_before_counts_for_every_session(hall, arrive):
    """The usual rule: the quorum no longer drops to zero when the opening session starts."""
    congress, (first, second), officials, _guests, _withdrawn = hall
    assert congress.checkin_rule == "congress"
    arrive(officials[0], at=EVENING_BEFORE)  # no session under way: for the congress
    arrive(officials[1], session=first, at=first.starts_at)
    arrive(officials[2], session=second, at=first.starts_at)  # early, for the afternoon
    arrive(officials[3], at=first.ends_at + timedelta(minutes=30))  # came after the morning
    morning = attendance(congress, first.id)["quorum"]
    assert (morning["present"], morning["met"]) == (2, False)
    assert morning["present_for_session"] == 2 and morning["checked_in_for_congress"] == 4
    afternoon = attendance(congress, second.id)["quorum"]
    assert (afternoon["present"], afternoon["met"]) == (4, True)
    whole = attendance(congress)["quorum"]
    assert whole["present"] == whole["checked_in_for_congress"] == 4
    assert whole["present_for_session"] is None


def test_each_session_needs_its_own_check_in_under_the_strict_rule(hall, arrive):
    congress, (first, second), officials, _guests, _withdrawn = hall
    congress.checkin_rule = "session"
    db.session.commit()
    arrive(officials[0], at=EVENING_BEFORE)
    arrive(officials[1], session=first, at=first.starts_at)
    arrive(officials[2], session=second, at=second.starts_at)
    morning = attendance(congress, first.id)["quorum"]
    assert (morning["present"], morning["checked_in_for_congress"]) == (1, 3)
    assert attendance(congress, second.id)["quorum"]["present"] == 1
    assert attendance_state(congress, first)["checkin_rule"] == "session"


def test_the_usual_rule_counts_the_first_arrival_for_the_chart(hall, arrive):
    congress, (first, _second), officials, _guests, _withdrawn = hall
    arrive(officials[0], at=EVENING_BEFORE)
    arrive(officials[0], session=first, at=first.starts_at)
    assert [at for at, _official in arrival_times(congress, first.id)] == [EVENING_BEFORE]


def test_by_delegation_is_sorted_with_counts(hall, arrive):
    congress, _sessions, officials, guests, _withdrawn = hall
    arrive(officials[2])
    arrive(guests[0])
    assert attendance(congress)["by_delegation"] == [
        {"delegation": "Khách mời", "expected": 2, "present": 1},
        {"delegation": "Đoàn Hà Nội", "expected": 2, "present": 0},
        {"delegation": "Đoàn Hải Phòng", "expected": 2, "present": 1},
    ]


def test_undo_takes_the_delegate_out_again(hall, arrive, admin_actor):
    congress, _sessions, officials, _guests, _withdrawn = hall
    checkin = arrive(officials[0])
    assert attendance(congress)["official"]["present"] == 1
    undo_checkin(admin_actor, checkin)
    assert attendance(congress)["official"]["present"] == 0


# --- which session ------------------------------------------------------------------------


def test_session_choice(hall, create_congress, create_session):
    congress, (first, _second), *_rest = hall
    assert attendance_session(congress, None) is None
    assert attendance_session(congress, "all") is None
    assert attendance_session(congress, "") is None
    assert attendance_session(congress, first.id) == first
    assert attendance_session(congress, str(first.id)) == first
    elsewhere = create_session(create_congress())
    for wrong in (elsewhere.id, str(elsewhere.id), 999_999, "abc", "1.5", True, -1, "٣", [1]):
        with pytest.raises(ValidationFailed) as refused:
            attendance_session(congress, wrong)
        assert set(refused.value.fields) == {"session_id"}


# --- arrivals over time --------------------------------------------------------------------


def test_arrivals_are_bucketed_by_first_check_in(hall, arrive):
    congress, (first, _second), officials, guests, _withdrawn = hall
    base = datetime(2023, 9, 28, 0, 58, 30, tzinfo=UTC)  # 07:58:30 in Hà Nội
    arrive(officials[0], at=base)
    arrive(officials[1], at=base + timedelta(minutes=2))  # 08:00:30: the next 5 minutes
    arrive(guests[0], at=base + timedelta(minutes=3))
    arrive(officials[0], session=first, at=base + timedelta(minutes=30))  # not a new arrival
    assert arrivals(congress) == [(datetime(2023, 9, 28, 0, 55, tzinfo=UTC), 1),
                                  (datetime(2023, 9, 28, 1, 0, tzinfo=UTC), 2)]
    assert arrivals(congress, bucket_minutes=90) == [(datetime(2023, 9, 28, 0, 0, tzinfo=UTC), 3)]
    # The usual rule: the check-ins for the congress made during the session count for it.
    assert arrivals(congress, first.id) == arrivals(congress)
    congress.checkin_rule = "session"
    assert arrivals(congress, first.id) == [(datetime(2023, 9, 28, 1, 25, tzinfo=UTC), 1)]


def test_chart_geometry():
    assert arrivals_chart([], "Asia/Ho_Chi_Minh", 3).empty
    start = datetime(2023, 9, 28, 0, 40, tzinfo=UTC)  # 07:40 in Hà Nội
    times = [(start + timedelta(minutes=m), m % 3 != 0) for m in range(0, 60, 2)]
    chart = arrivals_chart(times, "Asia/Ho_Chi_Minh", 12)
    assert not chart.empty
    assert chart.total == 30 and chart.official == 20
    assert chart.bucket_minutes == 2
    assert sum(bar.count for bar in chart.bars) == 30
    assert chart.first == "07:40" and chart.last == "08:38"
    labels = [label for _x, label in chart.x_ticks]
    assert "08:00" in labels and all(label.endswith(("0", "5")) for label in labels)
    xs = [x for x, _label in chart.x_ticks]
    assert xs == sorted(xs) and chart.left <= xs[0] and xs[-1] <= chart.right
    assert chart.top <= chart.required_y <= chart.cumulative_bottom
    assert [value for _y, value in chart.y_ticks] == [0, 15, 30]
    assert chart.present_path.startswith("M") and chart.official_path.count("V") == 20
    for bar in chart.bars:
        assert chart.bars_top <= bar.y <= chart.bars_bottom
        assert bar.x + bar.width <= chart.right + 1


def test_chart_over_two_days_shows_dates():
    times = [(datetime(2023, 9, 27, 10, 0, tzinfo=UTC), True),
             (datetime(2023, 9, 28, 1, 0, tzinfo=UTC), True)]
    chart = arrivals_chart(times, "Asia/Ho_Chi_Minh", 2)
    assert any(label.startswith("28/09") for _x, label in chart.x_ticks)
    assert len(chart.bars) == 2


# --- the dashboard page --------------------------------------------------------------------


@pytest.fixture
def staff(hall, create_user, login):
    """The hall's check-in staff member, signed in."""
    user = create_user(role=Role.CHECKIN, congress=hall[0])
    login(user)
    return user


def test_dashboard_shows_the_numbers_and_the_absent(client, hall, arrive, staff):
    congress, _sessions, officials, guests, withdrawn = hall
    for delegate in officials[:3]:
        arrive(delegate, gate="Cổng chính")
    arrive(guests[0])
    response = client.get(f"/manage/{congress.id}/attendance?session_id=all")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="quorum-panel met"' in page
    assert 'data-stat="official-present">3<' in page
    assert 'data-stat="official-expected">4<' in page
    assert 'data-stat="required">3<' in page
    assert 'data-stat="others-present">1<' in page
    assert 'data-stat="others-expected">2<' in page
    absent = page.split('id="absent-official"')[1].split("</section>")[0]
    assert "Đỗ Thu Hà" in absent and "Lê Thị Mai" not in absent
    assert withdrawn.full_name not in page
    present = page.split('id="present-list"')[1]
    assert "Lê Thị Mai" in present and "Cổng chính" in present
    assert "<svg" in page and "<script>" not in page  # the chart needs no script
    assert 'data-namespace="/attendance"' in page
    assert "js/attendance.js" in page


def test_dashboard_says_not_met(client, hall, arrive, staff):
    congress, _sessions, officials, _guests, _withdrawn = hall
    arrive(officials[0])
    page = client.get(f"/manage/{congress.id}/attendance").get_data(as_text=True)
    assert 'class="quorum-panel not-met"' in page
    assert 'data-stat="missing">2<' in page


def test_dashboard_defaults_to_the_session_under_way(client, hall, arrive, staff, agenda):
    congress, (first, second), officials, _guests, _withdrawn = hall
    items = agenda[2]
    arrive(officials[0], session=second)
    congress.current_item_id = items[3].id  # an item of the second session
    db.session.commit()
    page = client.get(f"/manage/{congress.id}/attendance").get_data(as_text=True)
    assert f'data-session-id="{second.id}"' in page
    assert f'<option value="{second.id}" selected>' in page
    assert 'data-stat="official-present">1<' in page
    assert f"session_id={second.id}" in page  # the report links keep the choice
    page = client.get(f"/manage/{congress.id}/attendance?session_id={first.id}").get_data(
        as_text=True)
    assert 'data-stat="official-present">0<' in page
    page = client.get(f"/manage/{congress.id}/attendance?session_id=all").get_data(as_text=True)
    assert 'data-session-id=""' in page and "session_id=all" in page


@pytest.mark.english
def test_dashboard_names_the_rule_and_shows_both_numbers(client, hall, arrive, staff, agenda):
    congress, (first, _second), officials, _guests, _withdrawn = hall
    arrive(officials[0], at=EVENING_BEFORE)
    arrive(officials[1], at=first.ends_at + timedelta(hours=2))  # only after the morning
    congress.current_item_id = agenda[2][0].id  # the first session is under way
    db.session.commit()
    page = client.get(f"/manage/{congress.id}/attendance").get_data(as_text=True)
    assert "A check-in counts for every later session" in page
    assert 'data-stat="official-present">1<' in page  # the evening before counts
    assert 'data-stat="official-congress">2<' in page
    congress.checkin_rule = "session"
    db.session.commit()
    page = client.get(f"/manage/{congress.id}/attendance").get_data(as_text=True)
    assert "Each session needs its own check-in" in page
    assert 'data-stat="official-present">0<' in page
    assert 'data-stat="official-congress">2<' in page


def test_dashboard_without_a_session_under_way_counts_the_whole_congress(client, hall, staff):
    congress = hall[0]
    page = client.get(f"/manage/{congress.id}/attendance").get_data(as_text=True)
    assert 'data-session-id=""' in page
    assert '<option value="all" selected>' in page


def test_dashboard_defaults_to_a_session_whose_doors_are_open(client, hall, staff,
                                                              create_session):
    congress = hall[0]
    soon = create_session(congress, title="Phiên bế mạc",
                          starts_at=datetime.now(UTC) + timedelta(minutes=30))
    page = client.get(f"/manage/{congress.id}/attendance").get_data(as_text=True)
    assert f'data-session-id="{soon.id}"' in page
    assert "Phiên bế mạc" in page


@pytest.mark.parametrize("session_id", ["999999", "abc", "other"])
def test_dashboard_refuses_a_session_of_nowhere(client, hall, staff, create_congress,
                                                create_session, session_id):
    congress = hall[0]
    if session_id == "other":
        session_id = str(create_session(create_congress()).id)
    for path in ("", "/details", "/report.csv"):
        response = client.get(f"/manage/{congress.id}/attendance{path}?session_id={session_id}")
        assert response.status_code == 422, path


def test_details_fragment_is_only_the_details(client, hall, arrive, staff):
    congress, _sessions, officials, _guests, _withdrawn = hall
    arrive(officials[0])
    response = client.get(f"/manage/{congress.id}/attendance/details?session_id=all")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<svg" in html and "Đỗ Thu Hà" in html
    assert 'id="absent-official"' in html


def test_dashboard_with_no_delegates(client, create_congress, create_user, login):
    congress = create_congress()
    login(create_user(role=Role.OPERATOR, congress=congress))
    page = client.get(f"/manage/{congress.id}/attendance").get_data(as_text=True)
    assert 'class="quorum-panel not-met"' in page
    assert 'data-stat="official-percent">–<' in page


# --- the API -------------------------------------------------------------------------------


def test_api_attendance(hall, arrive, api, create_user):
    congress, (first, second), officials, guests, _withdrawn = hall
    arrive(officials[0], session=first)
    arrive(officials[1], session=first)
    arrive(guests[0], session=second)
    caller = api(create_user(role=Role.OPERATOR, congress=congress))
    whole = caller.get(f"/api/v1/congresses/{congress.id}/attendance")
    assert whole.status_code == 200, whole.json
    body = whole.json
    assert body["official"] == {"expected": 4, "present": 2}
    assert body["guest"] == {"expected": 2, "present": 1}
    assert body["quorum"]["required"] == 3 and body["quorum"]["met"] is False
    assert body["session_id"] is None and body["congress_id"] == congress.id
    assert {row["delegation"] for row in body["by_delegation"]} == {
        "Đoàn Hà Nội", "Đoàn Hải Phòng", "Khách mời"}
    assert whole.headers["Cache-Control"] == "no-store"
    by_session = caller.get(f"/api/v1/congresses/{congress.id}/attendance?session_id={first.id}")
    assert by_session.json["official"] == {"expected": 4, "present": 2}
    assert by_session.json["guest"] == {"expected": 2, "present": 0}
    assert by_session.json["session_id"] == first.id
    assert body["checkin_rule"] == by_session.json["checkin_rule"] == "congress"
    assert body["quorum"]["checked_in_for_congress"] == 2
    assert body["quorum"]["present_for_session"] is None
    assert by_session.json["quorum"]["present_for_session"] == 2


def test_api_answers_match_the_documented_schema(hall, arrive, api, create_user):
    from conference.attendance.schemas import Attendance

    congress, (first, _second), officials, _guests, _withdrawn = hall
    arrive(officials[0], session=first)
    caller = api(create_user(role=Role.CHECKIN, congress=congress))
    for query in ("", f"?session_id={first.id}"):
        body = caller.get(f"/api/v1/congresses/{congress.id}/attendance{query}").json
        Attendance.model_validate(body)
        assert set(body) - set(Attendance.model_fields) == {"official", "guest"}


@pytest.mark.parametrize("session_id", ["999999", "x", "", "other"])
def test_api_refuses_an_unknown_session(hall, api, create_user, create_congress,
                                        create_session, session_id):
    congress = hall[0]
    if session_id == "other":
        session_id = str(create_session(create_congress()).id)
    caller = api(create_user(role=Role.ORGANIZER, congress=congress))
    response = caller.get(f"/api/v1/congresses/{congress.id}/attendance?session_id={session_id}")
    if session_id == "":  # an empty value is the same as leaving it out
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert set(response.json["error"]["fields"]) == {"session_id"}


def test_api_hides_other_congresses(hall, api, create_user, create_congress):
    caller = api(create_user(role=Role.ORGANIZER, congress=create_congress()))
    response = caller.get(f"/api/v1/congresses/{hall[0].id}/attendance")
    assert response.status_code == 404

