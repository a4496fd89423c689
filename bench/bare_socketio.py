"""The required stack with none of the app: Flask and Flask-SocketIO, one route that emits.

bench/live_fanout.py serves it with the same gunicorn worker as the app and drives it the same
way (an HTTP POST under /api/v1/ per change, clients answering as the app's do), so the run
shows what the stack itself costs, apart from the app's database, rules and audit. Settings
come from the same environment variables the benchmark gives the app:

    CONFERENCE_ASYNC_MODE     gevent or threading
    CONFERENCE_NAMESPACE      where the clients connect (/screens, /live)
    CONFERENCE_EVENT          the event every change emits (screen_state, agenda_current, ...)
    CONFERENCE_PAYLOAD_SIZE   characters of JSON in that event
    CONFERENCE_WEBSOCKET_COMPRESSION   True to accept the clients' offer, as the app's setting
"""

from __future__ import annotations

import json
import os

from flask import Flask
from flask_socketio import SocketIO

from bench.live_fanout import sample_payload  # gunicorn runs this with the checkout on the path
from conference.web import WithoutWebSocketCompression


def create_app() -> Flask:
    namespace = os.environ["CONFERENCE_NAMESPACE"]
    event = os.environ["CONFERENCE_EVENT"]
    size = int(os.environ["CONFERENCE_PAYLOAD_SIZE"])
    payload = json.loads(sample_payload(size))
    while len(json.dumps(payload | {"note": ""})) > size and payload["items"]:
        payload["items"].pop()  # as sent: python-socketio writes a Vietnamese letter as \uXXXX
    payload["note"] = "x" * (size - len(json.dumps(payload | {"note": ""})))  # to the character
    app = Flask(__name__)
    if os.environ.get("CONFERENCE_WEBSOCKET_COMPRESSION") != "True":
        app.wsgi_app = WithoutWebSocketCompression(app.wsgi_app)
    socketio = SocketIO(app, async_mode=os.environ["CONFERENCE_ASYNC_MODE"])
    version = 0

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.route("/api/v1/<path:_path>", methods=["POST", "PATCH"])
    def change(_path):
        nonlocal version
        version += 1
        socketio.emit(event, payload | {"version": version}, namespace=namespace)
        return {"version": version}

    @socketio.on("connect", namespace=namespace)
    def connect(_auth=None):
        return True

    @socketio.on("rendered", namespace=namespace)
    def rendered(_data=None):
        """Kiosks answer every state; the app stores it, the bare stack only receives it."""

    return app
