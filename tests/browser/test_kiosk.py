"""Kiosk screens in Chromium: a take arrives within a second, the screen keeps its content while
the server is down, and catches up once it is back; a screenshot of each scene type at 3840x1080.

This module runs its own server (serve.py on a fixed port, one SQLite file), so it can stop and
restart it without disturbing the session's server.
"""

from __future__ import annotations

import io
import json
import os
import time

import pytest
from PIL import Image, ImageDraw

from conference import create_app
from conference.auth.models import Role, User
from conference.auth.service import Actor, create_api_token
from conference.database import upgrade_database
from conference.displays import service
from conference.extensions import db
from conference.streams.models import Stream
from tests.browser.conftest import (
    CHROMIUM,
    PROJECT_ROOT,
    LiveServer,
    _wait_until_up,
    free_port,
    screenshot,
    start_server,
    stop_server,
)
from tests.conftest import PASSWORD_HASH

pytestmark = pytest.mark.slow
WALL = {"width": 3840, "height": 1080}


@pytest.fixture(scope="module")
def wall_server(tmp_path_factory):
    """A server of our own, restartable on the same port and database."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    instance = tmp_path_factory.mktemp("kiosk-instance")
    config = {"INSTANCE_PATH": str(instance),
              "DATABASE_URL": f"sqlite:///{instance / 'conference.db'}",
              "SECRET_KEY": "kiosk-test-secret", "RATELIMIT_STORAGE_URL": "memory://",
              "MESSAGE_QUEUE": None, "ASYNC_MODE": "threading"}
    app = create_app(config)
    upgrade_database(app)
    with app.app_context():
        user = User(username="van.long", display_name="Văn Long", password_hash=PASSWORD_HASH)
        db.session.add(user)
        db.session.commit()
        token = create_api_token(None, user, "kiosk tests")[1]
        db.session.remove()
    port = free_port()
    log = instance / "server.log"
    server = LiveServer(f"http://127.0.0.1:{port}", app, start_server(config, port, log), log,
                        {str(Role.OPERATOR): "van.long"}, {"operator": token})
    server.config, server.port = config, port
    try:
        _wait_until_up(server.url, server.process, log)
        yield server
    finally:
        stop_server(server.process)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def browser(chromium):
    """The session's Chromium: one Playwright per process."""
    return chromium


@pytest.fixture(scope="module")
def wall(wall_server):
    """The demo-like congress, its LED wall (kiosk URL), a livestream and two images."""
    congress = wall_server.make_congress()
    status, body = wall_server.api("POST", f"/api/v1/congresses/{congress.id}/screens",
                                   {"name": "Màn hình LED ngoài trời", "width": 3840,
                                    "height": 1080})
    assert status == 201, body
    with wall_server.app.app_context():
        operator = Actor(db.session.scalar(db.select(User)))
        from conference.congresses.models import Congress

        row = db.session.get(Congress, congress.id)
        stream = Stream(congress_id=congress.id, platform="facebook", status="live",
                        title="Phiên khai mạc Đại hội",
                        url="https://www.facebook.com/congdoanhue/videos/123456789")
        db.session.add(stream)
        db.session.commit()
        stream_id = stream.id
        picture = service.store_image(operator, row, _picture((1600, 900), "Hội trường"))
        portrait = service.store_image(operator, row, _picture((600, 800), "Ảnh"))
        db.session.remove()
    return {"congress": congress, "screen": body, "stream_id": stream_id,
            "picture": picture, "portrait": portrait}


def _picture(size, text) -> bytes:
    image = Image.new("RGB", size, (20, 60, 120))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.line([(x, 0), (x + size[1], size[1])], fill=(200, 30, 40), width=8)
    draw.rectangle([size[0] // 4, size[1] // 3, size[0] * 3 // 4, size[1] * 2 // 3],
                   fill=(250, 210, 0))
    draw.text((size[0] // 4 + 20, size[1] // 3 + 20), text, fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _take(server, screen_id: int, scene: dict) -> int:
    status, body = server.api("POST", f"/api/v1/screens/{screen_id}/take", {"scene": scene})
    assert status == 200, body
    return body["state_version"]


def _kiosk(browser, url: str, viewport=WALL):
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return context, page


def _rendered(page, version: int, timeout: float = 10_000) -> None:
    page.wait_for_selector(f"#kiosk[data-rendered='{version}']", state="attached",
                           timeout=timeout)


def test_a_take_arrives_and_survives_a_server_restart(browser, wall_server, wall):
    screen_id = wall["screen"]["id"]
    context, page = _kiosk(browser, wall["screen"]["kiosk_url"],
                           viewport={"width": 1920, "height": 540})
    try:
        page.wait_for_selector("#kiosk[data-online='1']", state="attached")
        page.wait_for_selector("#kiosk[data-cached='1']", state="attached")
        version = _take(wall_server, screen_id, {"type": "announcement", "title": "Giải lao",
                                                 "body": "Đại hội nghỉ giải lao 15 phút"})
        _rendered(page, version)
        assert "Giải lao" in page.inner_text("#kiosk-canvas")

        stop_server(wall_server.process)
        page.wait_for_selector("#kiosk[data-online='0']", state="attached")
        # It tries to reconnect, fails, and keeps showing what it showed.
        page.wait_for_event("requestfailed", lambda request: "/socket.io/" in request.url)
        assert "Đại hội nghỉ giải lao 15 phút" in page.inner_text("#kiosk-canvas")
        stored = json.loads(page.evaluate(f"localStorage.getItem('kiosk-state:{screen_id}')"))
        assert stored["version"] == version and stored["scene"]["title"] == "Giải lao"
        # A reboot without the server: the service worker's copy of the page opens, and it
        # draws the state kept in local storage.
        page.reload()
        _rendered(page, version)
        assert "Đại hội nghỉ giải lao 15 phút" in page.inner_text("#kiosk-canvas")

        # The server comes back upgraded (a template changed): the kiosk reloads itself.
        served = page.get_attribute("#kiosk", "data-app-version")
        template = PROJECT_ROOT / "templates" / "displays" / "kiosk.html"
        os.utime(template, ns=(time.time_ns(), time.time_ns()))
        wall_server.process = start_server(wall_server.config, wall_server.port, wall_server.log)
        _wait_until_up(wall_server.url, wall_server.process, wall_server.log)
        version = _take(wall_server, screen_id, {"type": "announcement",
                                                 "title": "Tiếp tục phiên họp", "body": ""})
        _rendered(page, version, timeout=30_000)
        assert "Tiếp tục phiên họp" in page.inner_text("#kiosk-canvas")
        upgraded = wall_server.api("GET", f"/api/v1/screens/{screen_id}/state")[1]["app_version"]
        assert upgraded != served
        page.wait_for_selector(f"#kiosk[data-app-version='{upgraded}']", state="attached")
        assert page.errors == []
    finally:
        context.close()


def _scenes(wall) -> dict[str, dict]:
    return {
        "announcement": {"type": "announcement", "title": "Chào mừng Đại hội",
                         "body": "Đại hội Công đoàn tỉnh lần thứ XV, nhiệm kỳ 2023–2028\n"
                                 "Đoàn kết – Đổi mới – Sáng tạo – Phát triển"},
        "current_item": {"type": "current_item"},
        "agenda": {"type": "agenda"},
        "attendance": {"type": "attendance"},
        "stream": {"type": "stream", "stream_id": wall["stream_id"],
                   "caption": "Quét mã để xem trực tiếp"},
        "qr": {"type": "qr", "caption": "Tài liệu Đại hội",
               "url": "https://congdoan.example.vn/c/dai-hoi"},
        "image": {"type": "image", "image": wall["picture"], "caption": "Hội trường Đại hội"},
        "figures": {"type": "figures", "title": "Kết quả nhiệm kỳ 2018–2023", "figures": [
            {"value": "125.430", "label": "đoàn viên công đoàn"},
            {"value": "1.247", "label": "công đoàn cơ sở"},
            {"value": "98,6%", "label": "ký thoả ước lao động tập thể"}]},
        "clock": {"type": "clock", "label": "Khai mạc Đại hội sau",
                  "countdown_to": "2030-09-28T08:00"},
        "awards": {"type": "awards", "title": "Khen thưởng nhiệm kỳ", "entries": [
            {"name": "Đồng chí Nguyễn Thị Hồng Nhung",
             "citation": "Chủ tịch Công đoàn ngành Giáo dục — hoàn thành xuất sắc nhiệm vụ "
                         "5 năm liền", "photo": wall["portrait"]}]},
    }


def test_each_scene_type_on_the_wall(browser, wall_server, wall):
    screen_id = wall["screen"]["id"]
    congress = wall["congress"]
    wall_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                    {"item_id": congress.items[1][0]})
    context, page = _kiosk(browser, wall["screen"]["kiosk_url"])
    try:
        page.wait_for_selector("#kiosk[data-online='1']", state="attached")
        for kind, scene in _scenes(wall).items():
            version = _take(wall_server, screen_id, scene)
            _rendered(page, version)
            assert page.locator("#kiosk-canvas .layer:not(.preparing) .scene").count() == 1
            screenshot(page, f"kiosk-{kind}")
        status, _body = wall_server.api("POST", f"/api/v1/screens/{screen_id}/flash",
                                        {"text": "Mời đại biểu ổn định chỗ ngồi",
                                         "seconds": 60})
        assert status == 200
        page.wait_for_selector("#kiosk-flash:not([hidden])")
        screenshot(page, "kiosk-flash")
        assert page.errors == []
    finally:
        context.close()


def test_console_previews_and_keys(browser, wall_server, wall):
    from tests.conftest import PASSWORD

    congress = wall["congress"]
    screen_id = wall["screen"]["id"]
    _take(wall_server, screen_id, _scenes(wall)["figures"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                  base_url=wall_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        page.goto("/login")
        page.fill("input[name=username]", "van.long")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()
        page.goto(f"/manage/{congress.id}/screens")
        page.wait_for_selector("#screens-live-status:not([hidden])")
        card = page.locator(f"#screen-{screen_id}")
        assert "125.430" in card.locator(".screen-preview").inner_text()
        screenshot(page, "screens-console")
        with page.expect_navigation():
            page.keyboard.press("b")
        status, body = wall_server.api("GET", f"/api/v1/screens/{screen_id}/state")
        assert status == 200 and body["mode"] == "blackout"
        assert page.errors == []
    finally:
        context.close()
