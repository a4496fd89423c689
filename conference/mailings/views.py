"""The organizers' page: e-mail delegates their portal link, print letters, read the log."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_required

from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.delegates.search import delegations
from conference.delegates.service import category_labels
from conference.errors import Conflict, ValidationFailed
from conference.i18n import LANGUAGES
from conference.jobs.service import get_job
from conference.mailings import service
from conference.urls import public_base_url
from conference.validation import record_id
from conference.web import actor

bp = Blueprint("mailings", __name__)
FORM_FIELDS = ("category", "delegation", "state", "ids", "lang", "note")
JOB_KINDS = (service.MAIL_JOB, service.LETTERS_JOB)


def _page(congress, *, form: str = "", values: dict | None = None, errors: dict | None = None,
          job=None, status: int = 200):
    defaults = {"category": "", "delegation": "", "state": "all", "ids": "", "note": "",
                "lang": current_app.config["BABEL_DEFAULT_LOCALE"]}
    failed_only = request.args.get("show") == "failed"
    return render_template(
        "mailings/index.html", congress=congress, form=form, errors=errors or {},
        values=defaults | (values or {}), defaults=defaults, job=job,
        counts=service.mail_counts(congress),
        problem=service.mail_problem(), recent=service.recent_jobs(congress),
        log=service.deliveries(actor(), congress, failed_only=failed_only),
        failed_only=failed_only, categories=list(category_labels(congress).items()),
        delegations=[(name, name) for name in delegations(congress)], languages=LANGUAGES,
        mail_states=service.MAIL_STATES, letter_states=service.LETTER_STATES,
        log_limit=service.LOG_LIMIT, failure_text=service.failure_text), status


@bp.get("/manage/<int:congress_id>/mailings")
@login_required
def index(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    job = None
    job_id = request.args.get("job", type=record_id)
    if job_id:
        job = get_job(actor(), job_id)
        if job.congress_id != congress.id or job.kind not in JOB_KINDS:
            job = None
    return _page(congress, job=job)


def _start(congress_id: int, form: str, states: dict, start):
    """Parse the form, start the run, follow it on the page; refusals stay on the page."""
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    values = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}
    try:
        selection = service.parse_selection(request.form, states)
        job = start(actor(), congress, selection, public_base_url())
    except ValidationFailed as exc:
        return _page(congress, form=form, values=values, status=422,
                     errors=exc.fields or {"_": exc.message})
    except Conflict as exc:
        return _page(congress, form=form, values=values, errors={"_": exc.message}, status=409)
    return redirect(url_for("mailings.index", congress_id=congress.id, job=job.id))


@bp.post("/manage/<int:congress_id>/mailings/send")
@login_required
def send(congress_id: int):
    return _start(congress_id, "send", service.MAIL_STATES, service.start_mailing)


@bp.post("/manage/<int:congress_id>/mailings/letters")
@login_required
def letters(congress_id: int):
    return _start(congress_id, "letters", service.LETTER_STATES, service.start_letters)
