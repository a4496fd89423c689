"""The credentials committee's report (PDF) and the list of every delegate (CSV)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from conference.auth.models import Role
from conference.delegates.models import DelegateStatus
from conference.extensions import db
from tests import test_attendance as shared
from tests.test_agenda_pdf import assert_shows, label, pdf_text, squeeze

# The attendance fixtures of tests/test_attendance.py, used here too.
add_delegate, admin_actor, arrive, hall = (shared.add_delegate, shared.admin_actor, shared.arrive,
                                          shared.hall)


@pytest.fixture
def committee(hall, create_user, login):
    """The hall's organizer, signed in: the credentials committee prints from their account."""
    congress = hall[0]
    congress.organizing_union = "Công đoàn Viên chức tỉnh"
    db.session.commit()
    login(create_user(role=Role.ORGANIZER, congress=congress))
    return hall


def test_pdf_report_in_vietnamese(app, client, committee, arrive):
    congress, (first, _second), officials, guests, withdrawn = committee
    for delegate in officials[:3]:
        arrive(delegate, session=first)
    arrive(guests[0], session=first)
    response = client.get(f"/manage/{congress.id}/attendance/report.pdf?session_id={first.id}")
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="attendance-{congress.slug}-session-{first.id}.pdf"')
    text = pdf_text(response)
    vi = lambda message, **variables: label(app, "vi", message, **variables)  # noqa: E731
    assert_shows(text, congress.name, "Công đoàn Viên chức tỉnh", "Phiên trù bị",
                 vi("CREDENTIALS REPORT"), vi("Credentials Committee"),
                 vi("Head of the Credentials Committee"), vi("Prepared by"),
                 vi("More than %(fraction)s of the official delegates must be present.",
                    fraction="1/2"),
                 vi("Official delegates summoned") + "4",
                 vi("Official delegates present") + "3",
                 vi("Official delegates absent") + "1",
                 vi("Required for the quorum") + "3",
                 vi("Result") + vi("Quorum met"),
                 vi("Absent official delegates") + "(1)",
                 "Đỗ Thu Hà", "Đoàn Hải Phòng", "Đại biểu chính thức", "Khách mời")
    # The report's own time, written the Vietnamese way ("Thứ Năm, ngày 28/09/2023, 08:00").
    assert "ngày" in text and "Thursday" not in text
    absent = squeeze(text).split(squeeze(vi("Absent official delegates")))[1]
    assert squeeze("Đỗ Thu Hà") in absent
    for present in ("Lê Thị Mai", "Trần Văn Hùng", "Phạm Minh Tuấn"):
        assert squeeze(present) not in absent
    assert squeeze(withdrawn.full_name) not in squeeze(text)


def test_pdf_report_says_not_met_for_the_whole_congress(app, client, committee, arrive):
    congress, _sessions, officials, *_rest = committee
    arrive(officials[0])
    response = client.get(f"/manage/{congress.id}/attendance/report.pdf?session_id=all")
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="attendance-{congress.slug}.pdf"')
    text = pdf_text(response)
    assert_shows(text, label(app, "vi", "Whole congress"),
                 label(app, "vi", "Result") + label(app, "vi", "Quorum not met"),
                 label(app, "vi", "Absent official delegates") + "(3)")


def test_pdf_report_in_english_on_request(client, committee):
    congress = committee[0]
    client.get("/lang/en")
    text = pdf_text(client.get(f"/manage/{congress.id}/attendance/report.pdf"))
    assert_shows(text, "CREDENTIALS REPORT", "Head of the Credentials Committee",
                 "Official delegate", "Quorum not met")


def test_pdf_report_with_a_two_thirds_rule(app, client, committee):
    congress = committee[0]
    congress.quorum_numerator, congress.quorum_denominator = 2, 3
    congress.quorum_strict = False
    db.session.commit()
    text = pdf_text(client.get(f"/manage/{congress.id}/attendance/report.pdf"))
    assert_shows(text, label(app, "vi", "At least %(fraction)s of the official delegates must "
                                        "be present.", fraction="2/3"))


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once, not twice
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_lists_every_delegate(app, client, committee, arrive):
    congress, (first, _second), officials, guests, withdrawn = committee
    arrive(officials[0], session=first, gate="Cổng chính",
           at=datetime(2023, 9, 28, 0, 45, 10, tzinfo=UTC))
    arrive(guests[1], gate="Cổng phụ", at=datetime(2023, 9, 28, 1, 2, 0, tzinfo=UTC))
    response = client.get(f"/manage/{congress.id}/attendance/report.csv?session_id=all")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="attendance-{congress.slug}.csv"')
    header, *rows = read_csv(response)
    vi = lambda message: label(app, "vi", message)  # noqa: E731
    assert header == [vi(name) for name in (
        "Code", "Full name", "Category", "Delegation", "Unit", "Position", "Seat", "Status",
        "Counts for the quorum", "Present", "Checked in at", "Gate")]
    assert len(rows) == 7  # withdrawn delegates too, marked by their status
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    mai = by_name["Lê Thị Mai"]
    assert mai[vi("Present")] == vi("yes")
    assert mai[vi("Checked in at")] == "2023-09-28 07:45:10"  # Hà Nội time
    assert mai[vi("Gate")] == "Cổng chính"
    assert mai[vi("Category")] == "Đại biểu chính thức"
    assert mai[vi("Counts for the quorum")] == vi("yes")
    oanh = by_name["Hoàng Kim Oanh"]
    assert (oanh[vi("Present")], oanh[vi("Gate")]) == (vi("yes"), "Cổng phụ")
    assert oanh[vi("Counts for the quorum")] == vi("no")
    ha = by_name["Đỗ Thu Hà"]
    assert (ha[vi("Present")], ha[vi("Checked in at")], ha[vi("Gate")]) == (vi("no"), "", "")
    gone = by_name[withdrawn.full_name]
    assert gone[vi("Status")] == label(app, "vi", "withdrawn")
    assert gone[vi("Counts for the quorum")] == vi("no")


def test_csv_for_one_session(client, committee, arrive):
    congress, (first, second), officials, *_rest = committee
    arrive(officials[0], session=first)
    response = client.get(f"/manage/{congress.id}/attendance/report.csv?session_id={second.id}")
    assert f"-session-{second.id}.csv" in response.headers["Content-Disposition"]
    _header, *rows = read_csv(response)
    present_column = 9
    assert {row[present_column] for row in rows} == {label(client.application, "vi", "no")}


def test_csv_defuses_formulas(client, committee, add_delegate):
    congress = committee[0]
    add_delegate(congress, full_name="=HYPERLINK(\"http://evil\")", delegation="+Đoàn",
                 status=DelegateStatus.CONFIRMED)
    _header, *rows = read_csv(client.get(f"/manage/{congress.id}/attendance/report.csv"))
    row = next(row for row in rows if "HYPERLINK" in row[1])
    assert row[1].startswith("'=") and row[3] == "'+Đoàn"
