"""Benchmark the live agenda at the venue: phones on /live through nginx (wss) over two app
processes that share Redis, while the operator moves the current item.

    python bench/venue_fanout.py [--clients 2000] [--rounds 20] [--processes 2] [--direct]
                                 [--keep]

Runs the deploy/ set-up for real (bench/venue.py: a venue CA, Debian's nginx with
deploy/nginx-conference.conf over HTTPS, gunicorn with deploy/gunicorn.conf.py, the consumer)
on a fresh PostgreSQL database and Redis database 11. nginx picks a phone's process by the
first three parts of its address (ip_hash), so the phones connect from loopback addresses
127.0.N.1 that nginx sends to each process in turn (found by asking nginx), from two client
processes, over CONNECT_SPREAD seconds; each process's /metrics says how many it holds.

Each round the operator moves the current item (POST /api/v1/congresses/{id}/agenda/current
through nginx, an operator's API token) and every phone notes when the push arrived: the first
`agenda_current` (or the older protocol's `agenda_state`) with a higher revision than it showed.
Prints the latency of every delivery and of the last phone of each round (p50, p99, max), lost
deliveries, client errors, the processes' CPU and peak memory (and the clients' own, for
reference: they share the machine's cores), and the target: last-phone p99 under 250 ms,
nothing lost. With --direct the phones connect straight to the app processes (ws://, half to
each) rather than through nginx and TLS, to tell what nginx adds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.live_clients import Spec  # noqa: E402  (after the path is set)
from bench.serving import percentile  # noqa: E402
from bench.usage import Usage  # noqa: E402
from bench.venue import Venue  # noqa: E402
from bench.venue_bench import (  # noqa: E402
    Api,
    Clients,
    fresh_stores,
    live_counts,
    live_failures,
    log_problems,
    run_in_a_folder,
    spread_line,
    spread_sources,
    verdict,
    without_alembic_chatter,
)

SLUG = "dai-hoi-venue"
REDIS = "redis://127.0.0.1:6379/11"
CONNECT_SPREAD = 15.0  # seconds over which the phones open their pages
ROUND_GAP = 2.0  # seconds between two moves of the current item
TARGET_LAST_P99_MS = 250


def seed(settings: dict) -> dict:
    """A published congress with three sessions of five items and an operator's API token."""
    from conference import create_app
    from conference.agenda.models import AgendaItem, CongressSession
    from conference.auth.models import Membership, User
    from conference.auth.service import create_api_token
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.extensions import db

    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        today = datetime.now(UTC).date()
        congress = Congress(slug=SLUG, name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX",
                            starts_on=today, ends_on=today, published=True)
        db.session.add(congress)
        db.session.flush()
        items = []
        for number, title in enumerate(("Phiên trù bị", "Phiên chính thức", "Bế mạc")):
            start = datetime.now(UTC).replace(hour=1, minute=0) + timedelta(hours=4 * number)
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
        operator = User(username="dieu.hanh", password_hash="!")
        db.session.add(operator)
        db.session.flush()
        db.session.add(Membership(user=operator, congress_id=congress.id, role="operator"))
        db.session.commit()
        seeded = {"congress_id": congress.id, "item_ids": [item.id for item in items],
                  "token": create_api_token(None, operator, "bench")[1]}
        db.session.remove()
        db.engine.dispose()
    return seeded


def move(api: Api, seeded: dict, number: int) -> int:
    """Move the current item; returns the agenda's new revision."""
    item_ids = seeded["item_ids"]
    status, body = api.call("POST", f"/congresses/{seeded['congress_id']}/agenda/current",
                            {"item_id": item_ids[number % len(item_ids)]})
    if status != 200:
        raise RuntimeError(f"moving the current item answered {status}: {body[:200]!r}")
    return json.loads(body)["revision"]


def run(args, folder: Path) -> bool:
    with fresh_stores(REDIS, "conference_bench_fanout") as database:
        settings = {"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench-venue-secret",
                    "TOKEN_KEY": "bench-venue-token-key", "DATABASE_URL": database}
        with without_alembic_chatter():
            seeded = seed(settings)  # without Redis: this process joins no message queue
        with Venue(folder, settings | {"REDIS_URL": REDIS}, processes=args.processes) as venue:
            return measure(args, venue, seeded, folder)


def measure(args, venue: Venue, seeded: dict, folder: Path) -> bool:
    sources = spread_sources(venue, args.clients)
    specs = [Spec("/live", {"congress": SLUG}, source, n) for n, source in enumerate(sources)]
    if args.direct:
        ports = list(venue.apps)
        specs = [Spec("/live", {"congress": SLUG}, "127.0.0.1", n, venue.app_url(
            ports[n % len(ports)], "/socket.io/?EIO=4&transport=websocket").replace(
            "http:", "ws:")) for n in range(args.clients)]
    api = Api(venue, seeded["token"])
    clients = Clients(venue, specs, CONNECT_SPREAD)
    usage = Usage(venue.process_ids() | clients.process_ids()).start()
    began = time.monotonic()
    connected = clients.wait_connected(CONNECT_SPREAD + 120)
    print(f"{connected} of {args.clients} phones joined /live in "
          f"{time.monotonic() - began:.1f} s")
    counts = live_counts(venue)
    print("phones held per process (/metrics): " + ", ".join(
        f"port {port}: {held.get('/live', 0)}" for port, held in counts.items()))
    time.sleep(ROUND_GAP)
    move(api, seeded, args.rounds)  # a first move, not counted: a venue server has made many
    time.sleep(ROUND_GAP)
    usage.mark()
    started: dict[int, float] = {}  # revision -> when its move was asked for
    for number in range(args.rounds):
        at = time.time()
        started[move(api, seeded, number)] = at
        time.sleep(ROUND_GAP)
    usage.stop()
    api.close()
    after_counts = live_counts(venue)
    failures = live_failures(venue)
    outs = clients.finish()
    return summarize(args, started, outs, usage, counts, after_counts, failures, folder)


def summarize(args, started: dict[int, float], outs: list[dict], usage: Usage,
              counts: dict, after_counts: dict, failures: int, folder: Path) -> bool:
    every: list[float] = []
    last: dict[int, float] = {}
    errors: list[str] = []
    for out in outs:
        errors.extend(out["errors"])
        for record in out["records"]:
            if record[0] != "agenda" or record[1] not in started:
                continue
            latency = (record[2] - started[record[1]]) * 1000
            every.append(latency)
            last[record[1]] = max(latency, last.get(record[1], 0.0))
    expected = args.clients * len(started)
    lost = expected - len(every)
    last_values = list(last.values())
    print(f"\n{args.clients} phones over {len(counts)} processes "
          f"{'straight (ws, no nginx)' if args.direct else 'behind nginx (wss)'}, "
          f"{len(started)} moves of the current item")
    print(f"  deliveries {len(every)} of {expected}: {lost} lost; client errors "
          f"{len(errors)}; live push failures (/metrics) {failures}")
    for error in sorted(set(errors))[:5]:
        print(f"    e.g. {error}")
    print(spread_line("every delivery", every))
    print(spread_line("last phone of each round", last_values))
    slowest = sorted(last.items(), key=lambda pair: -pair[1])[:3]
    print("  slowest rounds " + ", ".join(f"revision {rev}: {ms:.0f} ms" for rev, ms in slowest))
    print("  phones held after the rounds: " + ", ".join(
        f"port {port}: {held.get('/live', 0)}" for port, held in after_counts.items()))
    usage.report()
    problems = log_problems(folder)
    print(f"\nlog lines telling of a failure: {len(problems)}")
    for line in problems[:8]:
        print(f"  {line}")
    last_p99 = percentile(last_values, .99) if last_values else float("inf")
    spread = min(held.get("/live", 0) for held in counts.values())
    met = last_p99 < TARGET_LAST_P99_MS and lost == 0 and not errors
    print()
    print(verdict("fan-out", met, f"last-phone p99 {last_p99:.1f} ms (target < "
                  f"{TARGET_LAST_P99_MS}), {lost} lost, {len(errors)} client errors"))
    print(verdict("spread", spread > 0, "every process held phones: " + ", ".join(
        str(held.get("/live", 0)) for held in counts.values())))
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--direct", action="store_true",
                        help="phones connect straight to the processes, not through nginx")
    parser.add_argument("--keep", action="store_true", help="keep the venue folder (logs)")
    run_in_a_folder(parser.parse_args(), "bench-venue-fanout-", run)


if __name__ == "__main__":
    main()
