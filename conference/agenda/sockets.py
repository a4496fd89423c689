"""Live agenda over Socket.IO, namespace `/live`: a room per congress, full state on every change.

Client: connect with `auth={"congress": "<slug>"}`; the server answers with `agenda_state`
at once and again after every agenda change. Unpublished congresses are refused to the public.
"""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import emit, join_room
from sqlalchemy import select

from conference.agenda.service import agenda_state
from conference.auth.service import Actor, Capability, can
from conference.congresses.models import Congress
from conference.extensions import db, socketio
from conference.live import PUBLIC_NAMESPACE as NAMESPACE
from conference.live import congress_room
from conference.live import emit as push
from conference.signals import agenda_changed, client_joined


def live_agenda_payload(congress: Congress) -> dict:
    """What the room hears; an unpublished congress tells the public nothing but that."""
    if not congress.published:
        return {"congress_id": congress.id, "revision": congress.agenda_revision,
                "published": False}
    return agenda_state(congress) | {"published": True}


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
    emit("agenda_state", agenda_state(congress) | {"published": congress.published})
    # The other features greet it too; the portal reads its badge from `auth`.
    client_joined.send(congress, namespace=NAMESPACE, auth=auth)
    return True


@agenda_changed.connect
def push_agenda(congress: Congress, **_extra) -> None:
    """After a committed agenda change, send the new state to everyone watching the congress."""
    push("agenda_state", live_agenda_payload(congress), to=congress_room(congress.id),
         namespace=NAMESPACE)
