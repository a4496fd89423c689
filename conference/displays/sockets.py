"""Screens over Socket.IO, namespace `/screens`: kiosks get their state, the console watches.

Kiosk: connect with `auth={"token": <kiosk token>}` (refused for an unknown or replaced one).
The server emits `screen_state` (service.screen_state) at once and after every change; the
kiosk answers `rendered` with `{"version": n}` once it drew version n, and sends `heartbeat`
every 15 s; both keep `last_seen` fresh in the database (online = seen within 45 s, whatever
process or restart). A replaced kiosk URL hears `revoked` and is disconnected.

Console: connect signed in with `auth={"congress_id": <id>}` (the operator's capability). It
hears `screen_state` of every screen of the congress (for the previews) and `screen_status`
(`ScreenStatus` without `kiosk_url`, plus `server_time`) whenever a kiosk connects, draws or beats.

Data-driven refreshes (agenda, check-ins, streams) are coalesced per congress: at most one
per SCREEN_PUSH_INTERVAL seconds (0.5 by default, 0 under TESTING unless a test sets it).
"""

from __future__ import annotations

import time

from flask import current_app, request, session
from flask_login import current_user
from flask_socketio import disconnect, emit, join_room

from conference.auth.service import Actor, can
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.displays import service
from conference.displays.models import Screen
from conference.displays.scenes import resolved_once
from conference.displays.schemas import ScreenStatus
from conference.extensions import db, socketio
from conference.live import Coalescer
from conference.live import emit as push
from conference.signals import (
    agenda_changed,
    delegate_checked_in,
    delegates_changed,
    proceedings_changed,
    screens_changed,
    stream_changed,
)

NAMESPACE = "/screens"
STATE = "screen_state"
STATUS = "screen_status"
SEEN_PRECISION = 10.0  # seconds between two writes of a screen's last_seen (online: 45 s)


def kiosk_room(token_hash: str) -> str:
    """The kiosks holding one token: a replaced token's room hears nothing more."""
    return f"kiosk:{token_hash}"


def console_room(congress_id: int) -> str:
    return f"screens:{congress_id}"


def _status(screen: Screen) -> dict:
    status = ScreenStatus.model_validate(screen).model_dump(mode="json", exclude={"kiosk_url"})
    return status | {"server_time": utcnow().isoformat()}


def push_screen(screen: Screen) -> None:
    """Send the screen's full state to its kiosks and to the console watching its congress."""
    state = service.screen_state(screen)
    push(STATE, state, to=kiosk_room(screen.token_hash), namespace=NAMESPACE)
    push(STATE, state, to=console_room(screen.congress_id), namespace=NAMESPACE)
    push(STATUS, _status(screen), to=console_room(screen.congress_id), namespace=NAMESPACE)


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth=None):
    if not isinstance(auth, dict):
        return False
    if "token" in auth:
        return _connect_kiosk(auth["token"])
    return _connect_console(auth.get("congress_id"))


def _connect_kiosk(token) -> bool:
    screen = service.find_screen_by_token(token)
    if screen is None:
        return False
    session["screen"] = (screen.id, screen.token_hash)
    join_room(kiosk_room(screen.token_hash))
    service.screen_seen(screen, base_url=request.host_url.rstrip("/"))
    emit(STATE, service.screen_state(screen))
    push(STATUS, _status(screen), to=console_room(screen.congress_id), namespace=NAMESPACE)
    return True


def _connect_console(congress_id) -> bool:
    if not current_user.is_authenticated or not isinstance(congress_id, int):
        return False
    congress = db.session.get(Congress, congress_id)
    staff = Actor(current_user._get_current_object(), source="socket")
    if congress is None or not can(staff, congress, service.CAPABILITY):
        return False
    join_room(console_room(congress.id))
    with resolved_once():
        for screen in service.list_screens(congress):
            emit(STATE, service.screen_state(screen))
            emit(STATUS, _status(screen))
    return True


def _kiosk_screen() -> Screen | None:
    """The screen of this kiosk connection, if its token is still the current one."""
    screen_id, token_hash = session.get("screen") or (None, None)
    screen = db.session.get(Screen, screen_id) if screen_id else None
    if screen is None or screen.token_hash != token_hash:
        if screen_id:
            emit("revoked", {})
            disconnect()
        return None
    return screen


def _report(version=None) -> None:
    """Store that a kiosk drew `version` (or beat), unless this process stored as much lately.

    A screen may have several kiosks (a wall fed by two players, a preview left open) that all
    draw every version, and each beats every 15 s: one write per version, and one at most
    every SEEN_PRECISION seconds otherwise, keep `online` and `rendered_version` as true.
    """
    screen_id, _token_hash = session.get("screen") or (None, None)
    stored: dict[int, tuple[int, float]] = current_app.extensions.setdefault(
        "displays.seen", {})
    known = stored.get(screen_id)
    now = time.monotonic()
    if known is not None and now - known[1] < SEEN_PRECISION and (
            version is None or (isinstance(version, int) and version <= known[0])):
        return
    screen = _kiosk_screen()
    if screen is None:
        return
    service.screen_seen(screen, version)
    stored[screen.id] = (screen.rendered_version, now)
    push(STATUS, _status(screen), to=console_room(screen.congress_id), namespace=NAMESPACE)


@socketio.on("rendered", namespace=NAMESPACE)
def rendered(data=None):
    """The kiosk drew `version`: the console compares it with the state version."""
    _report(data.get("version") if isinstance(data, dict) else None)


@socketio.on("heartbeat", namespace=NAMESPACE)
def heartbeat(_data=None):
    _report()


# --- pushes after changes -------------------------------------------------------------------


@screens_changed.connect
def push_changed(congress: Congress, screen_ids=(), revoked: str | None = None, **_extra):
    """After a committed change, push the screens it names; tell a replaced kiosk it is."""
    if revoked:
        push("revoked", {}, to=kiosk_room(revoked), namespace=NAMESPACE)
    with resolved_once():
        for screen_id in screen_ids:
            screen = db.session.get(Screen, screen_id)
            if screen is not None:
                push_screen(screen)


def refresh_screens(congress: Congress, kinds: set[str]) -> None:
    """Push every screen of the congress that shows one of these kinds of data now."""
    with resolved_once():
        for screen in service.list_screens(congress):
            if service.data_kinds(screen) & kinds:
                push_screen(screen)


def _refresh(congress_id: int, kinds: set[str]) -> None:
    congress = db.session.get(Congress, congress_id)
    if congress is not None:
        refresh_screens(congress, kinds)


refreshes = Coalescer("screens", "SCREEN_PUSH_INTERVAL", _refresh)


@agenda_changed.connect
def _agenda(congress: Congress, **_extra) -> None:
    refreshes.add(congress.id, "agenda")


@delegate_checked_in.connect
@delegates_changed.connect
def _attendance(congress: Congress, **_extra) -> None:
    refreshes.add(congress.id, "attendance")


@stream_changed.connect
def _stream(congress: Congress, **_extra) -> None:
    refreshes.add(congress.id, "stream")


@proceedings_changed.connect
def _proceedings(congress: Congress, kind: str = "", **_extra) -> None:
    if kind:
        refreshes.add(congress.id, kind)
