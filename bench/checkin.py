"""Benchmark check-in at the doors: gates posting badge scans to the API of a production server.

    python bench/checkin.py [--badges 320] [--gates 4] [--rounds 3] [--worker gevent|gthread]
                            [--workers 1] [--threads 8]
                            [--warmup 80] [--database sqlite|postgres|both]
                            [--current-item | --no-current-item] [--message-queue URL]
    python bench/checkin.py --venue [--venue-direct] [--processes 2] [--badges 320] ...

Serves the app with gunicorn (`-k gthread`, the worker Flask-SocketIO's threading mode runs
in) on a fresh database: SQLite in a temporary instance folder, and, when
CONFERENCE_TEST_DATABASE_URL names a PostgreSQL server, a fresh database created there next to
the test database (and dropped afterwards). It seeds a congress with BADGES delegates and one
check-in account with an API token, then GATES processes, each with one keep-alive connection,
post every badge's URL as the scanner reads it to POST /api/v1/congresses/{id}/checkins, each
gate in its own random order, ROUNDS times over: the first scan of a badge at any gate is a
check-in (201), every later one a repeat (200). Each gate sends its next scan as soon as the
answer to the last one arrives (a closed loop: staff scan the next badge at once). A warm-up
with WARMUP other badges (scanned twice) comes first and is not counted: a server at the venue
has been running for a while (its connections opened, its statements compiled).

With --message-queue (a Redis URL) the server runs as in the several-process set-up of the
README: live pushes and rate-limit counters go through Redis, so two workers can share the doors.

With --venue the same gates scan through the venue set-up of deploy/ instead (bench/venue.py:
nginx over HTTPS in front of PROCESSES gunicorn processes with deploy/gunicorn.conf.py, on a
fresh PostgreSQL database on 127.0.0.1 and Redis database 13): each gate keeps one HTTPS
connection to nginx, from a loopback address nginx's ip_hash sends to a process of its own, so
the gates share the processes evenly. --venue-direct adds a second pass with other badges, the
gates talking plain HTTP straight to the processes, to tell what nginx and TLS add; the CPU
each process used in each pass is printed.

Prints scans per second, latency p50/p90/p99/max in milliseconds, for first scans and repeats
apart, checks that every badge was checked in exactly once, and the target: >= 500 scans/s with
p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import free_port, percentile, start_server, stop_server  # noqa: E402
from bench.usage import Usage  # noqa: E402
from bench.venue import Venue  # noqa: E402
from bench.venue_bench import fresh_stores, without_alembic_chatter  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402  (after the path is set)

SECRET_KEY = "bench-checkin-secret-key"
TARGET_RATE = 500
VENUE_REDIS = "redis://127.0.0.1:6379/13"
TARGET_P99_MS = 50
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Đào"]
GIVEN = ["Văn Trường", "Thị Lan", "Đức Anh", "Ngọc Hương", "Minh Khánh", "Thanh Thủy"]


# --- databases -----------------------------------------------------------------------------


def seed(settings: dict, badges: int, current_item: bool) -> tuple[int, str, list[str]]:
    """Migrate and fill the database; returns (congress id, API token, badge URLs)."""
    from sqlalchemy import insert

    from conference import create_app
    from conference.agenda.models import AgendaItem, CongressSession
    from conference.auth.models import Membership, User
    from conference.auth.service import create_api_token
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.dates import utcnow
    from conference.delegates.models import Delegate
    from conference.delegates.service import DelegateInput, new_delegate_values
    from conference.extensions import db
    from conference.tokens import derive_token

    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        today = date.today()
        congress = Congress(slug="dai-hoi-bench", name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX",
                            starts_on=today, ends_on=today, published=True)
        db.session.add(congress)
        db.session.flush()
        now = utcnow().replace(microsecond=0)
        session = CongressSession(congress_id=congress.id, title="Phiên chính thức",
                                  starts_at=now.replace(hour=0, minute=0, second=0),
                                  ends_at=now.replace(hour=23, minute=59, second=0))
        db.session.add(session)
        db.session.flush()
        item = AgendaItem(session_id=session.id, title="Khai mạc", position=1)
        db.session.add(item)
        db.session.flush()
        if current_item:  # check-ins then count for the session of the item under way
            congress.current_item_id = item.id
        user = User(username="cong.chinh", password_hash="!")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user=user, congress_id=congress.id, role="checkin"))
        rng = random.Random(19)
        rows = [new_delegate_values(congress, DelegateInput(
            code=f"DB{n:04d}", full_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)} {n}",
            delegation=f"Đoàn {n % 12 + 1}", seat=f"{chr(65 + n % 10)}-{n:03d}"))
            for n in range(1, badges + 1)]
        db.session.execute(insert(Delegate), rows)
        db.session.commit()
        token = create_api_token(None, user, "bench")[1]
        urls = [f"https://daihoi.example.vn/b/{derive_token(row['badge_nonce'], 1)}"
                for row in rows]
        congress_id = congress.id
        db.session.remove()
        db.engine.dispose()
    return congress_id, token, urls


def checkin_count(settings: dict) -> tuple[int, int]:
    """(check-in rows, distinct delegates among them) as the server left them."""
    from sqlalchemy import func, select

    from conference import create_app
    from conference.checkin.models import CheckIn
    from conference.extensions import db

    app = create_app(settings)
    with app.app_context():
        rows = db.session.scalar(select(func.count(CheckIn.id)))
        distinct = db.session.scalar(select(func.count(func.distinct(CheckIn.delegate_id))))
        db.session.remove()
        db.engine.dispose()
    return rows, distinct


# --- the server ----------------------------------------------------------------------------


# --- the gates -----------------------------------------------------------------------------


def gate(number: int, target: dict, path: str, token: str, urls: list[str], rounds: int,
         start_at: float, results) -> None:
    """One gate: every badge ROUNDS times in its own order over one keep-alive connection (to
    target["port"]; over HTTPS trusting target["ca"] when given, from target["source"])."""
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    source = (target["source"], 0) if target.get("source") else None
    if target.get("ca"):
        context = ssl.create_default_context(cafile=target["ca"])
        connection = http.client.HTTPSConnection("127.0.0.1", target["port"], timeout=30,
                                                 context=context, source_address=source)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", target["port"], timeout=30,
                                                source_address=source)
    timings: list[tuple[int, float]] = []
    while time.time() < start_at:
        time.sleep(0.001)
    for _round in range(rounds):
        order = urls[:]
        rng.shuffle(order)
        for url in order:
            body = json.dumps({"scan": url + "\n", "gate": f"Cổng {number}"})
            began = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            timings.append((response.status, time.perf_counter() - began))
    connection.close()
    results.put((number, timings))


def run_load(port: int | list[dict], congress_id: int, token: str, urls: list[str],
             gates: int, rounds: int) -> tuple[list[tuple[int, float]], float]:
    """GATES gates at a port, or at one target each (a list: {"port", "ca", "source"})."""
    targets = port if isinstance(port, list) else [{"port": port}] * gates
    path = f"/api/v1/congresses/{congress_id}/checkins"
    results = multiprocessing.Queue()
    start_at = time.time() + 0.5
    processes = [multiprocessing.Process(target=gate, args=(
        number, targets[number - 1], path, token, urls, rounds, start_at, results))
        for number in range(1, gates + 1)]
    for process in processes:
        process.start()
    timings = []
    for _ in processes:
        timings.extend(results.get(timeout=600)[1])
    elapsed = time.time() - start_at
    for process in processes:
        process.join(10)
    return timings, elapsed


def report(label: str, timings: list[tuple[int, float]], elapsed: float) -> dict:
    statuses: dict[int, int] = {}
    for status, _seconds in timings:
        statuses[status] = statuses.get(status, 0) + 1
    every = [seconds * 1000 for _status, seconds in timings]
    rate = len(timings) / elapsed
    p99 = percentile(every, 0.99)
    print(f"\n{label}")
    print(f"  {len(timings)} scans in {elapsed:.2f} s: {rate:,.0f} scans/s; statuses {statuses}")
    for name, wanted in (("all", None), ("first scans (201)", 201), ("repeats (200)", 200)):
        values = [s * 1000 for status, s in timings if wanted is None or status == wanted]
        if values:
            print(f"  {name:18} p50 {percentile(values, .5):6.1f} ms  p90 "
                  f"{percentile(values, .9):6.1f} ms  p99 {percentile(values, .99):6.1f} ms  "
                  f"max {max(values):6.1f} ms  mean {statistics.fmean(values):5.1f} ms")
    met = rate >= TARGET_RATE and p99 < TARGET_P99_MS
    print(f"  target >= {TARGET_RATE} scans/s and p99 < {TARGET_P99_MS} ms: "
          f"{'met' if met else 'NOT met'}")
    return {"rate": rate, "p99": p99, "statuses": statuses, "met": met}


def bench(database: str, args) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    settings = {"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY,
                "RATELIMIT_STORAGE_URL": "memory://",
                "ASYNC_MODE": "gevent" if args.worker == "gevent" else "threading",
                "JOBS_IMMEDIATE": True}
    if args.message_queue:
        settings |= {"MESSAGE_QUEUE": args.message_queue,
                     "RATELIMIT_STORAGE_URL": args.message_queue}
    cleanup = ExitStack()
    if database == "postgres":
        server_url = os.environ.get("CONFERENCE_TEST_DATABASE_URL", "")
        if not server_url.startswith("postgresql"):
            raise SystemExit("set CONFERENCE_TEST_DATABASE_URL to a PostgreSQL URL")
        settings["DATABASE_URL"] = cleanup.enter_context(
            scratch_postgres(server_url, "conference_bench"))
    else:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'conference.db'}"
    server = None
    try:
        congress_id, token, every_url = seed(settings, args.badges + args.warmup,
                                             args.current_item)
        warmup, urls = every_url[:args.warmup], every_url[args.warmup:]
        port = free_port()
        worker = (["-k", "gevent"] if args.worker == "gevent"
                  else ["-k", "gthread", "--threads", str(args.threads)])
        server = start_server(settings, port, [*worker, "--workers", str(args.workers)],
                              instance / "server.log")
        if warmup:
            run_load(port, congress_id, token, warmup, args.gates, 2)
        timings, elapsed = run_load(port, congress_id, token, urls, args.gates, args.rounds)
        label = (f"{database}: gunicorn {' '.join(worker)} --workers {args.workers}; "
                 f"{args.gates} gates x {len(urls)} badges x {args.rounds} "
                 f"rounds; {'session under way' if args.current_item else 'no session'}"
                 f"{'; Redis message queue' if args.message_queue else ''}")
        outcome = report(label, timings, elapsed)
        stop_server(server)
        server = None
        rows, distinct = checkin_count(settings)
        print(f"  check-ins stored: {rows} for {distinct} delegates (warm-up included: "
              f"{'one each' if rows == distinct == len(every_url) else 'WRONG'})")
        errors = [line for line in (instance / "server.log").read_text().splitlines()
                  if "Traceback" in line or "ERROR" in line]
        if errors:
            print(f"  server log has {len(errors)} error lines, e.g. {errors[0]}")
        return outcome
    finally:
        if server is not None:
            stop_server(server)
        cleanup.close()
        shutil.rmtree(instance, ignore_errors=True)


def bench_venue(args) -> dict:
    """The gates through nginx over HTTPS to PROCESSES app processes on PostgreSQL and Redis
    (and, with --venue-direct, again straight to the processes)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-checkin-venue-"))
    passes = ["nginx", "direct"] if args.venue_direct else ["nginx"]
    outcome = {}
    try:
        with fresh_stores(VENUE_REDIS, "conference_bench_checkin") as database:
            settings = {"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": SECRET_KEY,
                        "TOKEN_KEY": "bench-checkin-token-key", "DATABASE_URL": database}
            with without_alembic_chatter():  # without Redis: this process joins no queue
                congress_id, token, every_url = seed(
                    settings, args.warmup + args.badges * len(passes), args.current_item)
            with Venue(folder, settings | {"REDIS_URL": VENUE_REDIS},
                       processes=args.processes, consumer=False) as venue:
                ports = sorted(venue.apps)
                per_process = -(-args.gates // len(ports))
                sources = venue.sources(per_process)
                ca = str(venue.folder / "tls" / "ca.pem")
                through_nginx = [{"port": venue.https, "ca": ca,
                                  "source": sources[ports[n % len(ports)]][n // len(ports)]}
                                 for n in range(args.gates)]
                direct = [{"port": ports[n % len(ports)]} for n in range(args.gates)]
                usage = Usage(venue.process_ids()).start()
                warmup = every_url[:args.warmup]
                if warmup:
                    run_load(through_nginx, congress_id, token, warmup, args.gates, 2)
                for number, name in enumerate(passes):
                    urls = every_url[args.warmup + number * args.badges:
                                     args.warmup + (number + 1) * args.badges]
                    usage.mark()
                    timings, elapsed = run_load(
                        through_nginx if name == "nginx" else direct, congress_id, token,
                        urls, args.gates, args.rounds)
                    label = (f"postgres, {len(ports)} processes (deploy/gunicorn.conf.py), "
                             + ("through nginx over HTTPS keep-alive, gates spread over the "
                                "processes by address" if name == "nginx" else
                                "straight to the processes over plain HTTP, no nginx")
                             + f"; {args.gates} gates x {len(urls)} badges x {args.rounds} "
                               "rounds; Redis")
                    outcome[name] = report(label, timings, elapsed)
                    outcome[name]["cpu"] = per_scan_cpu(usage, len(timings))
                answer = one_answer(venue, congress_id, token, every_url[-1])
                usage.stop()
            rows, distinct = checkin_count(settings)
            print(f"\n  check-ins stored: {rows} for {distinct} delegates (warm-up included: "
                  f"{'one each' if rows == distinct == len(every_url) else 'WRONG'})")
            errors = [line for log in folder.glob("gunicorn-*.log")
                      for line in log.read_text().splitlines()
                      if "Traceback" in line or "ERROR" in line]
            if errors:
                print(f"  server logs have {len(errors)} error lines, e.g. {errors[0]}")
        outcome["bare"] = bench_bare(folder / "bare", args, answer, every_url[:args.badges])
        app, bare = outcome["nginx"], outcome["bare"]
        print(f"\nyardstick: the app carries {app['rate'] / bare['rate']:.2f} of the bare stack's "
              f"scans/s ({app['rate']:,.0f} against {bare['rate']:,.0f}), at "
              f"{app['cpu'] / bare['cpu']:.1f} times its CPU per scan ({app['cpu']:,.0f} against "
              f"{bare['cpu']:,.0f} µs, processes behind nginx)")
        met = app["met"]
        print(f"{'PASS' if met else 'FAIL'}  check-in through nginx: "
              f"{app['rate']:,.0f} scans/s (target >= {TARGET_RATE}), p99 "
              f"{app['p99']:.1f} ms (target < {TARGET_P99_MS})")
        return outcome
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def per_scan_cpu(usage: Usage, scans: int) -> float:
    """Print the CPU each process used in the pass just run; returns the app processes' CPU
    per scan in µs, all of them together."""
    usage.report(f"  CPU during this pass ({scans} scans)")
    workers = [row for row in usage.rows() if row[1] == "worker" and row[0].startswith("app")]
    for row in workers:
        print(f"  {row[0]} worker: {row[3] * 1e6 / scans:.0f} µs of CPU per scan of all gates")
    return sum(row[3] for row in workers) * 1e6 / scans


def one_answer(venue: Venue, congress_id: int, token: str, url: str) -> bytes:
    """The body of the app's answer to a repeat scan of `url` (the yardstick answers it)."""
    connection = http.client.HTTPSConnection("127.0.0.1", venue.https, context=venue.tls,
                                             timeout=30)
    try:
        connection.request("POST", f"/api/v1/congresses/{congress_id}/checkins",
                           body=json.dumps({"scan": url, "gate": "Cổng 1"}),
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
        return connection.getresponse().read()
    finally:
        connection.close()


def bench_bare(folder: Path, args, answer: bytes, urls: list[str]) -> dict:
    """The same gates through the same nginx to bench/bare_gate.py, served as the app is."""
    folder.mkdir()
    (folder / "answer.json").write_bytes(answer)
    os.environ["BARE_GATE_ANSWER"] = str(folder / "answer.json")
    with Venue(folder, {}, processes=args.processes, consumer=False,
               app="bench.bare_gate:app") as venue:
        ports = sorted(venue.apps)
        sources = venue.sources(-(-args.gates // len(ports)))
        ca = str(venue.folder / "tls" / "ca.pem")
        targets = [{"port": venue.https, "ca": ca,
                    "source": sources[ports[n % len(ports)]][n // len(ports)]}
                   for n in range(args.gates)]
        usage = Usage(venue.process_ids()).start()
        run_load(targets, 0, "", urls[:args.warmup], args.gates, 2)
        usage.mark()
        timings, elapsed = run_load(targets, 0, "", urls, args.gates, args.rounds)
        outcome = report(f"yardstick: the same gates through the same nginx to "
                         f"{len(ports)} processes of bench/bare_gate.py (no Flask, no database)",
                         timings, elapsed)
        outcome["cpu"] = per_scan_cpu(usage, len(timings))
        usage.stop()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--badges", type=int, default=320)
    parser.add_argument("--gates", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=80,
                        help="other badges scanned (twice) before the measured run")
    parser.add_argument("--workers", type=int, default=1,
                        help="gunicorn workers (Flask-SocketIO needs one per process group)")
    parser.add_argument("--worker", choices=("gevent", "gthread"), default="gevent",
                        help="gunicorn worker class: gevent (the README's set-up) or gthread")
    parser.add_argument("--threads", type=int, default=8, help="threads of a gthread worker")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both",
                        help="both = SQLite, and PostgreSQL if CONFERENCE_TEST_DATABASE_URL")
    parser.add_argument("--current-item", action=argparse.BooleanOptionalAction, default=True,
                        help="an agenda item under way, so scans count for its session")
    parser.add_argument("--message-queue", metavar="URL", default="",
                        help="Redis URL for live pushes and rate limits (several workers)")
    parser.add_argument("--venue", action="store_true",
                        help="through nginx (HTTPS) to PROCESSES app processes, PostgreSQL on "
                             "127.0.0.1 and Redis (bench/venue.py)")
    parser.add_argument("--venue-direct", action="store_true",
                        help="with --venue: a second pass straight to the processes")
    parser.add_argument("--processes", type=int, default=2, help="app processes with --venue")
    args = parser.parse_args()
    if args.venue:
        print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
        bench_venue(args)
        return
    databases = [args.database] if args.database != "both" else ["sqlite"] + (
        ["postgres"] if os.environ.get("CONFERENCE_TEST_DATABASE_URL", "").startswith(
            "postgresql") else [])
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    for database in databases:
        bench(database, args)


if __name__ == "__main__":
    main()
