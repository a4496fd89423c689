"""API routes for congresses."""

from __future__ import annotations

from spectree import Tag

from conference.api import api_actor, operation
from conference.api.spec import api_model, request_body
from conference.congresses import service
from conference.congresses.schemas import Congress, CongressList

TAG = Tag(name="congresses", description="Congresses.")
SLUG_TAKEN = "`slug_taken`: another congress has this slug."
CongressCreate = api_model(service.CongressInput, "CongressCreate",
                           required=("name", "starts_on", "ends_on"))  # slug from the name
CongressPatch = api_model(service.CongressInput, "CongressPatch", required=())


@operation.post("/congresses", ok=Congress, status=201, body=CongressCreate, tag=TAG,
                errors={403: "Your account may not create congresses.", 409: SLUG_TAKEN})
def create_congress():
    """Create a congress; its creator becomes its organizer."""
    return service.create_congress(api_actor(), request_body()), 201


@operation.get("/congresses", ok=CongressList, tag=TAG)
def list_congresses():
    """List the congresses you have a role in (all, for admins)."""
    return {"congresses": service.list_congresses(api_actor())}


@operation.get("/congresses/<int:congress_id>", ok=Congress, tag=TAG)
def get_congress(congress_id: int):
    """Read a congress."""
    return service.get_congress(api_actor(), congress_id)


@operation.patch("/congresses/<int:congress_id>", ok=Congress, body=CongressPatch, tag=TAG,
                 errors={409: SLUG_TAKEN})
def update_congress(congress_id: int):
    """Change some fields of a congress (e.g. publish it)."""
    congress = service.get_congress(api_actor(), congress_id)
    return service.update_congress(api_actor(), congress, request_body())
