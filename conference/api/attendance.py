"""API route for attendance: present and expected delegates and the quorum, as staff see them."""

from __future__ import annotations

from flask import request

from conference.api import api_actor, bp
from conference.attendance.service import attendance_session, attendance_state
from conference.auth.service import Capability
from conference.congresses.service import get_congress


@bp.get("/congresses/<int:congress_id>/attendance")
def get_attendance(congress_id: int):
    """?session_id=N counts check-ins for that session; without it, for the whole congress."""
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_ATTENDANCE)
    session = attendance_session(congress, request.args.get("session_id"))
    return attendance_state(congress, session)
