"""Benchmark live pushes: from one API call to its receipt at every connected phone or screen.

    python bench/live_fanout.py [--clients 1000] [--rounds 20] [--mode gevent|threading|both]
                                [--event agenda|stream|take] [--screens 1] [--badge-job]
                                [--no-baseline] [--compression]

Serves the app with gunicorn on a fresh SQLite database (`-k gevent` for Flask-SocketIO's gevent
mode, `-k gthread` for its threading mode) and opens CLIENTS Socket.IO connections (WebSocket
transport, offering permessage-deflate as browsers do) from two client processes, spread over
ten seconds: phones on the public `/live` namespace, or, with `--event take`, kiosks on
`/screens` (spread over SCREENS screens; each answers `rendered` as kiosk.js does). The app
declines compression unless --compression (CONFERENCE_WEBSOCKET_COMPRESSION). After one change
that is not counted, each round the driver notes the time, makes one change through the API
(`agenda`: the operator moves the current item; `stream`: a livestream's status flips; `take`:
an announcement is taken on every screen) and every client notes when the push arrived. With
--badge-job the rounds run again while 300-badge print jobs run one after another.

In the same run a plain `websockets` broadcast server gets the same clients and a payload of the
same size, twice: as the library comes (compressing what the clients ask it to) and uncompressed;
and so does the bare stack (bench/bare_socketio.py: Flask-SocketIO under the same gunicorn worker,
one route that emits, none of the app), which shows what the required stack costs by itself.

Prints, per server: deliveries per round, the latency of every delivery (p50, p99, max), the
latency of the last client of each round (p50, p99), the slowest rounds, lost deliveries and the
server's CPU time per delivery (everything it did during the rounds, answers and heartbeats
included); then the ratios of the last-client p99s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import (  # noqa: E402  (after the path is set)
    cpu_seconds,
    free_port,
    percentile,
    start_server,
    stop_server,
)

SLUG = "dai-hoi-fanout"
CLIENT_PROCESSES = 2
# Bytes of one push as the app sends it (the current item moved: its id, title and the
# revision; one stream), for the yardstick.
PAYLOAD_SIZES = {"agenda": 170, "stream": 400, "take": 700}
PUSH_EVENTS = {"agenda": "agenda_current", "stream": "streams_state", "take": "screen_state"}
PUSHES = set(PUSH_EVENTS.values())
BADGES = 300
REPORT_SPREAD = 1.0  # seconds: kiosk.js answers `rendered` a random moment up to this late
CONNECT_SPREAD = 10.0  # seconds over which the clients connect
# Seconds between two changes: every push has arrived, and every kiosk has answered it (within
# REPORT_SPREAD), long before the next; operators do not take a scene every second.
ROUND_GAP = 2.0


@dataclass
class Target:
    """Where the clients connect and how the driver makes a change there."""

    label: str
    url: str
    protocol: str  # "socketio" or "plain"
    namespace: str = "/live"
    auths: tuple[dict, ...] = ({"congress": SLUG},)  # client n connects with auths[n % len]


# --- the app -------------------------------------------------------------------------------


def seed(settings: dict, event: str, screens: int = 1) -> dict:
    """A published congress with an agenda (and a stream, or screens), an operator and an API
    token."""
    from conference import create_app
    from conference.agenda.models import AgendaItem, CongressSession
    from conference.auth.models import User
    from conference.auth.service import create_api_token
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.extensions import db

    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        congress = Congress(slug=SLUG, name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX",
                            starts_on=date(2023, 9, 27), ends_on=date(2023, 9, 28),
                            published=True)
        db.session.add(congress)
        db.session.flush()
        items = []
        for number, title in enumerate(("Phiên trù bị", "Phiên chính thức", "Bế mạc")):
            start = datetime(2023, 9, 27, 1, 0, tzinfo=UTC) + timedelta(hours=4 * number)
            session = CongressSession(congress_id=congress.id, title=title, starts_at=start,
                                      ends_at=start + timedelta(hours=3))
            db.session.add(session)
            db.session.flush()
            for position in range(1, 6):
                item = AgendaItem(session_id=session.id, position=position,
                                  title=f"{title}: mục {position} của chương trình đại hội",
                                  presenter="Đồng chí Chủ tịch Liên đoàn Lao động tỉnh")
                db.session.add(item)
                items.append(item)
        admin = User(username="dieu.hanh", password_hash="!", is_admin=True)
        db.session.add(admin)
        db.session.commit()
        token = create_api_token(None, admin, "bench")[1]
        seeded = {"congress_id": congress.id, "token": token,
                  "item_ids": [item.id for item in items]}
        if event == "stream":
            seeded["stream_id"] = seed_stream(congress)
        if event == "take":
            seeded["kiosk_tokens"] = seed_screens(congress, admin, screens)
        db.session.remove()
        db.engine.dispose()
    return seeded


def seed_stream(congress) -> int:
    from conference.extensions import db
    from conference.streams.models import Stream

    stream = Stream(congress_id=congress.id, platform="facebook", title="Phát trực tiếp",
                    url="https://www.facebook.com/congdoanhatinh/live")
    db.session.add(stream)
    db.session.commit()
    return stream.id


def seed_screens(congress, admin, count: int) -> list[str]:
    """COUNT LED walls; returns their kiosk tokens."""
    from conference.auth.service import Actor
    from conference.displays.service import create_screen, kiosk_token

    return [kiosk_token(create_screen(Actor(admin, "", "cli"), congress, {
        "name": f"Màn hình {number}", "width": 3840, "height": 1080}))
        for number in range(1, count + 1)]


def api(port: int, token: str, method: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}", method=method, data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def make_change(port: int, seeded: dict, event: str, number: int) -> None:
    if event == "stream":
        status = ("live", "scheduled")[number % 2]
        api(port, seeded["token"], "PATCH", f"/streams/{seeded['stream_id']}",
            {"status": status})
    elif event == "take":
        api(port, seeded["token"], "POST", f"/congresses/{seeded['congress_id']}/screens/take",
            {"scene": {"type": "announcement", "title": f"Thông báo số {number + 1}",
                       "body": "Đề nghị các đại biểu về vị trí, phiên họp sắp bắt đầu."}})
    else:
        item_ids = seeded["item_ids"]
        api(port, seeded["token"], "POST", f"/congresses/{seeded['congress_id']}/agenda/current",
            {"item_id": item_ids[number % len(item_ids)]})


# --- the yardstick: a plain websockets broadcast server ---------------------------------------


def plain_server(port: int, compression: bool, ready) -> None:
    """Broadcast whatever the control connection sends to every other connection."""
    import websockets
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()

    async def handler(connection):
        clients.add(connection)
        try:
            async for message in connection:
                broadcast(clients - {connection}, message)
        except websockets.ConnectionClosed:
            pass
        finally:
            clients.discard(connection)

    async def main():
        async with serve(handler, "127.0.0.1", port, max_size=None,
                         compression="deflate" if compression else None):
            ready.set()
            await asyncio.Future()

    asyncio.run(main())


# --- the clients ---------------------------------------------------------------------------


async def socketio_client(target: Target, auth: dict, arrivals: list, connected) -> None:
    """One phone on a live page, or one kiosk: Engine.IO over WebSocket, answering pings; a
    kiosk also answers every state with `rendered` within REPORT_SPREAD, as kiosk.js does."""
    from websockets.asyncio.client import connect

    namespace = target.namespace
    async with connect(target.url, max_size=None, open_timeout=120) as connection:
        await connection.recv()  # the Engine.IO open packet
        await connection.send(f"40{namespace}," + json.dumps(auth))
        async for message in connection:
            if message == "2":
                await connection.send("3")
            elif message.startswith(f"42{namespace},"):
                arrived = time.time()
                name, payload = json.loads(message[len(namespace) + 3:])[:2]
                if name in PUSHES:
                    arrivals.append((len(message), arrived))
                if name == "screen_state":
                    answer = f'42{namespace},["rendered",{{"version":{payload["version"]}}}]'
                    asyncio.get_running_loop().call_later(
                        random.random() * REPORT_SPREAD,
                        lambda answer=answer: asyncio.ensure_future(connection.send(answer)))
            elif message.startswith(f"40{namespace}"):
                connected()
            elif message.startswith(f"44{namespace}"):
                raise SystemExit(f"connection refused: {message}")


async def plain_client(target: Target, _auth: dict, arrivals: list, connected) -> None:
    from websockets.asyncio.client import connect

    async with connect(target.url, max_size=None, open_timeout=120) as connection:
        connected()
        async for message in connection:
            arrivals.append((len(message), time.time()))


def client_process(target: Target, count: int, offset: int, connected_count, done,
                   results) -> None:
    """COUNT clients in one asyncio loop; reports every arrival time when `done` is set."""
    arrivals: list[list] = [[] for _ in range(count)]

    def on_connect():
        with connected_count.get_lock():
            connected_count.value += 1

    async def main():
        client = socketio_client if target.protocol == "socketio" else plain_client
        tasks = []
        for number in range(count):
            auth = target.auths[(offset + number) % len(target.auths)]
            tasks.append(asyncio.create_task(client(target, auth, arrivals[number], on_connect)))
            # Phones open their pages over a while, not in one instant (which would also line
            # up every Engine.IO ping and its answer in the same instant, 25 s later).
            await asyncio.sleep(CONNECT_SPREAD / count)
        while not done.is_set():
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    results.put(arrivals)


# --- a run ---------------------------------------------------------------------------------


def measure(target: Target, clients: int, rounds: int, change, server_pid: int) -> dict:
    connected = multiprocessing.Value("i", 0)
    done = multiprocessing.Event()
    results = multiprocessing.Queue()
    shares = [clients // CLIENT_PROCESSES + (n < clients % CLIENT_PROCESSES)
              for n in range(CLIENT_PROCESSES)]
    offsets = [sum(shares[:n]) for n in range(len(shares))]
    processes = [multiprocessing.Process(target=client_process, args=(
        target, share, offset, connected, done, results))
        for share, offset in zip(shares, offsets, strict=True)]
    for process in processes:
        process.start()
    deadline = time.monotonic() + 180 + CONNECT_SPREAD
    while connected.value < clients and time.monotonic() < deadline:
        time.sleep(0.2)
    if connected.value < clients:
        print(f"  only {connected.value} of {clients} clients connected")
    time.sleep(ROUND_GAP)
    change(rounds)  # a first change, not counted: a server at the venue has made many
    time.sleep(ROUND_GAP)
    started: list[float] = []
    cpu_before = cpu_seconds(server_pid)
    for number in range(rounds):
        started.append(time.time())
        change(number)
        time.sleep(ROUND_GAP)
    cpu_used = cpu_seconds(server_pid) - cpu_before
    done.set()
    arrivals: list[list] = []
    for _ in processes:
        arrivals.extend(results.get(timeout=120))
    for process in processes:
        process.join(30)
    return summarize(target.label, started, arrivals, clients, cpu_used)


def summarize(label: str, started: list[float], arrivals: list[list], clients: int,
              cpu_used: float) -> dict:
    """Match each arrival to the round it follows (the last change made before it); what
    arrived before the first round (the state on connect, the uncounted change) is left out."""
    every: list[float] = []
    sizes: list[int] = []
    last_of_round: dict[int, float] = {}
    for client in arrivals:
        for size, arrived in client:
            round_number = max((n for n, at in enumerate(started) if at <= arrived), default=None)
            if round_number is None:
                continue  # the state sent on connect
            latency = (arrived - started[round_number]) * 1000
            every.append(latency)
            sizes.append(size)
            last_of_round[round_number] = max(latency, last_of_round.get(round_number, 0))
    expected = clients * len(started)
    lost = expected - len(every)
    last = list(last_of_round.values()) or [float("nan")]
    print(f"\n{label}")
    print(f"  {clients} clients x {len(started)} rounds: {len(every)} of {expected} deliveries "
          f"({lost} lost) of {max(sizes, default=0):,} characters each")
    if every:
        print(f"  every delivery   p50 {percentile(every, .5):7.1f} ms  p99 "
              f"{percentile(every, .99):7.1f} ms  max {max(every):7.1f} ms")
        print(f"  last client      p50 {percentile(last, .5):7.1f} ms  p99 "
              f"{percentile(last, .99):7.1f} ms")
        slowest = sorted(last_of_round.items(), key=lambda pair: -pair[1])[:3]
        print("  slowest rounds   " + ", ".join(f"#{n + 1}: {ms:.0f} ms" for n, ms in slowest))
        print(f"  server CPU       {cpu_used * 1e6 / max(len(every), 1):7.1f} µs per delivery")
    return {"p99": percentile(every, .99) if every else float("inf"),
            "last_p99": percentile(last, .99), "lost": lost}


def run_app(mode: str, args, instance: Path) -> dict:
    settings = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench-fanout-secret",
                "DATABASE_URL": f"sqlite:///{instance / f'{mode}.db'}", "ASYNC_MODE": mode,
                "RATELIMIT_STORAGE_URL": "memory://", "JOBS_IMMEDIATE": True,
                "WEBSOCKET_COMPRESSION": args.compression}
    seeded = seed(settings, args.event, args.screens)
    if args.badge_job:
        seed_delegates(settings, BADGES)
    port = free_port()
    worker = worker_args(mode, args.clients)
    server = start_server(settings, port, ["--workers", "1", *worker],
                          instance / f"{mode}.log")
    try:
        label = f"Flask-SocketIO, {mode} mode (gunicorn {' '.join(worker)})"
        url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
        target = (Target(f"{label}, kiosks of {args.screens} screen(s)", url, "socketio",
                         "/screens", tuple({"token": t} for t in seeded["kiosk_tokens"]))
                  if args.event == "take" else Target(label, url, "socketio"))

        def change(number):
            make_change(port, seeded, args.event, number)

        idle = measure(target, args.clients, args.rounds, change, server.pid)
        if not args.badge_job:
            return idle
        stop = multiprocessing.Event()
        printer = multiprocessing.Process(target=print_badges_meanwhile,
                                          args=(settings, stop))
        printer.start()
        try:
            target.label += f", while {BADGES}-badge print jobs run one after another"
            busy = measure(target, args.clients, args.rounds, change, server.pid)
        finally:
            stop.set()
            printer.join(120)
        print(f"\nlast-client p99 during the print jobs: {busy['last_p99']:.1f} ms, "
              f"{busy['last_p99'] / idle['last_p99']:.2f} times idle (target at most 2)")
        return idle
    finally:
        stop_server(server)


def worker_args(mode: str, clients: int) -> list[str]:
    """gevent mode runs with the repository's gunicorn settings, as at the venue (its worker
    freezes the loaded app out of the garbage collector's reach); gthread with gunicorn's."""
    # Every open socket holds one connection (and, with gthread, one thread) for good.
    connections = ["--worker-connections", str(clients + 500)]
    return (["-c", "deploy/gunicorn.conf.py", "-k", "gevent", *connections] if mode == "gevent"
            else ["-k", "gthread", "--threads", str(clients + 50), *connections])


def run_bare(mode: str, args, instance: Path) -> dict:
    """The same clients and changes against the bare stack (bench/bare_socketio.py)."""
    namespace = "/screens" if args.event == "take" else "/live"
    settings = {"ASYNC_MODE": mode, "NAMESPACE": namespace, "EVENT": PUSH_EVENTS[args.event],
                "PAYLOAD_SIZE": PAYLOAD_SIZES[args.event],
                "WEBSOCKET_COMPRESSION": args.compression}
    port = free_port()
    worker = worker_args(mode, args.clients)
    server = start_server(settings, port, ["--workers", "1", *worker],
                          instance / f"bare-{mode}.log", app="bench.bare_socketio:create_app()")
    # Requests of the same shape as the app's; the bare route takes any path and token.
    stand_in = {"token": "-", "congress_id": 0, "stream_id": 0, "item_ids": [0]}
    try:
        target = Target(f"bare Flask-SocketIO, {mode} mode (gunicorn {' '.join(worker)})",
                        f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
                        "socketio", namespace, ({"token": "-"},))
        return measure(target, args.clients, args.rounds,
                       lambda number: make_change(port, stand_in, args.event, number),
                       server.pid)
    finally:
        stop_server(server)


def seed_delegates(settings: dict, count: int) -> None:
    """COUNT delegates with Vietnamese names, for the badge print runs."""
    from sqlalchemy import insert

    from conference import create_app
    from conference.congresses.models import Congress
    from conference.delegates.models import Delegate
    from conference.delegates.service import DelegateInput, new_delegate_values
    from conference.extensions import db

    app = create_app(settings)
    with app.app_context():
        congress = db.session.scalar(db.select(Congress).where(Congress.slug == SLUG))
        db.session.execute(insert(Delegate), [new_delegate_values(congress, DelegateInput(
            code=f"DB{n:04d}", full_name=f"Nguyễn Thị Hoàng Phương Thảo {n}",
            position="Chủ tịch Công đoàn cơ sở", unit="Công ty Điện lực Hà Tĩnh",
            delegation=f"Đoàn {n % 12 + 1}", seat=f"A-{n:03d}")) for n in range(1, count + 1)])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def print_badges_meanwhile(settings: dict, stop) -> None:
    """Run badge print jobs one after another in this process of their own (as a consumer
    runs them, with its render pool) until `stop` is set."""
    from conference import create_app
    from conference.auth.models import User
    from conference.auth.service import Actor
    from conference.badges.service import parse_selection, start_badge_job
    from conference.congresses.models import Congress
    from conference.extensions import db
    from conference.jobs.models import Job, JobStatus

    app = create_app(settings | {"JOBS_IMMEDIATE": True})
    with app.app_context():
        congress = db.session.scalar(db.select(Congress).where(Congress.slug == SLUG))
        admin = db.session.scalar(db.select(User).where(User.is_admin.is_(True)))
        runs = 0
        while not stop.is_set():
            job = start_badge_job(Actor(admin, "", "cli"), congress,
                                  parse_selection({"layout": "sheet"}), "https://daihoi.vn")
            while not stop.is_set():
                db.session.expire_all()
                if db.session.get(Job, job.id).status in (JobStatus.DONE, JobStatus.FAILED):
                    runs += 1
                    break
                time.sleep(0.2)
        print(f"  ({runs} print jobs of {BADGES} badges finished meanwhile)")


def sample_payload(size: int) -> str:
    """JSON of about `size` characters that compresses like the app's pushes (Vietnamese
    titles and names, numbers, times), not like a run of one letter."""
    rng = random.Random(size)
    words = ("Đại hội", "Công đoàn", "tỉnh", "Hà Tĩnh", "lần thứ", "XIX", "nhiệm kỳ", "báo cáo",
             "chính trị", "Ban Chấp hành", "đại biểu", "phiên", "thảo luận", "bầu cử", "khai mạc",
             "Nguyễn Văn", "Trần Thị", "Lê", "Phạm", "Hội trường A", "Đoàn Chủ tịch")
    items = []
    while len(json.dumps(items, ensure_ascii=False)) < size:
        items.append({"id": rng.randrange(1, 500), "title": " ".join(rng.choices(words, k=6)),
                      "presenter": " ".join(rng.choices(words, k=3)),
                      "starts_at": f"2023-09-28T{rng.randrange(7, 17):02d}:"
                                   f"{rng.randrange(60):02d}:00+07:00"})
    return json.dumps({"version": 1, "items": items}, ensure_ascii=False)


def run_plain(args, payload_size: int, compression: bool) -> dict:
    from websockets.sync.client import connect

    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=plain_server, args=(port, compression, ready),
                                     daemon=True)
    server.start()
    ready.wait(30)
    url = f"ws://127.0.0.1:{port}/"
    payload = sample_payload(payload_size)
    try:
        with connect(url) as control:
            kind = "as it comes, deflating" if compression else "uncompressed"
            target = Target(f"plain websockets broadcast (the yardstick), {kind}", url, "plain")
            return measure(target, args.clients, args.rounds,
                           lambda _number: control.send(payload), server.pid)
    finally:
        server.terminate()
        server.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mode", choices=("gevent", "threading", "both"), default="gevent")
    parser.add_argument("--event", choices=("agenda", "stream", "take"), default="agenda")
    parser.add_argument("--screens", type=int, default=1,
                        help="with --event take: screens the kiosk clients are spread over")
    parser.add_argument("--badge-job", action="store_true",
                        help="measure again while badge print jobs run")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--compression", action="store_true",
                        help="servers accept the clients' offer of permessage-deflate")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; event: {args.event}")
    instance = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    outcomes = {}
    try:
        for mode in (("gevent", "threading") if args.mode == "both" else (args.mode,)):
            outcomes[mode] = run_app(mode, args, instance)
        if not args.no_baseline:
            bare = {mode: run_bare(mode, args, instance) for mode in outcomes}
            # The yardstick as the websockets library comes (compressing, as browsers ask it
            # to), and without compression, like the app by default.
            plain = {compression: run_plain(args, PAYLOAD_SIZES[args.event], compression)
                     for compression in (True, False)}
            print()
            for mode, outcome in outcomes.items():
                for label, last_p99 in ((f"the app, {mode}", outcome["last_p99"]),
                                        (f"the bare stack, {mode}", bare[mode]["last_p99"])):
                    print(f"{label}: last-client p99 is "
                          f"{last_p99 / plain[True]['last_p99']:.2f} times the plain server's "
                          f"with its defaults, "
                          f"{last_p99 / plain[False]['last_p99']:.2f} times uncompressed")
                print(f"the app, {mode}: last-client p99 is "
                      f"{outcome['last_p99'] / bare[mode]['last_p99']:.2f} times the bare stack's")
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
