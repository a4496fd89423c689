"""The administrator's site page and the warning on pages that print QR codes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from conference.errors import ValidationFailed
from conference.site import service
from conference.web import actor

bp = Blueprint("site_settings", __name__)


@bp.app_template_global()
def qr_address():
    """templates/site/_qr_warning.html: where this page's QR codes lead."""
    return service.qr_address()


@bp.route("/admin/site", methods=["GET", "POST"])
@login_required
def settings():
    current = service.site_settings(actor())
    errors: dict = {}
    value = current["stored"]
    if request.method == "POST":
        value = request.form.get("public_url", "")
        try:
            service.set_public_url(actor(), value)
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("The public address is saved."))
            return redirect(url_for("site_settings.settings"))
    return render_template("site/settings.html", value=value, errors=errors,
                           effective=current["effective"]), (422 if errors else 200)
