"""What an operator's monitor reads: `/healthz` (do the parts the app needs answer?) and
`/metrics` (the Prometheus text format, made by prometheus_client).

- `/healthz` answers 200 when every check passes, else 503, with each check's result in JSON:
  the database, Redis when one is configured, and what features add with `add_check` (the job
  queue: are jobs waiting with nobody taking them?). It names no address and no error text.
- `/metrics`: requests and their latency by endpoint, open live connections by channel, failed
  pushes and signal receivers (`live.failures`), and what features add with `add_measure`
  (check-ins in the last minute, jobs by status), read from the database when scraped so every
  process agrees. Request metrics are per process, or summed over all processes when
  PROMETHEUS_MULTIPROC_DIR names a folder they share (prometheus_client's multiprocess mode).
  Only a monitor may read it: a request from this computer, or one carrying METRICS_TOKEN.
- `/manage/status`: the same checks in words for the staff's consoles (agenda control, screens),
  which ask for it every few seconds (`static/js/system-status.js`): each part, failing since
  when, what failed and came back (for how long) as this process saw it, and live updates that
  wait to be sent again.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections import deque
from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import login_required
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import text

from conference import live
from conference.dates import format_when, utcnow
from conference.errors import Forbidden
from conference.extensions import db, socketio
from conference.i18n import page_locale

log = logging.getLogger(__name__)
bp = Blueprint("monitoring", __name__)
disable_created_metrics()  # a `_created` line per counter says nothing a monitor needs

# Registered in no registry of their own: /metrics gathers them, or their files in
# multiprocess mode, afresh for every scrape.
REQUESTS = Counter("conference_http_requests", "HTTP requests answered, by endpoint and status",
                   ["method", "endpoint", "status"], registry=None)
LATENCY = Histogram("conference_http_request_seconds", "Time to answer an HTTP request",
                    ["endpoint"], registry=None,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

# name -> function answering (passed, a short word on what was found)
_checks: dict[str, Callable[[], tuple[bool, str]]] = {}
# name -> what the consoles call the part
PART_LABELS = {"database": lazy_gettext("Database"), "redis": "Redis"}
# What this process saw: each part's state and since when; the latest outages, newest first.
_seen: dict[str, dict] = {}
incidents: deque[dict] = deque(maxlen=3)
# (metric name, help, label name or None, function answering {label value: number} or a number)
_measures: list[tuple[str, str, str | None, Callable[[], object]]] = []


def add_check(name: str, check: Callable[[], tuple[bool, str]], label) -> None:
    """Make `/healthz` and the consoles also ask `check`, which runs in an app context;
    `label` (lazily translated) names the part on the consoles."""
    _checks[name] = check
    PART_LABELS[name] = label


def add_measure(name: str, help_text: str, measure: Callable[[], object],
                label: str | None = None) -> None:
    """A gauge read when `/metrics` is scraped: `measure()` returns a number, or with `label`
    a {label value: number} mapping."""
    _measures.append((name, help_text, label, measure))


def _database() -> tuple[bool, str]:
    db.session.execute(text("SELECT 1"))
    return True, "answers"


def _redis() -> tuple[bool, str]:
    url = current_app.config["CONFERENCE"].get("REDIS_URL") or \
        current_app.config["CONFERENCE"].get("MESSAGE_QUEUE")
    if not url:
        return True, "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return True, "answers"


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in {"database": _database, "redis": _redis, **_checks}.items():
        if name not in ("database", "redis") and not results["database"]["ok"]:
            # Features' checks read the database: say nothing of them rather than blame them.
            results[name] = {"ok": None, "found": "not checked: no database", "ms": 0.0}
            continue
        started = time.perf_counter()
        try:
            passed, found = check()
        except Exception:
            log.warning("health check %s failed", name, exc_info=True)
            db.session.rollback()
            passed, found = False, "does not answer"
        results[name] = {"ok": passed, "found": found,
                         "ms": round((time.perf_counter() - started) * 1000, 1)}
    _note(results)
    return results


def _note(results: dict[str, dict]) -> None:
    """Keep since when each part is as it is, and each outage once it is over."""
    now = utcnow()
    for name, result in results.items():
        before = _seen.get(name)
        if result["ok"] is None or (before is not None and before["ok"] == result["ok"]):
            continue
        if before is not None and result["ok"]:
            incidents.appendleft({"part": name, "began": before["since"], "ended": now,
                                  "seconds": (now - before["since"]).total_seconds()})
        _seen[name] = {"ok": result["ok"], "since": now}


@bp.get("/manage/status")
@login_required
def status():
    """The consoles' view of the system (a fragment they fetch every few seconds)."""
    checks = run_checks()
    parts = [{"name": name, "label": PART_LABELS.get(name, name), "ok": result["ok"],
              "since": _seen[name]["since"] if name in _seen else None}
             for name, result in checks.items()]
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    response = Response(render_template(
        "_system_status.html", parts=parts, incidents=list(incidents), labels=PART_LABELS,
        unsent=live.unsent_count(),
        clock=lambda value: format_when(value, zone, page_locale(), "clock")))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    checks = run_checks()
    healthy = all(result["ok"] is not False for result in checks.values())
    answer = jsonify({"status": "ok" if healthy else "failing", "checks": checks})
    answer.status_code = 200 if healthy else 503
    answer.headers["Cache-Control"] = "no-store"
    return answer


class _ScrapeTimeCollector:
    """The gauges read when scraped: live connections of this process, failures, measures."""

    def collect(self):
        connections = GaugeMetricFamily("conference_live_connections",
                                        "Open live connections of this process, by channel",
                                        labels=["channel", "pid"])
        server = getattr(socketio, "server", None)
        rooms = getattr(getattr(server, "manager", None), "rooms", {}) or {}
        for namespace, namespace_rooms in rooms.items():
            connections.add_metric([namespace, str(os.getpid())],
                                   len(namespace_rooms.get(None, ())))
        yield connections
        failed = CounterMetricFamily("conference_live_failures",
                                     "Live pushes and signal receivers that failed in this "
                                     "process, by kind", labels=["kind"])
        by_kind: dict[str, int] = {}
        for what, count in list(live.failures.items()):
            kind = what.split(":", 1)[0]
            by_kind[kind] = by_kind.get(kind, 0) + count
        for kind, count in sorted(by_kind.items()):
            failed.add_metric([kind], count)
        yield failed
        for name, help_text, label, measure in _measures:
            try:
                value = measure()
            except Exception:
                log.warning("measure %s failed", name, exc_info=True)
                db.session.rollback()
                continue
            family = GaugeMetricFamily(name, help_text, labels=[label] if label else None)
            if label:
                for key, number in sorted(value.items()):
                    family.add_metric([str(key)], number)
            else:
                family.add_metric([], value)
            yield family


def _may_read_metrics() -> bool:
    token = current_app.config["CONFERENCE"].get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), str(token).encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    if not _may_read_metrics():
        raise Forbidden(_("Metrics are for the monitoring system: open them from the server "
                          "itself, or send METRICS_TOKEN."))
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(_ScrapeTimeCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def _started() -> None:
    g.monitoring_started = time.perf_counter()


def _answered(response):
    started = g.pop("monitoring_started", None)
    if started is not None and request.endpoint not in {"monitoring.metrics", "static"}:
        endpoint = request.endpoint or "unmatched"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_answered)
    app.register_blueprint(bp)
