"""Browser tests: the real app served over HTTP and Socket.IO, driven by headless Chromium.

The server runs in its own process (tests/browser/serve.py) on a free port, on a fresh
migrated SQLite database that this process seeds directly. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageDraw

from bench.portal import PDF
from bench.serving import ServerOutput, free_port
from conference import create_app
from conference.agenda.models import AgendaItem, CongressSession
from conference.auth.models import Membership, Role, User
from conference.auth.service import Actor, create_api_token
from conference.congresses.models import Congress
from conference.database import upgrade_database
from conference.dates import localize
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.demo import SESSIONS, TZ
from conference.documents.service import create_document
from conference.extensions import db
from tests.conftest import PASSWORD, PASSWORD_HASH

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run"]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
STARTUP_SECONDS = 30


@dataclass
class SeededCongress:
    id: int
    slug: str
    name: str
    # [(session id, session title, [(item id, item title), ...]), ...] in agenda order
    sessions: list[tuple[int, str, list[tuple[int, str]]]] = field(default_factory=list)

    @property
    def items(self) -> list[tuple[int, str]]:
        return [item for _sid, _title, items in self.sessions for item in items]


@dataclass
class LiveServer:
    url: str
    app: object
    process: subprocess.Popen
    log: Path
    users: dict[str, str]  # role -> username
    tokens: dict[str, str]  # role -> plain API token
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def api(self, method: str, path: str, body: dict | None = None, role: str = "operator"):
        """Call the JSON API as `role` over real HTTP; returns (status, parsed JSON or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.tokens[role]}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
            error.close()
        return status, (json.loads(raw) if raw else None)

    def make_congress(self, **fields) -> SeededCongress:
        """A published congress with the demo agenda, the organizer and operator on its staff."""
        n = next(self._counter)
        with self.app.app_context():
            congress = Congress(**{
                "slug": f"dai-hoi-{n}",
                "name": "Đại hội Công đoàn Viên chức tỉnh Thừa Thiên Huế lần thứ XV, "
                        "nhiệm kỳ 2023–2028",
                "organizing_union": "Liên đoàn Lao động tỉnh Thừa Thiên Huế",
                "term": "2023–2028", "venue": "Trung tâm Hội nghị tỉnh",
                "starts_on": date(2023, 9, 27), "ends_on": date(2023, 9, 28),
                "timezone": TZ, "published": True} | fields)
            db.session.add(congress)
            for title, kind, day, start, end, room, chair, items in SESSIONS[:3]:
                begins, ends = (localize(datetime(2023, 9, day, *map(int, hhmm.split(":"))), TZ)
                                for hhmm in (start, end))
                session = CongressSession(congress=congress, title=title, kind=kind,
                                          starts_at=begins, ends_at=ends, room=room, chair=chair)
                db.session.add(session)
                planned = begins
                for position, (item_title, presenter, minutes) in enumerate(items, start=1):
                    db.session.add(AgendaItem(session=session, title=item_title,
                                              presenter=presenter, planned_start=planned,
                                              duration_minutes=minutes, position=position))
                    planned += timedelta(minutes=minutes)
            db.session.flush()
            for role, username in self.users.items():
                if role in (Role.ORGANIZER, Role.OPERATOR):
                    user = db.session.scalar(db.select(User).where(User.username == username))
                    db.session.add(Membership(user=user, congress_id=congress.id, role=role))
            db.session.commit()
            return self.read_congress(congress.id)

    def add_delegate_with_draft(self, congress_id: int, **fields):
        """Inside an app context: a delegate of the congress (DelegateInput's fields) and a draft
        "Dự thảo Báo cáo chính trị" for delegates to read and comment on, published by the
        organizer; returns (the organizer as an actor, the delegate, the document)."""
        congress = db.session.get(Congress, congress_id)
        organizer = db.session.scalar(db.select(User).where(
            User.username == self.users[Role.ORGANIZER]))
        actor = Actor(organizer, "", "cli")
        delegate = Delegate(**new_delegate_values(congress, DelegateInput(**fields)))
        db.session.add(delegate)
        db.session.commit()
        document = create_document(actor, congress, {
            "title": "Dự thảo Báo cáo chính trị", "category": "political_report",
            "visibility": "delegates", "status": "draft"}, "bao-cao-chinh-tri.pdf", PDF)
        return actor, delegate, document

    def read_congress(self, congress_id: int) -> SeededCongress:
        with self.app.app_context():
            congress = db.session.get(Congress, congress_id)
            sessions = db.session.scalars(
                db.select(CongressSession).where(CongressSession.congress_id == congress_id)
                .order_by(CongressSession.starts_at, CongressSession.id))
            seeded = SeededCongress(congress.id, congress.slug, congress.name, [
                (s.id, s.title, [(i.id, i.title) for i in s.items]) for s in sessions])
            db.session.remove()
            return seeded


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    try:
        process.output.wait_until_answering(url, STARTUP_SECONDS)
    except (RuntimeError, OSError) as problem:
        pytest.fail(f"the test server did not come up ({problem}):\n{log.read_text()}")


def start_server(config: dict, port: int, log: Path) -> subprocess.Popen:
    """Serve the app with `config` on `port` in a process of its own (serve.py), logging to
    `log`; the kiosk tests start it again on the same port and database after a stop."""
    env = os.environ | {"PYTHONPATH": str(PROJECT_ROOT), "PYTHONUNBUFFERED": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("CONFERENCE_")}
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("serve.py")), json.dumps(config),
         str(port)], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Werkzeug says so once its socket is bound.
    process.output = ServerOutput(process, log, f"Running on http://127.0.0.1:{port}")
    return process


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    instance = tmp_path_factory.mktemp("live-instance")
    config = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'conference.db'}",
        "SECRET_KEY": "browser-test-secret",
        "RATELIMIT_STORAGE_URL": "memory://",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MESSAGE_QUEUE": None,
        "ASYNC_MODE": "threading",
        # E-mail goes to a port of this machine, where a test that sends starts an SMTP server.
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(), "SMTP_SECURITY": "none",
        "MAIL_SENDER": "daihoi@example.vn", "MAIL_PER_MINUTE": 0,
    }
    app = create_app(config)
    upgrade_database(app)
    users = {Role.ORGANIZER: "bich.ngoc", Role.OPERATOR: "van.long"}
    tokens = {}
    with app.app_context():
        for role, username in users.items():
            user = User(username=username, display_name=username.replace(".", " ").title(),
                        password_hash=PASSWORD_HASH)
            db.session.add(user)
            db.session.commit()
            tokens[str(role)] = create_api_token(None, user, "browser tests")[1]
        db.session.remove()

    port = free_port()
    log = instance / "server.log"
    process = start_server(config, port, log)
    server = LiveServer(f"http://127.0.0.1:{port}", app, process, log,
                        {str(k): v for k, v in users.items()}, tokens)
    try:
        _wait_until_up(server.url, process, log)
        yield server
    finally:
        stop_server(process)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def congress(live_server) -> SeededCongress:
    return live_server.make_congress()


@pytest.fixture
def new_page(chromium, live_server):
    """Open pages in fresh contexts: new_page(viewport=PHONE, java_script_enabled=True)."""
    contexts = []

    def make(viewport=PHONE, **options):
        context = chromium.new_context(viewport=viewport, base_url=live_server.url,
                                       locale="vi-VN", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        # Chromium asks for /favicon.ico by itself; there is none, and that is fine.
        page.on("console", lambda message: message.type == "error"
                and "Failed to load resource" not in message.text
                and page.console_errors.append(message.text))
        page.on("response", lambda response: response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and page.console_errors.append(f"{response.status} {response.url}"))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in():
    def sign_in(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()
        assert "/login" not in page.url, page.content()[:500]

    return sign_in


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_overflow(page) -> list[str]:
    """Elements sticking out of the viewport on the right (what makes a phone page scroll)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1 && getComputedStyle(el).position !== 'fixed'
                && !el.closest('.skip')) {
                out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                         + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '')
                         + ' right=' + Math.round(box.right));
            }
        }
        return out;
    }""")


# --- a fake camera: Chromium films a still image (--use-file-for-fake-video-capture) ---------

FRAME = (640, 480)


def badge_png(url: str) -> bytes:
    """A badge (or a ballot) as printed: white card, the congress line, the QR code of `url`
    (the badge's address, or the ballot's serial)."""
    card = Image.new("RGB", FRAME, "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle([0, 0, FRAME[0], 40], fill=(179, 18, 27))
    draw.text((20, 12), "DAI HOI CONG DOAN - DAI BIEU", fill="white")
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    card.paste(code, ((FRAME[0] - code.width) // 2, 60))
    out = io.BytesIO()
    card.save(out, "PNG")
    return out.getvalue()


def y4m_clip(png: bytes, path: Path, frames: int = 10) -> Path:
    """A still image as a Y4M clip (4:2:0, full-range YCbCr as Pillow makes it)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    luma, blue, red = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = b"FRAME\n" + luma.tobytes() + blue.resize(half).tobytes() + red.resize(half).tobytes()
    with path.open("wb") as clip:
        clip.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            clip.write(frame)
    return path
