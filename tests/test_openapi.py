"""The OpenAPI document: public, well formed, and describing exactly the routes that exist."""

import re

import pytest

from conference.agenda.schemas import AgendaState, Item, Session
from conference.api.spec import API_PREFIX, Error
from conference.congresses.schemas import Congress, CongressList

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def documented_path(rule: str) -> str:
    """/api/v1/items/<int:item_id> -> /items/{item_id}."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.removeprefix(API_PREFIX))


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def api_routes(app) -> dict[tuple[str, str], str]:
    """(method, documented path) -> endpoint, for every route under /api/v1."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            for method in rule.methods - IGNORED_METHODS:
                routes[(method, documented_path(rule.rule))] = rule.endpoint
    return routes


def documented(document) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items()
            for method in item}


def test_every_api_route_is_documented_and_nothing_else(app, document):
    routes = api_routes(app)
    assert routes, "no API routes found"
    undocumented = set(routes) - documented(document)
    assert not undocumented, f"declare these routes with `operation`: {undocumented}"
    phantom = documented(document) - set(routes)
    assert not phantom, f"documented but not served: {phantom}"


def test_operation_ids_name_the_endpoints_that_serve_them(app, document):
    routes = api_routes(app)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert f"api.{operation['operationId']}" == routes[(method.upper(), path)]


def test_path_parameters_match_the_rules(app, document):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = documented_path(rule.rule)
        for method in rule.methods - IGNORED_METHODS:
            operation = document["paths"][path][method.lower()]
            params = {p["name"]: p for p in operation.get("parameters", [])
                      if p["in"] != "query"}  # optional query parameters are not in the rule
            assert set(params) == set(rule.arguments), (method, path)
            for name, param in params.items():
                assert param["in"] == "path" and param["required"] is True
                assert param["schema"]["type"] == "integer"
                assert f"<int:{name}>" in rule.rule


def test_the_document_is_public_and_everything_else_needs_a_bearer_token(client, document):
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"]}
    assert document["security"] == [{"bearerAuth": []}]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path == "/openapi.json":
                assert operation["security"] == []
            else:
                assert "security" not in operation
                assert "401" in operation["responses"], (method, path)
    assert client.get("/api/v1/openapi.json").headers.get("WWW-Authenticate") is None


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    for ref in set(_refs(document)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref
    assert "$defs" not in str(list(_refs(document)))


def test_errors_are_described_with_the_error_schema(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"] and error["additionalProperties"] is False
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["code", "message"]
    assert set(detail["properties"]) == {"code", "message", "fields"}
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}
            assert "500" in operation["responses"]


def test_request_bodies_come_from_the_service_schemas(document):
    schemas = document["components"]["schemas"]
    create = schemas["CongressCreate"]
    assert set(create["required"]) == {"name", "starts_on", "ends_on"}
    assert create["additionalProperties"] is False
    assert create["properties"]["slug"]["pattern"] == r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
    assert create["properties"]["name"]["maxLength"] == 300
    assert create["properties"]["starts_on"]["format"] == "date"
    assert "required" not in schemas["CongressPatch"]
    assert "default" not in schemas["CongressPatch"]["properties"]["published"]
    session = schemas["SessionCreate"]
    assert set(session["required"]) == {"title", "starts_at", "ends_at"}
    assert session["properties"]["starts_at"]["format"] == "date-time"
    assert "offset" in session["properties"]["starts_at"]["description"]
    assert session["properties"]["kind"]["$ref"] == "#/components/schemas/SessionKind"
    assert "ceremony" in schemas["SessionKind"]["enum"]
    assert schemas["ItemCreate"]["required"] == ["title"]
    assert schemas["ItemCreate"]["properties"]["duration_minutes"]["anyOf"][0]["maximum"] == 1440
    assert "default" not in schemas["ItemCreate"]["properties"]["presenter"]
    current = document["paths"]["/congresses/{congress_id}/agenda/current"]["post"]
    assert current["requestBody"]["required"] is True
    assert schemas["CurrentItemInput"]["properties"]["item_id"]["anyOf"][1] == {"type": "null"}
    assert current["requestBody"]["content"]["application/json"]["schema"]["anyOf"][1] == {
        "type": "null"}  # a null body clears the current item too


def test_every_operation_lists_every_status_it_can_answer(document):
    """400 (NUL bytes) and 500 everywhere; 401/403/429 behind the token; 404 with an id in the
    path; 409 (a lost race) on writes; 413/415/422 with a JSON body; 422 with a query."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            expected = {"400", "500"}
            if path != "/openapi.json":
                expected |= {"401", "403", "429"}
            if "{" in path:
                expected.add("404")
            if method != "get":
                expected.add("409")
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                expected |= {"413", "415", "422"}
            if "multipart/form-data" in body:
                expected |= {"413", "422"}
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                expected.add("422")
            assert expected <= statuses, (method, path, expected - statuses)
            assert any(status.startswith("2") for status in statuses), (method, path)


def test_204s_and_files_are_documented_as_they_are_sent(document):
    paths = document["paths"]
    for path, method in [("/sessions/{session_id}", "delete"), ("/items/{item_id}", "delete"),
                         ("/screens/{screen_id}", "delete"), ("/checkins/{checkin_id}", "delete")]:
        assert "content" not in paths[path][method]["responses"]["204"]
    purge = paths["/delegates/{delegate_id}"]["delete"]["responses"]
    assert "200" in purge and "content" not in purge["204"]
    badge = paths["/delegates/{delegate_id}/badge.pdf"]["get"]["responses"]["200"]
    assert list(badge["content"]) == ["application/pdf"]
    # A job's file is whatever its kind makes: each type it may be is named.
    result = paths["/jobs/{job_id}/result"]["get"]["responses"]["200"]
    assert {"application/pdf", "text/csv; charset=utf-8"} <= set(result["content"])
    upload = paths["/congresses/{congress_id}/documents"]["post"]["requestBody"]
    schema = document["components"]["schemas"]["DocumentUpload"]
    assert list(upload["content"]) == ["multipart/form-data"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert "file" in schema["required"] and "title" in schema["required"]
    blackout = paths["/congresses/{congress_id}/screens/blackout"]["post"]["requestBody"]
    assert blackout["required"] is False  # a Stream Deck may send a bare POST


def test_bodies_forbid_unknown_fields_and_null_for_text(document):
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith(("Create", "Patch", "Input")):
            assert schema.get("additionalProperties") is False, name
    title = schemas["SessionPatch"]["properties"]["title"]
    assert title["type"] == "string" and "anyOf" not in title
    assert schemas["ItemCreate"]["properties"]["session_id"] == {
        "maximum": 2147483647, "minimum": 1, "title": "Session Id", "type": "integer"}


def test_response_schemas_match_what_the_api_returns(agenda, create_user, api):
    """The documented response models accept the real answers (they forbid unknown keys)."""
    congress, sessions, items = agenda
    caller = api(create_user(role="organizer", congress=congress))
    models = {model.__name__: model
              for model in (Congress, CongressList, AgendaState, Session, Item, Error)}
    answers = {
        "Congress": caller.get(f"/api/v1/congresses/{congress.id}"),
        "CongressList": caller.get("/api/v1/congresses"),
        "AgendaState": caller.post(f"/api/v1/congresses/{congress.id}/agenda/current",
                                   json={"item_id": items[0].id}),
        "Session": caller.patch(f"/api/v1/sessions/{sessions[0].id}", json={"room": "Hội trường"}),
        "Item": caller.patch(f"/api/v1/items/{items[0].id}",
                             json={"planned_start": "2023-09-28T08:00"}),
        "Error": caller.get("/api/v1/congresses/999999"),
    }
    for name, response in answers.items():
        models[name].model_validate(response.json)
    state = answers["AgendaState"].json
    assert state["current_item"]["id"] == items[0].id
    assert answers["Item"].json["planned_start"] == "2023-09-28T01:00:00+00:00"


# --- the server holds to the document ---------------------------------------------------------


def test_null_for_a_text_field_is_refused(organizer_api, agenda):
    _congress, sessions, _items = agenda
    response = organizer_api.patch(f"/api/v1/sessions/{sessions[0].id}", json={"room": None})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"room"}


@pytest.mark.parametrize("body", [{"title": "x", "colour": "red"}, {"duration_minutes": "30"},
                                  {"duration_minutes": ""}, {"planned_start": 5},
                                  {"session_id": 2**31}, {"session_id": True}])
def test_a_body_the_document_forbids_is_refused(organizer_api, agenda, body):
    _congress, _sessions, items = agenda
    response = organizer_api.patch(f"/api/v1/items/{items[0].id}", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_failed"
    assert set(response.json["error"]["fields"]) == set(body) - {"title"}


def test_statuses_the_document_lists_are_answered(organizer_api, agenda, document):
    congress, sessions, _items = agenda
    deleted = organizer_api.delete(f"/api/v1/sessions/{sessions[1].id}")
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert "204" in document["paths"]["/sessions/{session_id}"]["delete"]["responses"]
    refused = organizer_api.post(f"/api/v1/congresses/{congress.id}/sessions", json={})
    assert refused.status_code == 422
    assert "422" in document["paths"]["/congresses/{congress_id}/sessions"]["post"]["responses"]


@pytest.fixture
def organizer_api(agenda, create_user, api):
    return api(create_user(role="organizer", congress=agenda[0]))
