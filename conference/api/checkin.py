"""API routes for check-in at the door: what a scanner app or a gate device calls."""

from __future__ import annotations

from spectree import Tag

from conference.api import api_actor, operation
from conference.api.spec import NOT_FOUND, api_model, request_body
from conference.auth.service import Capability
from conference.checkin import service
from conference.checkin.schemas import CheckInResult
from conference.congresses.service import get_congress

TAG = Tag(name="checkin", description="Check-in at the door.")
CheckInCreate = api_model(service.CheckInInput, "CheckInInput")


@operation.post(
    "/congresses/<int:congress_id>/checkins", ok=CheckInResult, status=201, body=CheckInCreate,
    tag=TAG, also={200: "`already_checked_in`: the first check-in's time and gate."},
    errors={404: f"`badge_unknown`: not a badge of this congress; {NOT_FOUND}",
            409: "`delegate_withdrawn`: the delegate has withdrawn from the congress.",
            410: "`badge_revoked`: the badge was replaced by a new one.",
            422: "`validation_failed`: e.g. `session_id` names no session of this congress."})
def create_checkin(congress_id: int):
    """Check in the delegate whose badge was scanned.

    `scan` is the badge URL or its token as the scanner read it, or the delegate code printed
    under the QR (any case, spaces ignored); 201 `checked_in`, or 200 for a repeat.
    """
    congress = get_congress(api_actor(), congress_id, Capability.CHECK_IN)
    result = service.record_scan(api_actor(), congress, request_body())
    return CheckInResult.of(result), 201 if result.created else 200


@operation.delete("/checkins/<int:checkin_id>", status=204, tag=TAG)
def delete_checkin(checkin_id: int):
    """Undo a check-in (recorded in the audit log)."""
    service.undo_checkin(api_actor(), service.get_checkin(api_actor(), checkin_id))
    return "", 204
