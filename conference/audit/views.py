"""The administrator's audit log page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import login_required

from conference.audit import wording
from conference.audit.service import list_entries
from conference.auth.service import require_admin
from conference.congresses.service import list_congresses
from conference.dates import format_when, localize
from conference.i18n import page_locale
from conference.validation import record_id
from conference.web import actor

bp = Blueprint("audit", __name__)


def _day(text: str | None, tz: str) -> datetime | None:
    """The start of a day typed on the filter form, in the default time zone."""
    try:
        return localize(datetime.combine(date.fromisoformat(text or ""), time()), tz)
    except ValueError:
        return None


@bp.get("/admin/audit")
@login_required
def log():
    require_admin(actor())
    default_tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    congresses = list_congresses(actor())
    zones = {congress.id: congress.timezone for congress in congresses}
    tz = zones.get(request.args.get("congress_id", type=record_id), default_tz)
    since = _day(request.args.get("since"), tz)
    until = _day(request.args.get("until"), tz)
    page = request.args.get("page", 1, type=record_id)
    entries, has_next = list_entries(
        congress_id=request.args.get("congress_id", type=record_id),
        username=request.args.get("username", "").strip(),
        action=request.args.get("action", "").strip(),
        since=since, until=until + timedelta(days=1) if until else None, page=page)
    def page_url(number: int) -> str:
        return url_for("audit.log", **(request.args.to_dict() | {"page": number}))

    def local_time(entry) -> str:
        """When, in the time zone of the entry's congress (the default one for the rest)."""
        return format_when(entry.at, zones.get(entry.congress_id, default_tz), page_locale(),
                           "stamp")

    return render_template("audit/log.html", entries=entries, has_next=has_next, page=page,
                           page_url=page_url, congresses=congresses, filters=request.args,
                           local_time=local_time, wording=wording,
                           actions=wording.action_choices())
