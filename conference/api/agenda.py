"""API routes for sessions, agenda items and the current item."""

from __future__ import annotations

from flask_babel import gettext as _

from conference.agenda import service
from conference.api import api_actor, bp, json_body
from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.errors import ValidationFailed


@bp.post("/congresses/<int:congress_id>/sessions")
def create_session(congress_id: int):
    congress = get_congress(api_actor(), congress_id)
    session = service.create_session(api_actor(), congress, json_body())
    return service.serialize_session(session), 201


@bp.patch("/sessions/<int:session_id>")
def update_session(session_id: int):
    session = service.get_session(api_actor(), session_id)
    return service.serialize_session(service.update_session(api_actor(), session, json_body()))


@bp.delete("/sessions/<int:session_id>")
def delete_session(session_id: int):
    service.delete_session(api_actor(), service.get_session(api_actor(), session_id))
    return "", 204


@bp.post("/sessions/<int:session_id>/items")
def create_item(session_id: int):
    session = service.get_session(api_actor(), session_id)
    return service.serialize_item(service.create_item(api_actor(), session, json_body())), 201


@bp.patch("/items/<int:item_id>")
def update_item(item_id: int):
    item = service.get_item(api_actor(), item_id)
    return service.serialize_item(service.update_item(api_actor(), item, json_body()))


@bp.delete("/items/<int:item_id>")
def delete_item(item_id: int):
    service.delete_item(api_actor(), service.get_item(api_actor(), item_id))
    return "", 204


@bp.get("/congresses/<int:congress_id>/agenda")
def get_agenda(congress_id: int):
    return service.agenda_state(get_congress(api_actor(), congress_id))


@bp.post("/congresses/<int:congress_id>/agenda/current")
def set_current(congress_id: int):
    """Body {"item_id": N} starts item N; {"item_id": null} (or a null body) clears it."""
    congress = get_congress(api_actor(), congress_id)
    body = json_body(allow_null=True)
    item_id = body.get("item_id")
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"item_id": _("Enter a whole number.")})
    return service.set_current_item(api_actor(), congress, item_id)


@bp.post("/congresses/<int:congress_id>/agenda/next")
def next_item(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_CONGRESS)
    return service.step_current_item(api_actor(), congress, +1)


@bp.post("/congresses/<int:congress_id>/agenda/previous")
def previous_item(congress_id: int):
    congress = get_congress(api_actor(), congress_id, Capability.VIEW_CONGRESS)
    return service.step_current_item(api_actor(), congress, -1)


@bp.post("/congresses/<int:congress_id>/agenda/arrange")
def arrange(congress_id: int):
    """Body {"sessions": {"<session id>": [item ids in order]}}."""
    congress = get_congress(api_actor(), congress_id)
    service.arrange_agenda(api_actor(), congress, service.parse_layout(json_body()))
    return service.agenda_state(congress)
