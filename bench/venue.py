"""The venue set-up of deploy/, run for real on this machine: a venue certificate authority,
nginx with the repository's own site file, app processes started with deploy/gunicorn.conf.py,
and the jobs' consumer. tests/test_deploy.py, the fault drills and the venue benchmarks use it.

    with Venue(folder, settings, processes=2) as venue:
        venue.url("/healthz"), venue.live_url, venue.tls, venue.apps, venue.kill(port)
        venue.sources(2)  # client addresses nginx sends to each process, {port: [address]}
        venue.process_ids()  # {"nginx": pid, "app <port>": pid, "consumer": pid}
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.serving import ROOT, free_port, server_env, start_server, stop_server

DEPLOY = ROOT / "deploy"
GUNICORN = ["-c", str(DEPLOY / "gunicorn.conf.py")]


def site_file(folder: Path, tls: Path, https: int, http: int, apps: list[int]) -> Path:
    """deploy/nginx-conference.conf with these ports and paths, in a main file that runs nginx
    as this user; the upstream lists as many processes as `apps` names."""
    site = (DEPLOY / "nginx-conference.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n"
                      for port in apps)
    for old, new in [("    server 127.0.0.1:8001 max_fails=1 fail_timeout=5s;\n"
                      "    server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n", servers),
                     ("listen 443 ssl", f"listen 127.0.0.1:{https} ssl"),
                     ("listen 80;", f"listen 127.0.0.1:{http};"),
                     ("/etc/conference/tls", str(tls)), ("/srv/conference", str(ROOT)),
                     ("/var/log/nginx", str(folder))]:
        if old not in site:  # the file lost what docs/deploy.md tells people to change
            raise AssertionError(f"deploy/nginx-conference.conf has no {old!r}")
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;  # info: a client that leaves mid-handshake is logged too
events {{ worker_connections 8192; }}
worker_rlimit_nofile 20000;
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


def make_venue_ca(folder: Path) -> Path:
    """deploy/make-venue-ca.sh's authority and a certificate for daihoi.lan and 127.0.0.1."""
    made = subprocess.run([str(DEPLOY / "make-venue-ca.sh"), str(folder), "daihoi.lan",
                           "127.0.0.1"], capture_output=True, text=True, check=False)
    if made.returncode:
        raise RuntimeError(made.stderr)
    return folder


class Venue:
    """nginx over HTTPS in front of `processes` app processes (gunicorn with the repository's
    settings) and, unless told otherwise, one consumer; every process gets `settings` as
    CONFERENCE_* variables (they need REDIS_URL to share live events and jobs). `app` serves
    another WSGI app in the same place (a benchmark's yardstick)."""

    def __init__(self, folder: Path, settings: dict, processes: int = 2, consumer: bool = True,
                 app: str = "conference:create_app()"):
        self.folder, self.settings = folder, settings | {"ASYNC_MODE": "gevent",
                                                        "PROXY_FIX": "1"}
        self.app = app
        self.ports = [free_port() for _ in range(processes)]
        self.https, self.http = free_port(), free_port()
        self.with_consumer = consumer
        self.apps: dict[int, subprocess.Popen] = {}
        self.consumer: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.access_log = folder / "conference.log"

    # --- addresses --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.https}{path}"

    @property
    def live_url(self) -> str:
        return f"wss://127.0.0.1:{self.https}/socket.io/?EIO=4&transport=websocket"

    def app_url(self, port: int, path: str) -> str:
        """Straight to one process, past nginx."""
        return f"http://127.0.0.1:{port}{path}"

    # --- processes ----------------------------------------------------------------------------

    def __enter__(self) -> Venue:
        tls = make_venue_ca(self.folder / "tls")
        self.tls = ssl.create_default_context(cafile=str(tls / "ca.pem"))
        try:
            for port in self.ports:
                self.start(port)
            if self.with_consumer:
                self.start_consumer()
            main = site_file(self.folder, tls, self.https, self.http, self.ports)
            checked = subprocess.run(["nginx", "-t", "-p", str(self.folder), "-c", str(main)],
                                     capture_output=True, text=True, check=False)
            if checked.returncode:
                raise RuntimeError(checked.stderr)
            self.nginx = subprocess.Popen(["nginx", "-p", str(self.folder), "-c", str(main)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.wait_for(self.url("/healthz"))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def start(self, port: int) -> None:
        """Start (or start again) the app process on `port`; returns once it answers."""
        self.apps[port] = start_server(self.settings, port, GUNICORN,
                                       self.folder / f"gunicorn-{port}.log", app=self.app)

    def start_consumer(self) -> None:
        with (self.folder / "consumer.log").open("ab") as log:  # the child keeps its own copy
            self.consumer = subprocess.Popen(
                [sys.executable, "-m", "conference.jobs.consumer"], cwd=ROOT,
                env=server_env(self.settings), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def kill(self, port: int, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the process on `port` and its worker (SIGKILL: it dies at once)."""
        os.killpg(self.apps[port].pid, sig)

    def close(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()  # fast: a graceful stop would wait for the open WebSockets
            self.nginx.wait(10)
        for process in [*self.apps.values(), self.consumer]:
            if process is not None and process.poll() is None:
                stop_server(process)

    def process_ids(self) -> dict[str, int]:
        """The root process of each part (gunicorn's arbiter: its worker is a child)."""
        roots = {"nginx": self.nginx.pid} if self.nginx is not None else {}
        roots |= {f"app {port}": process.pid for port, process in self.apps.items()}
        if self.consumer is not None:
            roots["consumer"] = self.consumer.pid
        return roots

    def process_for(self, source: str, timeout: float = 10) -> int:
        """The app port nginx sends a client from the loopback address `source` to (ip_hash
        reads the first three parts of an IPv4 address), as its access log says."""
        marker = f"/healthz?source={source}&n={time.monotonic_ns()}"
        connection = http.client.HTTPSConnection("127.0.0.1", self.https, context=self.tls,
                                                 source_address=(source, 0), timeout=timeout)
        try:
            connection.request("GET", marker)
            connection.getresponse().read()
        finally:
            connection.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in reversed(self.access_log.read_text().splitlines()):
                if marker in line:
                    return int(line.rsplit(":", 1)[1])
            time.sleep(0.05)
        raise RuntimeError(f"nginx logged no request from {source}")

    def sources(self, per_process: int = 1) -> dict[int, list[str]]:
        """`per_process` loopback addresses (127.0.N.1) that nginx sends to each app process,
        so clients bound to them spread over every process rather than all landing on one."""
        found: dict[int, list[str]] = {port: [] for port in self.apps}
        for n in range(1, 255):
            if all(len(found[port]) >= per_process for port in found):
                return found
            source = f"127.0.{n}.1"
            port = self.process_for(source)
            if len(found[port]) < per_process:
                found[port].append(source)
        raise RuntimeError(f"no {per_process} addresses for each process: {found}")

    def describe(self, lines: int = 25) -> str:
        """What each part is doing now, for a test that failed: the sockets of nginx's port and
        of each app port, both ends (a connection waiting in a listener's queue is one no
        worker took; a request nginx has not read stays in its Recv-Q), what nginx's processes
        wait on, each app process's Python stacks when py-spy is installed (a gevent worker
        stuck in one call holds all its clients), and the end of each log."""
        parts = [f"== nginx {self.https} (pid {self.nginx.pid if self.nginx else '-'})\n"
                 f"{sockets_of(self.https)}"]
        if self.nginx is not None:
            for member in [self.nginx.pid, *children(self.nginx.pid)]:
                parts.append(f"nginx process {member}: {waiting_on(member)}")
        for port, process in self.apps.items():
            parts.append(f"== app {port} (pid {process.pid}, "
                         f"{'running' if process.poll() is None else process.returncode})\n"
                         f"{sockets_of(port)}")
        py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        if py_spy:
            for name, pid in self.process_ids().items():
                if name == "nginx":
                    continue
                for member in [pid, *children(pid)]:
                    stacks = subprocess.run([py_spy, "dump", "--nonblocking", "--pid", str(member)],
                                            capture_output=True, text=True, check=False)
                    said = stacks.stdout or stacks.stderr[:300]
                    parts.append(f"== py-spy {name} {member}\n{said}")
        for log in sorted([*self.folder.glob("gunicorn-*.log"), self.folder / "consumer.log",
                           self.folder / "error.log", self.access_log]):
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"== {log.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    def wait_for(self, url: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, context=self.tls, timeout=5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def children(pid: int) -> list[int]:
    """The processes `pid` started (a gunicorn arbiter's worker), from /proc."""
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def sockets_of(port: int) -> str:
    """The TCP sockets on this machine with `port` at either end (`ss`)."""
    return subprocess.run(["ss", "-tn", "state", "all", f"( sport = :{port} or dport = :{port} )"],
                          capture_output=True, text=True, check=False).stdout


def waiting_on(pid: int) -> str:
    """A process's state and the kernel call it waits in, from /proc."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return f"state {state}, waits in {Path(f'/proc/{pid}/wchan').read_text() or '-'}"
    except OSError as error:
        return str(error)
