"""API routes for the speakers' lists of agenda items and the speaking timer."""

from __future__ import annotations

from typing import Literal

from spectree import Tag

from conference.api import api_actor, operation
from conference.api.spec import NOT_FOUND, api_model, request_body
from conference.speakers import service
from conference.speakers.schemas import SpeakerListState, SpeakerState
from conference.validation import Schema

TAG = Tag(name="speakers", description="Lists of speakers per agenda item and the timer.")
SpeakerCreate = api_model(service.SpeakerInput, "SpeakerCreate")
SpeakerPatch = api_model(service.SpeakerChanges, "SpeakerPatch", required=())
WITHDRAWN = "`speaker_withdrawn`: the speaker withdrew their request."


class MoveInput(Schema):
    """One place up or down the list (withdrawn entries are skipped)."""

    direction: Literal["up", "down"]


Move = api_model(MoveInput, "SpeakerMove")


def _item(item_id: int):
    return service.get_agenda_item(api_actor(), item_id)


def _speaker(speaker_id: int):
    return service.get_speaker(api_actor(), speaker_id)


@operation.get("/items/<int:item_id>/speakers", ok=SpeakerListState, tag=TAG)
def list_speakers(item_id: int):
    """Read an item's list of speakers in order, each with its timer."""
    return service.list_state(_item(item_id))


@operation.post("/items/<int:item_id>/speakers", ok=SpeakerState, status=201,
                body=SpeakerCreate, tag=TAG,
                errors={409: "`delegate_withdrawn`: the delegate withdrew from the congress.",
                        422: "`validation_failed`: e.g. no `name` and no `delegate_id`, or a "
                             "`delegate_id` or `document_id` (a public document) not of this "
                             "congress."})
def add_speaker(item_id: int):
    """Add a speaker at the end of the list: a registered contribution by default (`kind`:
    `floor` for someone from the floor); a closed list still takes it."""
    speaker = service.add_speaker(api_actor(), _item(item_id), request_body())
    return service.speaker_answer(speaker), 201


@operation.post("/items/<int:item_id>/speakers/next", ok=SpeakerState, tag=TAG,
                errors={409: "`list_empty`: nobody is waiting."})
def call_next(item_id: int):
    """Call the first waiting speaker (their timer not started); whoever spoke is done."""
    return service.speaker_answer(service.call_next(api_actor(), _item(item_id)))


@operation.post("/items/<int:item_id>/speakers/close", ok=SpeakerListState, tag=TAG)
def close_list(item_id: int):
    """Close the list to requests from the floor."""
    item = _item(item_id)
    service.close_list(api_actor(), item, True)
    return service.list_state(item)


@operation.post("/items/<int:item_id>/speakers/reopen", ok=SpeakerListState, tag=TAG)
def reopen_list(item_id: int):
    """Open the list to requests from the floor again."""
    item = _item(item_id)
    service.close_list(api_actor(), item, False)
    return service.list_state(item)


@operation.patch("/speakers/<int:speaker_id>", ok=SpeakerState, body=SpeakerPatch, tag=TAG)
def update_speaker(speaker_id: int):
    """Correct a speaker's name, unit, title or `duration` (seconds)."""
    return service.speaker_answer(
        service.update_speaker(api_actor(), _speaker(speaker_id), request_body()))


@operation.delete("/speakers/<int:speaker_id>", status=204, tag=TAG)
def remove_speaker(speaker_id: int):
    """Remove a speaker from the list."""
    service.remove_speaker(api_actor(), _speaker(speaker_id))
    return "", 204


@operation.post("/speakers/<int:speaker_id>/start", ok=SpeakerState, tag=TAG,
                errors={409: WITHDRAWN, 404: NOT_FOUND})
def start_speaker(speaker_id: int):
    """Start or resume the speaker's timer; whoever else spoke in the congress is done."""
    return service.speaker_answer(service.start_speaker(api_actor(), _speaker(speaker_id)))


@operation.post("/speakers/<int:speaker_id>/pause", ok=SpeakerState, tag=TAG,
                errors={409: "`not_speaking`: the speaker is not speaking."})
def pause_speaker(speaker_id: int):
    """Pause the timer; the time spoken is kept."""
    return service.speaker_answer(service.pause_speaker(api_actor(), _speaker(speaker_id)))


@operation.post("/speakers/<int:speaker_id>/stop", ok=SpeakerState, tag=TAG,
                errors={409: WITHDRAWN})
def stop_speaker(speaker_id: int):
    """The speaker is done; the time spoken is kept."""
    return service.speaker_answer(service.stop_speaker(api_actor(), _speaker(speaker_id)))


@operation.post("/speakers/<int:speaker_id>/move", ok=SpeakerListState, body=Move, tag=TAG,
                errors={409: WITHDRAWN})
def move_speaker(speaker_id: int):
    """Move a speaker one place up or down."""
    speaker = _speaker(speaker_id)
    item_id = speaker.speaker_list.item_id
    service.move_speaker(api_actor(), speaker,
                         -1 if request_body().get("direction") == "up" else 1)
    return service.list_state(_item(item_id))
