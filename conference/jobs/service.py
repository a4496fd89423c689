"""Background jobs: run long work in another process, report progress, keep the result file.

A feature registers a handler for its job kind with `job_handler("kind")`. The handler gets the
job and a `progress(done, total)` callback and returns (file bytes, file extension, summary).
Jobs run in a spawned process (CPU-heavy rendering must not stall the live sockets of the web
process); setting JOB_RUNNER to "inline" runs them in the caller, for tests.
"""

from __future__ import annotations

import logging
import multiprocessing
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.errors import NotFound
from conference.extensions import db, socketio
from conference.jobs.models import Job, JobStatus
from conference.signals import job_finished

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
Handler = Callable[[Job, Progress], tuple[bytes, str, dict]]
HANDLERS: dict[str, Handler] = {}
JOB_POLL_INTERVAL = 0.5  # seconds between looks at whether a job's process has ended


def job_handler(kind: str):
    """Register the function that does jobs of `kind`."""
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function
    return register


def results_dir() -> Path:
    path = Path(current_app.instance_path) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_job(actor: Actor, congress, kind: str, params: dict,
              capability: Capability = Capability.EDIT_DELEGATES) -> Job:
    """Queue a job and start it outside this request."""
    authorize(actor, congress, capability)
    job = Job(congress_id=congress.id, kind=kind, params=params,
              created_by_id=actor.user.id if actor.user else None)
    db.session.add(job)
    db.session.commit()
    if current_app.config["CONFERENCE"].get("JOB_RUNNER") == "inline":
        run_job(job.id)
    else:
        context = multiprocessing.get_context("spawn")
        process = context.Process(target=_job_process,
                                  args=(current_app.config["CONFERENCE"], job.id), daemon=True)
        process.start()
        socketio.start_background_task(_announce_when_done, current_app._get_current_object(),
                                       process, job.id)
    return job


def _announce_when_done(app, process, job_id: int) -> None:
    """Wait for a job's process to end, then send `job_finished` in this process.

    Polls rather than joins, so a gevent server's other sockets never wait on it.
    """
    while process.is_alive():
        socketio.sleep(JOB_POLL_INTERVAL)
    try:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job is not None:
                job_finished.send(db.session.get(Congress, job.congress_id), job=job)
    except Exception:  # the job's own outcome is in its row; a receiver's failure is only logged
        log.exception("announcing the end of job %s failed", job_id)


def _job_process(settings: dict, job_id: int) -> None:
    """Entry point of the job's own process: a fresh app on the same settings."""
    from conference import create_app

    app = create_app(settings)
    with app.app_context():
        run_job(job_id)


def run_job(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    job.status = JobStatus.RUNNING
    db.session.commit()

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        db.session.commit()

    try:
        data, extension, summary = HANDLERS[job.kind](job, progress)
    except Exception as exc:  # the job fails, the process and the app go on
        log.exception("job %s (%s) failed", job.id, job.kind)
        db.session.rollback()
        job.status = JobStatus.FAILED
        job.error = str(exc)[:1000]
    else:
        name = f"{job.id}-{secrets.token_hex(8)}.{extension}"
        (results_dir() / name).write_bytes(data)
        job.result_file, job.result = name, summary
        job.status = JobStatus.DONE
    job.finished_at = utcnow()
    db.session.commit()


def get_job(actor: Actor, job_id: int,
            capability: Capability = Capability.EDIT_DELEGATES) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(_("Job not found."))
    authorize(actor, db.session.get(Congress, job.congress_id), capability)
    return job


def job_result(job: Job) -> bytes:
    if job.status != JobStatus.DONE or not job.result_file:
        raise NotFound(_("The result is not ready."))
    return (results_dir() / job.result_file).read_bytes()


def serialize_job(job: Job) -> dict:
    return {"id": job.id, "kind": job.kind, "status": job.status, "done": job.done,
            "total": job.total, "result": job.result, "error": job.error,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
