"""The papers of an election, rendered by jobs: the numbered ballots of a batch and the
counting committee's record (biên bản kiểm phiếu)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale, format_decimal, lazy_gettext
from flask_babel import gettext as _

from conference.attendance.credentials import document_place
from conference.auth.service import Actor, Capability
from conference.dates import utcnow
from conference.elections.models import MAJORITY_BASE_LABELS, BallotBatch, Election
from conference.elections.service import batch_serials, reason_text, tally
from conference.errors import NotFound
from conference.extensions import db
from conference.jobs.models import Job
from conference.jobs.service import job_handler, start_job
from conference.pdf import html_to_pdf, resource_url
from conference.qr import qr_png_bytes

BALLOTS_JOB = "election_ballots"
RECORD_JOB = "election_record"
A5_MOST = 15  # candidates an A5 ballot holds on one page; a longer list is printed on A4


def serial_shown(serial: str) -> str:
    """A serial as printed, in two groups of four for reading aloud: ABCD-EFGH."""
    return f"{serial[:4]}-{serial[4:]}" if len(serial) == 8 else serial


def percent_shown(value: float) -> str:
    return format_decimal(value, "0.00") + " %"


def render_ballots(election: Election, batch: BallotBatch, locale: str) -> bytes:
    """One ballot per page, each with its serial as text and as a QR code (the serial only)."""
    serials = batch_serials(batch)
    codes = {serial: qr_png_bytes(serial) for serial in serials}
    with force_locale(locale):
        html = render_template(
            "elections/ballots_pdf.html", election=election, congress=election.congress,
            candidates=election.candidates, serials=serials, serial_shown=serial_shown,
            qr=lambda serial: resource_url(f"qr-{serial}"), current_locale=locale,
            page="A5" if len(election.candidates) <= A5_MOST else "A4")
    return html_to_pdf(html, {f"qr-{serial}": data for serial, data in codes.items()})


def render_record(election: Election, locale: str) -> bytes:
    """The counting record as it stands (marked as not published until it is), dated when the
    result was published: a record printed again the next day still bears the day of the
    count."""
    with force_locale(locale):
        html = render_template(
            "elections/record_pdf.html", election=election, congress=election.congress,
            result=tally(election), place=document_place(election.congress),
            now=election.published_at or utcnow(),
            base_label=MAJORITY_BASE_LABELS[election.majority_base], reason_text=reason_text,
            percent=percent_shown, current_locale=locale)
    return html_to_pdf(html)


def start_ballots_job(actor: Actor, batch: BallotBatch, locale: str) -> Job:
    election = db.session.get(Election, batch.election_id)
    return start_job(actor, election.congress, BALLOTS_JOB,
                     {"election_id": election.id, "batch_id": batch.id, "locale": locale})


def start_record_job(actor: Actor, election: Election, locale: str) -> Job:
    return start_job(actor, election.congress, RECORD_JOB,
                     {"election_id": election.id, "locale": locale})


def job_file_url(job: Job, api: bool = False) -> str:
    return url_for("api.job_result" if api else "jobs.result", job_id=job.id)


def _election(job: Job) -> Election:
    election = db.session.get(Election, job.params["election_id"])
    if election is None:
        raise NotFound(_("This election was deleted."))
    return election


@job_handler(BALLOTS_JOB, Capability.RUN_ELECTIONS, lazy_gettext("Election ballots"))
def _ballots_job(job: Job, progress) -> tuple[bytes, str, dict]:
    election = _election(job)
    batch = db.session.get(BallotBatch, job.params["batch_id"])
    return render_ballots(election, batch, job.params["locale"]), "pdf", {
        "ballots": batch.count}


@job_handler(RECORD_JOB, Capability.COUNT_BALLOTS, lazy_gettext("Counting record"))
def _record_job(job: Job, progress) -> tuple[bytes, str, dict]:
    election = _election(job)
    return render_record(election, job.params["locale"]), "pdf", {"election_id": election.id}
