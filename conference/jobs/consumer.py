"""The consumer: the process that runs jobs, `python -m conference.jobs.consumer`.

It builds the app from the same settings as the web server (CONFERENCE_* variables), marks
failed the jobs a dead predecessor left running, then runs Huey's consumer: MAX_JOBS worker
processes forked from it (WeasyPrint is imported in them, never before the fork) and a
scheduler for the sweep. A worker is replaced by a fresh one after RECYCLE_AFTER jobs, since
WeasyPrint's memory grows across renders. Production runs it as its own process; `python
app.py` starts one beside the web server (`start_beside`) and stops it on exit.

This module imports little at the top: a badge run's render workers (spawned, not forked)
import it again as their main module.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from conference.config import PROJECT_ROOT

RECYCLE_AFTER = 25  # jobs a worker process runs before a fresh one takes its place
STOP_TIMEOUT = 15  # seconds a stopping consumer gets before it is killed
# An idle worker looks at a polled queue (SQLite) at least this often: Huey's default backs off
# to 10 s, which an organizer waited for behind every upload. Redis blocks instead of polling.
MAX_POLL_DELAY = 0.1


def run(workers: int | None = None, parent: int | None = None) -> None:
    from conference import create_app
    from conference.extensions import db
    from conference.jobs.service import fail_lost_jobs
    from conference.tasks import JobConsumer, queue

    app = create_app({"ASYNC_MODE": "threading"})  # no gevent loop runs here
    with app.app_context():
        lost = fail_lost_jobs(every_running=queue.on_sqlite)
        db.session.remove()
        db.engine.dispose()  # the workers are forked: no connection may cross the fork
    if lost:
        logging.getLogger(__name__).warning("marked failed, left running: jobs %s", lost)
    if parent:
        _stop_when_orphaned(parent)
    consumer = JobConsumer(
        queue, workers=workers or int(app.config["CONFERENCE"]["MAX_JOBS"]),
        worker_type="process", periodic=True, max_tasks=RECYCLE_AFTER, health_check_interval=1,
        max_delay=MAX_POLL_DELAY)
    consumer.run()


def _stop_when_orphaned(parent: int) -> None:
    """Stop when the web server that started us is gone, even if it was killed."""
    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def start_beside() -> subprocess.Popen:
    """Start a consumer for `python app.py`, in its own session (Ctrl-C goes to the server,
    which then stops it). It shares the server's console, so it says only what goes wrong, not
    every job and minute's sweep."""
    return subprocess.Popen(  # noqa: S603 -- our own interpreter and module
        [sys.executable, "-m", "conference.jobs.consumer", "--parent", str(os.getpid()),
         "--log-level", "WARNING"], cwd=PROJECT_ROOT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """Stop a consumer: running jobs are marked interrupted; killed if it takes too long."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the congress app's jobs.")
    parser.add_argument("--workers", type=int, help="jobs at once (default: MAX_JOBS)")
    parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--log-level", default="INFO", choices=("INFO", "WARNING"),
                        help="INFO (default): every job's start and end; WARNING: problems only")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s")
    run(args.workers, args.parent)


if __name__ == "__main__":
    main()
