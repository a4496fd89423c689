"""What the benchmarks share: a free port, the app served by gunicorn, percentiles, CPU time."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(settings: dict, port: int, worker_args: list[str], log: Path,
                 app: str = "conference:create_app()", code: Path = ROOT) -> subprocess.Popen:
    """Serve `app` (the conference app unless told, from the checkout `code`) with gunicorn and
    wait until /healthz answers; `settings` reach it as CONFERENCE_* environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFERENCE_")}
    env |= {f"CONFERENCE_{name}": str(value) for name, value in settings.items()}
    env["PYTHONPATH"] = str(code)
    command = [sys.executable, "-m", "gunicorn", *worker_args, "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "--keep-alive", "30", app]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=code, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit(f"gunicorn did not answer:\n{log.read_text()}")


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
