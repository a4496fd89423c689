"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json for client generators.

Request bodies come from the services' pydantic schemas, so a new field or limit shows up here
without editing this file; tests/test_openapi.py fails when a route is left undocumented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema

from conference.agenda.service import ItemInput, SessionInput
from conference.api import bp
from conference.congresses.service import CongressInput
from conference.validation import Schema

API_PREFIX = "/api/v1"
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
REQUEST_TIME = ("ISO 8601 date and time, e.g. 2023-09-28T08:00:00+07:00; a time without offset "
                "is read in the congress's time zone.")
RESPONSE_TIME = "ISO 8601 date and time in UTC with its offset, e.g. 2023-09-28T01:00:00+00:00."


# --- what the serializers return (documentation only: the services build plain dicts) ----------


class Item(ItemInput):
    id: int
    position: int


class Session(SessionInput):
    id: int
    congress_id: int
    items: list[Item]


class Congress(CongressInput):
    id: int
    current_item_id: int | None


class CongressList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    congresses: list[Congress]


class AgendaState(BaseModel):
    """The whole agenda in order, and the item under way."""

    model_config = ConfigDict(extra="forbid")
    congress_id: int
    slug: str
    revision: int
    timezone: str
    current_item_id: int | None
    current_item: Item | None
    current_session_id: int | None
    sessions: list[Session]


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    message: str
    fields: dict[str, str] = {}


class Error(BaseModel):
    """Every error: a stable machine `code`, a `message` for people, per-field `fields`."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail


class CurrentItemInput(Schema):
    """`item_id` starts that item; null clears the current item."""

    item_id: int | None = None


class ArrangeInput(Schema):
    """Session id (as a string key) -> all its item ids in the new order."""

    sessions: dict[str, list[int]]


RESPONSE_MODELS = (Item, Session, Congress, CongressList, AgendaState, Error)
# Component name -> (model, fields that must be sent); None keeps the model's own required list.
REQUEST_MODELS: dict[str, tuple[type[BaseModel], tuple[str, ...] | None]] = {
    "CongressCreate": (CongressInput, ("name", "starts_on", "ends_on")),  # slug from the name
    "CongressPatch": (CongressInput, ()),
    "SessionCreate": (SessionInput, None),
    "SessionPatch": (SessionInput, ()),
    "ItemCreate": (ItemInput, ("title",)),  # session_id defaults to the session in the path
    "ItemPatch": (ItemInput, ()),
    "CurrentItemInput": (CurrentItemInput, None),
    "ArrangeInput": (ArrangeInput, None),
}


@dataclass(frozen=True)
class Operation:
    """One documented route: `request`/`response` name schemas under components."""

    operation_id: str  # the Flask endpoint without "api."
    summary: str
    tag: str
    status: int = 200
    response: str | None = None
    request: str | None = None
    errors: dict[int, str] = field(default_factory=dict)
    public: bool = False


C, A = "congresses", "agenda"
NOT_FOUND = "Unknown id, or a congress in which you have no role."
FORBIDDEN = "Your role in this congress does not allow this."

# (method, path under /api/v1) -> operation. Every route of the `api` blueprint must be here.
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/openapi.json"): Operation(
        "openapi", "This document.", "meta", public=True),
    ("POST", "/congresses"): Operation(
        "create_congress", "Create a congress; its creator becomes its organizer.", C,
        status=201, response="Congress", request="CongressCreate",
        errors={403: "Your account may not create congresses.",
                409: "`slug_taken`: another congress has this slug."}),
    ("GET", "/congresses"): Operation(
        "list_congresses", "List the congresses you have a role in (all, for admins).", C,
        response="CongressList"),
    ("GET", "/congresses/{congress_id}"): Operation(
        "get_congress", "Read a congress.", C, response="Congress", errors={404: NOT_FOUND}),
    ("PATCH", "/congresses/{congress_id}"): Operation(
        "update_congress", "Change some fields of a congress (e.g. publish it).", C,
        response="Congress", request="CongressPatch",
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`slug_taken`: another congress has this slug."}),
    ("GET", "/congresses/{congress_id}/agenda"): Operation(
        "get_agenda", "Read the whole agenda in order and the current item.", A,
        response="AgendaState", errors={404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/agenda/arrange"): Operation(
        "arrange", "Reorder items within and across sessions.", A, response="AgendaState",
        request="ArrangeInput", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/agenda/current"): Operation(
        "set_current", "Start an item, or clear the current item with null.", A,
        response="AgendaState", request="CurrentItemInput",
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/congresses/{congress_id}/agenda/next"): Operation(
        "next_item", "Move to the next item (the first one if none is under way).", A,
        response="AgendaState",
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`agenda_end`: the last item is under way; "
                     "`agenda_empty`: the agenda has no items."}),
    ("POST", "/congresses/{congress_id}/agenda/previous"): Operation(
        "previous_item", "Move back to the previous item.", A, response="AgendaState",
        errors={403: FORBIDDEN, 404: NOT_FOUND,
                409: "`agenda_start`: the first item is under way; `no_current_item`: "
                     "nothing is under way; `agenda_empty`: the agenda has no items."}),
    ("POST", "/congresses/{congress_id}/sessions"): Operation(
        "create_session", "Add a session to a congress.", A, status=201, response="Session",
        request="SessionCreate", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("PATCH", "/sessions/{session_id}"): Operation(
        "update_session", "Change some fields of a session.", A, response="Session",
        request="SessionPatch", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("DELETE", "/sessions/{session_id}"): Operation(
        "delete_session", "Delete a session with its items.", A, status=204,
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("POST", "/sessions/{session_id}/items"): Operation(
        "create_item", "Add an item at the end of a session.", A, status=201, response="Item",
        request="ItemCreate", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("PATCH", "/items/{item_id}"): Operation(
        "update_item", "Change an item; a new session_id moves it to the end of that session.",
        A, response="Item", request="ItemPatch", errors={403: FORBIDDEN, 404: NOT_FOUND}),
    ("DELETE", "/items/{item_id}"): Operation(
        "delete_item", "Delete an item.", A, status=204,
        errors={403: FORBIDDEN, 404: NOT_FOUND}),
}

STANDARD_ERRORS = {
    400: "`invalid_json`: the body is not a JSON object.",
    401: "`unauthorized`: no valid bearer token.",
    403: "`forbidden`",
    404: "`not_found`",
    409: "`conflict`",
    413: "`too_large`: the body is larger than the server accepts.",
    415: "`unsupported_media_type`: send Content-Type: application/json.",
    422: "`validation_failed`: `fields` maps each wrong field to what is wrong.",
    429: "`rate_limited`: too many requests with a wrong token from this address; wait a minute.",
    500: "`internal_error`: logged on the server; no details are given.",
}


def _schemas() -> dict[str, Any]:
    """Components from the pydantic models: responses as returned, requests as accepted."""
    _refs, response_defs = models_json_schema(
        [(model, "validation") for model in RESPONSE_MODELS], ref_template=REF_TEMPLATE)
    schemas = response_defs["$defs"]
    for model in (*RESPONSE_MODELS, ErrorDetail):
        name = model.__name__
        _add_patterns(model, schemas[name])
        _describe_times(schemas[name], RESPONSE_TIME)
        schemas[name]["required"] = sorted(
            set(schemas[name]["properties"]) - ({"fields"} if name == "ErrorDetail" else set()))
        for prop in schemas[name]["properties"].values():
            prop.pop("default", None)
    for name, (model, required) in REQUEST_MODELS.items():
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(schema.pop("$defs", {}))
        _add_patterns(model, schema)
        _describe_times(schema, REQUEST_TIME)
        if required is not None:
            schema["required"] = list(required)
        if required == ():  # a patch: a field left out keeps its value, not the default
            for prop in schema["properties"].values():
                prop.pop("default", None)
        if not schema.get("required"):
            schema.pop("required", None)
        schema["title"] = name
        schemas[name] = schema
    return schemas


def _add_patterns(model: type[BaseModel], schema: dict) -> None:
    """Pydantic leaves out a pattern stacked on a field with a validator; put it back."""
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            pattern = getattr(meta, "pattern", None)
            if pattern:
                schema["properties"][name].setdefault("pattern", pattern)


def _describe_times(node: Any, text: str) -> None:
    """Say how times are written and read, which JSON Schema's "date-time" leaves open."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            node.setdefault("description", text)
        for value in node.values():
            _describe_times(value, text)
    elif isinstance(node, list):
        for value in node:
            _describe_times(value, text)


def _json(schema_name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def _operation(op: Operation, path: str) -> dict:
    doc: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary,
                           "tags": [op.tag]}
    params = re.findall(r"{(\w+)}", path)
    if params:
        doc["parameters"] = [{"name": name, "in": "path", "required": True,
                              "schema": {"type": "integer", "minimum": 1}} for name in params]
    statuses = set(op.errors) | {500}
    if op.request:
        doc["requestBody"] = {"required": True, "content": _json(op.request)}
        statuses |= {400, 413, 415, 422}
    if not op.public:
        statuses |= {401, 429}
    if op.public:
        ok: dict[str, Any] = {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}
        doc["security"] = []
    elif op.response:
        ok = {"description": "Done.", "content": _json(op.response)}
    else:
        ok = {"description": "Done; no body."}
    doc["responses"] = {str(op.status): ok} | {
        str(status): {"description": op.errors.get(status, STANDARD_ERRORS[status]),
                      "content": {"application/json": {"schema": ERROR_REF}}}
        for status in sorted(statuses)}
    return doc


def build_document() -> dict:
    """The OpenAPI 3.1 document of every route in OPERATIONS."""
    paths: dict[str, dict] = {}
    for (method, path), op in OPERATIONS.items():
        paths.setdefault(path, {})[method.lower()] = _operation(op, path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Conference API",
            "version": "1",
            "description": (
                "Manage congresses, their sessions and agenda items, and drive the current "
                "item. Send `Authorization: Bearer <token>` (make a token on the account page "
                "or with `flask create-token`) and JSON bodies with `Content-Type: "
                "application/json`. Errors are `{\"error\": {\"code\", \"message\", "
                "\"fields\"}}`. The same role rules apply as on the pages: organizers edit, "
                "operators drive the current item, others see nothing of a congress."),
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": C, "description": "Congresses."},
                 {"name": A, "description": "Sessions, items and the current item."},
                 {"name": "meta", "description": "About the API itself."}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An API token (starts with cft_). Twenty wrong tokens a minute "
                               "from one address are answered with 429."}},
            "schemas": _schemas(),
        },
    }


@bp.get("/openapi.json")
def openapi():
    return build_document()
