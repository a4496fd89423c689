"""Bad input is a 4xx on every route, pages and API, signed in or not; never a 500.

Each test walks the whole URL map, so a new route is covered the day it is added. Failures are
collected and reported together: one run names every route that still breaks.
"""

from __future__ import annotations

import io
import json
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session
from werkzeug.routing import AnyConverter

from conference.agenda.models import AgendaItem, CongressSession
from conference.auth.models import User
from conference.auth.service import create_api_token
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.demo import load_demo
from conference.displays.models import Playlist, Scene, Screen
from conference.elections.models import BallotBatch, BallotEntry, Election
from conference.extensions import db
from conference.speakers.models import Speaker
from conference.streams.models import Stream
from conference.validation import MAX_ID
from conference.votes.models import Vote

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
BODY_METHODS = {"POST", "PATCH", "PUT"}
ID_MODELS = {"congress_id": Congress, "session_id": CongressSession, "item_id": AgendaItem,
             "delegate_id": Delegate, "stream_id": Stream, "screen_id": Screen,
             "scene_id": Scene, "playlist_id": Playlist, "user_id": User, "speaker_id": Speaker,
             "election_id": Election, "batch_id": BallotBatch, "entry_id": BallotEntry,
             "vote_id": Vote}
# Id-like fields that pages and the API read from a query string, a form or a JSON body.
ID_FIELDS = ("session_id", "item_id", "document_id", "delegate_id", "scene_id", "playlist_id",
             "stream_id", "congress_id", "token_id", "job", "page", "page_size", "ids",
             "screen_id")
TOO_BIG = (MAX_ID + 1, 2**63)  # past PostgreSQL INTEGER keys; past SQLite INTEGER


@pytest.fixture
def world(app, create_user, one_page_pdfs):
    """The demo congress (sessions, items, streams, screens, scenes, playlists), a delegate,
    an administrator signed in on the page client and an API token of theirs. PDFs are one page:
    the demo's 270 ballots would take 6 s a request."""
    congress, _created = load_demo()
    db.session.add(Delegate(**new_delegate_values(congress, DelegateInput(
        code="PROBE-1", full_name="Nguyễn Văn Trường", unit="LĐLĐ huyện Cẩm Xuyên"))))
    admin = create_user("probe-admin", admin=True)
    db.session.commit()
    ids = {name: db.session.scalar(select(model.id).order_by(model.id)) or 1
           for name, model in ID_MODELS.items()}
    return {"congress": congress, "admin": admin, "ids": ids,
            "token": create_api_token(None, admin, "probe")[1]}


def _routes(app):
    """(method, rule) for every route but static files, reads before writes before deletes,
    so a route that deletes something runs after those that need it."""
    found = [(method, rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
             for method in rule.methods & set(METHODS)]
    return sorted(found, key=lambda pair: (METHODS.index(pair[0]), pair[1].rule))


def _path(app, rule, values: dict) -> str:
    arguments = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            arguments[name] = sorted(converter.items)[0]
        else:
            arguments[name] = values.get(name, 1)
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, arguments, force_external=False)


def _clients(app, world):
    """An anonymous client and a signed-in one (session cookie for pages, token for the API)."""
    signed_in = app.test_client()
    with signed_in.session_transaction() as session:
        session["_user_id"] = world["admin"].get_id()
        session["_fresh"] = True
    return {"anonymous": (app.test_client(), {}),
            "signed in": (signed_in, {"Authorization": f"Bearer {world['token']}"})}


def _send(client, headers, method, path, **kwargs):
    response = client.open(path, method=method, headers=headers, **kwargs)
    response.close()
    return response.status_code


def _values(world) -> dict:
    values = dict(world["ids"])
    values.update(slug=world["congress"].slug, token="x", code="x", name="x", filename="x",
                  action="x", kind="x", number=1)
    return values


def test_ids_beyond_the_database_are_404_on_every_route(app, world):
    """A path id past the keys the database can hold names nothing (it used to overflow)."""
    problems = []
    for who, (client, headers) in _clients(app, world).items():
        for method, rule in _routes(app):
            int_arguments = [name for name in rule.arguments
                             if type(rule._converters[name]).__name__ == "RecordIdConverter"]
            for name in int_arguments:
                for number in TOO_BIG:
                    path = _path(app, rule, _values(world) | {name: number})
                    status = _send(client, headers, method, path)
                    if status != 404:
                        problems.append(f"{who} {method} {path}: {status}")
    assert not problems, "\n".join(problems)


def _unreadable_requests(path: str, method: str):
    """(label, path, request keyword arguments) with a NUL byte or a lone surrogate in each
    place a request carries text."""
    yield "query", path + "?q=a%00b", {}
    yield "query key", path + "?a%00=1", {}
    if method in BODY_METHODS:
        yield "form", path, {"data": {"title": "Khai\x00mạc", "name": "x"}}
        yield "json NUL", path, {"json": {"title": "Khai\x00mạc", "name": "x"}}
        # json.dumps writes the lone surrogate as the escape "\ud800", as a client would.
        yield "json surrogate", path, {"data": json.dumps({"title": "\ud800", "name": "x"}),
                                       "content_type": "application/json"}
        yield "json key", path, {"json": {"ti\x00tle": "x"}}


def test_nul_bytes_and_lone_surrogates_are_400_on_every_route(app, world):
    problems = []
    values = _values(world)
    for who, (client, headers) in _clients(app, world).items():
        for method, rule in _routes(app):
            path = _path(app, rule, values)
            for label, target, kwargs in _unreadable_requests(path, method):
                status = _send(client, headers, method, target, **kwargs)
                if status != 400:
                    problems.append(f"{who} {method} {target} [{label}]: {status}")
            string_arguments = [name for name in rule.arguments
                                if type(rule._converters[name]).__name__ == "UnicodeConverter"]
            for name in string_arguments:
                target = _path(app, rule, values | {name: "a\x00b"})
                status = _send(client, headers, method, target)
                if status != 400:
                    problems.append(f"{who} {method} {target} [path]: {status}")
    assert not problems, "\n".join(problems)


def test_ids_beyond_the_database_in_queries_forms_and_json_are_refused(app, world):
    """Every id a page or the API reads from a query, a form or JSON: a 4xx (or ignored), never
    a 500, signed in with every right."""
    problems = []
    client, headers = _clients(app, world)["signed in"]
    values = _values(world)
    for number in TOO_BIG:
        fields = {name: str(number) for name in ID_FIELDS}
        for method, rule in _routes(app):
            path = _path(app, rule, values)
            requests = [("query", path + "?" + "&".join(f"{k}={v}" for k, v in fields.items()),
                         {})]
            if method in BODY_METHODS:
                requests += [("form", path, {"data": fields}),
                             ("json", path, {"json": {k: number for k in fields}})]
            for label, target, kwargs in requests:
                status = _send(client, headers, method, target, **kwargs)
                if status >= 500:
                    problems.append(f"{method} {target} [{label}]: {status}")
    assert not problems, "\n".join(problems)


def test_an_uploaded_file_may_hold_nul_bytes(world, api):
    """Files are bytes: the edge does not read them, the importer judges them."""
    congress = world["congress"]
    response = api(world["admin"]).post(
        f"/api/v1/congresses/{congress.id}/delegates/import",
        data={"file": (io.BytesIO(b"Ho va ten\nA\x00B\n"), "list.csv")})
    assert 400 <= response.status_code < 500
    assert response.json["error"]["code"] != "invalid_characters"


def test_a_scene_deleted_while_it_is_saved_is_a_conflict(app, world, api):
    """Two operators: one saves a scene while the other deletes it (between our read and our
    write). The saver hears 409 with a message, not 500."""
    scene = db.session.get(Scene, world["ids"]["scene_id"])
    scene_id = scene.id
    db.session.expire_all()
    deleted = []

    def delete_elsewhere(session, _context, _instances):
        if deleted:
            return
        deleted.append(True)
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM playlist_entries WHERE scene_id = :id"),
                               {"id": scene_id})
            connection.execute(text("DELETE FROM scenes WHERE id = :id"), {"id": scene_id})

    with _listening("before_flush", delete_elsewhere):
        response = api(world["admin"]).patch(f"/api/v1/scenes/{scene_id}",
                                             json={"name": "Giờ nghỉ"})
    assert deleted
    assert response.status_code in (404, 409), response.get_data(as_text=True)
    assert response.json["error"]["message"]


@contextmanager
def _listening(name: str, function):
    """Listen to an event of every session (the request runs in its own) for a while."""
    event.listen(Session, name, function)
    try:
        yield
    finally:
        event.remove(Session, name, function)
