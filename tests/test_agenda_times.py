"""Item times follow from the session's start and each item's duration, unless an item is fixed."""

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from conference.agenda.pdf import render_agenda_pdf
from conference.displays.scenes import resolve_scene

START = datetime(2023, 9, 28, 0, 30, tzinfo=UTC)  # 07:30 in Hà Nội


@pytest.fixture
def timed(congress, create_session, create_user, api):
    """A session of three items made through the API: 10 and 40 minutes, then 20."""
    session = create_session(congress, starts_at=START)
    organizer = api(create_user(role="organizer", congress=congress))
    ids = []
    for title, minutes in (("Khai mạc", 10), ("Báo cáo chính trị", 40), ("Thảo luận", 20)):
        response = organizer.post(f"/api/v1/sessions/{session.id}/items",
                                  json={"title": title, "duration_minutes": minutes})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return congress, session, organizer, ids


def starts(organizer, congress) -> dict[int, str | None]:
    state = organizer.get(f"/api/v1/congresses/{congress.id}/agenda").get_json()
    return {item["id"]: item["starts_at"] for item in state["sessions"][0]["items"]}


def test_items_start_when_the_one_before_ends(timed):
    congress, _session, organizer, (opening, report, debate) = timed
    assert starts(organizer, congress) == {opening: "2023-09-28T00:30:00+00:00",
                                           report: "2023-09-28T00:40:00+00:00",
                                           debate: "2023-09-28T01:20:00+00:00"}
    item = organizer.get(f"/api/v1/congresses/{congress.id}/agenda").get_json()
    assert item["sessions"][0]["items"][1]["planned_start"] is None  # nothing renamed


def test_reordering_recomputes_the_times(timed):
    congress, session, organizer, (opening, report, debate) = timed
    response = organizer.post(f"/api/v1/congresses/{congress.id}/agenda/arrange",
                              json={"sessions": {str(session.id): [debate, opening, report]}})
    assert response.status_code == 200
    assert starts(organizer, congress) == {debate: "2023-09-28T00:30:00+00:00",
                                           opening: "2023-09-28T00:50:00+00:00",
                                           report: "2023-09-28T01:00:00+00:00"}


def test_a_fixed_time_wins_and_the_next_items_count_from_it(timed):
    congress, _session, organizer, (opening, report, debate) = timed
    response = organizer.patch(f"/api/v1/items/{report}",
                               json={"planned_start": "2023-09-28T08:00"})
    assert response.status_code == 200
    assert response.get_json()["starts_at"] == "2023-09-28T01:00:00+00:00"
    assert starts(organizer, congress) == {opening: "2023-09-28T00:30:00+00:00",
                                           report: "2023-09-28T01:00:00+00:00",
                                           debate: "2023-09-28T01:40:00+00:00"}


def test_an_item_without_duration_leaves_the_next_time_open(timed):
    congress, _session, organizer, (opening, report, debate) = timed
    assert organizer.patch(f"/api/v1/items/{report}",
                           json={"duration_minutes": None}).status_code == 200
    assert starts(organizer, congress) == {opening: "2023-09-28T00:30:00+00:00",
                                           report: "2023-09-28T00:40:00+00:00", debate: None}


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, "mười", 2.5])
def test_a_bad_duration_is_refused(timed, minutes):
    _congress, session, organizer, _ids = timed
    response = organizer.post(f"/api/v1/sessions/{session.id}/items",
                              json={"title": "Bế mạc", "duration_minutes": minutes})
    assert response.status_code == 422


def test_the_form_takes_a_duration_and_the_pages_show_computed_times(
        timed, client, login, create_user):
    congress, session, _organizer, _ids = timed
    login(create_user(role="organizer", congress=congress))
    response = client.post(f"/manage/sessions/{session.id}/items/new", data={
        "title": "Bế mạc", "duration_minutes": "15", "session_id": str(session.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(f"/c/{congress.slug}").get_data(as_text=True)
    for shown in ("07:30", "07:40", "08:20", "08:40"):  # Bế mạc follows the 20-minute debate
        assert shown in page
    editor = client.get(f"/manage/{congress.id}/agenda").get_data(as_text=True)
    assert "08:40" in editor


def test_the_pdf_and_the_kiosk_show_computed_times(timed, app):
    congress, _session, _organizer, (_opening, report, _debate) = timed
    scene = resolve_scene(congress, {"type": "agenda", "heading": ""}, START)
    times = {item["id"]: item["starts_at"]
             for session in scene["sessions"] for item in session["items"]}
    assert times[report] == "2023-09-28T00:40:00+00:00"
    pdf = render_agenda_pdf(congress, "vi")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "07:40" in text and "08:20" in text
