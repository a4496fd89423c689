"""Schemathesis against the app's own /api/v1/openapi.json: generated requests, every check.

A world with one of everything (congress, sessions, items, delegates, screens, scenes, a
playlist, streams, a document) and an admin token; a fixed seed and a bounded number of cases
per operation, so a run is repeatable and takes about a minute per database. The figures are
printed: cases, failures per check, time.
"""

from __future__ import annotations

import collections
import io
import time

import pytest

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.engine import Status, events, from_schema  # noqa: E402

from conference.auth.service import create_api_token  # noqa: E402
from tests.conftest import ON_POSTGRES  # noqa: E402
from tests.documents_files import pdf_bytes  # noqa: E402

MAX_EXAMPLES = 25  # per operation and phase: about 4,900 cases in all, 35 s
# One run of every phase: the stateful phase's chains of calls start from what the earlier
# phases made (a session dated year 1 broke every scan only that way). Every non-fatal error
# fails the test: a case that errored never ran (2 % of them did, unseen, before the fixture
# below). The test goes first in its worker (conftest).
FEWEST_CASES = 4000  # a schema change that starves the generator shows here
# A valid body may still break a rule no JSON Schema states (an end before its start, a
# category the congress lacks, a session of another congress): that is a 422, not a bug.
# An upload's kind is judged by its bytes (415), and text with a NUL byte is refused at the
# edge (400 `invalid_characters`, listed on every route): neither is a JSON Schema keyword.
DATABASE = "PostgreSQL" if ON_POSTGRES else "SQLite"
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "410", "415", "422", "429"]


@pytest.fixture(autouse=True)
def werkzeug_client_without_socket_settings(monkeypatch):
    """schemathesis 4.32's WSGI transport hands `max_redirects`, `verify`, `cert` and `proxies`
    to werkzeug's test client, which refuses them, unless the call came with a requests session:
    2 % of the cases then errored instead of running, unseen. Settings of a socket mean nothing
    in-process: drop them."""
    from schemathesis.transport.wsgi import WSGITransport

    send = WSGITransport.send

    def without_socket_settings(self, case, *, session=None, **kwargs):
        for name in ("max_redirects", "verify", "cert", "proxies"):
            kwargs.pop(name, None)
        return send(self, case, session=session, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", without_socket_settings)


@pytest.fixture
def world(app, api, create_user):
    """An admin's token and a congress with something of every kind the API serves."""
    admin = create_user(admin=True)
    caller = api(admin)
    v1 = "/api/v1"

    def made(response):
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.json

    congress = made(caller.post(f"{v1}/congresses", json={
        "name": "Đại hội Công đoàn tỉnh", "starts_on": "2023-09-27", "ends_on": "2023-09-28",
        "published": True}))
    cid = congress["id"]
    session = made(caller.post(f"{v1}/congresses/{cid}/sessions", json={
        "title": "Phiên chính thức", "starts_at": "2023-09-28T08:00",
        "ends_at": "2023-09-28T11:00"}))
    for title in ("Khai mạc", "Báo cáo chính trị"):
        made(caller.post(f"{v1}/sessions/{session['id']}/items", json={"title": title}))
    for name in ("Nguyễn Văn Trường", "Đào Anh Dũng"):
        made(caller.post(f"{v1}/congresses/{cid}/delegates", json={"full_name": name}))
    made(caller.post(f"{v1}/congresses/{cid}/screens", json={
        "name": "LED", "width": 1920, "height": 1080}))
    scene = made(caller.post(f"{v1}/congresses/{cid}/scenes", json={
        "name": "Đồng hồ", "scene": {"type": "clock"}}))
    made(caller.post(f"{v1}/congresses/{cid}/playlists", json={
        "name": "Sảnh", "entries": [{"scene_id": scene["id"], "duration": 15}]}))
    made(caller.post(f"{v1}/congresses/{cid}/streams", json={
        "url": "https://www.youtube.com/watch?v=abcdefghijk"}))
    made(caller.post(f"{v1}/congresses/{cid}/documents", data={
        "title": "Báo cáo chính trị", "file": (io.BytesIO(pdf_bytes()), "bao-cao.pdf")},
        content_type="multipart/form-data"))
    return create_api_token(None, admin, "fuzz")[1]


@pytest.mark.slow
@pytest.mark.usefixtures("one_page_pdfs")  # a generated count of 1,000 ballots: a minute a case
def test_the_api_holds_to_its_document(app, world, record_property):
    config = SchemathesisConfig.from_dict({
        "seed": 20231028,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        # Issuing ballots prints them (a job, run here at once): up to 1,000 ballots with a QR
        # code each, seconds a case. A few cases show it holds to its document; its bad input
        # is tested in test_elections.py.
        "operations": [{"include-path": "/elections/{election_id}/ballots",
                        "include-method": "POST", "generation": {"max-examples": 3}}],
        "auth": {"openapi": {"bearerAuth": {"bearer": world}}},
        # Answers as a client sees them: the WSGI transport does not undo gzip.
        "headers": {"Accept-Encoding": "identity"},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED},
                   # Their "no Authorization" and "wrong token" cases get the token back from the
                   # auth above, which is added to every request (schemathesis#2898, open): every
                   # route then "ignores" auth. 401s without a token or with a wrong one are
                   # tested in test_api.py and test_roles.py.
                   "missing_required_header": {"enabled": False},
                   "ignored_auth": {"enabled": False}},
    })
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    started = time.monotonic()
    cases, checked, failed = collections.Counter(), collections.Counter(), collections.Counter()
    seconds = collections.Counter()
    examples: list[str] = []
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise AssertionError(f"schemathesis stopped: {event.exception}")
        if isinstance(event, events.NonFatalError) and not isinstance(event.value, Warning):
            errors.append(f"{event.label}: {event.value!r}"[:300])  # a case that never ran
        if not isinstance(event, events.ScenarioFinished):
            continue
        cases[event.phase.value] += len(event.recorder.cases)
        seconds[event.phase.value] += event.elapsed_time
        for case_id, nodes in event.recorder.checks.items():
            for node in nodes:
                checked[node.name] += 1
                if node.status == Status.FAILURE:
                    failed[node.name] += 1
                    case = event.recorder.cases[case_id].value
                    title = node.failure_info.failure.title if node.failure_info else ""
                    examples.append(f"{node.name}: {case.method} {case.formatted_path} "
                                    f"query={case.query} body={str(case.body)[:200]} -> {title}")
    elapsed = time.monotonic() - started
    record_property("figures", "\n".join([
        f"schemathesis ({DATABASE}): {cases.total()} cases in {elapsed:.0f} s; checks run "
        f"{sum(checked.values())}; failures {dict(failed) or 0}",
        "  by phase: " + ", ".join(f"{phase} {count} cases in {seconds[phase]:.0f} s"
                                  for phase, count in cases.items()),
        *(f"  {line}" for line in examples[:20])]))
    assert not errors, errors[:20]
    assert not failed, examples[:20]
    assert cases.total() >= FEWEST_CASES
