"""How an API route is declared: its models check the request and the answer, and make the
OpenAPI document (spectree reads them off the routes; nothing here lists the routes).

    @operation.post("/sessions/<int:session_id>/items", ok=Item, status=201, body=ItemCreate,
                    tag=AGENDA)
    def create_item(session_id: int):
        \"\"\"Add an item at the end of a session.\"\"\"

The first docstring line is the summary, the rest the description. Every route answers the
statuses its inputs and method can cause (400, 401, 403, 404, 409, 413, 415, 422, 429, 500 as
they apply); `errors` adds or explains the route's own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import wraps
from typing import Any, get_args

from flask import Blueprint, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model, model_serializer
from spectree import Response, SecurityScheme, SpecTree, Tag
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter
from spectree.models import SecureType, SecuritySchemeData

from conference.delegates.schemas import ImportProblem
from conference.errors import ConferenceError, UnsupportedMediaType
from conference.validation import JSON, MAX_ID, Schema, validation_failed

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
REQUEST_TIME = ("ISO 8601 date and time, e.g. 2023-09-28T08:00:00+07:00; a time without offset "
                "is read in the congress's time zone.")
NOT_FOUND = "`not_found`: unknown id, or a congress in which you have no role."
STANDARD_ERRORS = {
    400: "`invalid_characters`: a NUL byte or broken Unicode in the path, query or body.",
    401: "`unauthorized`: no valid bearer token.",
    403: "`forbidden`: your role in this congress does not allow this.",
    404: NOT_FOUND,
    409: "`conflict`: someone else changed or removed this meanwhile; reload and try again.",
    413: "`too_large`: the body is larger than the server accepts.",
    415: "`unsupported_media_type`: send Content-Type: application/json.",
    422: "`validation_failed`: `fields` maps each wrong field to what is wrong.",
    429: "`rate_limited`: a wrong token, after too many with its prefix (or, past a higher "
         "limit, from this address); wait the seconds in `Retry-After`. A valid token is never "
         "refused.",
    500: "`internal_error`: logged on the server; no details are given.",
}
INVALID_JSON = "`invalid_json`: the body is not a JSON object."
FILE_MISSING = "`file_missing`: no `file` field."


class Sparse(BaseModel):
    """Written without its empty lists and mappings, as errors always were."""

    model_config = ConfigDict(extra="forbid")

    @model_serializer(mode="wrap")
    def _without_empty(self, handler):
        return {key: value for key, value in handler(self).items() if value not in ({}, [])}


class ErrorDetail(Sparse):
    code: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class Error(Sparse):
    """Every error: a stable machine `code`, a `message` for people (in the request's language)
    and, for input, `fields` naming each wrong field; a refused import also lists its `errors`
    row by row."""

    error: ErrorDetail
    errors: list[ImportProblem] = Field(default_factory=list)


class OpenAPIDocument(RootModel[dict[str, Any]]):
    """An OpenAPI 3.1 document."""


class EdgeAdapter(PydanticModelAdapter):
    """Check JSON bodies as JSON types them (`api_model`'s strict models: "5" is not a number,
    null not a text); queries and form fields, which are all text, as pages read them."""

    def validate_obj(self, model, value):
        if isinstance(model, type) and issubclass(model, BaseModel) and model.model_config.get(
                "strict"):
            return model.model_validate_json(json.dumps(value), context=JSON)
        return super().validate_obj(model, value)

    def validation_errors(self, err):
        """What spectree puts in the 422 it drafts (ours replaces it): not the input, which
        may be an uploaded file."""
        return err.errors(include_context=False, include_input=False)


def _refuse_invalid(_request, _response, error, _instance, _adapter) -> None:
    """A request its models refuse is our 422 with a translated message per field."""
    if error is None:
        return
    missing_file = any(e["type"] == "missing" and e["loc"] == ("file",) for e in error.errors())
    failed = validation_failed(error, code="file_missing" if missing_file else None)
    if missing_file:
        failed.message = _("Send the file as the multipart/form-data field “file”.")
    raise failed


class ResponseMismatch(RuntimeError):
    """An answer that its own document forbids: a bug, logged and answered 500."""


def _require_documented(_request, _response, error, _instance, _adapter) -> None:
    if error is not None:
        raise ResponseMismatch(f"{request.method} {request.path}: {error}")


def model_name(model: Any) -> str:
    return getattr(model, "__name__", str(model))


spec = SpecTree(
    "flask", model_adapter=EdgeAdapter(), mode="strict", naming_strategy=model_name,
    nested_naming_strategy=lambda _parent, child: child, before=_refuse_invalid,
    after=_require_documented, validation_error_model=Error, title="Conference API",
    version="1", description=(
        "Manage congresses, their sessions and agenda items, delegates, check-in, documents, "
        "livestreams and screens, and drive the current item. Send `Authorization: Bearer "
        "<token>` (make a token on the account page or with `flask create-token`) and JSON "
        "bodies with `Content-Type: application/json`. Errors are `{\"error\": {\"code\", "
        "\"message\", \"fields\"}}`. The same role rules apply as on the pages: organizers "
        "edit, operators drive the current item, check-in staff check delegates in, others "
        "see nothing of a congress."),
    security_schemes=[SecurityScheme(name="bearerAuth", data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer",
        description="An API token (starts with cft_). Past twenty wrong tokens a minute "
                    "with one prefix (the first 12 characters), wrong ones are answered with "
                    "429 and Retry-After; a valid token always passes."))],
    security={"bearerAuth": []})


def api_model(schema: type[Schema], name: str, *, required: tuple[str, ...] | None = None,
              strict: bool = True, **extra: Any) -> type[Schema]:
    """A service's input schema as the API's document states it, to check bodies at the edge.

    `required`: the fields a client must send (default: as the schema says; () for a PATCH,
    where a field left out keeps its value); the others may be left out but are never null
    unless the schema says so. Rules across fields (an end after its start) and lookups stay
    with the service, which checks the body again with the congress's time zone.
    """
    fields: dict[str, Any] = {}
    for field_name, info in schema.model_fields.items():
        must = info.is_required() if required is None else field_name in required
        described = _field_schema(info)
        # A before-validator hands its result on as Python, where strict mode takes no text
        # for a time or a choice: those are read as JSON text anyway.
        lax = {"strict": False} if _reads_text(info.annotation) else {}
        if must:
            fields[field_name] = (info.rebuild_annotation(),
                                  Field(json_schema_extra=described, **lax))
        else:
            fields[field_name] = (info.rebuild_annotation(), Field(
                default=None, json_schema_extra=_without_default(described), **lax))
    config = ConfigDict(extra="forbid", strict=strict, str_max_length=10_000,
                        title=name)
    return create_model(name, __config__=config, __doc__=schema.__doc__, **fields, **extra)


def _reads_text(annotation: Any) -> bool:
    """Whether a time, date or choice is in the type (JSON sends them as strings)."""
    if isinstance(annotation, type):
        return issubclass(annotation, date | Enum)
    return any(_reads_text(arg) for arg in get_args(annotation))


def _field_schema(info) -> Callable[[dict], None]:
    """Put back what pydantic leaves out of a field's schema: a pattern stacked on a text type
    with a validator, and how times without offset are read."""
    pattern = next((meta.pattern for meta in info.metadata if getattr(meta, "pattern", None)),
                   None)

    def describe(schema: dict) -> None:
        if pattern:
            schema.setdefault("pattern", pattern)
        for variant in (schema, *schema.get("anyOf", ())):
            if variant.get("format") == "date-time":
                variant.setdefault("description", REQUEST_TIME)

    return describe


def _without_default(describe: Callable[[dict], None]) -> Callable[[dict], None]:
    def extra(schema: dict) -> None:
        schema.pop("default", None)
        describe(schema)

    return extra


@dataclass
class Operation:
    """What the document needs beyond the models: file answers, optional or null bodies."""

    produces: str | tuple[str, ...] | None = None  # a file of this media type (or these)
    optional_body: bool = False
    null_body: bool = False
    statuses: dict[int, str] = field(default_factory=dict)
    location: dict[int, str] = field(default_factory=dict)  # status -> its Location header


OPERATIONS: dict[str, Operation] = {}  # operationId -> its extras, filled by the decorator


class Routes:
    """The decorators that add a documented, checked route to the API blueprint."""

    def __init__(self, blueprint: Blueprint):
        self.blueprint = blueprint

    def get(self, rule: str, **options):
        return self.route("GET", rule, **options)

    def post(self, rule: str, **options):
        return self.route("POST", rule, **options)

    def patch(self, rule: str, **options):
        return self.route("PATCH", rule, **options)

    def delete(self, rule: str, **options):
        return self.route("DELETE", rule, **options)

    def route(self, method: str, rule: str, *, tag: Tag, ok: type | None = None,
              status: int = 200, body: type | None = None, form: type | None = None,
              query: type | None = None, errors: dict[int, str] | None = None,
              also: dict[int, str | tuple[type, str]] | None = None,
              produces: str | tuple[str, ...] | None = None, location: dict[int, str] | None = None,
              optional_body: bool = False, null_body: bool = False, public: bool = False):
        statuses = _statuses(method, rule, body=body, form=form, query=query, public=public,
                             errors=errors or {})

        def decorate(view):
            responses = {f"HTTP_{status}": (ok, _success(status, ok, produces))}
            for code, text in (also or {}).items():
                model, text = text if isinstance(text, tuple) else (
                    ok if code != 204 else None, text)
                responses[f"HTTP_{code}"] = (model, text)
            for code, text in statuses.items():
                responses[f"HTTP_{code}"] = (Error, text)
            checked = spec.validate(
                json=body, form=form, query=query, resp=Response(**responses), tags=[tag],
                operation_id=view.__name__, security={} if public else None,
                force_resp_serialize=True)(view)

            @wraps(checked)
            def endpoint(**kwargs):
                if body is not None:
                    _require_json_object(optional=optional_body, null=null_body)
                return checked(**kwargs)

            OPERATIONS[view.__name__] = Operation(produces, optional_body, null_body, statuses,
                                                  location or {})
            self.blueprint.add_url_rule(rule, view.__name__, endpoint, methods=[method])
            return view

        return decorate


def _success(status: int, ok: type | None, produces: str | tuple[str, ...] | None) -> str:
    if produces:
        return "The file."
    if status == 201:
        return "Created."
    return "Done." if ok is not None else "Done; no body."


def _statuses(method: str, rule: str, *, body, form, query, public: bool,
              errors: dict[int, str]) -> dict[int, str]:
    """Every status the route can answer, with what each means here."""
    codes = {400, 500}
    if not public:
        codes |= {401, 403, 429}
    if "<" in rule:
        codes.add(404)
    if method != "GET":
        codes.add(409)
    if body is not None or form is not None:
        codes |= {413, 422}
    if body is not None:
        codes.add(415)
    if query is not None:
        codes.add(422)
    texts = dict(STANDARD_ERRORS)
    if body is not None:
        texts[400] = f"{INVALID_JSON} {STANDARD_ERRORS[400]}"
    if form is not None:
        texts[422] = f"{FILE_MISSING} {STANDARD_ERRORS[422]}"
    described = {}
    for code in sorted(codes | set(errors)):
        own = errors.get(code)
        if own and code in (409, 404):  # the route's conflicts, and the lost race any write has
            own = f"{own} {texts[code]}"
        described[code] = own or texts[code]
    return described


def _require_json_object(*, optional: bool, null: bool) -> None:
    """415 for another content type, 400 for a body that is not a JSON object; a route with
    an `optional_body` (a Stream Deck may send a bare POST) takes no body at all too."""
    data = request.get_data()
    if optional and not data.strip():
        return
    if not request.is_json:
        raise UnsupportedMediaType(_("Send JSON with Content-Type: application/json."))
    body = request.get_json(silent=True)
    if body is None and data.strip() != b"null":
        raise ConferenceError(_("The body is not valid JSON."), code="invalid_json")
    if not isinstance(body, dict) and not (null and body is None):
        raise ConferenceError(_("Send a JSON object."), code="invalid_json")


def request_body() -> dict:
    """The JSON object as sent, already checked against the route's model; the service checks
    it again with its rules (and the congress's time zone)."""
    return request.get_json(silent=True) or {}


def build_document() -> dict:
    """The OpenAPI 3.1 document spectree makes from the routes, with paths under `servers`
    and what its models cannot say (file answers, bodies that may be left out or null)."""
    document = json.loads(json.dumps(spec.spec))
    document["servers"] = [{"url": API_PREFIX}]
    paths = {}
    for path, item in sorted(document["paths"].items()):
        for operation in item.values():
            _complete(operation)
        paths[path.removeprefix(API_PREFIX)] = item
    document["paths"] = paths
    return document


def _complete(operation: dict) -> None:
    extras = OPERATIONS[operation["operationId"]]
    if not operation["description"]:
        operation.pop("description")
    for parameter in operation["parameters"]:
        if parameter["in"] == "path":
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        if not parameter.get("description"):
            parameter.pop("description", None)
    if not operation["parameters"]:
        operation.pop("parameters")
    for status in list(operation["responses"]):
        if int(status) == 422 and 422 not in extras.statuses:
            del operation["responses"][status]  # spectree adds one to every route
    for status, text in extras.location.items():
        operation["responses"][str(status)]["headers"] = {
            "Location": {"description": text, "schema": {"type": "string"}}}
    if extras.produces:
        success = next(r for s, r in operation["responses"].items() if s.startswith("2"))
        media_types = (extras.produces,) if isinstance(extras.produces, str) else extras.produces
        success["content"] = {media: {"schema": {"type": "string", "contentMediaType": media}}
                              for media in media_types}
    body = operation.get("requestBody")
    if body is not None:
        if extras.optional_body:
            body["required"] = False
        if extras.null_body:
            for content in body["content"].values():
                content["schema"] = {"anyOf": [content["schema"], {"type": "null"}]}
