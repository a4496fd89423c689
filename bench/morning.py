"""Benchmark the congress's first morning at the venue: doors, portals, screens and a print run
at once, through nginx and two app processes on PostgreSQL and Redis, with the consumer.

    python bench/morning.py [--delegates 300] [--portals 1000] [--screens 20] [--gates 4]
                            [--window 60] [--scene-every 5] [--keep]

Runs the deploy/ set-up for real (bench/venue.py) on a fresh PostgreSQL database and Redis
database 12. A published congress with a session under way, DELEGATES delegates, SCREENS
screens showing the attendance scene, and accounts for check-in staff, an operator and an
organizer with API tokens. Clients come from loopback addresses that nginx (ip_hash) sends to
each process in turn: PORTALS badge portals on /live (`auth` with the congress and a badge
token; delegate n % DELEGATES, so most delegates have three or four phones open) and one kiosk
per screen on /screens (answering `rendered`, beating every 15 s), from two client processes.

Then, within WINDOW seconds: every delegate arrives once at a random moment at one of GATES
gates (a process each, one HTTPS keep-alive connection through nginx; a gate busy with a scan
takes the next arrival when it is done), POST /api/v1/congresses/{id}/checkins; the operator
takes an attendance scene with a new heading on every screen every SCENE_EVERY seconds (POST
/api/v1/congresses/{id}/screens/take); and the organizer asks for the 300 badges as one PDF
(GET /api/v1/congresses/{id}/badges.pdf, a job the consumer runs) at the start.

Prints: scan latency (target p99 < 100 ms); push latency from each take to each screen's
`screen_state` with its heading (target p99 < 250 ms); from each scan to its delegate's portals'
`presence_changed` (target p99 < 250 ms); from each scan to every screen showing the attendance
it made (coalesced by design: one refresh per process every SCREEN_PUSH_INTERVAL, 0.5 s, so
printed, not judged against 250 ms); errors (any answer but 2xx, any client failure, any failure
in the logs); losses (every delegate checked in exactly once in the database; every screen got
every take; every portal its delegate's check-in); CPU and peak memory of each process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import ssl
import sys
import threading
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
    statuses_in_access_log,
    verdict,
    without_alembic_chatter,
)

SLUG = "dai-hoi-sang-khai-mac"
REDIS = "redis://127.0.0.1:6379/12"
CONNECT_SPREAD = 10.0
TARGET_SCAN_P99_MS = 100
TARGET_PUSH_P99_MS = 250
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Đào"]
GIVEN = ["Văn Trường", "Thị Lan", "Đức Anh", "Ngọc Hương", "Minh Khánh", "Thanh Thủy"]


# --- the congress ----------------------------------------------------------------------------


def seed(settings: dict, delegates: int, screens: int) -> dict:
    """The congress, its delegates and screens (on the attendance scene) and three accounts."""
    from sqlalchemy import insert

    from conference import create_app
    from conference.agenda.models import AgendaItem, CongressSession
    from conference.auth.models import Membership, User
    from conference.auth.service import Actor, create_api_token
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.delegates.models import Delegate
    from conference.delegates.service import DelegateInput, new_delegate_values
    from conference.displays.service import create_screen, kiosk_token, take_scene
    from conference.extensions import db
    from conference.tokens import derive_token

    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        now = datetime.now(UTC).replace(microsecond=0)
        congress = Congress(slug=SLUG, name="Đại hội Công đoàn tỉnh Hà Tĩnh lần thứ XIX",
                            starts_on=now.date(), ends_on=now.date(), published=True)
        db.session.add(congress)
        db.session.flush()
        session = CongressSession(congress_id=congress.id, title="Phiên chính thức",
                                  starts_at=now - timedelta(hours=1),
                                  ends_at=now + timedelta(hours=6))
        db.session.add(session)
        db.session.flush()
        items = [AgendaItem(session_id=session.id, title=title, position=n)
                 for n, title in enumerate(("Chào cờ", "Khai mạc", "Báo cáo chính trị"), 1)]
        db.session.add_all(items)
        db.session.flush()
        congress.current_item_id = items[0].id  # scans count for the session under way
        accounts = {}
        for role, name in (("checkin", "cong.chinh"), ("operator", "dieu.hanh"),
                           ("organizer", "ban.to.chuc")):
            user = User(username=name, password_hash="!")
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(user=user, congress_id=congress.id, role=role))
            accounts[role] = user
        rng = random.Random(19)
        rows = [new_delegate_values(congress, DelegateInput(
            code=f"DB{n:04d}", full_name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)} {n}",
            position="Chủ tịch Công đoàn cơ sở", unit="Công ty Điện lực Hà Tĩnh",
            delegation=f"Đoàn {n % 12 + 1}", seat=f"{chr(65 + n % 10)}-{n:03d}"))
            for n in range(1, delegates + 1)]
        db.session.execute(insert(Delegate), rows)
        db.session.commit()
        operator = Actor(accounts["operator"], "", "cli")
        made = [create_screen(operator, congress, {"name": f"Màn hình {n}", "width": 1920,
                                                   "height": 1080}) for n in range(1, screens + 1)]
        take_scene(operator, congress, made, {"scene": {"type": "attendance",
                                                        "heading": "Điểm danh đại biểu"}})
        seeded = {
            "congress_id": congress.id,
            "tokens": {role: create_api_token(None, user, "bench")[1]
                       for role, user in accounts.items()},
            # The badge URL a scanner reads (its host does not matter: the token does).
            "badges": [derive_token(row["badge_nonce"], 1) for row in rows],
            "kiosks": [kiosk_token(screen) for screen in made],
        }
        db.session.remove()
        db.engine.dispose()
    return seeded


def stored_checkins(database: str, congress_id: int) -> tuple[int, int, int]:
    """(check-in rows, distinct delegates, delegates with more than one row) in the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as connection:
        rows, distinct = connection.execute(text(
            "SELECT count(*), count(DISTINCT delegate_id) FROM checkins "
            "WHERE congress_id = :id"), {"id": congress_id}).one()
        doubled = connection.execute(text(
            "SELECT count(*) FROM (SELECT delegate_id FROM checkins WHERE congress_id = :id "
            "GROUP BY delegate_id, session_id HAVING count(*) > 1) AS d"),
            {"id": congress_id}).scalar()
    engine.dispose()
    return rows, distinct, doubled


# --- the doors -------------------------------------------------------------------------------


def gate(number: int, https: int, ca_file: str, source: str, token: str, path: str,
         arrivals: list[tuple[float, int, str]], results) -> None:
    """One gate: each arrival (at, delegate, badge URL) scanned at its moment, or as soon as
    the gate is free; notes (delegate, sent, answered, status, result) per scan."""
    import http.client

    context = ssl.create_default_context(cafile=ca_file)
    connection = http.client.HTTPSConnection("127.0.0.1", https, context=context, timeout=30,
                                             source_address=(source, 0))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    scans = []
    for at, delegate, url in arrivals:
        while time.time() < at:
            time.sleep(min(0.005, at - time.time()) if at > time.time() else 0)
        body = json.dumps({"scan": url + "\n", "gate": f"Cổng {number}"})
        sent = time.time()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            result = (json.loads(answer).get("result") if response.status < 300
                      else answer[:200].decode(errors="replace"))
            scans.append((delegate, sent, time.time(), response.status, result))
        except Exception as error:  # every failure is a figure of the run
            scans.append((delegate, sent, time.time(), 0, f"{type(error).__name__}: {error}"))
            connection.close()
    connection.close()
    results.put(scans)


def start_gates(venue, seeded: dict, sources: list[str], gates: int, window: float,
                start_at: float):
    badges = seeded["badges"]
    rng = random.Random(12)
    order = list(range(len(badges)))
    rng.shuffle(order)
    plans: list[list] = [[] for _ in range(gates)]
    for n, delegate in enumerate(order):
        at = start_at + rng.random() * window
        plans[n % gates].append((at, delegate, f"https://daihoi.lan/b/{badges[delegate]}"))
    results = multiprocessing.Queue()
    path = f"/api/v1/congresses/{seeded['congress_id']}/checkins"
    ca_file = str(venue.folder / "tls" / "ca.pem")
    processes = [multiprocessing.Process(target=gate, args=(
        n + 1, venue.https, ca_file, sources[n % len(sources)], seeded["tokens"]["checkin"],
        path, sorted(plans[n]), results)) for n in range(gates)]
    for process in processes:
        process.start()
    return processes, results


# --- the operator and the organizer -------------------------------------------------------


def operator(venue, seeded: dict, every: float, window: float, start_at: float,
             takes: list) -> None:
    """Take an attendance scene with a new heading on every screen every EVERY seconds."""
    api = Api(venue, seeded["tokens"]["operator"])
    path = f"/congresses/{seeded['congress_id']}/screens/take"
    number = 0
    try:
        while True:
            at = start_at + number * every
            if at > start_at + window:
                return
            time.sleep(max(0.0, at - time.time()))
            heading = f"Điểm danh đại biểu — lượt {number + 1}"
            sent = time.time()
            try:
                status, body = api.call("POST", path, {"scene": {"type": "attendance",
                                                                 "heading": heading}})
            except Exception as error:  # every failure is a figure of the run
                status, body = 0, f"{type(error).__name__}: {error}".encode()
                api.close()
                api = Api(venue, seeded["tokens"]["operator"])
            takes.append((heading, sent, time.time(), status, body[:200]))
            number += 1
    finally:
        api.close()


def print_run(venue, seeded: dict, outcome: dict) -> None:
    """Ask for every badge as one PDF; follow the job when the answer gives one."""
    api = Api(venue, seeded["tokens"]["organizer"])
    began = time.time()
    try:
        status, body = api.call("GET", f"/congresses/{seeded['congress_id']}/badges.pdf"
                                       "?layout=sheet")
        if status == 202:  # the run took longer than the answer waits, or failed: its job
            job = json.loads(body)["job"]
            outcome["job"] = job["id"]
            while True:
                status, body = api.call("GET", f"/jobs/{job['id']}")
                state = json.loads(body).get("status") if status == 200 else None
                if state not in ("queued", "running"):
                    outcome["job_status"] = state
                    if state == "done":
                        status, body = api.call("GET", f"/jobs/{job['id']}/result")
                    else:
                        status, body = 500, body
                    break
                time.sleep(0.5)
        outcome |= {"status": status, "seconds": time.time() - began, "bytes": len(body),
                    "pdf": body.startswith(b"%PDF")}
    except Exception as error:  # every failure is a figure of the run
        outcome |= {"status": 0, "seconds": time.time() - began, "error": repr(error)}
    finally:
        api.close()


# --- a run -----------------------------------------------------------------------------------


def run(args, folder: Path) -> bool:
    with fresh_stores(REDIS, "conference_bench_morning") as database:
        settings = {"INSTANCE_PATH": str(folder / "instance"),
                    "SECRET_KEY": "bench-morning-secret", "TOKEN_KEY": "bench-morning-token-key",
                    "DATABASE_URL": database}
        with without_alembic_chatter():
            seeded = seed(settings, args.delegates, args.screens)
        with Venue(folder, settings | {"REDIS_URL": REDIS}) as venue:
            return measure(args, venue, seeded, folder, database)


def measure(args, venue: Venue, seeded: dict, folder: Path, database: str) -> bool:
    sources = spread_sources(venue, args.portals + args.screens)
    badges = seeded["badges"]
    specs = [Spec("/live", {"congress": SLUG, "badge": badges[n % len(badges)]}, sources[n],
                  n % len(badges)) for n in range(args.portals)]
    specs += [Spec("/screens", {"token": token}, sources[args.portals + n], n)
              for n, token in enumerate(seeded["kiosks"])]
    clients = Clients(venue, specs, CONNECT_SPREAD)
    usage = Usage(venue.process_ids() | clients.process_ids()).start()
    connected = clients.wait_connected(CONNECT_SPREAD + 120)
    counts = live_counts(venue)
    print(f"{connected} of {len(specs)} clients joined; per process (/metrics): " + ", ".join(
        f"port {port}: {held.get('/live', 0)} on /live, {held.get('/screens', 0)} on /screens"
        for port, held in counts.items()))
    time.sleep(2)
    usage.mark()
    start_at = time.time() + 0.5
    gate_sources = spread_sources(venue, args.gates, per_process=2)
    gates, gate_results = start_gates(venue, seeded, gate_sources, args.gates, args.window,
                                      start_at)
    takes: list = []
    printed: dict = {}
    threads = [threading.Thread(target=operator, args=(venue, seeded, args.scene_every,
                                                       args.window, start_at, takes)),
               threading.Thread(target=print_run, args=(venue, seeded, printed))]
    for thread in threads:
        thread.start()
    scans = []
    for _ in gates:
        scans.extend(gate_results.get(timeout=args.window + 120))
    for process in gates:
        process.join(10)
    for thread in threads:
        thread.join(args.window + 120)
    time.sleep(3)  # the last pushes (screens refresh 0.5 s after a check-in)
    usage.stop()
    failures = live_failures(venue)
    outs = clients.finish()
    return summarize(args, seeded, scans, takes, printed, outs, usage, counts, failures,
                     folder, database, start_at)


def summarize(args, seeded, scans, takes, printed, outs, usage, counts, failures, folder,
              database, start_at) -> bool:
    errors: list[str] = []
    # The doors
    scan_ms = [(answered - sent) * 1000 for _d, sent, answered, _s, _r in scans]
    bad_scans = [scan for scan in scans if not 200 <= scan[3] < 300]
    results: dict[str, int] = {}
    for scan in scans:
        key = f"{scan[3]} {scan[4] if scan[3] < 300 else 'error'}"
        results[key] = results.get(key, 0) + 1
    span = max((s[2] for s in scans), default=start_at) - start_at
    errors += [f"scan {s[0]}: {s[3]} {s[4]}" for s in bad_scans]
    print(f"\ndoors: {len(scans)} scans at {args.gates} gates in {span:.1f} s; answers "
          f"{results}")
    print(spread_line("scan answered", scan_ms))
    rows, distinct, doubled = stored_checkins(database, seeded["congress_id"])
    lost_checkins = args.delegates - distinct
    print(f"  stored: {rows} check-ins of {distinct} delegates ({args.delegates} expected), "
          f"{doubled} delegates stored twice for a session")

    # The operator's takes, at every screen
    screens = [out for out in outs if out["spec"].namespace == "/screens"]
    portals = [out for out in outs if out["spec"].namespace == "/live"]
    take_ms, last_take, lost_takes = [], [], 0
    for heading, sent, _answered, status, body in takes:
        if not 200 <= status < 300:
            errors.append(f"take: {status} {body!r}")
        arrivals = []
        for screen in screens:
            got = [r[4] for r in screen["records"] if r[0] == "screen" and r[2] == heading]
            if got:
                arrivals.append((min(got) - sent) * 1000)
            else:
                lost_takes += 1
        take_ms += arrivals
        if arrivals:
            last_take.append(max(arrivals))
    take_answer_ms = [(answered - sent) * 1000 for _h, sent, answered, _s, _b in takes]
    print(f"\noperator: {len(takes)} takes on {len(screens)} screens; "
          f"{lost_takes} screen-takes lost")
    print(spread_line("take answered", take_answer_ms))
    print(spread_line("take -> each screen", take_ms))
    print(spread_line("take -> last screen", last_take))

    # Each scan at its delegate's portals
    first_scan = {}
    for delegate, sent, answered, status, _result in scans:
        if status == 201:
            first_scan[delegate] = (sent, answered)
    presence_ms, lost_presence, extra_presence = [], 0, 0
    for portal in portals:
        delegate = portal["spec"].tag
        got = [r[2] for r in portal["records"] if r[0] == "presence"]
        if delegate not in first_scan:
            continue
        if not got:
            lost_presence += 1
            continue
        extra_presence += len(got) - 1
        presence_ms.append((min(got) - first_scan[delegate][0]) * 1000)
    print(f"\nportals: {len(portals)}; scan -> presence_changed at the delegate's portals: "
          f"{lost_presence} lost, {extra_presence} extra")
    print(spread_line("scan -> each portal", presence_ms))

    # Each scan on every screen's attendance
    answered_in_order = sorted(answered for sent, answered in first_scan.values())
    refresh_ms, stale = [], 0
    for sent, answered in first_scan.values():
        needed = sum(1 for other in answered_in_order if other <= answered)
        for screen in screens:
            shown = [r[4] for r in screen["records"]
                     if r[0] == "screen" and r[3] is not None and r[3] >= needed
                     and r[4] >= sent]
            if shown:
                refresh_ms.append(max(0.0, (min(shown) - sent) * 1000))
            else:
                stale += 1
    final = [max((r[3] for r in s["records"] if r[0] == "screen" and r[3] is not None),
                 default=None) for s in screens]
    print(f"  scan -> every screen's attendance (coalesced, 0.5 s by design): {stale} "
          f"screen-scans never shown; screens end showing {sorted(set(final))} present")
    print(spread_line("scan -> each screen shows it", refresh_ms))
    screen_pushes = sum(1 for s in screens for r in s["records"] if r[0] == "screen")
    print(f"  screen_state pushes received by the kiosks: {screen_pushes}")

    # The print run
    print(f"\nprint run of {args.delegates} badges: {printed}")
    if printed.get("status") != 200 or not printed.get("pdf"):
        errors.append(f"print run: {printed}")

    for out in outs:
        errors += [f"client {out['spec'].namespace} {out['spec'].tag}: {e}"
                   for e in out["errors"]]
    problems = log_problems(folder)
    statuses = statuses_in_access_log(folder)
    print(f"\nnginx answers by status: {statuses}; live push failures (/metrics): {failures}")
    print(f"log lines telling of a failure: {len(problems)}")
    for line in problems[:10]:
        print(f"  {line}")
    usage.report()

    errors += problems
    errors += [f"{n} answers {status}" for status, n in statuses.items()
               if not status.startswith(("2", "3")) and status != "101"]
    scan_p99 = percentile(scan_ms, .99) if scan_ms else float("inf")
    take_p99 = percentile(take_ms, .99) if take_ms else float("inf")
    presence_p99 = percentile(presence_ms, .99) if presence_ms else float("inf")
    print(f"\nerrors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    print()
    lines = [
        verdict("scans", scan_p99 < TARGET_SCAN_P99_MS,
                f"p99 {scan_p99:.1f} ms (target < {TARGET_SCAN_P99_MS})"),
        verdict("take pushes", take_p99 < TARGET_PUSH_P99_MS and lost_takes == 0,
                f"p99 {take_p99:.1f} ms (target < {TARGET_PUSH_P99_MS}), "
                f"{lost_takes} lost"),
        verdict("presence pushes", presence_p99 < TARGET_PUSH_P99_MS and lost_presence == 0,
                f"p99 {presence_p99:.1f} ms (target < {TARGET_PUSH_P99_MS}), "
                f"{lost_presence} lost"),
        verdict("check-ins stored", lost_checkins == 0 and doubled == 0 and rows == distinct,
                f"{distinct} of {args.delegates} delegates once each ({rows} rows)"),
        verdict("errors", not errors and failures == 0,
                f"{len(errors)} errors, {failures} live push failures"),
    ]
    for line in lines:
        print(line)
    return all(line.startswith("PASS") for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delegates", type=int, default=300)
    parser.add_argument("--portals", type=int, default=1000)
    parser.add_argument("--screens", type=int, default=20)
    parser.add_argument("--gates", type=int, default=4)
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds within which every delegate arrives")
    parser.add_argument("--scene-every", type=float, default=5.0,
                        help="seconds between two of the operator's takes")
    parser.add_argument("--keep", action="store_true", help="keep the venue folder (logs)")
    run_in_a_folder(parser.parse_args(), "bench-morning-", run)


if __name__ == "__main__":
    main()
