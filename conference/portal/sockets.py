"""The portal's own news over the live agenda's socket (`/live`): a badge's check-ins.

The portal's page connects with `auth={"congress": slug, "badge": token}`; a current badge of
that congress joins its delegate's room, which hears `presence_changed` (no data: the page
fetches its check-in line again through the token) after each check-in or undo of the delegate.
"""

from __future__ import annotations

from flask_socketio import join_room

from conference.badges.identity import find_badge
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.errors import ConferenceError
from conference.live import PUBLIC_NAMESPACE
from conference.live import emit as push
from conference.signals import client_joined, delegate_checked_in


def delegate_room(delegate_id: int) -> str:
    return f"delegate:{delegate_id}"


@client_joined.connect
def join_badge_room(congress: Congress, namespace: str = "", auth: object = None,
                    **_extra) -> None:
    """A portal page that sent its badge hears that delegate's check-ins; any other joins none."""
    token = auth.get("badge") if isinstance(auth, dict) else None
    if namespace != PUBLIC_NAMESPACE or not isinstance(token, str):
        return
    try:
        delegate = find_badge(token, congress)
    except ConferenceError:  # unknown, replaced, or of another congress: the agenda only
        return
    join_room(delegate_room(delegate.id))


@delegate_checked_in.connect
def push_presence(congress: Congress, delegate: Delegate, **_extra) -> None:
    """After a committed check-in (or undo), tell the delegate's portal to look again."""
    push("presence_changed", {}, to=delegate_room(delegate.id), namespace=PUBLIC_NAMESPACE)
