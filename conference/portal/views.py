"""The delegate's portal behind the badge QR code: public, no sign-in, the token is the key.

The token is a credential: the pages are `token_pages.private` and misses count towards
`token_pages.miss_limit` (see conference/token_pages.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext as _

from conference.agenda.service import agenda_state, current_item, ordered_sessions
from conference.attendance.service import delegate_presence
from conference.badges.identity import BadgeRevoked, find_badge
from conference.delegates import photos
from conference.delegates.models import DelegateStatus
from conference.delegates.service import category_labels
from conference.errors import NotFound
from conference.token_pages import miss_limit, private

bp = Blueprint("portal", __name__)
bp.after_request(private)


@dataclass(frozen=True)
class Panel:
    """A part of the portal a feature adds (`add_panel`): a vote to cast, a request to speak.

    `template` is included with `values` = `context(delegate, token)` (the badge's delegate and
    the token of the address, for the feature's own /b/<token>/... routes); `script`, a static
    file the page loads for it.
    """

    template: str
    context: Callable[..., dict]
    script: str = ""


PANELS: list[Panel] = []


def add_panel(panel: Panel) -> None:
    """Show a feature's panel on every portal, under the check-in line, in the order added."""
    PANELS.append(panel)


@bp.errorhandler(BadgeRevoked)
def replaced(_error: BadgeRevoked):
    """A replaced badge's pages (the portal's and its documents') say so, for its holder."""
    return render_template("portal/replaced.html"), 410


@bp.get("/b/<token>")
@miss_limit
def badge(token: str):
    delegate = find_badge(token)
    congress = delegate.congress
    has_photo = photos.photo_path(delegate) is not None
    context = {"congress": congress, "delegate": delegate,
               "photo_url": url_for("portal.photo", token=token) if has_photo else None,
               "category": category_labels(congress).get(delegate.category, delegate.category),
               "withdrawn": delegate.status == DelegateStatus.WITHDRAWN,
               "presence": delegate_presence(delegate),
               "panels": [(panel.template, panel.context(delegate, token)) for panel in PANELS],
               "panel_scripts": [panel.script for panel in PANELS if panel.script]}
    if congress.published:
        context |= {"sessions": ordered_sessions(congress), "state": agenda_state(congress),
                    "current": current_item(congress)}
    return render_template("portal/badge.html", **context)


@bp.get("/b/<token>/presence")
@miss_limit
def presence(token: str):
    """The check-in line of the portal, fetched again by its script after a check-in or when
    another session gets under way."""
    delegate = find_badge(token)
    return render_template("portal/_presence.html", congress=delegate.congress,
                           presence=delegate_presence(delegate),
                           withdrawn=delegate.status == DelegateStatus.WITHDRAWN)


@bp.get("/b/<token>/photo.jpg")
@miss_limit
def photo(token: str):
    delegate = find_badge(token)
    path = photos.small_photo_path(delegate)
    if path is None:
        raise NotFound(_("This delegate has no photo."))
    # Small (a few kilobytes): read at once rather than hold a file open per request.
    return Response(path.read_bytes(), mimetype="image/jpeg")
