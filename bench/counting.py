"""Benchmark counting paper ballots: two clerks enter the same returned ballots through the API.

    python bench/counting.py [--ballots 300] [--mismatches 5] [--candidates 15] [--seats 11]
                             [--worker gevent|gthread] [--database sqlite|postgres]

Serves the app with gunicorn (one gevent worker, as production runs it) on a fresh database
(SQLite in a temporary instance folder; PostgreSQL next to CONFERENCE_TEST_DATABASE_URL with
--database postgres), seeds an election of CANDIDATES for SEATS with BALLOTS ballots issued and
two counting clerks with API tokens. Each clerk (a process of its own, one keep-alive
connection) enters every ballot in its own random order, as fast as the answers come (POST
/api/v1/elections/{id}/entries: saved, and the ballot's state and validity answered); the second
clerk misreads MISMATCHES of them. Meanwhile a third client reads the tally (GET
/api/v1/elections/{id}, the count the committee watches) every 100 ms.

The yardstick, measured in the same run before the clerks start: GET /api/v1/congresses/{id}
(the token checked, one row read and written as JSON), the least an API answer costs here.

Prints latency p50/p90/p99/max of the entries (first and second entries apart) and of the tally
reads, the yardstick and the ratios, checks the count (every ballot counted but the misread,
which wait for the head), and the target: an entry saved and the tally updated in < 100 ms
(p99).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
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

SECRET_KEY = "bench-counting-secret-key"
TARGET_MS = 100
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Đào"]
GIVEN = ["Văn Trường", "Thị Lan", "Đức Anh", "Ngọc Hương", "Minh Khánh", "Thanh Thủy"]


def seed(settings: dict, args) -> dict:
    """Migrate and fill the database: the election, its ballots, two clerks and a reader."""
    from conference import create_app
    from conference.actors import SYSTEM
    from conference.auth.models import Membership, User
    from conference.auth.service import create_api_token
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.elections import service
    from conference.extensions import db

    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        congress = Congress(slug="dai-hoi-bench", name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ "
                            "XIX", starts_on=date.today(), ends_on=date.today(), published=True)
        db.session.add(congress)
        db.session.flush()
        tokens = []
        for name, role in (("kiemphieu1", "counting"), ("kiemphieu2", "counting"),
                           ("truongban", "counting_head")):
            user = User(username=name, password_hash="!")
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(user=user, congress_id=congress.id, role=role))
            tokens.append(create_api_token(None, user, "bench")[1])
        db.session.commit()
        rng = random.Random(19)
        names = [f"{rng.choice(FAMILY)} {rng.choice(GIVEN)} {n}"
                 for n in range(1, args.candidates + 1)]
        election = service.create_election(SYSTEM, congress, {
            "title": "Bầu Ban Chấp hành khóa XIX", "seats": args.seats, "candidates": names})
        batch = service.issue_ballots(SYSTEM, election, {"count": args.ballots})
        world = {"congress_id": congress.id, "election_id": election.id, "tokens": tokens,
                 "serials": service.batch_serials(batch),
                 "candidates": [c.id for c in election.candidates]}
        db.session.remove()
        db.engine.dispose()
    return world


def _connection(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def _call(connection, method: str, path: str, token: str, body=None) -> tuple[int, float, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    began = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, time.perf_counter() - began, json.loads(data or b"{}")


def readings(world: dict, seats: int) -> dict[str, list[int]]:
    """What each ballot says: the delegates crossed out enough names (a few too few)."""
    rng = random.Random(7)
    candidates = world["candidates"]
    least = len(candidates) - seats
    return {serial: sorted(rng.sample(candidates, rng.choice((least, least, least + 1,
                                                              max(least - 1, 0)))))
            for serial in world["serials"]}


def clerk(number: int, port: int, world: dict, read: dict, misread: set, start_at: float,
          results) -> None:
    """One clerk: every ballot in its own order, the next as soon as the last is answered."""
    rng = random.Random(number)
    order = list(world["serials"])
    rng.shuffle(order)
    path = f"/api/v1/elections/{world['election_id']}/entries"
    connection = _connection(port)
    timings = []
    while time.time() < start_at:
        time.sleep(0.001)
    for serial in order:
        crossed = read[serial][1:] if number == 2 and serial in misread else read[serial]
        status, seconds, answer = _call(connection, "POST", path, world["tokens"][number - 1],
                                        {"serial": serial, "crossed": crossed,
                                         "clerk": f"Bàn {number}"})
        timings.append((status, answer.get("state", ""), seconds))
    connection.close()
    results.put(("clerk", number, timings))


def reader(port: int, world: dict, start_at: float, stop, results) -> None:
    """The committee's screen: the tally every 100 ms while the clerks enter."""
    path = f"/api/v1/elections/{world['election_id']}"
    connection = _connection(port)
    timings = []
    while time.time() < start_at:
        time.sleep(0.001)
    while not stop.is_set():
        status, seconds, _answer = _call(connection, "GET", path, world["tokens"][2])
        timings.append((status, "", seconds))
        time.sleep(0.1)
    connection.close()
    results.put(("reader", 0, timings))


def yardstick(port: int, world: dict, rounds: int = 300) -> list[float]:
    connection = _connection(port)
    path = f"/api/v1/congresses/{world['congress_id']}"
    timings = [_call(connection, "GET", path, world["tokens"][2])[1] for _ in range(rounds)]
    connection.close()
    return [seconds * 1000 for seconds in timings]


def line(label: str, values: list[float]) -> str:
    return (f"  {label:28} n={len(values):4}  p50 {percentile(values, .5):6.1f} ms  p90 "
            f"{percentile(values, .9):6.1f} ms  p99 {percentile(values, .99):6.1f} ms  max "
            f"{max(values):6.1f} ms")


def bench(args) -> bool:
    instance = Path(tempfile.mkdtemp(prefix="bench-counting-"))
    settings = {"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY,
                "RATELIMIT_STORAGE_URL": "memory://", "JOBS_IMMEDIATE": True,
                "ASYNC_MODE": "gevent" if args.worker == "gevent" else "threading"}
    cleanup = ExitStack()
    server = None
    try:
        if args.database == "postgres":
            url = os.environ.get("CONFERENCE_TEST_DATABASE_URL", "")
            if not url.startswith("postgresql"):
                raise SystemExit("set CONFERENCE_TEST_DATABASE_URL to a PostgreSQL URL")
            settings["DATABASE_URL"] = cleanup.enter_context(
                scratch_postgres(url, "conference_bench_counting"))
        else:
            settings["DATABASE_URL"] = f"sqlite:///{instance / 'conference.db'}"
        world = seed(settings, args)
        read = readings(world, args.seats)
        misread = set(random.Random(3).sample(
            [s for s in world["serials"] if read[s]], args.mismatches))
        port = free_port()
        worker = (["-k", "gevent"] if args.worker == "gevent"
                  else ["-k", "gthread", "--threads", "8"])
        server = start_server(settings, port, [*worker, "--workers", "1"],
                              instance / "server.log")
        yardstick(port, world, 50)  # warm up: connections opened, statements compiled
        base = yardstick(port, world)
        results, stop = multiprocessing.Queue(), multiprocessing.Event()
        start_at = time.time() + 0.5
        clerks = [multiprocessing.Process(target=clerk, args=(
            n, port, world, read, misread, start_at, results)) for n in (1, 2)]
        watcher = multiprocessing.Process(target=reader, args=(port, world, start_at, stop,
                                                               results))
        for process in (*clerks, watcher):
            process.start()
        entries = []
        for _ in clerks:
            entries.extend(results.get(timeout=600)[2])
        elapsed = time.time() - start_at
        stop.set()
        tally_reads = results.get(timeout=60)[2]
        for process in (*clerks, watcher):
            process.join(10)
        check = _call(_connection(port), "GET", f"/api/v1/elections/{world['election_id']}",
                      world["tokens"][2])[2]
        statuses: dict[int, int] = {}
        for status, _state, _seconds in entries:
            statuses[status] = statuses.get(status, 0) + 1
        every = [seconds * 1000 for _status, _state, seconds in entries]
        first = [s * 1000 for _status, state, s in entries if state == "waiting"]
        second = [s * 1000 for _status, state, s in entries if state in ("counted",
                                                                            "mismatch")]
        reads = [seconds * 1000 for _status, _state, seconds in tally_reads]
        print(f"\n{args.database}: gunicorn {' '.join(worker)} --workers 1; 2 clerks x "
              f"{args.ballots} ballots ({args.candidates} candidates, {args.seats} seats), "
              f"{args.mismatches} misread; the tally read every 100 ms meanwhile")
        print(f"  {len(entries)} entries in {elapsed:.2f} s ({len(entries) / elapsed:.0f}/s); "
              f"statuses {statuses}")
        print(line("entries, all", every))
        print(line("first entries (waiting)", first))
        print(line("second entries (counted)", second))
        print(line("tally reads (GET election)", reads))
        print(line("yardstick (GET congress)", base))
        p50 = percentile(base, .5)
        print(f"  entry p50 = {percentile(every, .5) / p50:.1f} x the yardstick's; tally read "
              f"p50 = {percentile(reads, .5) / p50:.1f} x")
        expected = (args.ballots - args.mismatches, args.mismatches, 0)
        counted = (check["returned"], check["mismatched"], check["waiting"])
        print(f"  the count: returned {counted[0]}, mismatched {counted[1]}, waiting "
              f"{counted[2]} ({'right' if counted == expected else f'WRONG, not {expected}'})")
        met = percentile(every, .99) < TARGET_MS and statuses == {201: 2 * args.ballots}
        print(f"  target: entry p99 < {TARGET_MS} ms, every entry saved: "
              f"{'met' if met else 'NOT met'}")
        errors = [row for row in (instance / "server.log").read_text().splitlines()
                  if "Traceback" in row or "ERROR" in row]
        if errors:
            print(f"  server log has {len(errors)} error lines, e.g. {errors[0]}")
        return met and counted == expected
    finally:
        if server is not None:
            stop_server(server)
        cleanup.close()
        shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ballots", type=int, default=300)
    parser.add_argument("--mismatches", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=15)
    parser.add_argument("--seats", type=int, default=11)
    parser.add_argument("--worker", choices=("gevent", "gthread"), default="gevent")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    sys.exit(0 if bench(args) else 1)


if __name__ == "__main__":
    main()
