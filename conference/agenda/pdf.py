"""The printable agenda, rendered by a job: one render per agenda revision and language, shared
by every visitor who asks for it."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, lazy_gettext

from conference.agenda.service import ordered_sessions
from conference.auth.service import Capability
from conference.congresses.models import Congress
from conference.extensions import db
from conference.jobs.models import Job
from conference.jobs.service import job_handler, start_shared_job
from conference.pdf import html_to_pdf

AGENDA_PDF_JOB = "agenda_pdf"


def render_agenda_pdf(congress, locale: str) -> bytes:
    """Render the congress's agenda in `locale` as PDF bytes."""
    with force_locale(locale):
        html = render_template("agenda/agenda_pdf.html", congress=congress,
                               sessions=ordered_sessions(congress), current=None,
                               current_locale=locale)
    return html_to_pdf(html)


def agenda_pdf_job(congress: Congress, locale: str) -> Job:
    """The job that renders this revision of the agenda in `locale` (started by the first to
    ask); every change of the agenda or the congress bumps the revision, hence a new one."""
    revision = congress.agenda_revision
    return start_shared_job(congress, AGENDA_PDF_JOB,
                            f"agenda-pdf:{congress.id}:{revision}:{locale}",
                            {"revision": revision, "locale": locale}, locale)


@job_handler(AGENDA_PDF_JOB, Capability.VIEW_CONGRESS, lazy_gettext("The agenda as PDF"))
def _render_job(job: Job, progress) -> tuple[bytes, str, dict]:
    congress = db.session.get(Congress, job.congress_id)
    return render_agenda_pdf(congress, job.params["locale"]), "pdf", {
        "revision": job.params["revision"]}
