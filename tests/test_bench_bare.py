"""The bare stack the fan-out benchmark measures beside the app: it must emit what the app does."""

from __future__ import annotations

import json

import pytest

from bench import bare_socketio


@pytest.fixture
def bare_app(monkeypatch):
    for name, value in {"NAMESPACE": "/screens", "EVENT": "screen_state", "PAYLOAD_SIZE": "700",
                        "ASYNC_MODE": "threading", "WEBSOCKET_COMPRESSION": "False"}.items():
        monkeypatch.setenv(f"CONFERENCE_{name}", value)
    return bare_socketio.create_app()


def test_each_change_reaches_the_clients_with_a_new_version(bare_app):
    from flask_socketio import SocketIO

    socketio: SocketIO = bare_app.extensions["socketio"]
    kiosk = socketio.test_client(bare_app, namespace="/screens", auth={"token": "-"})
    http = bare_app.test_client()
    versions = [http.post("/api/v1/congresses/0/screens/take", json={}).json["version"],
                http.patch("/api/v1/streams/0", json={}).json["version"]]
    pushed = kiosk.get_received("/screens")
    assert [push["name"] for push in pushed] == ["screen_state", "screen_state"]
    assert [push["args"][0]["version"] for push in pushed] == versions == [1, 2]
    # As big as the yardstick's payload once python-socketio has escaped it.
    assert len(json.dumps(pushed[0]["args"][0])) == 700


def test_the_browsers_offer_to_compress_is_declined_as_the_app_does(bare_app):
    from flask import request

    bare_app.add_url_rule("/offer", "offer", lambda: {
        "offer": request.headers.get("Sec-WebSocket-Extensions")})
    answer = bare_app.test_client().get(
        "/offer", headers={"Sec-WebSocket-Extensions": "permessage-deflate"})
    assert answer.json == {"offer": None}
