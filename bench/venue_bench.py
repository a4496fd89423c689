"""What the venue benchmarks (bench/venue_fanout.py, bench/morning.py, bench/checkin.py --venue)
share: a fresh PostgreSQL database and Redis database, API calls through nginx, the clients'
processes, the live connections each app process holds, and the errors its log shows."""

from __future__ import annotations

import contextlib
import http.client
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.live_clients import Spec, client_process
from bench.serving import percentile
from tests.scratch_db import scratch_postgres

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CLIENT_PROCESSES = 2


@contextlib.contextmanager
def fresh_stores(redis_url: str, prefix: str) -> Iterator[str]:
    """A PostgreSQL database of its own (dropped afterwards) and the Redis database of
    `redis_url` emptied before and after; yields the database URL."""
    import redis

    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    try:
        with scratch_postgres(POSTGRES, prefix) as url:
            yield url
    finally:
        store.flushdb()
        store.close()


def without_alembic_chatter():
    """Alembic prints every migration to stderr while seeding."""
    import io
    return contextlib.redirect_stderr(io.StringIO())


class Api:
    """One keep-alive HTTPS connection through nginx, acting with an API token."""

    def __init__(self, venue, token: str, source: str | None = None):
        self.venue, self.token = venue, token
        self.connection = http.client.HTTPSConnection(
            "127.0.0.1", venue.https, context=venue.tls, timeout=60,
            source_address=(source, 0) if source else None)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, f"/api/v1{path}", body=data, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def live_counts(venue) -> dict[int, dict[str, int]]:
    """Open live connections of each app process by namespace (its /metrics gauge)."""
    counts = {}
    for port in venue.apps:
        with urllib.request.urlopen(venue.app_url(port, "/metrics"), timeout=10) as answer:
            text = answer.read().decode()
        counts[port] = {channel: int(float(count)) for channel, count in re.findall(
            r'conference_live_connections\{channel="([^"]+)",pid="\d+"\} (\S+)', text)}
    return counts


def live_failures(venue) -> int:
    total = 0
    for port in venue.apps:
        with urllib.request.urlopen(venue.app_url(port, "/metrics"), timeout=10) as answer:
            total += sum(int(float(n)) for n in re.findall(
                r"^conference_live_failures_total\{[^}]*\} (\S+)", answer.read().decode(),
                re.M))
    return total


def log_problems(folder: Path) -> list[str]:
    """Lines of the app processes', the consumer's and nginx's logs that tell of a failure."""
    found = []
    logs = [*sorted(folder.glob("gunicorn-*.log")), folder / "consumer.log",
            folder / "error.log"]
    for log in logs:
        if not log.exists():
            continue
        for line in log.read_text(errors="replace").splitlines():
            if any(word in line for word in ("Traceback", "ERROR", "[error]", "[crit]",
                                             "[alert]", "[emerg]", "WORKER TIMEOUT")):
                found.append(f"{log.name}: {line.strip()[:300]}")
    return found


def statuses_in_access_log(folder: Path) -> dict[str, int]:
    """How many answers nginx logged with each status."""
    counted: dict[str, int] = {}
    for line in (folder / "conference.log").read_text(errors="replace").splitlines():
        match = re.search(r'" (\d{3}) ', line)
        if match:
            counted[match.group(1)] = counted.get(match.group(1), 0) + 1
    return counted


class Clients:
    """Client processes (CLIENT_PROCESSES of them) running `specs` through nginx."""

    def __init__(self, venue, specs: list[Spec], spread: float):
        self.connected = multiprocessing.Value("i", 0)
        self.done = multiprocessing.Event()
        self.results = multiprocessing.Queue()
        self.total = len(specs)
        parts = [specs[n::CLIENT_PROCESSES] for n in range(CLIENT_PROCESSES)]
        ca_file = str(venue.folder / "tls" / "ca.pem")
        self.processes = [multiprocessing.Process(target=client_process, args=(
            venue.live_url, ca_file, part, spread, self.connected, self.done, self.results))
            for part in parts if part]
        for process in self.processes:
            process.start()

    def process_ids(self) -> dict[str, int]:
        return {f"client {n + 1}": process.pid for n, process in enumerate(self.processes)}

    def wait_connected(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.connected.value < self.total and time.monotonic() < deadline:
            if not any(process.is_alive() for process in self.processes):
                break
            time.sleep(0.2)
        return self.connected.value

    def finish(self) -> list[dict]:
        """Stop the clients; every client's {"spec", "records", "errors", "joined"}."""
        self.done.set()
        outs = []
        for _ in self.processes:
            outs.extend(self.results.get(timeout=120))
        for process in self.processes:
            process.join(30)
        return outs


def spread_sources(venue, count: int, per_process: int = 4) -> list[str]:
    """COUNT client addresses, alternating between the app processes (nginx's ip_hash)."""
    by_port = venue.sources(per_process)
    ports = sorted(by_port)
    return [by_port[ports[n % len(ports)]][(n // len(ports)) % per_process]
            for n in range(count)]


def spread_line(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:28} none"
    return (f"  {label:28} p50 {percentile(values, .5):7.1f} ms  p99 "
            f"{percentile(values, .99):7.1f} ms  max {max(values):7.1f} ms  (n={len(values)})")


def verdict(name: str, met: bool, detail: str) -> str:
    return f"{'PASS' if met else 'FAIL'}  {name}: {detail}"


def run_in_a_folder(args, prefix: str, run: Callable[[object, Path], bool]) -> None:
    """`run(args, folder)` in a fresh folder (kept with --keep, for its logs); the process exits
    0 when the run met its targets, else 1."""
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        met = run(args, folder)
    finally:
        if args.keep:
            print(f"venue folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if met else 1)
