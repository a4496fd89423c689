"""The task queue (Huey): where long work waits for a consumer process, and how it gets an app.

Storage follows the settings: Redis when REDIS_URL is set (several web processes and consumers
share it), else a SQLite file in the instance folder, so `python app.py` needs nothing more.
Tests may set the Flask key JOBS_IMMEDIATE: tasks then run in the caller, at once.

Features do not declare Huey tasks themselves; `conference/jobs` owns the one task that runs
their jobs and the periodic sweep. Tasks are registered by module name, so they are declared
in importable modules (never in `__main__`), and a task finds the app bound here (the consumer's)
unless the caller already has one (immediate mode).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from flask import Flask, has_app_context
from huey import Huey
from huey.consumer import Consumer, ProcessEnvironment
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from conference.limits import die_with_parent

QUEUE_NAME = "conference"
QUEUE_FILE = "job-queue.sqlite3"  # in the instance folder


class Queue(Huey):
    """A Huey whose storage is chosen when an app is bound; its tasks are declared before."""

    def __init__(self):
        super().__init__(QUEUE_NAME, results=False, utc=True, storage_class=MemoryStorage)
        self.app: Flask | None = None

    def bind(self, app: Flask) -> None:
        self.app = app
        settings = app.config["CONFERENCE"]
        self._immediate = bool(app.config.get("JOBS_IMMEDIATE"))
        if self._immediate:
            self.storage = MemoryStorage(QUEUE_NAME)
        elif settings["REDIS_URL"]:
            self.storage = RedisStorage(settings["REDIS_PREFIX"], url=settings["REDIS_URL"])
        else:
            self.storage = SqliteStorage(QUEUE_NAME,
                                         filename=str(Path(app.instance_path) / QUEUE_FILE))

    @property
    def on_sqlite(self) -> bool:
        """One consumer by construction: the queue file belongs to one instance folder."""
        return isinstance(self.storage, SqliteStorage)


queue = Queue()


def init_app(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    queue.bind(app)


def _in_app(function):
    """Run `function` in the caller's app context, or else in the bound app's."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        with queue.app.app_context():
            return function(*args, **kwargs)

    return run


def task(**options):
    """Declare a task; it runs with an app context."""
    return lambda function: queue.task(**options)(_in_app(function))


def periodic_task(when, **options):
    """Declare a task the consumer runs on a schedule (a `huey.crontab`)."""
    return lambda function: queue.periodic_task(when, **options)(_in_app(function))


class ParentProcesses(ProcessEnvironment):
    """Huey's worker processes, allowed processes of their own (a badge run's render pool, an
    import's limited reader): multiprocessing refuses children to daemonic processes.

    Each dies with the consumer: a worker left behind by a consumer that was killed (the OOM
    killer, a crash) would go on taking jobs that the next consumer marks lost.
    """

    def create_process(self, runnable, name):
        process = super().create_process(runnable, name)
        process.daemon = False
        self.consumer_pid = os.getpid()  # read again in the forked child
        return process

    def init_child(self, process):
        super().init_child(process)
        die_with_parent(self.consumer_pid)


class JobConsumer(Consumer):
    """Huey's consumer with worker processes that may have children."""

    def get_environment(self, worker_type):
        return ParentProcesses(self._graceful_sig, self._interrupt_sig)
