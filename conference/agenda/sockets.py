"""Live agenda over Socket.IO, namespace `/live`: a room per congress, small pushes with a
revision.

Client: connect with `auth={"congress": "<slug>"}`; the server greets with `agenda_current`
(the item under way and the revision). Afterwards the room hears `agenda_current` when the
current item moves and `agenda_changed` (the revision only) when the agenda itself changed; a
client fetches the whole agenda over HTTP (with its ETag) when a revision is missing between
what it shows and what it hears, so a phone on congested Wi-Fi receives a hundred bytes per
move, not the agenda. Unpublished congresses are refused to the public.
"""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import emit, join_room
from sqlalchemy import select

from conference.agenda.service import agenda_current
from conference.auth.service import Actor, Capability, can
from conference.congresses.models import Congress
from conference.extensions import db, socketio
from conference.live import PUBLIC_NAMESPACE as NAMESPACE
from conference.live import congress_room
from conference.live import emit as push
from conference.signals import agenda_changed, client_joined


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth=None):
    slug = auth.get("congress") if isinstance(auth, dict) else None
    if not isinstance(slug, str):
        return False
    congress = db.session.scalar(select(Congress).where(Congress.slug == slug))
    if congress is None:
        return False
    staff = current_user.is_authenticated and can(
        Actor(current_user._get_current_object(), source="socket"), congress,
        Capability.VIEW_CONGRESS)
    if not congress.published and not staff:
        return False
    join_room(congress_room(congress.id))
    emit("agenda_current", agenda_current(congress) | {"published": congress.published})
    # The other features greet it too; the portal reads its badge from `auth`.
    client_joined.send(congress, namespace=NAMESPACE, auth=auth)
    return True


@agenda_changed.connect
def push_agenda(congress: Congress, kind: str = "structure", **_extra) -> None:
    """After a committed agenda change, tell everyone watching the congress what changed: the
    current item, or only the new revision (they fetch the agenda); an unpublished congress
    tells the public nothing but that."""
    room = congress_room(congress.id)
    if congress.published and kind == "current":
        push("agenda_current", agenda_current(congress) | {"published": True}, to=room,
             namespace=NAMESPACE)
    else:
        push("agenda_changed", {"congress_id": congress.id, "revision": congress.agenda_revision,
                                "published": congress.published}, to=room, namespace=NAMESPACE)
