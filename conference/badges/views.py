"""Badge pages: the organizers' print run (a job) and one badge at the desk."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext
from flask_login import login_required
from sqlalchemy import select

from conference.auth.service import Capability
from conference.badges import service
from conference.badges.render import LAYOUTS
from conference.congresses.service import get_congress
from conference.delegates.service import categories, category_label, delegations, get_delegate
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.i18n import LANGUAGES
from conference.jobs.models import Job
from conference.jobs.service import get_job
from conference.web import actor, file_response, public_base_url

bp = Blueprint("badges", __name__)

RECENT_JOBS = 5


def _print_page(congress, values: dict, errors: dict, job: Job | None, status: int = 200):
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    recent = list(db.session.scalars(
        select(Job).where(Job.congress_id == congress.id, Job.kind == service.BADGES_JOB)
        .order_by(Job.id.desc()).limit(RECENT_JOBS)))
    return render_template(
        "badges/print.html", congress=congress, values=values, errors=errors, job=job,
        recent=recent, layouts=LAYOUT_CHOICES, languages=LANGUAGES,
        categories=[(c.key, category_label(c, locale)) for c in categories(congress)],
        delegations=delegations(congress),
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
    defaults = {"layout": service.DEFAULT_LAYOUT, "category": "", "delegation": "", "ids": "",
                "lang": current_app.config["BABEL_DEFAULT_LOCALE"]}
    if request.method == "POST":
        values = defaults | {name: request.form.get(name, "").strip() for name in defaults}
        try:
            selection = service.parse_selection(values)
            job = service.start_badge_job(actor(), congress, selection, public_base_url())
        except ValidationFailed as exc:
            return _print_page(congress, values, exc.fields or {"_": exc.message}, None, 422)
        return redirect(url_for("badges.print_badges", congress_id=congress.id, job=job.id))
    job = None
    job_id = request.args.get("job", type=int)
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
                                    locale=request.args.get("lang"))
    return file_response(data, f"badge-{delegate.code}.pdf", "application/pdf", inline=True)

