"""A vote in Chromium: three delegates vote on phone-sized portals (the PIN typed once, one of
them changes their vote), the LED wall (3840x1080, a real kiosk page) follows the progress,
the secretariat's console sees the last one come in and closes the vote, and the wall shows
PASSED."""

from __future__ import annotations

import pytest

from conference.actors import SYSTEM
from conference.badges.identity import badge_token
from conference.checkin.service import check_in_delegate
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.extensions import db
from conference.votes.service import badge_pin
from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_overflow, screenshot

pytestmark = pytest.mark.slow
WALL = {"width": 3840, "height": 1080}
NAMES = ["Nguyễn Thị Thu Hằng", "Trần Văn Dũng", "Lê Quang Huy"]


def _delegates(live_server, congress) -> list[tuple[str, str]]:
    """Three official delegates checked in for the first session: (portal path, PIN)."""
    session_id = congress.sessions[0][0]
    with live_server.app.app_context():
        row = db.session.get(Congress, congress.id)
        phones = []
        for number, name in enumerate(NAMES, start=1):
            delegate = Delegate(**new_delegate_values(row, DelegateInput(
                code=f"BQ{congress.id:02d}{number}", full_name=name)))
            db.session.add(delegate)
            db.session.commit()
            check_in_delegate(SYSTEM, delegate, session_id=session_id)
            phones.append((f"/b/{badge_token(delegate)}", badge_pin(delegate)))
        db.session.remove()
    return phones


def _vote(page, choice: str, pin: str | None = None) -> None:
    if pin is not None:
        page.fill("#vote-pin", pin)
    page.click(f"#votes .vote-choice.vote-{choice}")


def test_delegates_vote_on_phones_and_the_wall_shows_the_result(
        live_server, congress, new_page, sign_in, chromium):
    phones = _delegates(live_server, congress)
    item_id = congress.sessions[0][2][0][0]
    status, vote = live_server.api("POST", f"/api/v1/items/{item_id}/votes", {
        "question": "Đại hội biểu quyết thông qua Chương trình làm việc", "method": "phone"})
    assert status == 201, vote
    status, screen = live_server.api("POST", f"/api/v1/congresses/{congress.id}/screens",
                                     {"name": "Màn hình LED", "width": 3840, "height": 1080})
    assert status == 201, screen
    assert live_server.api("POST", f"/api/v1/screens/{screen['id']}/take",
                           {"scene": {"type": "vote"}})[0] == 200

    pages = []
    for path, _pin in phones:
        page = new_page(PHONE)
        page.goto(path)
        pages.append(page)
    # The vote opens: it appears on every portal without a reload.
    assert live_server.api("POST", f"/api/v1/votes/{vote['id']}/open")[0] == 200
    for page in pages:
        page.wait_for_selector("#votes .vote-choice.vote-for")
    # A wall in English while the operator's requests are in Vietnamese: what a push carries
    # is put in words by the wall itself.
    wall_context = chromium.new_context(viewport=WALL, locale="en-GB")
    wall_context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
    wall_context.set_default_timeout(10_000)
    wall = wall_context.new_page()
    wall_errors = []
    wall.on("pageerror", lambda error: wall_errors.append(str(error)))
    wall.goto(screen["kiosk_url"])
    wall.wait_for_selector(".vote-tally")
    assert wall.inner_text(".vote-tally").startswith("0 / 3")

    first, second, third = pages
    _vote(first, "against", phones[0][1])
    first.wait_for_selector(".vote-receipt[data-choice=against]")
    _vote(first, "for")  # changed, and no PIN asked again on this phone
    first.wait_for_selector(".vote-receipt[data-choice=for]")
    assert first.locator("#vote-pin").count() == 0
    _vote(second, "against", phones[1][1])
    second.wait_for_selector(".vote-receipt")
    console = new_page(DESKTOP)
    sign_in(console, live_server.users["operator"])
    console.goto(f"/manage/{congress.id}/votes")
    console.wait_for_selector(f"#vote-{vote['id']} [data-voted]:has-text('2')")
    _vote(third, "for", "000000" if phones[2][1] != "000000" else "111111")  # a wrong PIN
    third.wait_for_selector(".vote-message:not([hidden])")
    assert "PIN" in third.inner_text(".vote-message")
    third.console_errors.clear()  # its 403 is the answer expected
    _vote(third, "for", phones[2][1])
    third.wait_for_selector(".vote-receipt")
    screenshot(first, "votes-phone")
    assert no_horizontal_overflow(first) == []
    wall.wait_for_selector(".vote-tally:has-text('3 / 3')")

    console.wait_for_selector(f"#vote-{vote['id']} [data-voted]:has-text('3')")  # live
    screenshot(console, "votes-console")
    console.on("dialog", lambda dialog: dialog.accept())
    console.click(f"#vote-{vote['id']} form[action$='/close'] button")
    console.wait_for_selector(f"#vote-{vote['id']} .vote-result")

    wall.wait_for_selector(".vote-verdict.passed")  # 2 of 3 present: more than half
    assert wall.inner_text(".vote-rule") == "Passes with more than half of the delegates present"
    screenshot(wall, "votes-wall-3840x1080")
    for page in pages:
        page.wait_for_selector("#votes .vote-result")  # the portals hear the close too
    assert not wall_errors, wall_errors
    for page in (*pages, console):
        assert page.console_errors == [], page.console_errors
    wall_context.close()


def test_a_vote_opened_before_the_phone_connects_shows_without_a_reload(
        live_server, congress, new_page):
    """The page was made before the vote opened, and its live connection came up after the
    push had gone: the phone still shows the vote once it connects."""
    (path, _pin), *_others = _delegates(live_server, congress)
    item_id = congress.sessions[0][2][0][0]
    status, vote = live_server.api("POST", f"/api/v1/items/{item_id}/votes", {
        "question": "Đại hội biểu quyết thông qua Quy chế làm việc", "method": "phone"})
    assert status == 201, vote
    phone = new_page(PHONE)
    held, released = [], []

    def hall_wifi(route):
        """Holds the live connection's requests until released."""
        if released:
            route.continue_()
        else:
            held.append(route)

    phone.route("**/socket.io/**", hall_wifi)
    phone.goto(path)
    assert phone.locator("#votes .vote-choice").count() == 0
    assert live_server.api("POST", f"/api/v1/votes/{vote['id']}/open")[0] == 200
    released.append(True)
    for route in held:
        route.continue_()
    phone.wait_for_selector("#votes .vote-choice.vote-for")
    assert phone.console_errors == []
