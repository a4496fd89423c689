"""Background jobs: long work queued for a consumer process, its progress and its result file.

A feature declares a job kind with `job_handler("kind", capability, title)` on the function
that does the work: it gets the job and a `progress(done, total)` callback and returns
(file bytes or None, file extension, summary). Features start jobs with `start_job(actor,
congress, kind, params)`, or `start_shared_job(congress, kind, key, params)` for work anyone may
share (one agenda PDF per revision and language), and never see Huey: this module queues its
one task on conference/tasks.py, which a consumer process runs (`python -m
conference.jobs.consumer`; `python app.py` starts one beside the web server).

Heavy work never runs in a web process: a render or a parse there would stall every socket of a
gevent server. A running job writes a heartbeat; a job whose heartbeat went stale (its consumer
died) is marked failed, and job records are swept after JOB_RETENTION_DAYS.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale, lazy_gettext
from flask_babel import gettext as _
from huey import crontab
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from conference import monitoring
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.errors import ConferenceError, NotFound
from conference.extensions import db, socketio
from conference.jobs.models import Job, JobStatus
from conference.signals import job_finished
from conference.tasks import periodic_task, queue, task

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
Handler = Callable[[Job, Progress], tuple[bytes | None, str, dict]]
HEARTBEAT_SECONDS = 5.0
LOST_AFTER = timedelta(seconds=4 * HEARTBEAT_SECONDS)  # no heartbeat for this long: dead
ANNOUNCE_POLL = 0.5  # seconds between a web process's looks at the jobs it waits for
WAIT_POLL = 0.1  # seconds between looks while a request waits for a job
SHARED_PATIENCE = timedelta(minutes=10)  # a shared job queued this long is queued again
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True)
class JobKind:
    run: Handler
    capability: Capability  # who may follow the job and fetch its result
    title: object  # what the job page calls it (a lazy string)
    # The stored summary as its reader sees it (messages in the reader's language).
    present: Callable[[dict], dict] | None = None


KINDS: dict[str, JobKind] = {}


def job_handler(kind: str, capability: Capability, title,
                present: Callable[[dict], dict] | None = None):
    """Register the function that does jobs of `kind` (and how its summary is shown)."""
    def register(function: Handler) -> Handler:
        KINDS[kind] = JobKind(function, capability, title, present)
        return function
    return register


def shown_result(job: Job) -> dict | None:
    """A finished job's summary for the one reading it now, in their language."""
    if job.status != JobStatus.DONE:
        return None
    kind = KINDS.get(job.kind)
    return kind.present(job.result or {}) if kind and kind.present else job.result


def results_dir() -> Path:
    path = Path(current_app.instance_path) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _locale() -> str:
    if has_request_context():
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# --- starting ----------------------------------------------------------------------------------


def start_job(actor: Actor, congress: Congress, kind: str, params: dict) -> Job:
    """Record a job and queue it for a consumer (in tests with JOBS_IMMEDIATE: run it now)."""
    authorize(actor, congress, KINDS[kind].capability)
    job = Job(congress_id=congress.id, kind=kind, params=params, locale=_locale(),
              created_by_id=actor.user.id if actor.user else None)
    db.session.add(job)
    db.session.commit()
    _enqueue(job)
    return job


def start_shared_job(congress: Congress, kind: str, key: str, params: dict,
                     locale: str) -> Job:
    """The job for `key`, started if there is none yet: a thousand requests, one render.

    The caller has decided the work may be shared (it shows nothing a visitor may not see).
    A failed job, or one queued for too long (its queue was lost), is replaced.
    """
    job = db.session.scalar(select(Job).where(Job.key == key))
    if job is not None and (job.status == JobStatus.FAILED or (
            job.status == JobStatus.QUEUED and job.created_at < utcnow() - SHARED_PATIENCE)):
        _delete_jobs([job])
        job = None
    if job is not None:
        return job
    job = Job(congress_id=congress.id, kind=kind, key=key, params=params, locale=locale)
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:  # another request started it a moment ago: share theirs
        db.session.rollback()
        return db.session.scalar(select(Job).where(Job.key == key))
    _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    run_job_task(job.id)
    if not queue.immediate and not current_app.config["CONFERENCE"]["MESSAGE_QUEUE"]:
        _watch(job.id)


@task()
def run_job_task(job_id: int) -> None:
    """The one Huey task: run a recorded job (a consumer runs it; see conference/tasks.py)."""
    run_job(job_id)


# --- running -----------------------------------------------------------------------------------


def run_job(job_id: int) -> None:
    """Run a queued job: its handler, then its result file and summary, or why it failed."""
    job = db.session.get(Job, job_id)
    if job is None or job.status != JobStatus.QUEUED:
        return  # swept, or already taken
    job.status = JobStatus.RUNNING
    job.started_at = job.heartbeat_at = utcnow()
    db.session.commit()

    def progress(done: int, total: int) -> None:
        job.done, job.total, job.heartbeat_at = done, total, utcnow()
        db.session.commit()

    kind = KINDS.get(job.kind)
    with _Heartbeat(job.id), force_locale(job.locale or _locale()):
        try:
            if kind is None:
                raise ConferenceError(_("This kind of job is unknown."), code="unknown_job")
            data, extension, summary = kind.run(job, progress)
        except ConferenceError as error:
            db.session.rollback()
            _mark_failed(job, error.code, error.message)
        except KeyboardInterrupt:  # the consumer is stopping: say so, then let it stop
            db.session.rollback()
            _mark_failed(job, "interrupted", _(
                "The server stopped while this job ran. Start it again."))
            db.session.commit()
            raise
        except Exception:  # the job fails, the consumer goes on
            log.exception("job %s (%s) failed", job.id, job.kind)
            db.session.rollback()
            _mark_failed(job, "job_failed", _(
                "The job stopped because of an error on our side. The error has been logged."))
        else:
            if data is not None:
                name = f"{job.id}-{secrets.token_hex(8)}.{extension}"
                (results_dir() / name).write_bytes(data)
                job.result_file = name
            job.result = summary
            job.status = JobStatus.DONE
            job.finished_at = utcnow()
    db.session.commit()


def _mark_failed(job: Job, code: str, message: str) -> None:
    job.status, job.error_code, job.error = JobStatus.FAILED, code, message[:1000]
    job.finished_at = utcnow()


class _Heartbeat:
    """Write the job's heartbeat every few seconds from a thread, while its handler works."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        if not queue.immediate:  # work done in the caller has the caller to watch it
            engine = db.engine
            self.thread = threading.Thread(target=self._beat, args=(engine,), daemon=True,
                                           name=f"job-{self.job_id}-heartbeat")
            self.thread.start()
        return self

    def _beat(self, engine) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            try:
                with engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == self.job_id)
                                       .values(heartbeat_at=utcnow()))
            except Exception:  # a busy database: the next beat tries again
                log.warning("heartbeat of job %s not written", self.job_id, exc_info=True)

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


# --- following ---------------------------------------------------------------------------------


def get_job(actor: Actor, job_id: int) -> Job:
    """A job the actor may follow (the right its kind needs in its congress), or NotFound."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind not in KINDS:
        raise NotFound(_("Job not found."))
    authorize(actor, db.session.get(Congress, job.congress_id), KINDS[job.kind].capability)
    last_sign = job.heartbeat_at or job.started_at or job.created_at
    if job.status == JobStatus.RUNNING and last_sign < utcnow() - LOST_AFTER:
        fail_lost_jobs()  # its consumer died: whoever follows it learns now, not at the sweep
        db.session.refresh(job)
    return job


def job_title(job: Job) -> str:
    return str(KINDS[job.kind].title)


def job_result(job: Job) -> bytes:
    if job.status != JobStatus.DONE or not job.result_file:
        raise NotFound(_("The result is not ready."))
    try:
        return (results_dir() / job.result_file).read_bytes()
    except FileNotFoundError:
        raise NotFound(_("The result is no longer kept. Start the job again.")) from None


def wait_for(job: Job, seconds: float) -> Job:
    """Wait up to `seconds` for the job to end, yielding to other sockets while it runs."""
    deadline = time.monotonic() + seconds
    while job.status in UNFINISHED and time.monotonic() < deadline:
        socketio.sleep(WAIT_POLL)
        db.session.commit()  # a new transaction: SQLite shows a transaction its first snapshot
        db.session.refresh(job)
    return job


# --- telling this process's live pages --------------------------------------------------------


def _watch(job_id: int) -> None:
    """Send `job_finished` here once the job ends: without a message queue, the signals it
    sends in the consumer reach only the consumer."""
    app = current_app._get_current_object()
    state = app.extensions.setdefault("job_watch", {"ids": set(), "lock": threading.Lock(),
                                                    "running": False})
    with state["lock"]:
        state["ids"].add(job_id)
        if state["running"]:
            return
        state["running"] = True
    socketio.start_background_task(_announce_finished, app, state)


def _announce_finished(app, state: dict) -> None:
    while True:
        socketio.sleep(ANNOUNCE_POLL)
        with state["lock"]:
            watched = set(state["ids"])
            if not watched:
                state["running"] = False
                return
        try:
            with app.app_context():
                jobs = {job.id: job for job in db.session.scalars(
                    select(Job).where(Job.id.in_(watched)))}
                for job_id in watched:
                    job = jobs.get(job_id)
                    if job is not None and job.status in UNFINISHED:
                        continue
                    with state["lock"]:
                        state["ids"].discard(job_id)
                    if job is not None:
                        job_finished.send(db.session.get(Congress, job.congress_id), job=job)
                db.session.remove()
        except Exception:  # receivers are logged, never fatal; the job's outcome is in its row
            log.exception("announcing the end of jobs %s failed", sorted(watched))
            with state["lock"]:
                state["ids"] -= watched


# --- the consumer's housekeeping ---------------------------------------------------------------


def fail_lost_jobs(*, every_running: bool = False) -> list[int]:
    """Mark failed the jobs left running by a consumer that died; returns their ids.

    A job is lost when its heartbeat went stale, so several consumers on one Redis leave each
    other's jobs alone; a consumer on SQLite is the only one of its queue, so when it starts
    (`every_running`) whatever is still running was left by its dead predecessor.
    """
    query = select(Job).where(Job.status == JobStatus.RUNNING)
    if not every_running:
        last_sign = func.coalesce(Job.heartbeat_at, Job.started_at, Job.created_at)
        query = query.where(last_sign < utcnow() - LOST_AFTER)
    lost = list(db.session.scalars(query))
    for job in lost:
        with force_locale(job.locale or _locale()):
            _mark_failed(job, "worker_lost", _(
                "The job stopped because the process running it ended (the server was "
                "restarted or ran out of memory). Start it again."))
        log.warning("job %s (%s) was left running by a consumer that died", job.id, job.kind)
    db.session.commit()
    return [job.id for job in lost]


def sweep_old_jobs() -> int:
    """Delete job records and result files older than JOB_RETENTION_DAYS; returns how many."""
    days = int(current_app.config["CONFERENCE"]["JOB_RETENTION_DAYS"])
    cutoff = utcnow() - timedelta(days=days)
    old = list(db.session.scalars(select(Job).where(Job.created_at < cutoff)))
    _delete_jobs(old)
    # A file outlives its row when the congress was deleted; it is never older than its job.
    for path in results_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
    return len(old)


def _delete_jobs(jobs: list[Job]) -> None:
    files = [job.result_file for job in jobs if job.result_file]
    if jobs:
        db.session.execute(delete(Job).where(Job.id.in_([job.id for job in jobs])))
        db.session.commit()
    for name in files:
        (results_dir() / name).unlink(missing_ok=True)


@periodic_task(crontab(minute="*"))
def sweep() -> None:
    """Every minute in the consumer: fail lost jobs, forget old ones."""
    fail_lost_jobs()
    sweep_old_jobs()


# --- what the operators' monitor reads (conference/monitoring.py) ------------------------------

STUCK_AFTER = timedelta(minutes=2)  # a job queued this long while none runs: no consumer


def _jobs_by_status() -> dict[str, int]:
    counts = dict(db.session.execute(select(Job.status, func.count(Job.id))
                                     .group_by(Job.status)).all())
    return {str(status): counts.get(status, 0) for status in JobStatus}


def _consumer_takes_jobs() -> tuple[bool, str]:
    """Jobs waiting with none running means no consumer takes them (it died, or never ran)."""
    oldest = db.session.scalar(select(func.min(Job.created_at))
                               .where(Job.status == JobStatus.QUEUED))
    running = db.session.scalar(select(func.count(Job.id))
                                .where(Job.status == JobStatus.RUNNING))
    if oldest is not None and not running and utcnow() - oldest > STUCK_AFTER:
        return False, "jobs wait and none runs: is the consumer running?"
    return True, f"{running} running"


monitoring.add_check("jobs", _consumer_takes_jobs, lazy_gettext("Job consumer"))
monitoring.add_measure("conference_jobs", "Jobs in the database, by status", _jobs_by_status,
                       label="status")
