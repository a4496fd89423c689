"""Two gates lose the network, keep scanning, and come back: each delegate is checked in once,
at the time the first gate saw them, and each page says what became of its scans."""

from __future__ import annotations

import sqlite3

import pytest

from conference.badges.identity import badge_token
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.extensions import db
from tests.browser.conftest import screenshot
from tests.browser.test_scanner import door  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow


def rows(live_server, query: str) -> list[tuple]:
    database = live_server.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchall()


def add_delegates(live_server, congress, names: list[str]) -> list[tuple[int, str, str]]:
    """(id, code, badge URL) of new official delegates."""
    made = []
    with live_server.app.app_context():
        for number, name in enumerate(names, 1):
            delegate = Delegate(**new_delegate_values(congress, DelegateInput(
                code=f"OF{congress.id:02d}{number:02d}", full_name=name, seat=f"D-{number}")))
            db.session.add(delegate)
            db.session.commit()
            made.append((delegate.id, delegate.code,
                         f"{live_server.url}/b/{badge_token(delegate)}"))
        db.session.remove()
    return made


def open_gate(new_page, sign_in, username, congress, gate_name):
    page = new_page()
    sign_in(page, username)
    page.goto(f"/manage/{congress.id}/checkin")
    page.fill("#f-gate", gate_name)
    page.locator("#scanner[data-gate-copy=ready]").wait_for()  # the badges' copy is kept
    return page


def scan(page, text: str, tone: str) -> str:
    page.fill("#f-scan", text)
    page.press("#f-scan", "Enter")
    panel = page.locator(f"#scan-result .scan-result.tone-{tone}")
    panel.wait_for()
    return panel.inner_text()


def test_two_gates_offline_then_back_check_each_delegate_in_once(
        live_server, congress, door, new_page, sign_in):  # noqa: F811
    username, first_id, first_url = door
    (second_id, _code, second_url), (third_id, third_code, _url) = add_delegates(
        live_server, congress, ["Trần Thị Mai", "Lê Văn Hùng"])
    gate_a = open_gate(new_page, sign_in, username, congress, "Cổng A")
    gate_b = open_gate(new_page, sign_in, username, congress, "Cổng B")
    for page in (gate_a, gate_b):
        page.context.set_offline(True)

    assert "Nguyễn Văn Trường" in scan(gate_a, first_url, "ok")
    scan(gate_a, second_url, "ok")
    assert "trên thiết bị này" in scan(gate_a, first_url, "warn")  # amber: seen here already
    assert gate_a.locator("#gate-waiting").inner_text() == "Mất mạng: 3 lượt quét đang chờ gửi."
    screenshot(gate_a, "scanner-offline-amber")
    gate_b.wait_for_timeout(50)  # gate B sees the first delegate later
    scan(gate_b, first_url, "ok")  # another device: it cannot know
    scan(gate_b, third_code.lower(), "ok")  # the code printed under the QR, typed
    scan(gate_b, f"{live_server.url}/b/AAAAAAAAAAAAAAAAAAAAAA", "err")
    # (The live server's database is shared by the browser tests: count this congress only.)
    assert rows(live_server, f"SELECT count(*) FROM checkins WHERE congress_id = {congress.id}"
                ) == [(0,)]

    for page in (gate_a, gate_b):
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.locator("#gate-waiting").wait_for(state="hidden")
        page.locator("#gate-sent-list li").first.wait_for()
    assert rows(live_server, "SELECT delegate_id, gate FROM checkins WHERE congress_id = "
                             f"{congress.id} ORDER BY delegate_id") == [
        (first_id, "Cổng A"), (second_id, "Cổng A"), (third_id, "Cổng B")]
    first_scans = rows(live_server, "SELECT scanned_at FROM offline_scans WHERE delegate_id = "
                                    f"{first_id} ORDER BY scanned_at")
    assert len(first_scans) == 3  # both gates' scans are on record beside the one check-in
    assert rows(live_server, f"SELECT checked_in_at FROM checkins WHERE delegate_id = "
                             f"{first_id}") == [first_scans[0]]
    results_b = gate_b.locator("#gate-sent-list li").all_inner_texts()
    assert results_b == ["Nguyễn Văn Trường: đã điểm danh trước đó",
                         "Lê Văn Hùng: đã điểm danh", "thẻ không xác định"]
    assert gate_a.evaluate("localStorage.getItem('conference.gate.waiting')") == "0"
    screenshot(gate_b, "scanner-offline-sent")
    # Signing out takes the badges' copy off the device.
    with gate_a.expect_navigation():
        gate_a.locator("form.sign-out button").click()
    assert "conference-gate" not in gate_a.evaluate(
        "async () => (await indexedDB.databases()).map(database => database.name)")


def test_a_server_that_answers_503_is_treated_as_offline(
        live_server, congress, door, new_page, sign_in):  # noqa: F811
    """The database restarting (503) or no app process behind nginx (502): the gate decides
    the scan from its copy and sends it once the server answers again."""
    username, first_id, first_url = door
    gate = open_gate(new_page, sign_in, username, congress, "Cổng C")
    gate.route("**/checkin/scan", lambda route: route.fulfill(
        status=503, content_type="text/html", body="<h1>503</h1>"))
    assert "Nguyễn Văn Trường" in scan(gate, first_url, "ok")
    assert gate.locator("#gate-waiting").inner_text() == "Mất mạng: 1 lượt quét đang chờ gửi."
    gate.unroute("**/checkin/scan")
    gate.evaluate("window.dispatchEvent(new Event('online'))")
    gate.locator("#gate-waiting").wait_for(state="hidden")
    assert rows(live_server, f"SELECT delegate_id, gate FROM checkins WHERE congress_id = "
                             f"{congress.id}") == [(first_id, "Cổng C")]
