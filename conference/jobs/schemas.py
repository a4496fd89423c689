"""Jobs as the API and the progress bars show them."""

from __future__ import annotations

from typing import Any, Literal

from conference.jobs.models import JobStatus
from conference.jobs.service import shown_result
from conference.schemas import Instant, Output

Status = Literal["queued", "running", "done", "failed"]


class JobProgress(Output):
    """How far the job is: e.g. rows checked or badges rendered of `total` (0: not known yet)."""

    done: int
    total: int


class JobError(Output):
    code: str
    message: str


class Job(Output):
    """Long work done by a consumer process (an import, a badge run, a PDF). Poll `url` until
    `status` is done or failed. `result` once done: for an import what the import answered
    before it became a job (an ImportResult with `error_count`, `dry_run`, `filename` and, when
    nothing was written, `error`), for a badge run {badges, layout}; `result_url` then serves
    the file it made. `error` once failed, e.g. `worker_lost` when the process running it
    ended: start it again."""

    id: int
    kind: str
    status: Status
    progress: JobProgress
    result: dict[str, Any] | None
    error: JobError | None
    created_at: Instant | None
    finished_at: Instant | None
    url: str = ""
    result_url: str | None = None

    @classmethod
    def shown(cls, job, url: str = "", result_url: str | None = None) -> Job:
        """The job as its followers see it: `result` once done, `error` once failed."""
        done, failed = job.status == JobStatus.DONE, job.status == JobStatus.FAILED
        return cls(
            id=job.id, kind=job.kind, status=job.status,
            progress=JobProgress(done=job.done, total=job.total),
            result=shown_result(job),
            error=JobError(code=job.error_code or "job_failed", message=job.error)
            if failed else None,
            created_at=job.created_at, finished_at=job.finished_at, url=url,
            result_url=result_url if done and job.result_file else None)


class JobLink(Output):
    id: int
    status: Status
    url: str


class JobStarted(Output):
    """202 Accepted: the work was queued; follow it at `job.url` (also the Location header)."""

    job: JobLink
