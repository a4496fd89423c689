"""Attendance pages: the live dashboard, its details, the credentials report (page and PDF) and
the list (CSV)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_login import login_required

from conference.attendance import report
from conference.attendance.service import (
    WHOLE_CONGRESS,
    attendance_session,
    congress_sessions,
)
from conference.attendance.sockets import NAMESPACE
from conference.auth.service import Capability, can
from conference.checkin.service import session_under_way
from conference.congresses.service import get_congress
from conference.jobs.views import file_or_progress
from conference.web import actor, file_response

bp = Blueprint("attendance", __name__)


def _locale() -> str:
    return str(get_locale() or "vi")


def _load(congress_id: int):
    """The congress (for staff who may see attendance) and the session the query names."""
    congress = get_congress(actor(), congress_id, Capability.VIEW_ATTENDANCE)
    return congress, attendance_session(congress, request.args.get("session_id"))


def _page(template: str, congress_id: int, **extra):
    """A page of the figures for the session the query names, by default the one under way
    (the door staff's usual question: who is in for what is starting now)."""
    congress = get_congress(actor(), congress_id, Capability.VIEW_ATTENDANCE)
    if "session_id" in request.args:
        session = attendance_session(congress, request.args["session_id"])
    else:
        session = session_under_way(congress)
    context = report.report_context(congress, session, _locale())
    return render_template(template, **context, **extra, sessions=congress_sessions(congress),
                           whole=WHOLE_CONGRESS,
                           session_arg=session.id if session else WHOLE_CONGRESS,
                           may_edit_delegates=can(actor(), congress, Capability.EDIT_DELEGATES))


@bp.get("/manage/<int:congress_id>/attendance")
@login_required
def dashboard(congress_id: int):
    return _page("attendance/dashboard.html", congress_id, namespace=NAMESPACE)


@bp.get("/manage/<int:congress_id>/credentials")
@login_required
def credentials(congress_id: int):
    """The credentials committee's report as a page: summoned, present, absent and why, and
    the composition of those present; its PDF is the report below."""
    return _page("attendance/credentials.html", congress_id)


@bp.get("/manage/<int:congress_id>/attendance/details")
@login_required
def details(congress_id: int):
    """The tables, chart and lists of the dashboard, fetched again after each live push."""
    congress, session = _load(congress_id)
    return render_template("attendance/_details.html",
                           **report.report_context(congress, session, _locale()))


@bp.get("/manage/<int:congress_id>/attendance/report.pdf")
@login_required
def report_pdf(congress_id: int):
    """The report as it stands now: rendered by a job, sent when ready within a few seconds,
    else the job's page follows it."""
    congress, session = _load(congress_id)
    job = report.start_report_job(actor(), congress, session, _locale())
    return file_or_progress(job, report.report_filename(congress, session, "pdf"))


@bp.get("/manage/<int:congress_id>/attendance/report.csv")
@login_required
def report_csv(congress_id: int):
    congress, session = _load(congress_id)
    data = report.attendance_csv(congress, session, _locale())
    return file_response(data, report.report_filename(congress, session, "csv"), "text/csv")
