"""Fault drills (issue 12, part 5): the venue set-up of deploy/ (bench/venue.py: nginx over
HTTPS, two gunicorn processes, the jobs' consumer) on a Redis and a PostgreSQL cluster of the
drill's own, with a writer making acknowledged writes through nginx and live clients watching,
while one part fails and comes back.

    python bench/drills.py [--only redis,postgres,process,screen,consumer] [--keep]

- redis: Redis stops for 10 s and starts again on its port, twice: once the operator changes
  nothing after the return (are clients brought up to date by the return itself?), once they
  go on working (how soon do pushes reach everyone again?).
- postgres: `pg_ctl restart -m fast` while writes flow, then PostgreSQL down for 10 s (a crash
  and its restart).
- process: the process holding the screen and the writer is killed (SIGKILL) and started
  again; then the other one is stopped (SIGTERM), as a restart does.
- screen: the network between the screen and nginx drops for a minute while the operator
  changes the screen's scene, twice: (a) silently (a TCP proxy that forwards nothing and keeps
  every socket open, then cuts them), (b) refusing at once (the kiosk's own link is down).
- consumer: the consumer is killed in the middle of a 300-badge print run and started again.

Every drill runs on a fresh set-up, torn down afterwards (--keep leaves its folder with the
logs). The writer, through nginx with an administrator's API token: a check-in every 0.25 s,
the current item moved every second, a scene taken on the screen every 3 s; an answer 2xx is
an acknowledged write, looked up in the database at the end. Two phones on /live through nginx,
one on each process (nginx picks the process by the client's address, so they come from
127.0.N.1), and the screen on /screens. A client is current when it shows the latest revision
(phones) or version (screen) acknowledged a second before. The clients follow socket.io-client
as static/js/kiosk.js sets it up: a reconnect after 1 s doubling up to its
reconnectionDelayMax (±50 %), a connection that stays silent past the server's ping interval
and timeout is dead, an attempt gives up after 20 s; the screen answers `rendered` and beats
every 15 s.

Prints PASS/FAIL lines with figures, and INFO lines with what a monitor saw (/healthz through
nginx every 0.5 s) and what the operators' consoles showed (the status box of the agenda
control and the screens console: /manage/status, signed in, every 2 s).
Needs redis-server, PostgreSQL (initdb, pg_ctl; as root they run as the postgres user), nginx
and openssl. Takes about 7 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import http.client
import http.cookiejar
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidHandshake  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from bench.serving import free_port  # noqa: E402
from bench.venue import Venue  # noqa: E402

DRILLS = ("redis", "postgres", "process", "screen", "consumer")
CURRENT_WITHIN = 5.0  # seconds after a service's return by which every client is current
PUSH_GRACE = 1.0  # a client is behind when it lacks a change acknowledged this long ago
SLUG = "dien-tap-su-co"
PRINT_GROUP = "Đoàn in thẻ"  # the 300 delegates of the print run
DELEGATES = 1500  # enough for a fresh check-in every 0.25 s through the longest drill
TRACEBACK = "Traceback (most recent call last)"
PASSWORD = "dien-tap-mat-khau"
# The longest wait between two reconnect attempts, in seconds, as static/js/kiosk.js sets it.
KIOSK_DELAY_MAX = int(re.search(r"reconnectionDelayMax: (\d+)", (
    ROOT / "static" / "js" / "kiosk.js").read_text()).group(1)) / 1000
failed_drills: list[str] = []


def now() -> float:
    return time.monotonic()


def say(drill: str, verdict: str, text: str) -> None:
    """One line of the drill's result: PASS, FAIL or INFO."""
    if verdict == "FAIL" and drill not in failed_drills:
        failed_drills.append(drill)
    print(f"{verdict:4} {drill:8} {text}", flush=True)


def check(drill: str, passed: bool, text: str) -> None:
    say(drill, "PASS" if passed else "FAIL", text)


# --- Redis and PostgreSQL of the drill's own ------------------------------------------------


class PrivateRedis:
    """redis-server on a free port, without persistence: stop it, start it again."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = now() + 10
        while not self.answers():
            if self.process.poll() is not None or now() > deadline:
                raise RuntimeError(f"redis-server did not start: {self.folder / 'redis.log'}")
            time.sleep(0.05)

    def answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def subscribers(self, channel: str = "conference-live") -> int:
        """Processes listening for live pushes (each app process's Socket.IO manager)."""
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            return int(client.pubsub_numsub(channel)[0][1])
        except redis.RedisError:
            return 0
        finally:
            client.close()

    def follow_subscribers(self, seconds: float) -> list[tuple[float, int]]:
        """From now on for `seconds`, in a thread: (when, how many) each time the number of
        live subscribers changes; the list fills as it goes."""
        changes: list[tuple[float, int]] = []

        def follow() -> None:
            last = -1
            deadline = now() + seconds
            while now() < deadline:
                count = self.subscribers()
                if count != last:
                    changes.append((now(), count))
                    last = count
                time.sleep(0.1)

        threading.Thread(target=follow, daemon=True).start()
        return changes

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def postgres_program(name: str) -> str:
    """The newest of Debian's /usr/lib/postgresql/<version>/bin, else the PATH's."""
    folders = sorted((path for path in Path("/usr/lib/postgresql").glob("*/bin")
                      if path.parent.name.isdigit()), key=lambda path: int(path.parent.name))
    for folder in reversed(folders):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed (PostgreSQL's server programs)")
    return found


class PrivatePostgres:
    """A PostgreSQL cluster in a folder of its own, on a free port; initdb refuses root, so as
    root its programs run as the postgres user, which owns the folder."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="drill-pg-"))
        self.data, self.port = self.folder / "data", free_port()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/conference"
        self.running = False

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.as_owner, *command], capture_output=True, text=True,
                              check=False)
        if done.returncode:
            raise RuntimeError(f"{Path(command[0]).name}: {done.stdout}{done.stderr}")

    def _ctl(self, *action: str) -> None:
        self._run(postgres_program("pg_ctl"), "-D", str(self.data), "-l",
                  str(self.folder / "postgres.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", *action)

    def start(self) -> None:
        self._run(postgres_program("initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        self._ctl("start")
        self.running = True
        with self.connect("postgres") as connection:
            connection.execute("CREATE DATABASE conference")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def begin(self) -> None:
        self._ctl("start")

    def connect(self, database: str = "conference") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               dbname=database, autocommit=True, connect_timeout=10)

    def close(self) -> None:
        if self.running:
            with contextlib.suppress(RuntimeError):
                self._ctl("stop", "-m", "fast")
            self.running = False
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the congress ---------------------------------------------------------------------------


def seed(settings: dict) -> dict:
    """Migrate; one published congress with a session of three items, DELEGATES delegates (300
    of them in PRINT_GROUP), a screen showing an announcement, an administrator's API token."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from conference import create_app
    from conference.agenda.models import AgendaItem, CongressSession
    from conference.auth.models import User
    from conference.auth.service import PASSWORD_METHOD, create_api_token
    from conference.congresses.models import Congress
    from conference.database import upgrade_database
    from conference.delegates.models import Delegate
    from conference.delegates.service import DelegateInput, new_delegate_values
    from conference.displays.models import Mode, Screen
    from conference.displays.scenes import check_scene
    from conference.displays.service import kiosk_token
    from conference.extensions import db
    from conference.tokens import derive_token, new_nonce, token_hash

    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        moment = datetime.now(UTC)
        congress = Congress(slug=SLUG, name="Diễn tập sự cố", published=True,
                            starts_on=date.today(), ends_on=date.today())
        db.session.add(congress)
        db.session.flush()
        session = CongressSession(congress_id=congress.id, title="Phiên thứ nhất",
                                  starts_at=moment - timedelta(hours=1),
                                  ends_at=moment + timedelta(hours=3))
        db.session.add(session)
        db.session.flush()
        items = [AgendaItem(session_id=session.id, title=f"Mục {n}", position=n)
                 for n in (1, 2, 3)]
        admin = User(username="quan.tri", is_admin=True, password_hash=generate_password_hash(
            PASSWORD, method=PASSWORD_METHOD))
        screen = Screen(congress_id=congress.id, name="Màn hình chính", width=1920,
                        height=1080, token_nonce=new_nonce(), token_serial=1, mode=Mode.SCENE,
                        scene_data=check_scene(congress, {"type": "announcement",
                                                          "title": "Chào mừng"}),
                        state_version=1)
        screen.token_hash = token_hash(kiosk_token(screen))
        db.session.add_all([*items, admin, screen])
        rows = [new_delegate_values(congress, DelegateInput(
            code=f"DT{n:04d}", full_name=f"Đại biểu {n}",
            delegation=PRINT_GROUP if n <= 300 else f"Đoàn {n % 9 + 1}"))
            for n in range(1, DELEGATES + 1)]
        db.session.execute(insert(Delegate), rows)
        db.session.commit()
        seeded = {"congress_id": congress.id, "items": [item.id for item in items],
                  "screen_id": screen.id, "kiosk": kiosk_token(screen),
                  "scans": [f"https://daihoi.lan/b/{derive_token(row['badge_nonce'], 1)}"
                            for row in rows],
                  "codes": [row["code"] for row in rows],
                  "token": create_api_token(None, admin, "drills")[1]}
        db.session.remove()
        db.engine.dispose()
    return seeded


# --- live clients -----------------------------------------------------------------------------


class Refused(Exception):
    pass


class LiveClient(threading.Thread):
    """A page on a Socket.IO channel, raw over a WebSocket, that reconnects as socket.io-client
    does; it keeps what it shows across disconnects and notes the highest revision (phones) or
    version (screens) it was sent, and when."""

    def __init__(self, name: str, url: str, namespace: str, auth: dict, *, tls=None,
                 source: str | None = None):
        super().__init__(daemon=True, name=name)
        self.url, self.namespace, self.auth, self.tls = url, namespace, auth, tls
        self.source = (source, 0) if source else None
        self.values: list[tuple[float, int]] = []  # (when, highest so far) each time it grew
        self.joins: list[float] = []
        self.drops: list[float] = []
        self.refusals = 0
        self.blank = 0  # screen states that would draw nothing
        self.state: dict | None = None
        self.next_attempt = 0.0  # when the latest reconnection attempt was (or is) due
        self.attempts = 0
        self.stopping = threading.Event()
        self.rng = random.Random(name)

    @property
    def shown(self) -> int:
        return self.values[-1][1] if self.values else -1

    def shown_at(self, moment: float) -> int:
        index = bisect.bisect_right(self.values, (moment, float("inf")))
        return self.values[index - 1][1] if index else -1

    def joined_after(self, moment: float) -> float | None:
        later = [joined for joined in self.joins if joined >= moment]
        return later[0] if later else None

    def dropped_after(self, moment: float) -> float | None:
        later = [dropped for dropped in self.drops if dropped >= moment]
        return later[0] if later else None

    def wait_joined(self, timeout: float = 20) -> None:
        deadline = now() + timeout
        while not (self.joins and self.values):
            if now() > deadline:
                raise RuntimeError(f"{self.name} was not greeted within {timeout} s "
                                   f"({len(self.joins)} joins, {self.refusals} refusals)")
            time.sleep(0.05)

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)

    def run(self) -> None:
        attempt = 0
        while not self.stopping.is_set():
            if attempt:  # socket.io-client: 1 s doubling to kiosk.js's most, randomised by half
                delay = min(2 ** (attempt - 1), KIOSK_DELAY_MAX) * self.rng.uniform(0.5, 1.5)
                self.next_attempt = now() + delay
                if self.stopping.wait(delay):
                    return
            joined = len(self.joins)
            self.attempts += 1
            with contextlib.suppress(OSError, ConnectionClosed, InvalidHandshake,
                                     TimeoutError, Refused, ValueError):
                self._session()
            if len(self.joins) > joined:
                self.drops.append(now())
                attempt = 1
            else:
                attempt += 1

    def _session(self) -> None:
        with connect(self.url, ssl=self.tls, open_timeout=20, close_timeout=1,
                     source_address=self.source, max_size=None) as socket:
            opened = json.loads(socket.recv(timeout=20)[1:])
            silent_limit = (opened["pingInterval"] + opened["pingTimeout"]) / 1000
            socket.send(f"40{self.namespace},{json.dumps(self.auth)}")
            heard = beat = now()
            while not self.stopping.is_set():
                try:
                    message = socket.recv(timeout=0.25)
                except TimeoutError:
                    if now() - heard > silent_limit:
                        raise TimeoutError("the server went silent") from None
                    if self.namespace == "/screens" and self.joins and now() - beat > 15:
                        socket.send('42/screens,["heartbeat"]')
                        beat = now()
                    continue
                heard = now()
                if message == "2":
                    socket.send("3")
                elif message.startswith(f"40{self.namespace},"):
                    self.joins.append(now())
                elif message.startswith(f"44{self.namespace},"):
                    self.refusals += 1
                    raise Refused(message)
                elif message.startswith(f"41{self.namespace}") or message == "1":
                    return
                elif message.startswith(f"42{self.namespace},"):
                    name, payload = json.loads(message.removeprefix(f"42{self.namespace},"))
                    self._heard(socket, name, payload)

    def _heard(self, socket, name: str, payload) -> None:
        if not isinstance(payload, dict):
            return
        if name == "screen_state":
            version = payload.get("version")
            if self.state is not None and version < self.state["version"]:
                return  # an older push: kiosk.js drops it
            self.state = payload
            if payload.get("mode") == "blackout" or not (payload.get("scene")
                                                          or payload.get("playlist")):
                self.blank += 1
            self._grew(version)
            socket.send(f'42/screens,["rendered",{{"version":{version}}}]')
        elif name in ("agenda_current", "agenda_state", "agenda_changed"):
            self._grew(payload.get("revision"))

    def _grew(self, value) -> None:
        if isinstance(value, int) and value > self.shown:
            self.values.append((now(), value))


def behind_until(client: LiveClient, acks: list[tuple[float, int]], start: float,
                 end: float) -> float | None:
    """Seconds from `start` until `client` shows, for good up to `end`, every value acknowledged
    PUSH_GRACE seconds before; None when it still lags at `end`."""
    last_behind = None
    moment = start
    while moment <= end:
        index = bisect.bisect_right(acks, (moment - PUSH_GRACE, float("inf")))
        wanted = acks[index - 1][1] if index else -1
        if client.shown_at(moment) < wanted:
            last_behind = moment
        moment += 0.05
    if last_behind is None:
        return 0.0
    if last_behind >= end - 0.1:
        return None
    return last_behind - start + 0.05


# --- the writer and the watcher --------------------------------------------------------------


@dataclass
class Write:
    kind: str  # checkin, move, take
    started: float
    answered: float
    status: int  # 0: no answer (connection refused or reset, timeout)
    detail: str = ""
    traceback: bool = False


class Writer(threading.Thread):
    """Acknowledged writes through nginx, one after the other on a keep-alive connection: a
    check-in every 0.25 s; while `changes` is set, the current item moved every second and a
    scene taken on the screen every 3 s."""

    def __init__(self, stage: Stage):
        super().__init__(daemon=True, name="writer")
        self.stage = stage
        self.writes: list[Write] = []
        self.checkins: dict[int, int] = {}  # delegate index -> check-in id
        self.unanswered: list[int] = []  # delegate indexes
        self.revisions: list[tuple[float, int]] = []  # (acknowledged, value)
        self.versions: list[tuple[float, int]] = []
        self.last_move: tuple[int, int] | None = None  # (revision, item id), acknowledged
        self.changes, self.stopping = threading.Event(), threading.Event()
        self.changes.set()
        self.connection: http.client.HTTPSConnection | None = None
        self.next_delegate = 0

    def stop(self) -> None:
        self.stopping.set()
        self.join(30)

    def run(self) -> None:
        tick = 0
        while not self.stopping.is_set():
            began = now()
            self._checkin()
            if self.changes.is_set() and tick % 4 == 0:
                self._move(tick // 4)
            if self.changes.is_set() and tick % 12 == 0:
                self._take(tick // 12)
            tick += 1
            self.stopping.wait(max(0.0, 0.25 - (now() - began)))

    def _request(self, kind: str, method: str, path: str, body: dict) -> tuple[int, dict]:
        began = now()
        status, answer, detail, text = 0, {}, "", ""
        try:
            if self.connection is None:
                self.connection = http.client.HTTPSConnection(
                    "127.0.0.1", self.stage.venue.https, context=self.stage.venue.tls,
                    timeout=15)
            self.connection.request(method, f"/api/v1{path}", body=json.dumps(body), headers={
                "Authorization": f"Bearer {self.stage.seeded['token']}",
                "Content-Type": "application/json"})
            response = self.connection.getresponse()
            status, text = response.status, response.read().decode(errors="replace")
            if response.getheader("Content-Type", "").startswith("application/json"):
                answer = json.loads(text)
                detail = (answer.get("error") or {}).get("code", "")
            else:
                found = re.search(r"<title>([^<]*)</title>", text)
                detail = found.group(1).strip() if found else text[:40]
        except (OSError, http.client.HTTPException) as error:
            detail = type(error).__name__
            with contextlib.suppress(OSError):
                self.connection.close()
            self.connection = None
        self.writes.append(Write(kind, began, now(), status, detail, TRACEBACK in text))
        return status, answer

    def _checkin(self) -> None:
        index = self.next_delegate % DELEGATES
        self.next_delegate += 1
        status, answer = self._request(
            "checkin", "POST", f"/congresses/{self.stage.seeded['congress_id']}/checkins",
            {"scan": self.stage.seeded["scans"][index], "gate": "Cổng diễn tập"})
        if status == 201:
            self.checkins[index] = answer["checkin"]["id"]
        elif status == 0 or status >= 500:
            self.unanswered.append(index)

    def _move(self, number: int) -> None:
        items = self.stage.seeded["items"]
        item = items[number % len(items)]
        status, answer = self._request(
            "move", "POST", f"/congresses/{self.stage.seeded['congress_id']}/agenda/current",
            {"item_id": item})
        if status == 200:
            self.revisions.append((now(), answer["revision"]))
            self.last_move = (answer["revision"], item)

    def _take(self, number: int) -> None:
        status, answer = self._request(
            "take", "POST", f"/screens/{self.stage.seeded['screen_id']}/take",
            {"scene": {"type": "announcement", "title": f"Thông báo số {number}"}})
        if status == 200:
            self.versions.append((now(), answer["state_version"]))

    def tally(self, start: float, end: float) -> str:
        """The answers to writes sent between `start` and `end`, by status."""
        sent = [write for write in self.writes if start <= write.started < end]
        counts = Counter("no answer" if write.status == 0 else
                         f"{write.status}" + (f" {write.detail}" if write.status >= 300 and
                                              write.detail else "") for write in sent)
        parts = ", ".join(f"{count}× {what}" for what, count in sorted(counts.items()))
        slowest = max((write.answered - write.started for write in sent), default=0)
        return f"{len(sent)} writes: {parts or 'none'} (slowest {slowest:.1f} s)"

    def failures(self, start: float, end: float) -> list[Write]:
        return [write for write in self.writes
                if start <= write.started < end and not 200 <= write.status < 300]


class Watch(threading.Thread):
    """GET /healthz through nginx every half second: what a monitor of the venue sees."""

    def __init__(self, stage: Stage):
        super().__init__(daemon=True, name="watch")
        self.stage = stage
        self.samples: list[tuple[float, str]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            began = now()
            self.samples.append((began, self._look()))
            self.stopping.wait(max(0.0, 0.5 - (now() - began)))

    def _look(self) -> str:
        try:
            with urllib.request.urlopen(self.stage.venue.url("/healthz"),
                                        context=self.stage.venue.tls, timeout=3):
                return "200"
        except urllib.error.HTTPError as error:
            try:
                checks = json.loads(error.read())["checks"]
            except (ValueError, KeyError):
                return f"{error.code}"
            failing = "; ".join(f"{name}: {check['found']}" for name, check in checks.items()
                                if not check["ok"])
            return f"{error.code} ({failing})"
        except OSError as error:
            return f"no answer ({type(error).__name__})"

    def stop(self) -> None:
        self.stopping.set()
        self.join(10)

    def summary(self, origin: float) -> str:
        """The stretches /healthz did not answer 200, in seconds from `origin`."""
        stretches: list[list] = []
        for moment, seen in self.samples:
            if seen == "200":
                continue
            if stretches and stretches[-1][0] == seen and moment - stretches[-1][2] < 1.2:
                stretches[-1][2] = moment
            else:
                stretches.append([seen, moment, moment])
        if not stretches:
            return f"/healthz answered 200 all along ({len(self.samples)} looks)"
        return "/healthz " + ", ".join(f"{seen} from {start - origin:+.1f} s to "
                                       f"{end - origin:+.1f} s" for seen, start, end in stretches)


class Console(threading.Thread):
    """An operator's console (agenda control, screens): signed in, in English, it asks
    /manage/status through nginx as static/js/system-status.js does (every 5 s there, every
    2 s here) and notes each change of what the box says."""

    def __init__(self, stage: Stage):
        super().__init__(daemon=True, name="console")
        self.stage = stage
        self.seen: list[tuple[float, str]] = []
        self.stopping = threading.Event()
        self.browser = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=stage.venue.tls),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.browser.open(stage.venue.url("/lang/en"), timeout=10).read()
        page = self.browser.open(stage.venue.url("/login"), timeout=10).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.browser.open(urllib.request.Request(
            stage.venue.url("/login"), data=urllib.parse.urlencode(
                {"username": "quan.tri", "password": PASSWORD, "csrf_token": token}).encode(),
            # nginx passes $host, without the port: Flask-WTF compares the referrer with it.
            headers={"Referer": "https://127.0.0.1/login"}), timeout=10).read()
        self.unreachable_since: float | None = None

    def run(self) -> None:
        while not self.stopping.is_set():
            began = now()
            shown = self._look()
            if not self.seen or self.seen[-1][1] != shown:
                self.seen.append((began, shown))
            self.stopping.wait(max(0.0, 2.0 - (now() - began)))

    def _look(self) -> str:
        try:
            with self.browser.open(self.stage.venue.url("/manage/status"), timeout=5) as answer:
                html = answer.read().decode()
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 503:
                return "'The database does not answer since …'"
            return f"'The server does not answer since …' ({error.code})"
        except OSError:
            return "'The server does not answer since …'"
        items = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
                 for item in re.findall(r"<li[^>]*>(.*?)</li>", html, re.S)]
        return " | ".join(item for item in items if item)

    def stop(self) -> None:
        self.stopping.set()
        self.join(10)

    def summary(self, origin: float) -> str:
        return "; ".join(f"{moment - origin:+.0f} s: {shown}" for moment, shown in self.seen)


# --- a drill's set-up -------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    venue: Venue
    redis: PrivateRedis
    postgres: PrivatePostgres
    seeded: dict
    folder: Path
    clients: list[LiveClient] = field(default_factory=list)
    console: Console | None = None

    def api(self, method: str, path: str, body: dict | None = None,
            timeout: float = 30) -> tuple[int, dict | bytes]:
        request = urllib.request.Request(
            self.venue.url(f"/api/v1{path}"), method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.seeded['token']}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.venue.tls,
                                        timeout=timeout) as answer:
                status, data, kind = answer.status, answer.read(), answer.headers["Content-Type"]
        except urllib.error.HTTPError as error:
            status, data, kind = error.code, error.read(), error.headers["Content-Type"]
        return status, json.loads(data) if kind.startswith("application/json") else data

    def live_counts(self) -> dict[int, dict[str, int]]:
        """Open live connections of each app process, by channel (its /metrics)."""
        counts = {}
        for port, process in self.venue.apps.items():
            if process.poll() is not None:
                continue
            with urllib.request.urlopen(self.venue.app_url(port, "/metrics"),
                                        timeout=10) as answer:
                text = answer.read().decode()
            counts[port] = {channel: int(float(count)) for channel, count in re.findall(
                r'conference_live_connections\{channel="([^"]+)",pid="\d+"\} (\S+)', text)}
        return counts

    def live_failures(self) -> int:
        total = 0
        for port, process in self.venue.apps.items():
            if process.poll() is None:
                with urllib.request.urlopen(self.venue.app_url(port, "/metrics"),
                                            timeout=10) as answer:
                    total += sum(int(float(count)) for count in re.findall(
                        r"^conference_live_failures_total\{[^}]*\} (\S+)",
                        answer.read().decode(), re.M))
        return total

    def phone(self, name: str, source: str | None = None) -> LiveClient:
        client = LiveClient(name, self.venue.live_url, "/live", {"congress": SLUG},
                            tls=self.venue.tls, source=source)
        client.start()
        client.wait_joined()
        self.clients.append(client)
        return client

    def screen(self, url: str | None = None) -> LiveClient:
        client = LiveClient("screen", url or self.venue.live_url, "/screens",
                            {"token": self.seeded["kiosk"]}, tls=self.venue.tls)
        client.start()
        client.wait_joined()
        self.clients.append(client)
        return client

    def phones_on_each_process(self) -> dict[int, LiveClient]:
        """One phone through nginx held by each app process (nginx picks the process by the
        client's address: Venue.sources finds one for each)."""
        return {port: self.phone(f"phone-{number}", source) for number, (port, (source,)) in
                enumerate(self.venue.sources().items(), start=1)}

    def process_of_screen(self) -> int:
        return next(port for port, counts in self.live_counts().items()
                    if counts.get("/screens", 0))

    def database(self, sql: str, *params):
        with self.postgres.connect() as connection:
            return connection.execute(sql, params).fetchall()

    def writer(self) -> Writer:
        writer = Writer(self)
        writer.start()
        return writer

    def watch(self) -> Watch:
        watch = Watch(self)
        watch.start()
        self.console = Console(self)
        self.console.start()
        return watch

    def console_said(self, drill: str, origin: float) -> None:
        """What the operator's console showed, from `origin` on."""
        self.console.stop()
        say(drill, "INFO", "console box (/manage/status): " + self.console.summary(origin))


@contextlib.contextmanager
def stage(name: str, keep: bool):
    """A fresh venue for one drill: its Redis, its PostgreSQL, the seeded congress, nginx, two
    app processes and the consumer; everything stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"drill-{name}-"))
    private_redis, postgres = PrivateRedis(folder), PrivatePostgres()
    built: Stage | None = None
    try:
        private_redis.start()
        postgres.start()
        settings = {"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "drill-secret",
                    "TOKEN_KEY": "drill-token-key", "DATABASE_URL": postgres.url}
        with contextlib.redirect_stderr(io.StringIO()):  # Alembic's every migration
            seeded = seed(settings)  # without Redis: this process joins no message queue
        with Venue(folder, settings | {"REDIS_URL": private_redis.url}) as venue:
            built = Stage(name, venue, private_redis, postgres, seeded, folder)
            yield built
    finally:
        for client in built.clients if built else []:
            client.stopping.set()
        private_redis.stop(signal.SIGKILL)
        postgres.close()
        if keep:
            print(f"     {name:8} kept {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def nothing_lost(drill: str, stage: Stage, writer: Writer) -> None:
    """Every acknowledged write is in the database."""
    acked = list(writer.checkins.values())
    found = stage.database("SELECT count(*) FROM checkins WHERE id = ANY(%s)", acked)[0][0]
    revision, current = stage.database(
        "SELECT agenda_revision, current_item_id FROM congresses WHERE id = %s",
        stage.seeded["congress_id"])[0]
    version = stage.database("SELECT state_version FROM screens WHERE id = %s",
                             stage.seeded["screen_id"])[0][0]
    codes = [stage.seeded["codes"][index] for index in writer.unanswered]
    committed = stage.database(
        "SELECT count(*) FROM checkins JOIN delegates ON delegates.id = checkins.delegate_id "
        "WHERE delegates.code = ANY(%s)", codes)[0][0] if codes else 0
    top_revision = max((value for _at, value in writer.revisions), default=0)
    top_version = max((value for _at, value in writer.versions), default=0)
    kept_current = writer.last_move is None or revision != writer.last_move[0] or \
        current == writer.last_move[1]
    check(drill, found == len(acked) and revision >= top_revision and version >= top_version
          and kept_current,
          f"nothing acknowledged lost: {found}/{len(acked)} check-ins, agenda revision "
          f"{revision} (acknowledged up to {top_revision}), screen version {version} "
          f"(acknowledged up to {top_version}); {len(codes)} check-ins unanswered, "
          f"{committed} of them committed anyway")


def no_traceback(drill: str, writer: Writer) -> None:
    shown = [write for write in writer.writes if write.traceback]
    check(drill, not shown, f"no answer shows a stack trace ({len(shown)} of "
                            f"{len(writer.writes)} did)")


def caught_up(drill: str, clients: list[LiveClient], writer: Writer, start: float, end: float,
              what: str) -> None:
    """Each client is current within CURRENT_WITHIN seconds of `start` and stays so."""
    lags = {}
    for client in clients:
        acks = writer.versions if client.namespace == "/screens" else writer.revisions
        lags[client.name] = behind_until(client, acks, start, end)
    worst = [lag for lag in lags.values() if lag is not None]
    passed = len(worst) == len(lags) and max(worst, default=0) <= CURRENT_WITHIN
    check(drill, passed, f"every client current within {CURRENT_WITHIN:.0f} s {what}: " +
          ", ".join(f"{name} {'never' if lag is None else f'{lag:.1f} s'}"
                    for name, lag in lags.items()))


def latest_ack(writer: Writer, client: LiveClient, at: float) -> int:
    acks = writer.versions if client.namespace == "/screens" else writer.revisions
    return max((value for moment, value in acks if moment <= at), default=-1)


def gunicorn_lines(stage: Stage, pattern: str) -> Counter:
    found: Counter = Counter()
    for log in stage.folder.glob("gunicorn-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            match = re.search(pattern, line)
            if match:
                found[match.group(0)] += 1
    return found


# --- the drills -------------------------------------------------------------------------------


def drill_redis(drill: str, stage: Stage) -> None:
    phones = stage.phones_on_each_process()
    screen = stage.screen()
    clients = [*phones.values(), screen]
    writer, watch = stage.writer(), stage.watch()
    origin = now()
    time.sleep(3)
    listening = stage.redis.subscribers()

    # (a) Redis is away 10 s; after its return the operator changes nothing.
    down = now()
    stage.redis.stop()
    time.sleep(10)
    stage.redis.start()
    back = now()
    writer.changes.clear()
    subscribed = stage.redis.follow_subscribers(CURRENT_WITHIN + 10)
    say(drill, "INFO", f"(a) Redis stopped for {back - down:.1f} s; during it "
                       f"{writer.tally(down, back)}")
    during = writer.failures(down, back)
    check(drill, all(write.status == 503 for write in during),
          f"(a) writes during the outage answered 2xx or a clean 503: {len(during)} did not")
    time.sleep(CURRENT_WITHIN)
    looked = now()
    stale = [client for client in clients
             if client.shown_at(looked) < latest_ack(writer, client, back)]
    check(drill, not stale,
          f"(a) every client current {CURRENT_WITHIN:.0f} s after the return with no change "
          f"since: {len(clients) - len(stale)}/{len(clients)} (" + ", ".join(
              f"{client.name} shows {client.shown_at(looked)} of "
              f"{latest_ack(writer, client, back)}, reconnected "
              f"{'no' if client.joined_after(down) is None else 'yes'}"
              for client in clients) + ")")
    writer.changes.set()
    time.sleep(3)
    say(drill, "INFO", f"(a) {listening} processes listened for pushes on Redis before the "
                       f"outage (PUBSUB NUMSUB); after the return: " + ", ".join(
                           f"{count} at {moment - back:+.1f} s" for moment, count in subscribed))

    # (b) Away 10 s again; the operator goes on working through the outage and after it.
    down_b = now()
    stage.redis.stop()
    time.sleep(10)
    stage.redis.start()
    back_b = now()
    subscribed = stage.redis.follow_subscribers(14)
    time.sleep(15)
    writer.changes.clear()
    time.sleep(2)
    end = now()
    say(drill, "INFO", f"(b) Redis stopped for {back_b - down_b:.1f} s; during it "
                       f"{writer.tally(down_b, back_b)}; after it {writer.tally(back_b, end)}")
    say(drill, "INFO", "(b) processes listening for pushes after the return: " + ", ".join(
        f"{count} at {moment - back_b:+.1f} s" for moment, count in subscribed))
    caught_up(drill, clients, writer, back_b, end, "of the return, changes going on")
    late = writer.failures(back_b, end)
    check(drill, not late, f"(b) writes after the return all 2xx: {len(late)} were not")
    writer.stop()
    watch.stop()
    nothing_lost(drill, stage, writer)
    no_traceback(drill, writer)
    alive = [port for port, process in stage.venue.apps.items() if process.poll() is None]
    check(drill, len(alive) == len(stage.venue.apps) and stage.venue.consumer.poll() is None,
          f"every process lived through it: {len(alive)}/{len(stage.venue.apps)} app "
          f"processes, consumer {'running' if stage.venue.consumer.poll() is None else 'gone'}")
    say(drill, "INFO", "monitor: " + watch.summary(origin) + f" (outages at "
                       f"{down - origin:+.1f} s and {down_b - origin:+.1f} s)")
    stage.console_said(drill, origin)
    logged = gunicorn_lines(stage, r"Cannot (publish to|receive from) redis\.\.\. "
                                   r"(giving up|retrying in \d+ secs|retrying)")
    say(drill, "INFO", f"monitor: pushes that failed, counted by the processes "
                       f"(conference_live_failures): {stage.live_failures()}; the app "
                       f"processes' logs: " + "; ".join(f"{count}× '{line}'"
                                                       for line, count in sorted(logged.items())))


def drill_postgres(drill: str, stage: Stage) -> None:
    phones = stage.phones_on_each_process()
    screen = stage.screen()
    clients = [*phones.values(), screen]
    writer, watch = stage.writer(), stage.watch()
    origin = now()
    time.sleep(3)
    # (a) as asked: `pg_ctl restart -m fast`; (b) down for 10 s (a crash, then its restart).
    outages = []
    for flavour, away in (("(a) restart -m fast", 0), ("(b) down 10 s", 10)):
        began = now()
        if away:
            stage.postgres.stop()
            time.sleep(away)
            stage.postgres.begin()
        else:
            stage.postgres.restart()
        back = now()
        outages.append(f"{flavour} from {began - origin:+.1f} s to {back - origin:+.1f} s")
        time.sleep(10)
        writer.changes.clear()
        time.sleep(2)
        end = now()
        first_ok = next((write.answered for write in writer.writes
                         if write.started >= back and 200 <= write.status < 300), None)
        say(drill, "INFO", f"{flavour}: PostgreSQL away {back - began:.1f} s; writes sent "
                           f"meanwhile: {writer.tally(began, back)}; in the 5 s after: "
                           f"{writer.tally(back, back + 5)}; later: {writer.tally(back + 5, end)}")
        refused = writer.failures(began, back + CURRENT_WITHIN)
        check(drill, all(write.status == 503 for write in refused),
              f"{flavour}: writes refused meanwhile answer a clean 503: {len(refused)} refused" +
              "".join(f", {count}× {what}" for what, count in Counter(
                  f"{write.status or 'no answer'} {write.detail}".strip()
                  for write in refused).items()))
        late = writer.failures(back + CURRENT_WITHIN, end)
        check(drill, first_ok is not None and first_ok - back <= CURRENT_WITHIN and not late,
              f"{flavour}: writes succeed within {CURRENT_WITHIN:.0f} s of the return: first "
              f"2xx {'never' if first_ok is None else f'{first_ok - back:+.1f} s'} after "
              f"pg_ctl returned, {len(late)} failed later")
        caught_up(drill, clients, writer, back, end, f"of the return {flavour}")
        newcomer = stage.phone(f"new-phone-{len(outages)}")
        check(drill, newcomer.shown == latest_ack(writer, newcomer, now()),
              f"{flavour}: a phone that connects after the return is greeted with revision "
              f"{newcomer.shown} (latest {latest_ack(writer, newcomer, now())})")
        writer.changes.set()
    writer.stop()
    watch.stop()
    nothing_lost(drill, stage, writer)
    no_traceback(drill, writer)
    from conference.database import RESTED_SECONDS

    errors = gunicorn_lines(stage, r"(OperationalError|AdminShutdown|InterfaceError)"
                                   r"[^\n]{0,60}")
    say(drill, "INFO", f"pooled connections pinged when they rested {RESTED_SECONDS:g} s or "
                       "more (conference/database.py); errors in the app logs: " +
        (", ".join(f"{count}× {line[:80]}" for line, count in errors.most_common(3))
         or "none"))
    say(drill, "INFO", "monitor: " + watch.summary(origin) + f" ({'; '.join(outages)})")
    stage.console_said(drill, origin)


def drill_process(drill: str, stage: Stage) -> None:
    phones = stage.phones_on_each_process()
    screen = stage.screen()
    clients = [*phones.values(), screen]
    writer, watch = stage.writer(), stage.watch()
    origin = now()
    time.sleep(3)
    victim = stage.process_of_screen()
    survivor = next(port for port in stage.venue.apps if port != victim)
    held = [phones[victim], screen]

    killed = now()
    stage.venue.kill(victim)  # SIGKILL, the process and its worker
    time.sleep(8)
    lags = ", ".join(
        f"{client.name} back after "
        f"{(client.joined_after(killed) or float('nan')) - killed:.1f} s" for client in held)
    say(drill, "INFO", f"SIGKILL of the process holding {', '.join(c.name for c in held)}; "
                       f"{lags}; writes sent in the 8 s after: {writer.tally(killed, now())}")
    caught_up(drill, clients, writer, killed, now(), "of the SIGKILL")
    restarting = now()
    stage.venue.start(victim)
    restarted = now()
    say(drill, "INFO", f"the killed process started again in {restarted - restarting:.1f} s; "
                       f"writes meanwhile: {writer.tally(restarting, restarted)}")
    time.sleep(6)  # nginx tries a failed process again after fail_timeout (5 s)

    moved = [client for client in clients if client.shown >= 0]
    open_before = established(survivor)
    stopping = now()
    stage.venue.kill(survivor, signal.SIGTERM)
    time.sleep(3)
    open_after = established(survivor)  # the live ones are closed by now
    gone = None
    with contextlib.suppress(subprocess.TimeoutExpired):
        stage.venue.apps[survivor].wait(25)
        gone = now() - stopping
    time.sleep(max(0.0, stopping + 8 - now()))
    end = now()
    sent_away = {client.name: (client.dropped_after(stopping), client.joined_after(stopping))
                 for client in moved}
    check(drill, all(drop is not None and joined is not None and joined - stopping <= 3.0
                     for drop, joined in sent_away.values()),
          "SIGTERM: clients sent away and back within 3 s: " + ", ".join(
              f"{name} closed {'never' if drop is None else f'{drop - stopping:.1f} s'}, back "
              f"{'never' if joined is None else f'{joined - stopping:.1f} s'}"
              for name, (drop, joined) in sent_away.items()))
    log = (stage.folder / f"gunicorn-{survivor}.log").read_text(errors="replace")
    by_itself = "Worker exiting" in log.split("Handling signal: term", 1)[-1]
    check(drill, gone is not None and gone < 10,
          f"SIGTERM: the process exited after "
          f"{'more than 25 s' if gone is None else f'{gone:.1f} s'} (graceful timeout 20 s); "
          f"its worker {'exited by itself' if by_itself else 'was killed by the master'}; "
          f"connections open to it: {open_before} before the SIGTERM, {open_after} 3 s after "
          f"(nginx's idle keep-alive connections to the upstream)")
    caught_up(drill, clients, writer, stopping, end, "of the SIGTERM")
    say(drill, "INFO", f"writes sent from the SIGTERM on: {writer.tally(stopping, end)}")
    writer.changes.clear()
    time.sleep(2)
    writer.stop()
    watch.stop()
    failures = writer.failures(stopping, end)
    check(drill, not failures, f"SIGTERM: writes all answered 2xx: {len(failures)} did not")
    nothing_lost(drill, stage, writer)
    no_traceback(drill, writer)
    say(drill, "INFO", "monitor: " + watch.summary(origin) +
        f" (SIGKILL at {killed - origin:+.1f} s, SIGTERM at {stopping - origin:+.1f} s)")
    stage.console_said(drill, origin)


def established(port: int) -> int:
    """TCP connections open to a local port (nginx's to an app process)."""
    listed = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
                            capture_output=True, text=True, check=False)
    return len(listed.stdout.splitlines())


class Blackhole:
    """A TCP proxy between the screen and nginx. `drop()`: nothing passes any more, either way,
    and every socket stays open (a new connection is accepted and held): the venue network is
    down somewhere between them. `drop(at_once=True)`: connections are cut and new ones refused
    at once, as a kiosk sees it when its own link is down. `restore()`: the connections of the
    drop are cut, as TCP ends them when the network comes back after the server gave up, and
    new ones pass again."""

    def __init__(self, target: int):
        self.target, self.port = target, free_port()
        self.dropping = self.refusing = False
        self.open: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(5)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port))
        ready.set()
        self.loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.open.add(writer)
        upstream = None
        try:
            if self.refusing:
                return
            if self.dropping:
                while await reader.read(65536):
                    pass
                return
            server_reader, upstream = await asyncio.open_connection("127.0.0.1", self.target)
            self.open.add(upstream)
            pipes = [asyncio.ensure_future(self._pipe(reader, upstream)),
                     asyncio.ensure_future(self._pipe(server_reader, writer))]
            _done, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            for pipe in pending:
                pipe.cancel()
        except OSError:
            pass
        finally:
            for end in (writer, upstream):
                if end is not None:
                    self.open.discard(end)
                    end.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                if not self.dropping:
                    writer.write(data)
                    await writer.drain()

    def drop(self, at_once: bool = False) -> None:
        self.dropping = True
        if at_once:
            self.refusing = True
            self.loop.call_soon_threadsafe(self._cut)

    def restore(self) -> None:
        def back():
            self.dropping = self.refusing = False
            self._cut()

        self.loop.call_soon_threadsafe(back)

    def _cut(self) -> None:
        for end in list(self.open):
            end.transport.abort()
        self.open.clear()

    def close(self) -> None:
        async def shut():
            self.server.close()
            self._cut()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shut(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def kiosk_keeps_its_picture() -> tuple[bool, str]:
    """What static/js/kiosk.js does when its socket drops: only mark itself offline."""
    code = (ROOT / "static" / "js" / "kiosk.js").read_text()
    handler = re.search(r'socket\.on\("disconnect", function \(\) \{(.*?)\}\);', code, re.S)
    body = handler.group(1).strip() if handler else ""
    keeps = handler is not None and "dataset.online" in body and not re.search(
        r"remove|innerHTML|blackout|apply|state\s*=", body)
    return keeps, body or "no disconnect handler found"


def drill_screen(drill: str, stage: Stage) -> None:
    proxy = Blackhole(stage.venue.https)
    try:
        phones = stage.phones_on_each_process()
        screen = stage.screen(stage.venue.live_url.replace(str(stage.venue.https),
                                                           str(proxy.port)))
        writer, watch = stage.writer(), stage.watch()
        statuses: list[tuple[float, dict]] = []
        stop_looking = threading.Event()

        def look() -> None:
            while not stop_looking.wait(2):
                status, answer = stage.api("GET", f"/screens/{stage.seeded['screen_id']}")
                if status == 200:
                    statuses.append((now(), answer))

        looker = threading.Thread(target=look, daemon=True)
        looker.start()
        origin = now()
        time.sleep(3)
        keeps, body = kiosk_keeps_its_picture()
        check(drill, keeps, f"static/js/kiosk.js on disconnect only does `{body}`: the scene "
                            f"stays drawn (and the state is kept in localStorage)")
        for flavour, at_once, after in (("(a) silent", False, 10), ("(b) refused", True, 15)):
            shown_before, blank_before, tried = screen.shown, screen.blank, screen.attempts
            dropped = now()
            proxy.drop(at_once)
            time.sleep(60)
            held_version, blank = screen.shown, screen.blank - blank_before
            proxy.restore()
            back = now()
            due = screen.next_attempt - back
            time.sleep(after)
            writer.changes.clear()
            time.sleep(2)
            end = now()
            takes = [value for moment, value in writer.versions if dropped <= moment < back]
            noticed = screen.dropped_after(dropped)
            rejoined = screen.joined_after(back)
            how = ("connections cut and refused at once" if at_once else
                   "connections held, nothing passing")
            gave_up = "never" if noticed is None else f"{noticed - dropped:.0f} s"
            again = (f"not within {after} s" if rejoined is None else
                     f"{rejoined - back:.1f} s")
            say(drill, "INFO",
                f"{flavour}: the network to the screen dropped for {back - dropped:.0f} s "
                f"({how}); the operator took {len(takes)} scenes meanwhile (versions "
                f"{min(takes, default=0)}-{max(takes, default=0)}); the screen gave its "
                f"connection up after {gave_up} and tried {screen.attempts - tried} times "
                f"meanwhile; at the return its next attempt was due in {due:.1f} s; it "
                f"reconnected {again} after the return")
            check(drill, screen.state is not None and not blank and held_version >= shown_before,
                  f"{flavour}: the screen kept its last picture through the drop: version "
                  f"{held_version} (it showed {shown_before} when the network dropped), "
                  f"{blank} blank states")
            caught_up(drill, [screen], writer, back, end, f"of the network's return {flavour}")
            shown = [(moment - dropped, answer) for moment, answer in statuses
                     if dropped <= moment <= end]
            offline = [moment for moment, answer in shown if not answer["online"]]
            behind = [moment for moment, answer in shown
                      if answer["rendered_version"] < answer["state_version"]]
            say(drill, "INFO", f"{flavour}: console (GET /api/v1/screens/<id> every 2 s, what "
                               f"the screens console shows): 'not connected' " + (
                f"from {offline[0]:+.0f} s to {offline[-1]:+.0f} s" if offline else "never") +
                " after the drop; 'has not drawn the latest change yet' " + (
                f"from {behind[0]:+.0f} s to {behind[-1]:+.0f} s" if behind else "never"))
            writer.changes.set()
        stop_looking.set()
        looker.join(5)
        writer.stop()
        watch.stop()
        caught_up(drill, list(phones.values()), writer, origin, now(),
                  "(phones, not cut off)")
        nothing_lost(drill, stage, writer)
        no_traceback(drill, writer)
        say(drill, "INFO", "monitor: " + watch.summary(origin))
        stage.console_said(drill, origin)
    finally:
        proxy.close()


def drill_consumer(drill: str, stage: Stage) -> None:
    writer, watch = stage.writer(), stage.watch()
    origin = now()
    path = (f"/congresses/{stage.seeded['congress_id']}/badges.pdf?layout=sheet&delegation="
            + urllib.parse.quote(PRINT_GROUP))
    first: dict = {}

    def print_run() -> None:
        first["answer"] = stage.api("GET", path, timeout=90)

    asking = threading.Thread(target=print_run, daemon=True)
    asking.start()
    deadline = now() + 60
    row = None
    while now() < deadline:
        rows = stage.database("SELECT id, status, done, total FROM jobs WHERE kind = 'badges' "
                              "ORDER BY id DESC LIMIT 1")
        if rows and rows[0][1] == "running" and 0 < rows[0][2] < rows[0][3]:
            row = rows[0]
            break
        time.sleep(0.05)
    if row is None:
        check(drill, False, "the 300-badge print run was never caught half done")
        writer.stop()
        watch.stop()
        return
    job_id = row[0]
    killed = now()
    os.killpg(stage.venue.consumer.pid, signal.SIGKILL)  # the consumer, its workers, renderers
    stage.venue.consumer.wait(10)
    done, total = stage.database("SELECT done, total FROM jobs WHERE id = %s", job_id)[0]
    say(drill, "INFO", f"job {job_id} killed at {row[2]}/{row[3]} badges "
                       f"({done}/{total} a moment later); consumer started again at once")
    stage.venue.start_consumer()
    seen: list[tuple[float, str, str]] = []
    failed_at, job = None, {}
    while now() < killed + 150:
        status, job = stage.api("GET", f"/jobs/{job_id}")
        health = watch.samples[-1][1] if watch.samples else ""
        seen.append((now(), job.get("status", status), health))
        if job.get("status") == "failed":
            failed_at = now()
            break
        time.sleep(1)
    error = job.get("error") or {}
    # The message is in the language of whoever started the job (Vietnamese by default).
    again = re.search(r"start it again|chạy lại", error.get("message") or "", re.I)
    check(drill, failed_at is not None and error.get("code") == "worker_lost" and again,
          f"the killed job is shown failed after "
          f"{'more than 150 s' if failed_at is None else f'{failed_at - killed:.0f} s'}: "
          f"{error.get('code')} \"{error.get('message')}\"")
    asking.join(60)
    status, _body = first.get("answer", (0, b""))
    say(drill, "INFO", f"the operator who asked for the run got {status or 'no answer'} "
                       f"({'the job to follow' if status == 202 else 'see above'}); until it "
                       f"was marked failed GET /api/v1/jobs/{job_id} and the job page said "
                       f"'{seen[0][1] if seen else '?'}' at {done}/{total}, and /healthz "
                       f"said {sorted({health for _m, _s, health in seen})}")
    began = now()
    status, body = stage.api("GET", path, timeout=90)
    if status == 202:
        new_id = body["job"]["id"]
        while now() < began + 120:
            status, answer = stage.api("GET", f"/jobs/{new_id}")
            if answer.get("status") in ("done", "failed"):
                status = 200 if answer["status"] == "done" else 500
                break
            time.sleep(1)
    pdf = isinstance(body, bytes) and body.startswith(b"%PDF")
    check(drill, status == 200, f"a new 300-badge run then completes: "
                                f"{'PDF' if pdf else status} after {now() - began:.1f} s")
    writer.changes.clear()
    time.sleep(1)
    writer.stop()
    watch.stop()
    check(drill, not writer.failures(origin, now()),
          f"writes while the consumer died: {writer.tally(origin, now())}")
    nothing_lost(drill, stage, writer)
    say(drill, "INFO", "monitor: " + watch.summary(origin))
    stage.console_said(drill, origin)


RUNS = {"redis": drill_redis, "postgres": drill_postgres, "process": drill_process,
        "screen": drill_screen, "consumer": drill_consumer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(DRILLS),
                        help="drills to run, separated by commas: " + ",".join(DRILLS))
    parser.add_argument("--keep", action="store_true",
                        help="keep each drill's folder (logs of nginx, gunicorn, the consumer)")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in DRILLS]
    if unknown:
        parser.error(f"unknown drills: {', '.join(unknown)}")
    for program in ("redis-server", "nginx", "openssl"):
        if not shutil.which(program):
            raise SystemExit(f"{program} is not installed")
    started = now()
    for name in chosen:
        began = now()
        try:
            with stage(name, args.keep) as built:
                RUNS[name](name, built)
        except Exception:
            say(name, "FAIL", "the drill itself broke:\n" + traceback.format_exc())
        say(name, "INFO", f"drill took {now() - began:.0f} s with its set-up")
    print(f"\n{len(chosen) - len(failed_drills)}/{len(chosen)} drills passed in "
          f"{now() - started:.0f} s" + (f"; failed: {', '.join(failed_drills)}"
                                        if failed_drills else ""))
    sys.exit(1 if failed_drills else 0)


if __name__ == "__main__":
    main()
