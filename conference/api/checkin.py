"""API routes for check-in at the door: what a scanner app or a gate device calls."""

from __future__ import annotations

from conference.api import api_actor, bp, json_body
from conference.auth.service import Capability
from conference.checkin import service
from conference.congresses.service import get_congress


@bp.post("/congresses/<int:congress_id>/checkins")
def create_checkin(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.CHECK_IN)
    result = service.record_scan(api_actor(), congress, json_body())
    return service.serialize_result(result), 201 if result.created else 200


@bp.delete("/checkins/<int:checkin_id>")
def delete_checkin(checkin_id: int):
    service.undo_checkin(api_actor(), service.get_checkin(api_actor(), checkin_id))
    return "", 204
