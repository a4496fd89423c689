"""Live attendance for staff over Socket.IO, namespace `/attendance`.

Client: connect with `auth={"congress_id": <id>, "session_id": <id or null>}` while signed in
as staff who may view attendance. The server answers at once with `attendance_state` and again
after check-ins, undone check-ins and changes of the delegates (who is expected), at most once
per ATTENDANCE_PUSH_INTERVAL seconds per congress: 500 scans a second at the doors become two
pushes a second, not 500. A push holds the counts (per category, the quorum, the guests), not
the table per delegation: the page fetches its tables as HTML after each push anyway.
"""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import emit, join_room

from conference.attendance.service import attendance_session, attendance_state, congress_sessions
from conference.auth.service import Actor, Capability, can
from conference.checkin.models import CheckIn
from conference.congresses.models import Congress
from conference.errors import ValidationFailed
from conference.extensions import db, socketio
from conference.live import Coalescer
from conference.live import emit as push
from conference.signals import delegate_checked_in, delegates_changed

NAMESPACE = "/attendance"
EVENT = "attendance_state"
EVERY_SCOPE = "*"  # an undone check-in does not say which session it was for


def live_counts(state: dict) -> dict:
    """The attendance state without its table per delegation (a row per unit: the bulk of it)."""
    return {key: value for key, value in state.items() if key != "by_delegation"}


def attendance_room(congress_id: int, session_id: int | None = None) -> str:
    """The room of the staff watching one congress, whole or one session of it."""
    room = f"attendance:{congress_id}"
    return f"{room}:session:{session_id}" if session_id else room


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth=None):
    if not current_user.is_authenticated or not isinstance(auth, dict):
        return False
    congress_id = auth.get("congress_id")
    if not isinstance(congress_id, int) or isinstance(congress_id, bool):
        return False
    congress = db.session.get(Congress, congress_id)
    staff = Actor(current_user._get_current_object(), source="socket")
    if congress is None or not can(staff, congress, Capability.VIEW_ATTENDANCE):
        return False
    try:
        session = attendance_session(congress, auth.get("session_id"))
    except ValidationFailed:
        return False
    join_room(attendance_room(congress.id, session.id if session else None))
    emit(EVENT, live_counts(attendance_state(congress, session)))
    return True


def push_attendance(congress: Congress, scopes: set[str]) -> None:
    """Send the fresh state to the rooms whose numbers the changed `scopes` may have moved.

    The whole-congress room hears every change; a session's room hears changes of that
    session's check-ins (every session's room, when the scope is unknown).
    """
    push(EVENT, live_counts(attendance_state(congress)), to=attendance_room(congress.id),
         namespace=NAMESPACE)
    for session in congress_sessions(congress):
        if EVERY_SCOPE in scopes or f"session:{session.id}" in scopes:
            push(EVENT, live_counts(attendance_state(congress, session)),
                 to=attendance_room(congress.id, session.id), namespace=NAMESPACE)


def _flush(congress_id: int, scopes: set[str]) -> None:
    congress = db.session.get(Congress, congress_id)
    if congress is not None:
        push_attendance(congress, scopes)


pushes = Coalescer("attendance", "ATTENDANCE_PUSH_INTERVAL", _flush)


@delegate_checked_in.connect
def push_after_checkin(congress: Congress, checkin: CheckIn | None = None, **_extra) -> None:
    """After a committed check-in (or undo), the numbers of its scope moved."""
    pushes.add(congress.id, checkin.scope if checkin is not None else EVERY_SCOPE)


@delegates_changed.connect
def push_after_delegates_change(congress: Congress, **_extra) -> None:
    """Delegates registered, withdrawn or imported: who is expected moved in every scope."""
    pushes.add(congress.id, EVERY_SCOPE)
