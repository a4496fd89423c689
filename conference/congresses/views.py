"""Congress pages: the public start page and congress page, and the organizers' settings."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda.service import agenda_state, current_item, ordered_sessions
from conference.auth.service import Capability, can
from conference.congresses import service
from conference.web import actor, form_page, revalidated

bp = Blueprint("congresses", __name__)

FORM_FIELDS = service.FIELDS
BOOLEAN_FIELDS = ("quorum_strict", "published")


@bp.get("/")
def index():
    return render_template("congresses/index.html",
                           congresses=service.list_published_congresses())


def _public_context(slug: str, congress=None) -> dict:
    congress = congress or service.get_public_congress(slug)
    return {"congress": congress, "sessions": ordered_sessions(congress),
            "state": agenda_state(congress), "current": current_item(congress)}


@bp.get("/c/<slug>")
def public(slug: str):
    return render_template("congresses/public.html", **_public_context(slug))


@bp.get("/c/<slug>/agenda-fragment")
def public_fragment(slug: str):
    """The agenda part of the public page and the portal, fetched by their script when the
    agenda changed or a push went missing; a page that already shows this revision in this
    language gets a 304."""
    congress = service.get_public_congress(slug)
    return revalidated(
        f"agenda-{congress.id}-{congress.agenda_revision}-{get_locale()}",
        lambda: render_template("agenda/_agenda.html", **_public_context(slug, congress)))


@bp.get("/manage/")
@login_required
def manage_list():
    return render_template("congresses/manage_list.html",
                           congresses=service.list_congresses(actor()))


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def create():
    service.require_congress_creator(actor())
    return form_page(
        "congresses/form.html", congress=None, fields=FORM_FIELDS, booleans=BOOLEAN_FIELDS,
        checkin_rules=service.CHECKIN_RULE_CHOICES,
        values={"timezone": current_app.config["BABEL_DEFAULT_TIMEZONE"],
                "quorum_numerator": 1, "quorum_denominator": 2, "quorum_strict": True},
        save=partial(service.create_congress, actor()),
        done=lambda congress: url_for("agenda.edit", congress_id=congress.id),
        message=_("Congress created. Now add its sessions and agenda."))


@bp.get("/manage/<int:congress_id>/")
@login_required
def overview(congress_id: int):
    congress = service.get_congress(actor(), congress_id)
    return render_template("congresses/overview.html", congress=congress,
                           current=current_item(congress),
                           may={right.value: can(actor(), congress, right) for right in Capability})


@bp.route("/manage/<int:congress_id>/edit", methods=["GET", "POST"])
@login_required
def edit(congress_id: int):
    congress = service.get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    return form_page(
        "congresses/form.html", congress=congress, fields=FORM_FIELDS, booleans=BOOLEAN_FIELDS,
        checkin_rules=service.CHECKIN_RULE_CHOICES, values=service.congress_values(congress),
        save=partial(service.update_congress, actor(), congress),
        done=lambda _saved: url_for("congresses.overview", congress_id=congress.id),
        message=_("Saved."))


@bp.post("/manage/<int:congress_id>/publish")
@login_required
def publish(congress_id: int):
    congress = service.get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    publish_it = request.form.get("published") == "1"
    service.update_congress(actor(), congress, {"published": publish_it})
    flash(_("The congress is public now.") if publish_it else _("The congress is hidden now."))
    return redirect(url_for("congresses.overview", congress_id=congress.id))


@bp.post("/manage/<int:congress_id>/delete")
@login_required
def delete(congress_id: int):
    congress = service.get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    service.delete_congress(actor(), congress)
    flash(_("Congress deleted."))
    return redirect(url_for("congresses.manage_list"))
