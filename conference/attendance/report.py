"""What the credentials committee signs and files: its report (PDF, rendered by a job: summoned,
present and absent delegates, the quorum, the composition of those present) and the list of every
delegate with their check-in (CSV), both in the language asked for."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import force_locale, format_date, format_percent, lazy_gettext
from flask_babel import gettext as _

from conference.agenda.models import CongressSession
from conference.attendance.chart import arrivals_chart
from conference.attendance.credentials import composition_tables, credentials, document_place
from conference.attendance.service import (
    arrival_times,
    attendance_session,
    attendance_state,
    delegate_attendance,
)
from conference.auth.service import Actor, Capability
from conference.congresses.models import CheckinRule, Congress
from conference.dates import to_local, utcnow
from conference.delegates.models import STATUS_LABELS
from conference.delegates.service import category_labels
from conference.extensions import db
from conference.jobs.models import Job
from conference.jobs.service import job_handler, start_job
from conference.pdf import html_to_pdf
from conference.tables import write_csv

REPORT_JOB = "attendance_report"

CSV_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def percent(present: int, expected: int) -> str:
    """Present as a share of expected, written the page language's way ("66,7 %"); "–" of 0."""
    if not expected:
        return "–"
    return format_percent(present / expected, "#,##0.0%")


def quorum_rule(congress: Congress) -> str:
    fraction = f"{congress.quorum_numerator}/{congress.quorum_denominator}"
    if congress.quorum_strict:
        return _("More than %(fraction)s of the official delegates must be present.",
                 fraction=fraction)
    return _("At least %(fraction)s of the official delegates must be present.",
             fraction=fraction)


def checkin_rule_text(congress: Congress) -> str:
    """Which check-ins count for a session, in a sentence for the dashboard and the report."""
    if congress.checkin_rule == CheckinRule.SESSION:
        return _("Each session needs its own check-in: a check-in for the congress or an "
                 "earlier session does not count.")
    return _("A check-in counts for every later session of the congress, including one made "
             "the day before.")


def session_label(session: CongressSession | None) -> str:
    return session.title if session else _("Whole congress")


def report_context(congress: Congress, session: CongressSession | None, locale: str) -> dict:
    """What the dashboard's details, the credentials page and the printed report show."""
    session_id = session.id if session else None
    state = attendance_state(congress, session)
    rows = delegate_attendance(congress, session_id)
    figures = credentials(congress, session, rows)
    return {
        "credentials": figures,
        "composition": composition_tables(figures),
        "place": document_place(congress),
        "age_day": format_date(congress.starts_on, "dd/MM/yyyy"),
        "congress": congress,
        "session": session,
        "session_label": session_label(session),
        "state": state,
        "quorum": state["quorum"],
        "quorum_rule": quorum_rule(congress),
        "checkin_rule": checkin_rule_text(congress),
        "missing": max(0, state["quorum"]["required"] - state["quorum"]["present"]),
        "labels": category_labels(congress, locale),
        "present_rows": [row for row in rows if row.present],
        "absent_official": [row for row in rows if not row.present and row.counts_for_quorum],
        "absent_others": [row for row in rows if not row.present and not row.counts_for_quorum],
        "chart": arrivals_chart(arrival_times(congress, session_id), congress.timezone,
                                state["quorum"]["required"]),
        "percent": percent,
        "now": utcnow(),
        "current_locale": locale,
    }


def render_attendance_pdf(congress: Congress, session: CongressSession | None,
                          locale: str) -> bytes:
    """The credentials committee's report, in `locale`, as PDF bytes."""
    with force_locale(locale):
        html = render_template("attendance/report_pdf.html",
                               **report_context(congress, session, locale))
    return html_to_pdf(html)


def start_report_job(actor: Actor, congress: Congress, session: CongressSession | None,
                     locale: str) -> Job:
    """Queue the report as it stands now; a consumer renders it."""
    return start_job(actor, congress, REPORT_JOB,
                     {"session_id": session.id if session else None, "locale": locale})


@job_handler(REPORT_JOB, Capability.VIEW_ATTENDANCE, lazy_gettext("Credentials report"))
def _report_job(job: Job, progress) -> tuple[bytes, str, dict]:
    congress = db.session.get(Congress, job.congress_id)
    session = attendance_session(congress, job.params["session_id"])
    return render_attendance_pdf(congress, session, job.params["locale"]), "pdf", {
        "session_id": job.params["session_id"]}


def _local(value: datetime | None, tz: str) -> str:
    return to_local(value, tz).strftime(CSV_TIME_FORMAT) if value else ""


def attendance_csv(congress: Congress, session: CongressSession | None, locale: str) -> bytes:
    """Every delegate (withdrawn ones too) with whether they are present, when and at which gate.

    UTF-8 with a byte order mark, so Excel shows Vietnamese letters; times in the congress's
    time zone.
    """
    with force_locale(locale):
        labels = category_labels(congress, locale)
        rows = delegate_attendance(congress, session.id if session else None,
                                   include_withdrawn=True)
        yes, no = _("yes"), _("no")
        table = [[_("Code"), _("Full name"), _("Category"), _("Delegation"), _("Unit"),
                  _("Position"), _("Seat"), _("Status"), _("Counts for the quorum"),
                  _("Present"), _("Checked in at"), _("Gate")]]
        for row in rows:
            delegate, checkin = row.delegate, row.checkin
            status = STATUS_LABELS.get(delegate.status, delegate.status)
            table.append([
                delegate.code, delegate.full_name, labels.get(delegate.category,
                                                              delegate.category),
                delegate.delegation, delegate.unit, delegate.position, delegate.seat,
                str(status), yes if row.counts_for_quorum and row.expected else no,
                yes if row.present else no,
                _local(checkin.checked_in_at if checkin else None, congress.timezone),
                checkin.gate if checkin else ""])
    return write_csv(table)


def report_filename(congress: Congress, session: CongressSession | None, extension: str) -> str:
    suffix = f"-session-{session.id}" if session else ""
    return f"attendance-{congress.slug}{suffix}.{extension}"
