"""The venue set-up of deploy/ run for real: the venue authority's certificate, nginx with the
repository's own site file in front of two gunicorn processes that share Redis, and live pages
that follow a change made on the other process and come back when their process dies."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from bench.serving import free_port, start_server, stop_server
from tests.browser.test_production_server import receive, seed
from tests.conftest import TEST_REDIS_URL

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
    pytest.mark.skipif(not TEST_REDIS_URL, reason="set CONFERENCE_TEST_REDIS_URL to a Redis "
                                                  "database the test may use"),
]


def site_file(folder: Path, tls: Path, https: int, http: int, apps: list[int]) -> Path:
    """deploy/nginx-conference.conf with this test's ports and paths, in a main file that runs
    nginx as this user."""
    site = (DEPLOY / "nginx-conference.conf").read_text()
    for old, new in [("127.0.0.1:8001", f"127.0.0.1:{apps[0]}"),
                     ("127.0.0.1:8002", f"127.0.0.1:{apps[1]}"),
                     ("listen 443 ssl", f"listen 127.0.0.1:{https} ssl"),
                     ("listen 80;", f"listen 127.0.0.1:{http};"),
                     ("/etc/conference/tls", str(tls)), ("/srv/conference", str(ROOT)),
                     ("/var/log/nginx", str(folder))]:
        assert old in site, old  # the file still has what the README tells people to change
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log {folder}/access.log;
    include {folder}/site.conf;
}}
""")
    return main


@pytest.fixture
def venue(tmp_path):
    tls = tmp_path / "tls"
    made = subprocess.run([str(DEPLOY / "make-venue-ca.sh"), str(tls), "daihoi.lan",
                           "127.0.0.1"], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    settings = {"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "venue-secret",
                "TOKEN_KEY": "venue-token-key",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'conference.db'}"}
    seeded = seed(settings)  # in this process: no message queue, which tests' clients refuse
    settings |= {"ASYNC_MODE": "gevent", "PROXY_FIX": "1", "REDIS_URL": TEST_REDIS_URL}
    ports = [free_port(), free_port()]
    apps = {port: start_server(settings, port, ["-k", "gevent", "--workers", "1"],
                               tmp_path / f"gunicorn-{port}.log") for port in ports}
    https, http = free_port(), free_port()
    main = site_file(tmp_path, tls, https, http, ports)
    checked = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(main)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(main)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(cafile=str(tls / "ca.pem"))
    try:
        _wait_for(f"https://127.0.0.1:{https}/healthz", context)
        yield seeded | {"https": https, "http": http, "apps": apps, "tls": context,
                        "log": tmp_path / "conference.log"}
    finally:
        try:
            nginx.terminate()  # fast: a graceful stop would wait for the open WebSockets
            nginx.wait(10)
        finally:  # the app processes go even if nginx would not
            for process in apps.values():
                if process.poll() is None:
                    stop_server(process)


def _wait_for(url: str, context, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, context=context, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def move_current_item(venue, port: int, item_id: int | None) -> None:
    """The operator's change, made on the process at `port` (not through nginx)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/congresses/{venue['congress_id']}/agenda/current",
        data=json.dumps({"item_id": item_id}).encode(), method="POST",
        headers={"Authorization": f"Bearer {venue['token']}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def logged_upstream(log: Path, path: str) -> str:
    """The app process nginx sent the last request for `path` to; nginx writes the line once
    the answer is out, which may be a moment after the client has read it."""
    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in log.read_text().splitlines() if f" {path}" in line]
        if lines:
            return lines[-1].rsplit(" ", 1)[1]
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.05)


def join(stack: contextlib.ExitStack, url: str, **options):
    socket = stack.enter_context(connect(url, open_timeout=10, **options))
    socket.recv(timeout=10)  # Engine.IO's open packet
    socket.send('40/live,{"congress": "chay-that"}')
    receive(socket, "/live", "agenda_state")  # the state on joining
    return socket


def test_https_through_nginx_with_the_venue_certificate(venue):
    with urllib.request.urlopen(f"https://127.0.0.1:{venue['https']}/healthz",
                                context=venue["tls"], timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    with urllib.request.urlopen(f"https://127.0.0.1:{venue['https']}/static/css/app.css",
                                context=venue["tls"], timeout=10) as answer:
        assert answer.headers["Cache-Control"] == "max-age=86400"  # served by nginx itself
    plain = urllib.request.Request(f"http://127.0.0.1:{venue['http']}/c/chay-that")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(plain, timeout=10)
    moved.value.close()
    assert moved.value.code == 301
    assert moved.value.headers["Location"].startswith("https://")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_live_pages_on_both_processes_follow_a_change_and_survive_one_dying(venue):
    https, (first, second) = venue["https"], list(venue["apps"])
    through_nginx = f"wss://127.0.0.1:{https}/socket.io/?EIO=4&transport=websocket"
    stack = contextlib.ExitStack()
    with stack:
        _follow_and_survive(venue, stack, through_nginx, first, second)


def _follow_and_survive(venue, stack, through_nginx: str, first: int, second: int) -> None:
    phone = join(stack, through_nginx, ssl=venue["tls"])
    screen = join(stack, f"ws://127.0.0.1:{second}/socket.io/?EIO=4&transport=websocket")
    move_current_item(venue, first, venue["item_id"])
    for client in (phone, screen):  # one change, on one process, reaches both (Redis)
        assert receive(client, "/live", "agenda_state")["current_item_id"] == venue["item_id"]
    screen.close()

    # The process nginx gave the phone dies; the phone reconnects through nginx to the other.
    # (A WebSocket is logged when it closes: a polling handshake, which ip_hash sends to the
    # same process, says which one that is.)
    with urllib.request.urlopen(through_nginx.replace("wss:", "https:").replace(
            "websocket", "polling"), context=venue["tls"], timeout=10) as answer:
        assert answer.status == 200 and answer.read()
    upstream = logged_upstream(venue["log"], "/socket.io/")
    dead = int(upstream.rsplit(":", 1)[1])
    os.killpg(venue["apps"][dead].pid, signal.SIGKILL)
    phone.close()
    started = time.monotonic()
    again = join(stack, through_nginx, ssl=venue["tls"])
    assert time.monotonic() - started < 5
    alive = second if dead == first else first
    move_current_item(venue, alive, None)  # nothing current any more
    assert receive(again, "/live", "agenda_state")["current_item_id"] is None
