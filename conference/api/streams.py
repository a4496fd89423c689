"""API routes for livestreams: add, list, read, change (status included), remove."""

from __future__ import annotations

from spectree import Tag

from conference.api import api_actor, operation
from conference.api.spec import api_model, request_body
from conference.congresses.service import get_congress
from conference.streams import service
from conference.streams.schemas import Stream, StreamsState

TAG = Tag(name="streams", description="Livestreams and their status.")
URL_ERRORS = ("`validation_failed`: e.g. `url` or `replay_url` is not an http(s) address, "
              "`status` is not scheduled, live or ended, `session_id` names no session of this "
              "congress.")
StreamCreate = api_model(service.StreamInput, "StreamCreate", required=("url",))
StreamPatch = api_model(service.StreamInput, "StreamPatch", required=())


@operation.post("/congresses/<int:congress_id>/streams", ok=Stream, status=201,
                body=StreamCreate, tag=TAG, errors={422: URL_ERRORS})
def create_stream(congress_id: int):
    """Add a livestream (`platform` is guessed from `url` if left out)."""
    congress = get_congress(api_actor(), congress_id)
    return service.create_stream(api_actor(), congress, request_body()), 201


@operation.get("/congresses/<int:congress_id>/streams", ok=StreamsState, tag=TAG)
def list_streams(congress_id: int):
    """List the livestreams of a congress in order."""
    return service.streams_state(get_congress(api_actor(), congress_id))


@operation.get("/streams/<int:stream_id>", ok=Stream, tag=TAG)
def get_stream(stream_id: int):
    """Read a livestream."""
    return service.get_stream(api_actor(), stream_id)


@operation.patch("/streams/<int:stream_id>", ok=Stream, body=StreamPatch, tag=TAG,
                 errors={422: URL_ERRORS})
def update_stream(stream_id: int):
    """Change a livestream; pages and portals update at once.

    Operators may change only `status` (scheduled, live, ended) and `replay_url`; organizers
    any field.
    """
    stream = service.get_stream(api_actor(), stream_id)
    return service.update_stream(api_actor(), stream, request_body())


@operation.delete("/streams/<int:stream_id>", status=204, tag=TAG)
def delete_stream(stream_id: int):
    """Remove a livestream."""
    service.delete_stream(api_actor(), service.get_stream(api_actor(), stream_id))
    return "", 204
