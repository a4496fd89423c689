"""API routes for congresses."""

from __future__ import annotations

from conference.api import api_actor, bp, json_body
from conference.congresses import service


@bp.post("/congresses")
def create_congress():
    congress = service.create_congress(api_actor(), json_body())
    return service.serialize_congress(congress), 201


@bp.get("/congresses")
def list_congresses():
    return {"congresses": [service.serialize_congress(c)
                           for c in service.list_congresses(api_actor())]}


@bp.get("/congresses/<int:congress_id>")
def get_congress(congress_id: int):
    return service.serialize_congress(service.get_congress(api_actor(), congress_id))


@bp.patch("/congresses/<int:congress_id>")
def update_congress(congress_id: int):
    congress = service.get_congress(api_actor(), congress_id)
    return service.serialize_congress(service.update_congress(api_actor(), congress, json_body()))
