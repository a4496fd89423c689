"""API routes for jobs: long work (an import, a badge run) answers 202 with the job to follow."""

from __future__ import annotations

from flask import url_for
from spectree import Tag

from conference.api import api_actor, operation
from conference.jobs import service
from conference.jobs.models import Job
from conference.jobs.schemas import Job as JobShown
from conference.jobs.schemas import JobLink, JobStarted
from conference.jobs.views import RESULT_TYPES, result_type
from conference.web import file_response

TAG = Tag(name="jobs", description="Long work done by a consumer process: imports and badge "
                                   "runs answer 202 with a job to follow.")
LOCATION = "The job's address (GET /jobs/{id})."


def accepted(job: Job):
    """202 Accepted: the job's address in `Location` and in the body."""
    url = url_for("api.get_job", job_id=job.id)
    return (JobStarted(job=JobLink(id=job.id, status=job.status, url=url)), 202,
            {"Location": url})


@operation.get("/jobs/<int:job_id>", ok=JobShown, tag=TAG)
def get_job(job_id: int):
    """Follow a job: its status and progress, its `result` once done, its `error` once failed.

    Anyone who may start such a job in its congress may follow it.
    """
    job = service.get_job(api_actor(), job_id)
    return JobShown.shown(job, url_for("api.get_job", job_id=job.id),
                          url_for("api.job_result", job_id=job.id))


@operation.get("/jobs/<int:job_id>/result", produces=tuple(RESULT_TYPES.values()), tag=TAG,
               errors={404: "Unknown job, not done yet, or its file is no longer kept (jobs are "
                            "kept JOB_RETENTION_DAYS days)."})
def job_result(job_id: int):
    """The file a finished job made: a badge run's or a report's PDF, an import's problems as
    CSV (UTF-8) or XLSX, as the job's kind makes it."""
    job = service.get_job(api_actor(), job_id)
    data = service.job_result(job)
    extension = job.result_file.rsplit(".", 1)[-1]
    return file_response(data, f"{job.kind}-{job.id}.{extension}", result_type(job))
