"""API routes for jobs: long work (an import, a badge run) answers 202 with the job to follow."""

from __future__ import annotations

from flask import url_for

from conference.api import api_actor, bp
from conference.jobs import service
from conference.jobs.models import Job, JobStatus
from conference.jobs.views import result_type
from conference.web import file_response


def accepted(job: Job):
    """202 Accepted: the job's address in `Location` and in the body."""
    url = url_for("api.get_job", job_id=job.id)
    return {"job": {"id": job.id, "status": job.status, "url": url}}, 202, {"Location": url}


@bp.get("/jobs/<int:job_id>")
def get_job(job_id: int):
    """A job's status and progress; its `result` once done, `error` once failed."""
    job = service.get_job(api_actor(), job_id)
    body = service.serialize_job(job) | {"url": url_for("api.get_job", job_id=job.id)}
    if job.status == JobStatus.DONE and job.result_file:
        body["result_url"] = url_for("api.job_result", job_id=job.id)
    return body


@bp.get("/jobs/<int:job_id>/result")
def job_result(job_id: int):
    """The file a finished job made (a badge PDF, an import's list of problems as CSV)."""
    job = service.get_job(api_actor(), job_id)
    data = service.job_result(job)
    extension = job.result_file.rsplit(".", 1)[-1]
    return file_response(data, f"{job.kind}-{job.id}.{extension}", result_type(job))
