"""API routes for livestreams: add, list, read, change (status included), remove."""

from __future__ import annotations

from conference.api import api_actor, bp, json_body
from conference.congresses.service import get_congress
from conference.streams import service


@bp.post("/congresses/<int:congress_id>/streams")
def create_stream(congress_id: int):
    congress = get_congress(api_actor(), congress_id)
    stream = service.create_stream(api_actor(), congress, json_body())
    return service.serialize_stream(stream), 201


@bp.get("/congresses/<int:congress_id>/streams")
def list_streams(congress_id: int):
    return service.streams_state(get_congress(api_actor(), congress_id))


@bp.get("/streams/<int:stream_id>")
def get_stream(stream_id: int):
    return service.serialize_stream(service.get_stream(api_actor(), stream_id))


@bp.patch("/streams/<int:stream_id>")
def update_stream(stream_id: int):
    """Operators may send `status` and `replay_url`; organizers any field."""
    stream = service.get_stream(api_actor(), stream_id)
    return service.serialize_stream(service.update_stream(api_actor(), stream, json_body()))


@bp.delete("/streams/<int:stream_id>")
def delete_stream(stream_id: int):
    service.delete_stream(api_actor(), service.get_stream(api_actor(), stream_id))
    return "", 204
