"""Benchmark a vote on phones: 300 delegates vote within 30 s, the wall follows the progress.

    python bench/votes.py [--phones 300] [--seconds 30] [--threads 40] [--keep]

Serves the app with gunicorn `-k gevent` (the README's set-up, as bench/serving.py starts it)
on a fresh SQLite database with PHONES official delegates checked in for the session under
way, a phone vote on its item, an LED wall showing the `vote` scene, and every phone's device
cookie already set (the PIN was typed earlier: the row of its device key is seeded). Before
the clock starts each phone loads its vote panel once (its session cookie and CSRF token, as a
phone showing the open vote has them). A kiosk connects to `/screens` as kiosk.js does; then
the vote opens (through the API), the phones load the panel it shows, and each phone posts
its choice (JSON with the CSRF token, as votes-portal.js does) at a random moment within
SECONDS, from THREADS client threads, each with its own keep-alive connection.

Prints every vote's acknowledgement latency (p50, p99, max; target p99 < 200 ms) as the phones
saw it and as the server spent it (gunicorn's access log), the
latency of GET /healthz polled meanwhile (the yardstick: a trivial route in the same run),
how far the wall's progress lags behind the acknowledgements (for each ack, the time until a
screen state shows at least as many votes as were acknowledged by then; the last ack's lag is
the one that matters: target at most 1 s), and checks the count: every phone counted once.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import free_port, percentile, start_server, stop_server  # noqa: E402

TARGET_ACK_P99_MS = 200
TARGET_WALL_LAG_S = 1.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed(settings: dict, phones: int) -> dict:
    """A congress whose session is under way, PHONES official delegates checked in for it with
    a linked phone each, a phone vote (not open), a wall showing the vote scene."""
    import hashlib
    import secrets

    from sqlalchemy import insert

    from conference import create_app
    from conference.actors import Actor
    from conference.agenda.models import AgendaItem, CongressSession
    from conference.auth.models import Membership, User
    from conference.auth.service import create_api_token
    from conference.checkin.models import CheckIn, session_scope
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.dates import utcnow
    from conference.delegates.models import Delegate
    from conference.delegates.service import DelegateInput, categories, new_delegate_values
    from conference.displays.service import create_screen, kiosk_token, take_scene
    from conference.extensions import db
    from conference.tokens import derive_token
    from conference.votes.models import VoteDevice
    from conference.votes.service import create_vote

    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        now = utcnow().replace(microsecond=0)
        congress = Congress(slug="dai-hoi-votes", name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX",
                            starts_on=date.today(), ends_on=date.today(), published=True)
        db.session.add(congress)
        db.session.flush()
        session = CongressSession(congress_id=congress.id, title="Phiên chính thức",
                                  starts_at=now - timedelta(hours=1),
                                  ends_at=now + timedelta(hours=3))
        db.session.add(session)
        db.session.flush()
        item = AgendaItem(session_id=session.id, title="Thông qua Nghị quyết Đại hội",
                          position=1)
        db.session.add(item)
        db.session.flush()
        congress.current_item_id = item.id
        operator = User(username="doan.thu.ky", password_hash="!")
        db.session.add(operator)
        db.session.flush()
        db.session.add(Membership(user=operator, congress_id=congress.id, role="operator"))
        db.session.commit()
        categories(congress)
        rows = [new_delegate_values(congress, DelegateInput(
            code=f"DB{n:04d}", full_name=f"Đại biểu {n}", category="official"))
            for n in range(1, phones + 1)]
        db.session.execute(insert(Delegate), rows)
        ids = {d.code: d for d in db.session.query(Delegate).filter_by(congress_id=congress.id)}
        keys, tokens = [], []
        for row in rows:
            delegate = ids[row["code"]]
            key = secrets.token_urlsafe(32)
            keys.append(key)
            tokens.append(derive_token(row["badge_nonce"], 1))
            db.session.add(CheckIn(congress_id=congress.id, delegate_id=delegate.id,
                                   session_id=session.id, scope=session_scope(session.id),
                                   checked_in_at=now))
            db.session.add(VoteDevice(key_hash=hashlib.sha256(key.encode()).hexdigest(),
                                      delegate_id=delegate.id,
                                      badge_token_hash=delegate.badge_token_hash))
        db.session.commit()
        actor = Actor(operator, "", "cli")
        vote = create_vote(actor, item, {"question": "Đại hội biểu quyết thông qua Nghị quyết",
                                         "method": "phone", "majority": "half",
                                         "base": "summoned"})
        screen = create_screen(actor, congress, {"name": "Màn hình LED", "width": 3840,
                                                 "height": 1080, "group_name": ""})
        take_scene(actor, congress, [screen], {"scene": {"type": "vote"}})
        seeded = {"vote_id": vote.id, "keys": keys, "tokens": tokens,
                  "kiosk": kiosk_token(screen),
                  "api_token": create_api_token(None, operator, "bench")[1]}
        db.session.remove()
        db.engine.dispose()
    return seeded


def voted_in_database(settings: dict, vote_id: int) -> tuple[int, int]:
    """(ballots, delegates marked as having voted) as the server left them."""
    from sqlalchemy import func, select

    from conference import create_app
    from conference.extensions import db
    from conference.votes.models import VoteBallot, VoteRoll

    with create_app(settings).app_context():
        ballots = db.session.scalar(select(func.count()).select_from(VoteBallot).where(
            VoteBallot.vote_id == vote_id))
        voted = db.session.scalar(select(func.count()).select_from(VoteRoll).where(
            VoteRoll.vote_id == vote_id, VoteRoll.voted.is_(True)))
        db.engine.dispose()
    return ballots, voted


# --- the clients ---------------------------------------------------------------------------


class Phone:
    """One delegate's phone: its device cookie, then the session cookie and CSRF token its
    portal gave it."""

    def __init__(self, token: str, key: str):
        self.token, self.key = token, key
        self.cookies = {"vote_device": key}
        self.csrf = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def remember(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]


class Connections(threading.local):
    """One keep-alive connection per client thread."""

    def get(self, port: int) -> http.client.HTTPConnection:
        if getattr(self, "connection", None) is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        return self.connection


def load_panel(port: int, connections: Connections, phone: Phone) -> None:
    connection = connections.get(port)
    connection.request("GET", f"/b/{phone.token}/votes", headers={"Cookie": phone.cookie_header()})
    response = connection.getresponse()
    body = response.read().decode()
    phone.remember(response)
    phone.csrf = CSRF.search(body).group(1) if CSRF.search(body) else ""


def cast(port: int, connections: Connections, phone: Phone, vote_id: int, choice: str):
    """Post the choice; (status, seconds from sending to the whole answer, when it arrived)."""
    connection = connections.get(port)
    body = json.dumps({"choice": choice})
    sent = time.perf_counter()
    connection.request("POST", f"/b/{phone.token}/votes/{vote_id}", body=body, headers={
        "Content-Type": "application/json", "Accept": "application/json",
        "X-CSRFToken": phone.csrf, "Cookie": phone.cookie_header()})
    response = connection.getresponse()
    response.read()
    arrived = time.perf_counter()
    return response.status, arrived - sent, arrived


def api(port: int, token: str, method: str, path: str) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {answer}")
    return answer


class Wall:
    """A kiosk on `/screens` (Engine.IO over WebSocket, answering pings), noting when each
    state arrived and how many votes its vote scene showed."""

    def __init__(self, port: int, token: str):
        self.url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
        self.token = token
        self.states: list[tuple[float, int]] = []  # (perf_counter, voted)
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _run(self) -> None:
        from websockets.asyncio.client import connect

        async with connect(self.url, max_size=None) as connection:
            await connection.recv()  # the Engine.IO open packet
            await connection.send("40/screens," + json.dumps({"token": self.token}))
            while not self.stop.is_set():
                try:
                    message = await asyncio.wait_for(connection.recv(), 0.5)
                except TimeoutError:
                    continue
                if message == "2":
                    await connection.send("3")
                elif message.startswith("40/screens"):
                    self.connected.set()
                elif message.startswith("42/screens,"):
                    arrived = time.perf_counter()
                    name, payload = json.loads(message[len("42/screens,"):])[:2]
                    if name == "screen_state":
                        vote = (payload.get("scene") or {}).get("vote") or {}
                        self.states.append((arrived, vote.get("voted", -1)))
                        await connection.send(
                            f'42/screens,["rendered",{{"version":{payload["version"]}}}]')


def poll_yardstick(port: int, stop: threading.Event, timings: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        sent = time.perf_counter()
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        timings.append(time.perf_counter() - sent)
        stop.wait(0.1)


# --- the run -------------------------------------------------------------------------------


def wall_lags(acks: list[float], states: list[tuple[float, int]]) -> list[float]:
    """For the n-th acknowledgement (by arrival), the time until the wall showed >= n votes."""
    lags = []
    for count, acked in enumerate(sorted(acks), start=1):
        shown = next((at for at, voted in states if voted >= count and at >= acked), None)
        if shown is None:  # shown already before the ack arrived, or never
            earlier = any(voted >= count for _at, voted in states)
            lags.append(0.0 if earlier else float("inf"))
        else:
            lags.append(shown - acked)
    return lags


def run(args) -> bool:
    instance = Path(tempfile.mkdtemp(prefix="bench-votes-"))
    settings = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench-votes-secret",
                "DATABASE_URL": f"sqlite:///{instance / 'conference.db'}",
                "RATELIMIT_STORAGE_URL": "memory://", "ASYNC_MODE": "gevent",
                "JOBS_IMMEDIATE": True}
    server = None
    try:
        seeded = seed(settings, args.phones)
        port = free_port()
        worker = ["-k", "gevent", "--workers", "1", "--worker-connections", "1000",
                  "--access-logfile", "-", "--access-logformat", "%(r)s %(s)s %(M)sms"]
        server = start_server(settings, port, worker, instance / "server.log")
        phones = [Phone(token, key) for token, key in zip(seeded["tokens"], seeded["keys"],
                                                            strict=True)]
        wall = Wall(port, seeded["kiosk"])
        if not wall.connected.wait(30):
            raise SystemExit("the kiosk did not connect")
        opened = api(port, seeded["api_token"], "POST", f"/votes/{seeded['vote_id']}/open")
        print(f"vote open: {opened['eligible']} eligible")
        connections = Connections()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(lambda phone: load_panel(port, connections, phone), phones))
        rng = random.Random(19)
        schedule = sorted((rng.uniform(0, args.seconds), phone) for phone in phones)
        yardstick: list[float] = []
        stop = threading.Event()
        poller = threading.Thread(target=poll_yardstick, args=(port, stop, yardstick))
        poller.start()
        start = time.perf_counter()

        def one(entry):
            moment, phone = entry
            time.sleep(max(0.0, start + moment - time.perf_counter()))
            return cast(port, connections, phone, seeded["vote_id"],
                        rng.choice(("for", "for", "for", "against", "abstain")))

        with ThreadPoolExecutor(args.threads) as pool:
            results = list(pool.map(one, schedule))
        time.sleep(2)  # the wall's last push
        stop.set()
        poller.join()
        wall.stop.set()
        wall.thread.join(5)
    finally:
        if server is not None:
            stop_server(server)
    statuses = [status for status, _seconds, _at in results]
    ack_ms = [seconds * 1000 for _status, seconds, _at in results]
    acks = [at for status, _seconds, at in results if status == 200]
    lags = wall_lags(acks, wall.states)
    ballots, voted = voted_in_database(settings, seeded["vote_id"])
    served_ms = [float(line.rsplit(" ", 1)[1].removesuffix("ms")) for line in
                 (instance / "server.log").read_text().splitlines()
                 if line.startswith("POST /b/") and line.endswith("ms")]
    if args.keep:
        print(f"kept: {instance} (server.log: every request with its time on the server)")
    else:
        shutil.rmtree(instance, ignore_errors=True)
    last_lag = lags[-1] if lags else float("inf")
    p99 = percentile(ack_ms, .99)
    print(f"{args.phones} phones within {args.seconds} s; gunicorn {' '.join(worker)}; SQLite")
    print(f"  answers          {dict(sorted((s, statuses.count(s)) for s in set(statuses)))}")
    print(f"  vote ack         p50 {percentile(ack_ms, .5):6.1f} ms   p99 {p99:6.1f} ms   "
          f"max {max(ack_ms):6.1f} ms")
    print(f"  on the server    p50 {percentile(served_ms, .5):6.1f} ms   "
          f"p99 {percentile(served_ms, .99):6.1f} ms   max {max(served_ms):6.1f} ms   "
          f"(gunicorn's access log: the rest is the network and the clients)")
    yard_ms = [seconds * 1000 for seconds in yardstick]
    print(f"  yardstick        GET /healthz p50 {percentile(yard_ms, .5):6.1f} ms   "
          f"p99 {percentile(yard_ms, .99):6.1f} ms   ({len(yard_ms)} requests meanwhile)")
    print(f"  wall behind      p50 {percentile(lags, .5) * 1000:6.0f} ms   "
          f"p99 {percentile(lags, .99) * 1000:6.0f} ms   last ack -> its count on the wall "
          f"{last_lag * 1000:6.0f} ms   ({len(wall.states)} screen states)")
    print(f"  counted          {ballots} ballots, {voted} delegates marked as having voted")
    met = (p99 < TARGET_ACK_P99_MS and last_lag <= TARGET_WALL_LAG_S
           and ballots == voted == args.phones and statuses.count(200) == args.phones)
    print(f"  target ack p99 < {TARGET_ACK_P99_MS} ms, wall <= {TARGET_WALL_LAG_S:.0f} s "
          f"behind, every phone counted once: {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--keep", action="store_true",
                        help="keep the instance folder and the server's log")
    args = parser.parse_args()
    sys.exit(0 if run(args) else 1)


if __name__ == "__main__":
    main()
