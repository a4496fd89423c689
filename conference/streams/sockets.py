"""Livestream status over the live agenda's Socket.IO namespace and rooms (`/live`).

A client hears `streams_state` when it joins and after every committed stream change; it keeps
the highest `revision` it has shown and drops older pushes.
"""

from __future__ import annotations

from flask_socketio import emit

from conference.congresses.models import Congress
from conference.live import PUBLIC_NAMESPACE, congress_room
from conference.live import emit as push
from conference.signals import client_joined, stream_changed
from conference.streams.service import streams_state


def live_streams_payload(congress: Congress) -> dict:
    """What the room hears; an unpublished congress tells the public nothing but that."""
    if not congress.published:
        return {"congress_id": congress.id, "revision": congress.streams_revision,
                "published": False}
    return streams_state(congress)


@client_joined.connect
def greet(congress: Congress, namespace: str = "", **_extra) -> None:
    """Send the streams to the client that just joined the congress's live room."""
    if namespace == PUBLIC_NAMESPACE:
        emit("streams_state", streams_state(congress))


@stream_changed.connect
def push_streams(congress: Congress, **_extra) -> None:
    """After a committed stream change, send the new state to everyone watching the congress."""
    push("streams_state", live_streams_payload(congress), to=congress_room(congress.id),
         namespace=PUBLIC_NAMESPACE)
