"""Job progress (polled by the progress bars) and the finished result."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import login_required

from conference.jobs import service
from conference.web import actor, file_response

bp = Blueprint("jobs", __name__)

RESULT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "json": "application/json"}


@bp.get("/manage/jobs/<int:job_id>")
@login_required
def status(job_id: int):
    return jsonify(service.serialize_job(service.get_job(actor(), job_id)))


@bp.get("/manage/jobs/<int:job_id>/result")
@login_required
def result(job_id: int):
    job = service.get_job(actor(), job_id)
    data = service.job_result(job)
    extension = job.result_file.rsplit(".", 1)[-1]
    return file_response(data, f"{job.kind}-{job.id}.{extension}",
                         RESULT_TYPES.get(extension, "application/octet-stream"))
