"""Livestream status over the live agenda's Socket.IO namespace and rooms (`/live`).

A client hears `streams_state` when it joins and after every committed stream change; it keeps
the highest `revision` it has shown and drops older pushes.
"""

from __future__ import annotations

from flask_socketio import emit

from conference.agenda import sockets as live
from conference.congresses.models import Congress
from conference.extensions import socketio
from conference.signals import stream_changed
from conference.streams.service import streams_state


def live_streams_payload(congress: Congress) -> dict:
    """What the room hears; an unpublished congress tells the public nothing but that."""
    if not congress.published:
        return {"congress_id": congress.id, "revision": congress.streams_revision,
                "published": False}
    return streams_state(congress)


def greet(congress: Congress) -> None:
    """Send the streams to the client that just joined the congress's room."""
    emit("streams_state", streams_state(congress))


live.on_join.append(greet)


@stream_changed.connect
def push_streams(congress: Congress, **_extra) -> None:
    """After a committed stream change, send the new state to everyone watching the congress."""
    socketio.emit("streams_state", live_streams_payload(congress),
                  to=live.congress_room(congress.id), namespace=live.NAMESPACE)
