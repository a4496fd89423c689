"""The production set-ups of the README: gunicorn's gevent worker with Socket.IO's gevent mode,
and `python app.py`, which serves the same way by itself.

An agenda change made through the API reaches a phone's WebSocket through a real gunicorn, and
a browser's live page through `python app.py`.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from websockets.sync.client import connect

from bench.serving import free_port, start_server, stop_server
from conference import create_app
from conference.agenda.models import AgendaItem, CongressSession
from conference.auth.models import User
from conference.auth.service import create_api_token
from conference.congresses.models import Congress
from conference.database import upgrade_database
from conference.extensions import db
from tests.browser.conftest import PHONE
from tests.conftest import CLOSE_TIMEOUT
from tests.test_first_start import Server

pytestmark = pytest.mark.slow


def seed(settings: dict) -> dict:
    """A fresh SQLite database with one congress, an item and an administrator's API token."""
    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        now = datetime.now(UTC)
        congress = Congress(slug="chay-that", name="Đại hội chạy thật", published=True,
                            starts_on=now.date(), ends_on=now.date())
        db.session.add(congress)
        db.session.flush()
        session = CongressSession(congress_id=congress.id, title="Phiên chính thức",
                                  starts_at=now, ends_at=now + timedelta(hours=3))
        db.session.add(session)
        db.session.flush()
        item = AgendaItem(session_id=session.id, title="Khai mạc", position=1)
        admin = User(username="quan.tri", password_hash="!", is_admin=True)
        db.session.add_all([item, admin])
        db.session.commit()
        seeded = {"congress_id": congress.id, "item_id": item.id,
                  "token": create_api_token(None, admin, "test")[1]}
        db.session.remove()
        db.engine.dispose()
    return seeded


@pytest.fixture
def production(tmp_path):
    """gunicorn -k gevent on a fresh SQLite database with one congress; yields what it made."""
    settings = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "production-test-secret",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'conference.db'}",
                "ASYNC_MODE": "gevent"}
    seeded = seed(settings)
    port = free_port()
    server = start_server(settings, port, ["-k", "gevent", "--workers", "1"],
                          tmp_path / "gunicorn.log")
    try:
        yield seeded | {"address": f"127.0.0.1:{port}"}
    finally:
        stop_server(server)


def receive(socket, namespace: str, wanted: str) -> dict:
    """Read Socket.IO packets until the event `wanted` arrives; returns its payload."""
    while True:
        message = socket.recv(timeout=10)
        if message == "2":
            socket.send("3")
        elif message.startswith(f"44{namespace},"):
            raise AssertionError(f"refused: {message}")
        elif message.startswith(f"42{namespace},"):
            name, payload = json.loads(message.removeprefix(f"42{namespace},"))
            if name == wanted:
                return payload


def test_a_change_through_the_api_reaches_a_phone_over_gevent(production):
    address = production["address"]
    with connect(f"ws://{address}/socket.io/?EIO=4&transport=websocket",
                 close_timeout=CLOSE_TIMEOUT) as phone:
        phone.recv(timeout=10)  # Engine.IO's open packet
        phone.send('40/live,{"congress": "chay-that"}')
        assert receive(phone, "/live", "agenda_current")["current_item_id"] is None
        request = urllib.request.Request(
            f"http://{address}/api/v1/congresses/{production['congress_id']}/agenda/current",
            data=json.dumps({"item_id": production["item_id"]}).encode(), method="POST",
            headers={"Authorization": f"Bearer {production['token']}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert receive(phone, "/live", "agenda_current")["current_item_id"] == \
            production["item_id"]


@pytest.fixture
def app_py(tmp_path):
    """`python app.py` as the README starts it, on an instance seeded with one congress."""
    instance = tmp_path / "instance"
    seeded = seed({"INSTANCE_PATH": str(instance),
                   "DATABASE_URL": f"sqlite:///{instance / 'conference.db'}"})
    server = Server(instance)
    try:
        server.wait_until_serving()
        yield seeded | {"server": server}
    finally:
        server.stop()


def test_python_app_py_pushes_to_a_browser_over_websocket(app_py, chromium):
    """The browser is the session's (a second Playwright in one process refuses to start)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    server, item_id = app_py["server"], app_py["item_id"]
    context = chromium.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(server.url("/c/chay-that"))
        # Socket.IO starts with long polling and upgrades: wait for the WebSocket.
        page.wait_for_function("() => window.liveSocket && "
                               "window.liveSocket.io.engine.transport.name === 'websocket'")
        request = urllib.request.Request(
            server.url(f"/api/v1/congresses/{app_py['congress_id']}/agenda/current"),
            data=json.dumps({"item_id": item_id}).encode(), method="POST",
            headers={"Authorization": f"Bearer {app_py['token']}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        sync_api.expect(page.locator(f'li[data-item-id="{item_id}"]')).to_have_class("current")
    finally:
        context.close()
    assert "development server" not in server.output.lower()
