"""`python app.py` on an empty instance folder, as a new user runs it, in a real process."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from conference.config import PROJECT_ROOT, SETTINGS
from conference.demo import FORMER_SLUG, SLUG
from tests.conftest import CLOSE_TIMEOUT

START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python app.py --port N` in its own process; collects its output as it comes."""

    def __init__(self, instance: Path):
        self.port = _free_port()
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("CONFERENCE_") or key[len("CONFERENCE_"):] not in SETTINGS}
        env |= {"CONFERENCE_INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port)], cwd=PROJECT_ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        self.lines: list[str] = []
        # Set when the server says it serves (app.py prints so once its socket is bound), or
        # when its output ends.
        self.listening_or_gone = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith(f"Serving on {self.url('')}"):
                self.listening_or_gone.set()
        self.listening_or_gone.set()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_serving(self) -> str:
        """Wait until it listens and answers; return what was printed before serving."""
        if not self.listening_or_gone.wait(START_TIMEOUT):
            pytest.fail(f"app.py did not serve within {START_TIMEOUT} s:\n{self.output}")
        if not self._reader.is_alive():  # its output ended: it exited
            self.process.wait(timeout=10)
            pytest.fail(f"app.py exited with {self.process.returncode}:\n{self.output}")
        with urllib.request.urlopen(self.url("/healthz"), timeout=10) as response:
            assert response.status == 200
        printed = []
        for line in self.lines:
            printed.append(line)
            if line.startswith("Serving on "):
                break
        return "\n".join(printed)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        self.process.stdout.close()


@pytest.fixture
def start_server():
    started: list[Server] = []

    def start(instance: Path) -> Server:
        server = Server(instance)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _get(url: str, opener=None) -> tuple[int, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _sign_in(server: Server, username: str, password: str, opener=None) -> int:
    """Sign in through the real form (with its CSRF token); return the status of the result."""
    opener = opener or urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    _status, page = _get(server.url("/login"), opener)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page[:1000]
    body = urllib.parse.urlencode({"csrf_token": token.group(1), "username": username,
                                   "password": password}).encode()
    request = urllib.request.Request(server.url("/login"), data=body, method="POST")
    try:
        with opener.open(request, timeout=10) as response:
            final_url = response.geturl()
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code
    assert not final_url.endswith("/login"), "the sign-in form came back"
    return status


def _agenda_pdf(server: Server) -> bytes:
    """The public agenda PDF, asked again as the waiting page says (a first render may take
    longer than the server waits) until it comes."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with urllib.request.urlopen(server.url(f"/c/{SLUG}/agenda.pdf"), timeout=30) as response:
            if response.status != 202 or time.monotonic() > deadline:
                assert response.status == 200
                return response.read()
            time.sleep(int(response.headers["Retry-After"]))


def _consumers_of(server_pid: int) -> list[int]:
    """The consumer processes `python app.py` (pid `server_pid`) started beside itself."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:  # ended meanwhile
                continue
            if b"conference.jobs.consumer" in command and str(server_pid).encode() in command:
                found.append(int(entry.name))
    return found


def _assert_readme_names_the_menu(server: Server, password: str) -> None:
    """Where the README sends the new administrator to change the password is in the menu."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"change it on the account page: \*([^*]+)\*\s+in the menu, then "
                     r"\*([^*]+)\*", readme)
    assert said, "the README no longer says where to change the password"
    menu_entry, section = said.groups()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    _get(server.url("/lang/en?next=/"), opener)  # the README is in English
    assert _sign_in(server, "admin", password, opener) == 200
    home = _get(server.url("/"), opener)[1]
    assert f'<a href="/account">{menu_entry}</a>' in home, home[:2000]
    assert f">{section}<" in _get(server.url("/account"), opener)[1]


def _assert_live_over_websocket(server: Server) -> None:
    """A phone's live agenda connects by WebSocket (not long polling) and is greeted."""
    with connect(server.url("/socket.io/?EIO=4&transport=websocket").replace("http", "ws", 1),
                 open_timeout=10, close_timeout=CLOSE_TIMEOUT) as phone:
        assert phone.recv(timeout=10).startswith("0{")  # Engine.IO's open packet
        phone.send(f'40/live,{{"congress": "{SLUG}"}}')
        while not (message := phone.recv(timeout=10)).startswith('42/live,["agenda_current"'):
            assert not message.startswith("44/live"), message  # refused
        assert '"published":true' in message.replace(" ", "")


def test_help_creates_nothing(tmp_path):
    instance = tmp_path / "instance"
    env = os.environ | {"CONFERENCE_INSTANCE_PATH": str(instance)}
    done = subprocess.run([sys.executable, "app.py", "--help"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "--port" in done.stdout
    assert not instance.exists(), sorted(p.name for p in instance.rglob("*"))
    wrong = subprocess.run([sys.executable, "app.py", "--prot", "80"], cwd=PROJECT_ROOT, env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert wrong.returncode == 2 and "--prot" in wrong.stderr
    assert not instance.exists()


def test_first_start_prints_admin_once_and_serves_demo(tmp_path, start_server):
    instance = tmp_path / "instance"
    first = start_server(instance)
    printed = first.wait_until_serving()

    assert "username: admin" in printed
    passwords = re.findall(r"password: (\S+)\s+\(shown only this once\)", printed)
    assert len(passwords) == 1, printed
    assert f"/c/{SLUG}" in printed
    assert SLUG == "dai-hoi-xix"  # short enough to type from a slide
    assert "development server" not in first.output.lower(), first.output
    assert "warning" not in first.output.lower(), first.output
    assert (instance / "conference.db").exists()
    assert (instance / "secret_key").exists()

    status, page = _get(first.url(f"/c/{SLUG}"))
    assert status == 200
    assert "Hà Tĩnh" in page
    # The agenda PDF is a job: the consumer app.py started beside itself renders it.
    assert _agenda_pdf(first).startswith(b"%PDF-")
    _assert_readme_names_the_menu(first, passwords[0])
    _assert_live_over_websocket(first)
    with urllib.request.urlopen(first.url(f"/c/{FORMER_SLUG}?x=1"), timeout=10) as response:
        assert response.geturl() == first.url(f"/c/{SLUG}?x=1")
    server_pid = first.process.pid
    assert _consumers_of(server_pid), "app.py started no consumer beside itself"
    first.stop()
    assert first.output.count(passwords[0]) == 1
    deadline = time.monotonic() + 20  # no event tells of another process's end
    while _consumers_of(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _consumers_of(server_pid), "the consumer outlived the server"

    second = start_server(instance)
    printed_again = second.wait_until_serving()
    assert "password" not in printed_again.lower(), printed_again
    assert "First start" not in printed_again
    assert "Demo congress loaded" not in printed_again
    assert _get(second.url(f"/c/{SLUG}"))[0] == 200
    assert _sign_in(second, "admin", passwords[0]) == 200
