"""API routes for attendance: present and expected delegates and the quorum, and the credentials
committee's figures, as staff see them."""

from __future__ import annotations

from pydantic import BaseModel, Field
from spectree import Tag

from conference.api import api_actor, operation
from conference.attendance.credentials import credentials
from conference.attendance.schemas import Attendance, Credentials
from conference.attendance.service import attendance_session, attendance_state
from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.validation import MAX_ID, optional_int

TAG = Tag(name="attendance", description="Who is present, and the quorum.")


class AttendanceQuery(BaseModel):
    session_id: optional_int(1, MAX_ID) = Field(
        default=None, description="Count check-ins for this session; leave out for the whole "
                                  "congress (a check-in for any of its sessions counts).")


@operation.get("/congresses/<int:congress_id>/attendance", ok=Attendance, query=AttendanceQuery,
               tag=TAG, errors={422: "`validation_failed`: `session_id` names no session of "
                                     "this congress."})
def get_attendance(congress_id: int, query: AttendanceQuery):
    """Count present and expected delegates per category and delegation, and say whether the
    quorum is met."""
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_ATTENDANCE)
    return attendance_state(congress, attendance_session(congress, query.session_id))


@operation.get("/congresses/<int:congress_id>/credentials", ok=Credentials, query=AttendanceQuery,
               tag=TAG, errors={422: "`validation_failed`: `session_id` names no session of "
                                     "this congress."})
def get_credentials(congress_id: int, query: AttendanceQuery):
    """The credentials report's figures: official delegates summoned, present and absent (with
    reasons), and the composition of those present."""
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_ATTENDANCE)
    return credentials(congress, attendance_session(congress, query.session_id))
