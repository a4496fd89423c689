"""The live channel over a real WebSocket, as phones and screens open it."""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import connect

pytestmark = pytest.mark.slow


def test_pushes_go_uncompressed_even_when_the_browser_offers_compression(live_server,
                                                                         congress):
    """Compressing one state per socket for a thousand sockets cost more than sending it."""
    url = live_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    # Werkzeug's server never answers the closing handshake: leave without waiting for it.
    with connect(url, compression="deflate", open_timeout=10, close_timeout=0) as socket:
        assert socket.response.headers.get("Sec-WebSocket-Extensions") is None
        assert socket.recv(timeout=10).startswith("0{")  # Engine.IO's open packet
        socket.send("40/live," + json.dumps({"congress": congress.slug}))
        events = {}
        while "agenda_current" not in events:
            message = socket.recv(timeout=10)
            if message.startswith("42/live,"):
                name, payload = json.loads(message.removeprefix("42/live,"))
                events[name] = payload
    assert events["agenda_current"]["congress_id"] == congress.id
