"""What the benchmarks share: a free port, the app served by gunicorn, percentiles, CPU time."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerOutput:
    """Copies a server process's output to `log` as it comes and notes when a line says `ready`
    (the server's words for "my socket is bound"): from then on a request waits in the socket's
    queue until the app answers, so nothing needs to be retried."""

    def __init__(self, process: subprocess.Popen, log: Path, ready: str):
        self.process, self.log, self._ready = process, log, ready.encode()
        self.ready = False
        self.changed = threading.Event()  # set when ready, or when the output ends
        threading.Thread(target=self._copy, daemon=True).start()

    def _copy(self) -> None:
        with self.process.stdout, self.log.open("ab") as copy:
            for line in self.process.stdout:
                copy.write(line)
                copy.flush()
                if self._ready in line and not self.ready:
                    self.ready = True
                    self.changed.set()
        self.changed.set()

    def wait_until_answering(self, url: str, timeout: float = 60) -> None:
        """Wait until the server listens and `url`/healthz answers; RuntimeError if it exits
        first or says nothing within `timeout` seconds."""
        if not self.changed.wait(timeout):
            raise RuntimeError(f"the server did not listen within {timeout} s")
        if not self.ready:
            self.process.wait(10)
            raise RuntimeError(f"the server exited ({self.process.returncode})")
        with urllib.request.urlopen(f"{url}/healthz", timeout=timeout) as response:
            if response.status != 200:
                raise RuntimeError(f"/healthz answered {response.status}")


def server_env(settings: dict, code: Path = ROOT) -> dict:
    """This process's environment without its CONFERENCE_* variables, plus `settings` as
    CONFERENCE_* variables and the checkout `code` on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFERENCE_")}
    env |= {f"CONFERENCE_{name}": str(value) for name, value in settings.items()}
    env["PYTHONPATH"] = str(code)
    return env


def start_server(settings: dict, port: int, worker_args: list[str], log: Path,
                 app: str = "conference:create_app()", code: Path = ROOT) -> subprocess.Popen:
    """Serve `app` (the conference app unless told, from the checkout `code`) with gunicorn and
    wait until /healthz answers; `settings` reach it as CONFERENCE_* environment variables."""
    env = server_env(settings, code)
    # A settings file (`-c`) names its own keep-alive; the benchmarks' gates keep theirs open.
    keep_alive = [] if "-c" in worker_args else ["--keep-alive", "30"]
    command = [sys.executable, "-m", "gunicorn", *worker_args, "--bind", f"127.0.0.1:{port}",
               "--log-level", "info", *keep_alive, app]
    log.write_bytes(b"")
    process = subprocess.Popen(command, cwd=code, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    output = ServerOutput(process, log, f"Listening at: http://127.0.0.1:{port}")
    try:
        output.wait_until_answering(f"http://127.0.0.1:{port}")
    except (RuntimeError, OSError) as problem:
        if process.poll() is None:
            stop_server(process)
        raise SystemExit(f"gunicorn: {problem}\n{log.read_text()}") from problem
    return process


def stop_server(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cpu_seconds(root_pid: int) -> float:
    """User and system CPU time of a process and its children (gunicorn's workers), so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        if pid == root_pid or parent == root_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total
