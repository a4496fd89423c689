"""API routes for sessions, agenda items and the current item."""

from __future__ import annotations

from spectree import Tag

from conference.agenda import service
from conference.agenda.schemas import AgendaState, Item, Session
from conference.api import api_actor, operation
from conference.api.spec import api_model, request_body
from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.validation import Id, Schema

TAG = Tag(name="agenda", description="Sessions, items and the current item.")
SessionCreate = api_model(service.SessionInput, "SessionCreate")
SessionPatch = api_model(service.SessionInput, "SessionPatch", required=())
# session_id defaults to the session in the path
ItemCreate = api_model(service.ItemInput, "ItemCreate", required=("title",))
ItemPatch = api_model(service.ItemInput, "ItemPatch", required=())


class CurrentItemInput(Schema):
    """`item_id` starts that item; null (or no `item_id`) clears the current item."""

    item_id: Id | None = None


class ArrangeInput(Schema):
    """Session id (as a string key) -> all its item ids in the new order."""

    sessions: dict[str, list[Id]]


CurrentItem = api_model(CurrentItemInput, "CurrentItemInput")
Arrange = api_model(ArrangeInput, "ArrangeInput")


@operation.post("/congresses/<int:congress_id>/sessions", ok=Session, status=201,
                body=SessionCreate, tag=TAG)
def create_session(congress_id: int):
    """Add a session to a congress."""
    congress = get_congress(api_actor(), congress_id)
    return service.create_session(api_actor(), congress, request_body()), 201


@operation.patch("/sessions/<int:session_id>", ok=Session, body=SessionPatch, tag=TAG)
def update_session(session_id: int):
    """Change some fields of a session."""
    session = service.get_session(api_actor(), session_id)
    return service.update_session(api_actor(), session, request_body())


@operation.delete("/sessions/<int:session_id>", status=204, tag=TAG)
def delete_session(session_id: int):
    """Delete a session with its items."""
    service.delete_session(api_actor(), service.get_session(api_actor(), session_id))
    return "", 204


@operation.post("/sessions/<int:session_id>/items", ok=Item, status=201, body=ItemCreate,
                tag=TAG)
def create_item(session_id: int):
    """Add an item at the end of a session."""
    session = service.get_session(api_actor(), session_id)
    return service.create_item(api_actor(), session, request_body()), 201


@operation.patch("/items/<int:item_id>", ok=Item, body=ItemPatch, tag=TAG)
def update_item(item_id: int):
    """Change an item; a new session_id moves it to the end of that session."""
    item = service.get_item(api_actor(), item_id)
    return service.update_item(api_actor(), item, request_body())


@operation.delete("/items/<int:item_id>", status=204, tag=TAG)
def delete_item(item_id: int):
    """Delete an item."""
    service.delete_item(api_actor(), service.get_item(api_actor(), item_id))
    return "", 204


@operation.get("/congresses/<int:congress_id>/agenda", ok=AgendaState, tag=TAG)
def get_agenda(congress_id: int):
    """Read the whole agenda in order and the current item."""
    return service.agenda_state(get_congress(api_actor(), congress_id))


@operation.post("/congresses/<int:congress_id>/agenda/current", ok=AgendaState,
                body=CurrentItem, null_body=True, tag=TAG,
                errors={422: "`validation_failed`: `item_id` names no item of this congress."})
def set_current(congress_id: int):
    """Start an item, or clear the current item with null."""
    congress = get_congress(api_actor(), congress_id)
    return service.set_current_item(api_actor(), congress, request_body().get("item_id"))


@operation.post("/congresses/<int:congress_id>/agenda/next", ok=AgendaState, tag=TAG,
                errors={409: "`agenda_end`: the last item is under way; `agenda_empty`: the "
                             "agenda has no items."})
def next_item(congress_id: int):
    """Move to the next item (the first one if none is under way)."""
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_CONGRESS)
    return service.step_current_item(api_actor(), congress, +1)


@operation.post("/congresses/<int:congress_id>/agenda/previous", ok=AgendaState, tag=TAG,
                errors={409: "`agenda_start`: the first item is under way; `no_current_item`: "
                             "nothing is under way; `agenda_empty`: the agenda has no items."})
def previous_item(congress_id: int):
    """Move back to the previous item."""
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_CONGRESS)
    return service.step_current_item(api_actor(), congress, -1)


@operation.post("/congresses/<int:congress_id>/agenda/arrange", ok=AgendaState, body=Arrange,
                tag=TAG)
def arrange(congress_id: int):
    """Reorder items within and across sessions."""
    congress = get_congress(api_actor(), congress_id)
    service.arrange_agenda(api_actor(), congress, service.parse_layout(request_body()))
    return service.agenda_state(congress)
