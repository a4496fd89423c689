"""The production set-up of the README: gunicorn's gevent worker with Socket.IO's gevent mode.

An agenda change made through the API reaches a phone's WebSocket through a real gunicorn.
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

pytestmark = pytest.mark.slow


@pytest.fixture
def production(tmp_path):
    """gunicorn -k gevent on a fresh SQLite database with one congress; yields what it made."""
    settings = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "production-test-secret",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'conference.db'}",
                "ASYNC_MODE": "gevent"}
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
    with connect(f"ws://{address}/socket.io/?EIO=4&transport=websocket") as phone:
        phone.recv(timeout=10)  # Engine.IO's open packet
        phone.send('40/live,{"congress": "chay-that"}')
        assert receive(phone, "/live", "agenda_state")["current_item_id"] is None
        request = urllib.request.Request(
            f"http://{address}/api/v1/congresses/{production['congress_id']}/agenda/current",
            data=json.dumps({"item_id": production["item_id"]}).encode(), method="POST",
            headers={"Authorization": f"Bearer {production['token']}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert receive(phone, "/live", "agenda_state")["current_item_id"] == \
            production["item_id"]
