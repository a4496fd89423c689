"""Badge pages: the organizers' print run (a job) and one badge at the desk."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from flask_login import login_required

from conference.auth.service import Capability
from conference.badges import service
from conference.badges.render import LAYOUTS
from conference.congresses.service import get_congress
from conference.delegates.models import DelegateStatus
from conference.delegates.search import delegations, search_delegates
from conference.delegates.service import category_labels, get_delegate
from conference.errors import ValidationFailed
from conference.i18n import LANGUAGES
from conference.jobs.models import Job
from conference.jobs.service import get_job
from conference.urls import public_base_url
from conference.validation import record_id
from conference.web import actor, file_response

bp = Blueprint("badges", __name__)
MAX_CODES_TEXT = 20_000  # what the codes field carries over from an address


FOUND_LIMIT = 20  # delegates a search on the print page lists to pick from


def _print_page(congress, values: dict, errors: dict, job: Job | None, status: int = 200):
    q = request.args.get("q", "").strip()[:200]
    found = search_delegates(congress, q=q, page_size=FOUND_LIMIT) if q else None
    return render_template(
        "badges/print.html", congress=congress, values=values, errors=errors, job=job,
        recent=service.recent_runs(congress), layouts=LAYOUT_CHOICES, languages=LANGUAGES,
        categories=list(category_labels(congress).items()),
        delegations=delegations(congress), q=q, found=found,
        chosen=set(values["codes"].upper().replace(",", " ").split()),
        withdrawn=DelegateStatus.WITHDRAWN,
        printable=service.count_badges(congress, service.BadgeSelection())), status


LAYOUT_CHOICES = [
    ("sheet", lazy_gettext("A4 sheets, %(n)d badges a page, with cut marks",
                           n=LAYOUTS["sheet"].per_page)),
    ("a6", lazy_gettext("A6, one badge a page")),
    ("card", lazy_gettext("Card (CR80, 85.6 × 54 mm), one a page")),
]


@bp.route("/manage/<int:congress_id>/badges", methods=["GET", "POST"])
@login_required
def print_badges(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_DELEGATES)
    defaults = {"layout": service.DEFAULT_LAYOUT, "category": "", "delegation": "",
                "codes": " ".join(request.args.getlist("codes"))[:MAX_CODES_TEXT],
                "lang": current_app.config["BABEL_DEFAULT_LOCALE"],
                "backs": "1" if service.backs_by_default(congress) else ""}
    if request.method == "POST":
        values = defaults | {name: request.form.get(name, "").strip() for name in defaults}
        values["backs"] = values["backs"] or "0"  # an unticked box is not sent: no backs
        # Delegates ticked in the search's results join the codes typed in the field.
        values["codes"] = " ".join([values["codes"], *request.form.getlist("pick")]).strip()
        try:
            selection = service.parse_selection(values)
            job = service.start_badge_job(actor(), congress, selection, public_base_url())
        except ValidationFailed as exc:
            return _print_page(congress, values, exc.fields or {"_": exc.message}, None, 422)
        return redirect(url_for("badges.print_badges", congress_id=congress.id, job=job.id))
    job = None
    job_id = request.args.get("job", type=record_id)
    if job_id:
        job = get_job(actor(), job_id)
        if job.congress_id != congress.id or job.kind != service.BADGES_JOB:
            job = None
    return _print_page(congress, defaults, {}, job)


@bp.get("/manage/delegates/<int:delegate_id>/badge.pdf")
@login_required
def delegate_badge(delegate_id: int):
    """One badge, rendered in the request: check-in staff print it at the desk."""
    delegate = get_delegate(actor(), delegate_id, Capability.VIEW_DELEGATES)
    data = service.single_badge_pdf(actor(), delegate, public_base_url(),
                                    layout=request.args.get("layout") or "a6",
                                    locale=request.args.get("lang"),
                                    backs=request.args.get("backs"))
    return file_response(data, f"badge-{delegate.code}.pdf", "application/pdf", inline=True)

