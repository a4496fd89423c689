"""API routes for check-in at the door: what a scanner app or a gate device calls."""

from __future__ import annotations

from flask import request
from pydantic import BaseModel, Field
from spectree import Tag

from conference.api import api_actor, operation
from conference.api.spec import NOT_FOUND, api_model, request_body
from conference.auth.service import Capability
from conference.checkin import service
from conference.checkin.schemas import CheckInResult, GateManifest, OfflineBatchResult
from conference.congresses.service import get_congress

TAG = Tag(name="checkin", description="Check-in at the door.")
CheckInCreate = api_model(service.CheckInInput, "CheckInInput")
OfflineBatch = api_model(service.OfflineBatchInput, "OfflineBatchInput")


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
    result = service.record_scan(api_actor(), congress_id, request_body())
    return CheckInResult.of(result), 201 if result.created else 200


@operation.post(
    "/congresses/<int:congress_id>/checkins/batch", ok=OfflineBatchResult, status=200,
    body=OfflineBatch, tag=TAG,
    errors={404: NOT_FOUND,
            422: "`validation_failed`: e.g. a nonce that is not 8-64 letters, digits, `-` or "
                 "`_`, more than 500 scans, or a `session_id` of another congress."})
def create_offline_checkins(congress_id: int):
    """Send the scans a gate made while offline, each with the nonce it gave it.

    Each is judged as a live scan at its own `scanned_at` (the gate's clock; one in the future
    counts as now): the answer has one item per scan, in the order sent. A nonce sent before is
    answered as it was the first time, so a retry never counts twice; a delegate scanned at two
    gates has one check-in, at the earlier time, and both scans are kept.
    """
    congress = get_congress(api_actor(), congress_id, Capability.CHECK_IN)
    outcomes = service.record_offline_scans(api_actor(), congress, request_body())
    return OfflineBatchResult.of(outcomes), 200


class ManifestQuery(BaseModel):
    since: str = Field(default="", description="The `as_of` of the gate's last copy (ISO 8601 "
                                               "with its offset): only what changed since.")


@operation.get("/congresses/<int:congress_id>/checkins/manifest", ok=GateManifest,
               query=ManifestQuery, tag=TAG,
               errors={404: NOT_FOUND, 422: "`validation_failed`: `since` is no time with an "
                                            "offset, e.g. 2023-09-28T07:30:00+07:00."})
def gate_manifest(congress_id: int):
    """What a gate keeps to check badges in while the venue network is down (check-in staff).

    Each badge's `hash` is the SHA-256 (hex) of its current token: the gate hashes what it
    scanned and looks it up. No token is in it, so it opens no badge page.
    """
    congress = get_congress(api_actor(), congress_id, Capability.CHECK_IN)
    manifest = service.gate_manifest(api_actor(), congress, request.args)
    return GateManifest.of(congress.id, manifest), 200


@operation.delete("/checkins/<int:checkin_id>", status=204, tag=TAG)
def delete_checkin(checkin_id: int):
    """Undo a check-in (recorded in the audit log)."""
    service.undo_checkin(api_actor(), service.get_checkin(api_actor(), checkin_id))
    return "", 204
