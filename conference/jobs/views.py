"""Job pages: progress (polled by the progress bars), a page to follow a job, the result."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, url_for
from flask_login import login_required

from conference.jobs import service
from conference.jobs.models import Job, JobStatus
from conference.jobs.schemas import Job as JobShown
from conference.web import actor, file_response

bp = Blueprint("jobs", __name__)

RESULT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "json": "application/json"}
READY_WAIT = 5.0  # seconds a page request waits for its job before showing its progress


def result_type(job: Job) -> str:
    return RESULT_TYPES.get(job.result_file.rsplit(".", 1)[-1], "application/octet-stream")


def file_or_progress(job: Job, filename: str) -> Response:
    """The job's file if it is ready within a short wait, else the page that follows it."""
    job = service.wait_for(job, READY_WAIT)
    if job.status == JobStatus.DONE:
        return file_response(service.job_result(job), filename, result_type(job), inline=True)
    return redirect(url_for("jobs.view", job_id=job.id))


@bp.get("/manage/jobs/<int:job_id>")
@login_required
def status(job_id: int):
    return jsonify(JobShown.shown(service.get_job(actor(), job_id)).model_dump(mode="json"))


@bp.get("/manage/jobs/<int:job_id>/view")
@login_required
def view(job_id: int):
    job = service.get_job(actor(), job_id)
    return render_template("jobs/view.html", job=job, title=service.job_title(job),
                           running=job.status in service.UNFINISHED)


@bp.get("/manage/jobs/<int:job_id>/result")
@login_required
def result(job_id: int):
    job = service.get_job(actor(), job_id)
    data = service.job_result(job)
    extension = job.result_file.rsplit(".", 1)[-1]
    return file_response(data, f"{job.kind}-{job.id}.{extension}", result_type(job))
