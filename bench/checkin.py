"""Benchmark check-in at the doors: gates posting badge scans to the API of a production server.

    python bench/checkin.py [--badges 320] [--gates 4] [--rounds 3] [--worker gevent|gthread]
                            [--workers 1] [--threads 8]
                            [--warmup 80] [--database sqlite|postgres|both]
                            [--current-item | --no-current-item] [--message-queue URL]

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
from tests.scratch_db import scratch_postgres  # noqa: E402  (after the path is set)

SECRET_KEY = "bench-checkin-secret-key"
TARGET_RATE = 500
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


def gate(number: int, port: int, path: str, token: str, urls: list[str], rounds: int,
         start_at: float, results) -> None:
    """One gate: every badge ROUNDS times in its own order over one keep-alive connection."""
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def run_load(port: int, congress_id: int, token: str, urls: list[str], gates: int,
             rounds: int) -> tuple[list[tuple[int, float]], float]:
    path = f"/api/v1/congresses/{congress_id}/checkins"
    results = multiprocessing.Queue()
    start_at = time.time() + 0.5
    processes = [multiprocessing.Process(target=gate, args=(
        number, port, path, token, urls, rounds, start_at, results)) for number in
        range(1, gates + 1)]
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
                "JOB_RUNNER": "inline"}
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
    args = parser.parse_args()
    databases = [args.database] if args.database != "both" else ["sqlite"] + (
        ["postgres"] if os.environ.get("CONFERENCE_TEST_DATABASE_URL", "").startswith(
            "postgresql") else [])
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    for database in databases:
        bench(database, args)


if __name__ == "__main__":
    main()
