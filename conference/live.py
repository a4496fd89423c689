"""Live pushes: after the commit, to Socket.IO rooms, coalesced, and never an error for a change.

A service commits, then sends a signal (conference/signals.py); receivers push to the rooms that
watch what changed. Whatever goes wrong from there on is logged and counted in `failures`, never
raised: the change is committed, so its request answers as it would have, and the other
receivers still run.

- `emit`: a push that fails (Redis down, a broken payload) is logged, counted, and sent again
  once it can be (the latest per room and event; every push is a state or carries a revision,
  so the latest is all a client needs).
- `RedisQueue`: python-socketio's Redis manager, except that a publish it cannot make raises
  instead of being logged and dropped, so `emit` knows.
- `receiver_failed`: the signals call it for a receiver that raised (see signals.Signal).
- `Coalescer`: changes that come quickly one after another become one push per key and
  interval (500 scans a second at the doors are two pushes a second, not 500).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable

import socketio as python_socketio
from flask import Flask, current_app, has_app_context

from conference.extensions import db, socketio

log = logging.getLogger(__name__)
# The public live channel: the public page and the badge portals join one room per congress;
# the agenda and the livestreams push there (the agenda's connect handler admits clients).
PUBLIC_NAMESPACE = "/live"

# What failed ("emit:<namespace>:<event>", "receiver:<signal>:<function>", "coalesced:<name>")
# and how often, in this process; tests read it.
failures: Counter[str] = Counter()
_failures_lock = threading.Lock()


def congress_room(congress_id: int) -> str:
    """The room of the public live channel that follows one congress."""
    return f"congress:{congress_id}"


def count_failure(what: str) -> None:
    with _failures_lock:
        failures[what] += 1


def _forget_the_failed_transaction() -> None:
    """A failure inside a database call leaves the session unusable (PostgreSQL refuses every
    statement after an error until a rollback); the change itself was committed before."""
    if has_app_context():
        try:
            db.session.rollback()
        except Exception:  # the connection itself is gone: the next request gets a new one
            log.exception("rolling back after a failed push failed too")


RESEND_INTERVAL = 1.0  # seconds between tries to send again the pushes that failed

# The latest push that failed per (namespace, room, event), waiting to be sent again; a push
# that succeeds for the same key replaces it.
_unsent: dict[tuple[str, str, str], dict] = {}
_unsent_lock = threading.Lock()
_resending = threading.Event()  # set while a background task works through `_unsent`


def emit(event: str, payload: dict, *, to: str, namespace: str) -> bool:
    """Send `event` to a room; a failure is logged and counted, answers False, and the push is
    sent again (unless a newer one for the same room and event goes first) once it can be."""
    key = (namespace, to, event)
    try:
        socketio.emit(event, payload, to=to, namespace=namespace)
    except Exception:
        count_failure(f"emit:{namespace}:{event}")
        log.exception("live push %s to %s failed", event, to)
        with _unsent_lock:
            _unsent[key] = payload
        if not _resending.is_set():
            _resending.set()
            socketio.start_background_task(_resend)
        return False
    with _unsent_lock:
        _unsent.pop(key, None)
    return True


def unsent_count() -> int:
    """Pushes of this process that failed and wait to be sent again."""
    with _unsent_lock:
        return len(_unsent)


def _resend() -> None:
    """Send the pushes that failed again, every RESEND_INTERVAL, until all have gone: when Redis
    comes back, every room hears the latest state it missed within about a second."""
    try:
        while True:
            socketio.sleep(RESEND_INTERVAL)
            with _unsent_lock:
                waiting = list(_unsent.items())
            for key, payload in waiting:
                namespace, room, event = key
                try:
                    socketio.emit(event, payload, to=room, namespace=namespace)
                except Exception:
                    break  # still down: try again later
                with _unsent_lock:
                    if _unsent.get(key) is payload:
                        del _unsent[key]
            with _unsent_lock:
                if not _unsent:
                    return
    finally:
        _resending.clear()


class RedisQueue(python_socketio.RedisManager):
    """python-socketio's Redis manager (5.x), except that a publish that fails twice raises
    where the library logs "giving up" and drops it (`emit` counts it and sends it again), and
    that a process which lost Redis listens again within a second and then sends its own
    clients to reconnect, so each is greeted with the state it missed meanwhile."""

    def _redis_listen_with_retries(self):
        # The library waits 1, 2, 4 ... 60 s between tries: a process listening late misses
        # what the others published after Redis came back (bench/drills.py saw 5 s).
        lost = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                if lost:
                    log.warning("live channel: listening to Redis again; clients reconnect")
                    close_live_connections()
                    lost = False
                yield from self.pubsub.listen()
            except Exception:
                if not lost:
                    log.warning("live channel: Redis does not answer; trying every second",
                                exc_info=True)
                lost = True
                time.sleep(RESEND_INTERVAL)

    def _publish(self, data):
        for attempt in (1, 2):  # the second on a fresh connection, as the library does
            try:
                if not self.connected:
                    self._redis_connect()
                return self.redis.publish(self.channel, self.json.dumps(data))
            except Exception:
                self.connected = False
                if attempt == 2:
                    raise
        return None


def client_manager(url: str | None, prefix: str = "conference"):
    """What joins the processes' live channels: nothing, Redis, or another Kombu queue; the
    channel is named after the instance (`REDIS_PREFIX`)."""
    if not url:
        return None  # one process: Socket.IO's own in-memory manager
    if url.startswith(("redis://", "rediss://")):
        return RedisQueue(url, channel=f"{prefix}-live")
    return python_socketio.KombuManager(url, channel=f"{prefix}-live")


def close_live_connections() -> None:
    """Close every Socket.IO client of this process (a process that is stopping): their pages
    see the connection end and reconnect at once, to whichever process takes them."""
    try:
        socketio.server.eio.disconnect()
    except Exception:
        log.exception("closing the live connections failed")


def receiver_failed(signal: str, receiver: Callable) -> None:
    """Log and count a signal receiver that raised; the other receivers still run."""
    name = f"{getattr(receiver, '__module__', '?')}.{getattr(receiver, '__qualname__', receiver)}"
    count_failure(f"receiver:{signal}:{name}")
    log.exception("receiver %s of signal %s failed", name, signal)
    _forget_the_failed_transaction()


class Coalescer:
    """Call `flush(key, values)` at most once per interval per key, with every value `add`ed
    for that key meanwhile.

    The interval is the app setting `setting` in seconds (`default` unless set; 0 under TESTING
    unless a test sets it, so tests see pushes at once). With an interval, the first change
    schedules a background task that flushes at its end in its own app context.
    """

    def __init__(self, name: str, setting: str, flush: Callable[[Hashable, set], None],
                 default: float = 0.5):
        self.name, self.setting, self.flush, self.default = name, setting, flush, default
        self._lock = threading.Lock()
        # (app, key) -> the values added since the last flush; present exactly while a flush
        # of that key is scheduled.
        self._pending: dict[tuple[int, Hashable], set] = {}

    def interval(self, app: Flask) -> float:
        return float(app.config.get(self.setting, 0 if app.testing else self.default))

    def add(self, key: Hashable, value: Hashable) -> None:
        """Flush now, or once when the interval is over, however often `key` changes meanwhile."""
        try:
            app = current_app._get_current_object()
            delay = self.interval(app)
            if delay <= 0:
                self._flush(key, {value})
                return
            with self._lock:
                first = (id(app), key) not in self._pending
                self._pending.setdefault((id(app), key), set()).add(value)
            if first:
                socketio.start_background_task(self._later, app, key, delay)
        except Exception:
            self._failed(key)

    def _later(self, app: Flask, key: Hashable, delay: float) -> None:
        socketio.sleep(delay)
        with self._lock:
            values = self._pending.pop((id(app), key), set())
        with app.app_context():
            self._flush(key, values)

    def _flush(self, key: Hashable, values: set) -> None:
        try:
            self.flush(key, values)
        except Exception:
            self._failed(key)

    def _failed(self, key: Hashable) -> None:
        count_failure(f"coalesced:{self.name}")
        log.exception("%s push for %s failed", self.name, key)
        _forget_the_failed_transaction()
