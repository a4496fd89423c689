"""The chair's console live over Socket.IO, namespace `/speakers`, and the portals' nudge.

Console: connect with `auth={"congress_id": <id>, "item_id": <id>}` signed in as staff who run
the proceedings (organizer, operator); the server greets with `speakers_state` (the item's list,
`service.list_state`) and sends it again after every committed change of any list of the
congress (the console keeps the one it shows). Portals: after a change of who waits, the
congress's room on `/live` hears `speakers_changed` with the item's id only (no names; the
public hears that room), at most every SPEAKERS_PUSH_INTERVAL seconds; a portal fetches its
own panel again through its badge address.
"""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import emit, join_room

from conference.agenda.models import AgendaItem
from conference.auth.service import Actor, Capability, can
from conference.congresses.models import Congress
from conference.extensions import db, socketio
from conference.live import PUBLIC_NAMESPACE, Coalescer, congress_room
from conference.live import emit as push
from conference.signals import proceedings_changed
from conference.speakers.service import list_state

NAMESPACE = "/speakers"
EVENT = "speakers_state"


def console_room(congress_id: int) -> str:
    return f"speakers:{congress_id}"


def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth=None):
    if not current_user.is_authenticated or not isinstance(auth, dict):
        return False
    congress_id, item_id = auth.get("congress_id"), auth.get("item_id")
    if not (_whole_number(congress_id) and _whole_number(item_id)):
        return False
    congress = db.session.get(Congress, congress_id)
    staff = Actor(current_user._get_current_object(), source="socket")
    if congress is None or not can(staff, congress, Capability.RUN_PROCEEDINGS):
        return False
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.session.congress_id != congress.id:
        return False
    join_room(console_room(congress.id))
    emit(EVENT, list_state(item))
    return True


def _nudge_portals(congress_id: int, item_ids: set) -> None:
    for item_id in item_ids:
        push("speakers_changed", {"item_id": item_id}, to=congress_room(congress_id),
             namespace=PUBLIC_NAMESPACE)


portal_nudges = Coalescer("speakers", "SPEAKERS_PUSH_INTERVAL", _nudge_portals)


@proceedings_changed.connect
def push_speakers(congress: Congress, kind: str = "", item_id: int | None = None,
                  portals: bool = False, **_extra) -> None:
    """After a committed change of a list: the consoles get the list, the portals a nudge."""
    if kind != "speakers" or item_id is None:
        return
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        return
    push(EVENT, list_state(item), to=console_room(congress.id), namespace=NAMESPACE)
    if portals:
        portal_nudges.add(congress.id, item_id)
