"""The venue set-up of deploy/ run for real (bench/venue.py): the venue authority's certificate,
nginx with the repository's own site file in front of two gunicorn processes with the
repository's settings and the jobs' consumer, all sharing Redis; live pages that follow a
change made through nginx whichever process holds them, and come back when their process dies
or is stopped."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.venue import Venue
from tests.browser.test_production_server import receive, seed
from tests.conftest import CLOSE_TIMEOUT, TEST_REDIS_URL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.alone,
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
    pytest.mark.skipif(not TEST_REDIS_URL, reason="set CONFERENCE_TEST_REDIS_URL to a Redis "
                                                  "database the test may use"),
]


NGINX_FAIL_TIMEOUT = 5  # deploy/nginx-conference.conf: fail_timeout=5s
# How long a socket's opening may take: the processes share the CI machine's two cores with the
# other test worker (a handshake once took over 10 s while the API fuzz test ran beside it, and
# one did not open in 30 s). A phone's Socket.IO client gives up after 20 s and tries again;
# so does a test's phone when it joins before what the test times (`join_counted`). What the
# tests time (phones back within 5 s) is measured apart from this.
OPEN_TIMEOUT = 20


@pytest.fixture(scope="module")
def venue(tmp_path_factory):
    """One venue for the module (starting one takes about 10 s); a test that kills or stops a
    process starts it again before it ends (`dying`)."""
    folder = tmp_path_factory.mktemp("venue")
    settings = {"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "venue-secret",
                "TOKEN_KEY": "venue-token-key",
                "DATABASE_URL": f"sqlite:///{folder / 'conference.db'}"}
    seeded = seed(settings)  # in this process: no message queue, which tests' clients refuse
    # Its own names in Redis: another worker's venue may run at the same time on the same one.
    with Venue(folder, settings | {"REDIS_URL": TEST_REDIS_URL,
                                   "REDIS_PREFIX": f"venue{uuid.uuid4().hex[:8]}"}) as running:
        running.seeded = seeded
        yield running


@contextlib.contextmanager
def dying(venue: Venue, port: int):
    """The block ends the process on `port`; afterwards it is started again."""
    try:
        yield
    finally:
        process = venue.apps[port]
        if process.poll() is None:
            venue.kill(port)
        process.wait(20)
        venue.start(port)
        time.sleep(NGINX_FAIL_TIMEOUT)  # until then nginx skips the process that failed


def api(venue: Venue, method: str, path: str, body: dict | None = None) -> dict:
    """An organizer's API call through nginx."""
    request = urllib.request.Request(
        venue.url(f"/api/v1{path}"), method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {venue.seeded['token']}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=venue.tls, timeout=30) as response:
        return json.loads(response.read())


def move_current_item(venue: Venue, item_id: int | None) -> int:
    """The operator's move, through nginx; the agenda's new revision."""
    return api(venue, "POST", f"/congresses/{venue.seeded['congress_id']}/agenda/current",
               {"item_id": item_id})["revision"]


def join(stack: contextlib.ExitStack, url: str, **options):
    """A phone on the public live channel; returns (socket, the greeting)."""
    socket = stack.enter_context(connect(url, open_timeout=OPEN_TIMEOUT,
                                         close_timeout=CLOSE_TIMEOUT, **options))
    socket.recv(timeout=10)  # Engine.IO's open packet
    socket.send('40/live,{"congress": "chay-that"}')
    return socket, receive(socket, "/live", "agenda_current")


def test_a_kiosk_through_nginx_shows_what_the_operator_takes(venue):
    congress_id = venue.seeded["congress_id"]
    screen = api(venue, "POST", f"/congresses/{congress_id}/screens",
                 {"name": "Màn hình LED sân khấu", "width": 3840, "height": 1080})
    token = screen["kiosk_url"].rsplit("/", 1)[1]
    with connect(venue.live_url, ssl=venue.tls, open_timeout=OPEN_TIMEOUT,
                 close_timeout=CLOSE_TIMEOUT) as kiosk:
        kiosk.recv(timeout=10)  # Engine.IO's open packet
        kiosk.send("40/screens," + json.dumps({"token": token}))
        first = receive(kiosk, "/screens", "screen_state")
        taken = api(venue, "POST", f"/congresses/{congress_id}/screens/take",
                    {"scene": {"type": "announcement",
                               "title": "Mời đại biểu vào hội trường"}})
        state = receive(kiosk, "/screens", "screen_state")
        assert state["version"] == taken["state_version"] > first["version"]
        assert state["scene"]["title"] == "Mời đại biểu vào hội trường"


def live_connections(venue: Venue) -> dict[int, int]:
    """Open /live connections per app process, as its /metrics count them."""
    counts = {}
    for port in venue.apps:
        with urllib.request.urlopen(venue.app_url(port, "/metrics"), timeout=10) as answer:
            found = re.search(r'conference_live_connections\{channel="/live",pid="\d+"\} (\d+)',
                              answer.read().decode())
        counts[port] = int(found.group(1)) if found else 0
    return counts


def join_counted(stack: contextlib.ExitStack, venue: Venue, record_property):
    """A phone through nginx; returns (socket, greeting, the port of the process holding it).
    A handshake that does not open is tried again, as a phone does, and reported with what
    the venue's parts were doing while it waited (the run's "figures")."""
    before = live_connections(venue)
    waited = OPEN_TIMEOUT - 3  # what holds the handshake is gone once the phone gives up
    seen: list[str] = []
    watch = threading.Timer(waited, lambda: seen.append(venue.describe()))
    watch.start()
    try:
        socket, greeting = join(stack, venue.live_url, ssl=venue.tls)
    except TimeoutError:
        watch.join()
        record_property("figures", f"a phone's handshake through nginx did not open in "
                                   f"{OPEN_TIMEOUT} s and was tried again; the venue "
                                   f"{waited} s into it:\n{seen[0]}")
        socket, greeting = join(stack, venue.live_url, ssl=venue.tls)
    finally:
        watch.cancel()
    deadline = time.monotonic() + 5
    while True:
        grown = [port for port, count in live_connections(venue).items()
                 if count > before[port]]
        if len(grown) == 1:
            return socket, greeting, grown[0]
        assert time.monotonic() < deadline, f"no one process holds the phone: {grown}"
        time.sleep(0.1)


def test_https_through_nginx_with_the_venue_certificate(venue):
    with urllib.request.urlopen(venue.url("/healthz"), context=venue.tls,
                                timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    with urllib.request.urlopen(venue.url("/static/css/app.css"), context=venue.tls,
                                timeout=10) as answer:
        assert answer.headers["Cache-Control"] == "max-age=86400"  # served by nginx itself
    plain = urllib.request.Request(f"http://127.0.0.1:{venue.http}/c/chay-that")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(plain, timeout=10)
    moved.value.close()
    assert moved.value.code == 301
    assert moved.value.headers["Location"].startswith("https://")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_pdf_asked_through_nginx_is_made_by_the_consumer(venue):
    deadline = time.monotonic() + 60
    while True:  # the first visitor may get the page that waits for the job
        with urllib.request.urlopen(venue.url("/c/chay-that/agenda.pdf"), context=venue.tls,
                                    timeout=30) as answer:
            if answer.headers["Content-Type"] == "application/pdf":
                assert answer.read().startswith(b"%PDF")
                return
        assert time.monotonic() < deadline, "the consumer made no PDF within a minute"
        time.sleep(1)


def test_live_pages_on_both_processes_follow_a_change_and_survive_one_dying(venue,
                                                                           record_property):
    first, second = list(venue.apps)
    with contextlib.ExitStack() as stack:
        phone, _greeting, held_by = join_counted(stack, venue, record_property)
        other = second if held_by == first else first
        # A second phone, on the other process (nginx would give it the same one: one address).
        neighbour, _greeting = join(
            stack, venue.live_url.replace(f"wss://127.0.0.1:{venue.https}",
                                          f"ws://127.0.0.1:{other}"))
        revision = move_current_item(venue, venue.seeded["item_id"])
        for client in (phone, neighbour):  # one change, on one process, reaches both (Redis)
            change = receive(client, "/live", "agenda_current")
            assert (change["current_item_id"], change["revision"]) == (
                venue.seeded["item_id"], revision)

        # The phone's process dies; the phone comes back through nginx to the other one and
        # the greeting brings it up to date.
        with dying(venue, held_by):
            venue.kill(held_by)
            phone.close()
            started = time.monotonic()
            again, greeting = join(stack, venue.live_url, ssl=venue.tls)
            assert time.monotonic() - started < 5
            assert greeting["revision"] == revision
            revision = move_current_item(venue, None)  # nothing current any more
            change = receive(again, "/live", "agenda_current")
            assert (change["current_item_id"], change["revision"]) == (None, revision)


def test_a_stopping_process_sends_its_phones_away_at_once(venue, record_property):
    """SIGTERM (systemctl restart): the phones it holds are closed within a couple of seconds
    and come back through nginx, rather than when the 20 s graceful timeout ends."""
    with contextlib.ExitStack() as stack:
        phone, _greeting, stopping = join_counted(stack, venue, record_property)
        with dying(venue, stopping):
            started = time.monotonic()
            venue.kill(stopping, signal.SIGTERM)
            with pytest.raises(ConnectionClosed):
                while True:
                    message = phone.recv(timeout=10)
                    if message == "2":
                        phone.send("3")
            closed = time.monotonic() - started
            assert closed < 5, closed
            _back, greeting = join(stack, venue.live_url, ssl=venue.tls)
            assert greeting["published"] is True
            venue.apps[stopping].wait(15)  # it exits well before the graceful timeout
            assert time.monotonic() - started < 10
