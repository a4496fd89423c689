"""The administrator's audit log page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from conference.audit.service import list_entries
from conference.auth.service import require_admin
from conference.congresses.service import list_congresses
from conference.dates import localize
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
    tz = request.args.get("tz") or "Asia/Ho_Chi_Minh"
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

    return render_template("audit/log.html", entries=entries, has_next=has_next, page=page,
                           page_url=page_url, congresses=list_congresses(actor()),
                           filters=request.args)
