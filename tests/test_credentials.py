"""The credentials report: summoned, present, absent with reasons and the composition of the
present official delegates, on a small hall whose every figure is known; the page, the API and
the PDF."""

from __future__ import annotations

import pytest

from conference.attendance.credentials import age_band, age_on, credentials, document_place
from conference.auth.models import Role
from conference.congresses.models import Congress
from conference.delegates.models import DelegateStatus
from conference.extensions import db
from tests import test_attendance as shared
from tests.test_agenda_pdf import assert_shows, label, pdf_text

add_delegate, admin_actor, arrive = shared.add_delegate, shared.admin_actor, shared.arrive

# name: gender, ethnicity, party member, date of birth, education, theory, sector, mandate.
# The congress opens on 27/09/2023.
PRESENT = {
    "Lê Thị Mai": ("female", "Kinh", "yes", "1994-09-28", "university", "elementary", "public",
                   "elected"),  # 28: her birthday is the day after the opening
    "Hà Thị Lan": ("female", "Mường", "yes", "1993-09-27", "master", "intermediate",
                   "state_enterprise", "elected"),  # 30 on the very day
    "Trần Văn Hùng": ("male", "Kinh", "no", "1980-01-01", "university", "none", "private",
                      "appointed"),
    "Lò Văn Pọm": ("male", "Thái", "yes", "1970-05-05", "doctor", "advanced", "foreign",
                   "ex_officio"),
    "Phạm Minh Tuấn": ("male", "Kinh", "yes", "1963-09-26", "college", "advanced", "public",
                       "ex_officio"),  # 60 the day before
    "Đỗ Thu Hà": ("female", "", "", "", "", "", "", ""),  # nothing stated
    "Võ Văn Năm": ("male", "kinh", "yes", "1985", "vocational", "elementary", "public",
                   "elected"),  # a year alone: 38
    "Ngô Bảo Châu": ("", "Kinh", "yes", "1999-12-31", "untrained", "none", "private",
                     "elected"),
}
FIELDS = ("gender", "ethnicity", "party_member", "birth_date", "education", "theory_level",
          "sector", "mandate")


@pytest.fixture
def hall(agenda, add_delegate, arrive):
    """8 official delegates present, 2 absent (one with a reason), one withdrawn, one guest
    present: none of the last two counts."""
    congress, sessions, _items = agenda
    congress.organizing_union = "Liên đoàn Lao động tỉnh Hà Tĩnh"
    db.session.commit()
    for name, values in PRESENT.items():
        arrive(add_delegate(congress, full_name=name, unit=f"Công đoàn {name.split()[-1]}",
                            **dict(zip(FIELDS, values, strict=True))), session=sessions[0])
    add_delegate(congress, full_name="Bùi Văn Ốm", delegation="Đoàn Hải Phòng",
                 unit="Công đoàn Cảng Hải Phòng", absence_reason="Ốm, có giấy xin phép",
                 gender="female", party_member="yes")
    add_delegate(congress, full_name="Đinh Văn Vắng", delegation="Đoàn Hải Phòng")
    add_delegate(congress, full_name="Hồ Văn Rút", status=DelegateStatus.WITHDRAWN)
    arrive(add_delegate(congress, category="guest", full_name="Khách Mời", gender="female"))
    return congress, sessions


def shares(figures: dict, field: str) -> dict[str, tuple[int, float]]:
    return {row["value"]: (row["count"], row["percent"]) for row in figures["composition"]
            if row["field"] == field}


def test_ages_are_whole_years_at_the_opening():
    from datetime import date
    opening = date(2023, 9, 27)
    assert age_on("1993-09-27", opening) == 30
    assert age_on("1993-09-28", opening) == 29
    assert age_on("1985", opening) == 38
    assert age_on("", opening) is None and age_on("1985-02-30", opening) is None
    assert [age_band(age) for age in (None, 18, 29, 30, 39, 40, 59, 60, 75)] == [
        "not_stated", "under_30", "under_30", "30_39", "30_39", "40_49", "50_59",
        "60_and_over", "60_and_over"]


def test_summoned_present_and_absent_with_reasons(hall):
    congress, _sessions = hall
    figures = credentials(congress)
    assert (figures["summoned"], figures["present"], figures["present_percent"]) == (10, 8, 80.0)
    absent = figures["absent"]
    assert (absent["count"], absent["with_reason"]) == (2, 1)
    assert [(d["full_name"], d["unit"], d["reason"]) for d in absent["delegates"]] == [
        ("Bùi Văn Ốm", "Công đoàn Cảng Hải Phòng", "Ốm, có giấy xin phép"),
        ("Đinh Văn Vắng", "", "")]


def test_the_composition_of_those_present(hall):
    congress, _sessions = hall
    figures = credentials(congress)
    assert shares(figures, "gender") == {"female": (3, 37.5), "male": (4, 50.0),
                                         "not_stated": (1, 12.5)}
    assert shares(figures, "ethnicity") == {"kinh": (5, 62.5), "minority": (2, 25.0),
                                            "not_stated": (1, 12.5)}
    assert shares(figures, "party_member") == {"yes": (6, 75.0), "no": (1, 12.5),
                                               "not_stated": (1, 12.5)}
    assert shares(figures, "age") == {"under_30": (2, 25.0), "30_39": (2, 25.0),
                                      "40_49": (1, 12.5), "50_59": (1, 12.5),
                                      "60_and_over": (1, 12.5), "not_stated": (1, 12.5)}
    assert shares(figures, "education") == {
        "untrained": (1, 12.5), "vocational": (1, 12.5), "college": (1, 12.5),
        "university": (2, 25.0), "master": (1, 12.5), "doctor": (1, 12.5),
        "not_stated": (1, 12.5)}
    assert shares(figures, "theory_level") == {"none": (2, 25.0), "elementary": (2, 25.0),
                                               "intermediate": (1, 12.5),
                                               "advanced": (2, 25.0), "not_stated": (1, 12.5)}
    assert shares(figures, "sector") == {"public": (3, 37.5), "state_enterprise": (1, 12.5),
                                         "private": (2, 25.0), "foreign": (1, 12.5),
                                         "not_stated": (1, 12.5)}
    assert shares(figures, "mandate") == {"ex_officio": (2, 25.0), "elected": (4, 50.0),
                                          "appointed": (1, 12.5), "not_stated": (1, 12.5)}
    for field in ("gender", "age", "education", "sector"):
        assert sum(count for count, _percent in shares(figures, field).values()) == 8
    assert (figures["youngest"]["full_name"], figures["youngest"]["age"]) == ("Ngô Bảo Châu", 23)
    assert (figures["oldest"]["full_name"], figures["oldest"]["age"]) == ("Phạm Minh Tuấn", 60)
    assert figures["age_on"] == "2023-09-27"


def test_a_session_counts_as_attendance_does(hall):
    """Present for a session by the congress's check-in rule: the hall checked in for the first
    session, long after the second one ended, so nobody counts for the second."""
    congress, (first, second) = hall
    assert credentials(congress, first)["present"] == 8
    figures = credentials(congress, second)
    assert (figures["present"], figures["absent"]["count"]) == (0, 10)
    assert shares(figures, "gender")["female"] == (0, 0.0)  # a share of nobody
    assert figures["youngest"] is None and figures["oldest"] is None


def test_the_place_a_report_is_dated_at():
    assert document_place(Congress(organizing_union="Liên đoàn Lao động tỉnh Hà Tĩnh")) == \
        "Hà Tĩnh"
    assert document_place(Congress(organizing_union="Công đoàn Viên chức tỉnh",
                                   venue="Trung tâm Hội nghị thành phố Vinh")) == "Vinh"
    assert document_place(Congress(organizing_union="Công đoàn Điện lực", venue="")) == ""


def test_the_api_gives_the_figures(hall, api, create_user):
    congress, (first, _second) = hall
    operator = create_user(role=Role.OPERATOR, congress=congress)
    response = api(operator).get(f"/api/v1/congresses/{congress.id}/credentials"
                                 f"?session_id={first.id}")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["summoned"], body["present"], body["session_id"]) == (10, 8, first.id)
    assert body["absent"]["count"] == 2
    assert body["absent"]["delegates"][0]["reason"] == "Ốm, có giấy xin phép"
    assert {"field": "ethnicity", "value": "minority", "count": 2,
            "percent": 25.0} in body["composition"]
    assert set(body["composition"][0]) == {"field", "value", "count", "percent"}
    assert body["oldest"]["age"] == 60
    bad = api(operator).get(f"/api/v1/congresses/{congress.id}/credentials?session_id=999999")
    assert bad.status_code == 422


def test_someone_without_a_role_in_the_congress_gets_404(hall, api, client, login,
                                                         create_user, create_congress):
    congress, _sessions = hall
    stranger = create_user(role=Role.ORGANIZER, congress=create_congress())
    assert api(stranger).get(f"/api/v1/congresses/{congress.id}/credentials").status_code == 404
    login(stranger)
    assert client.get(f"/manage/{congress.id}/credentials").status_code == 404


def test_the_page_in_vietnamese(app, hall, client, login, create_user):
    congress, _sessions = hall
    login(create_user(role=Role.ORGANIZER, congress=congress))
    page = client.get(f"/manage/{congress.id}/credentials?session_id=all")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    vi = lambda message: label(app, "vi", message)  # noqa: E731
    for text in (vi("Credentials report"), vi("Official delegates summoned"),
                 "Ốm, có giấy xin phép", vi("no reason given"), "37,5%", "12,5%",
                 vi("ethnic minorities").capitalize(), "Ngô Bảo Châu", "27/09/2023"):
        assert text in html, text
    assert "Hồ Văn Rút" not in html and "Khách Mời" not in html


def test_the_pdf_adds_the_composition(app, hall, client, login, create_user):
    congress, _sessions = hall
    login(create_user(role=Role.ORGANIZER, congress=congress))
    text = pdf_text(client.get(f"/manage/{congress.id}/attendance/report.pdf?session_id=all"))
    vi = lambda message, **variables: label(app, "vi", message, **variables)  # noqa: E731
    assert_shows(text, "BÁO CÁO THẨM TRA TƯ CÁCH ĐẠI BIỂU", "Hà Tĩnh, ngày",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 vi("Official delegates summoned") + "10",
                 vi("Official delegates present") + "8(80,0%)",
                 vi("of whom with a reason given") + "1",
                 "Ốm, có giấy xin phép",
                 vi("ethnic minorities").capitalize() + "225,0%",
                 vi("Oldest delegate") + ":PhạmMinhTuấn,60",
                 vi("Head of the Credentials Committee"))
