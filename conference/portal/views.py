"""The delegate's portal behind the badge QR code: public, no sign-in, the token is the key.

The token is a credential, so it must not leak: the pages are never cached, never send a
Referer, and the access logs show only its first four characters. Guessing is held off by a
limit on misses per address.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import gettext as _

from conference.agenda.service import agenda_state, current_item, ordered_sessions
from conference.checkin.views import category_labels
from conference.delegates import photos
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import find_badge
from conference.errors import NotFound
from conference.extensions import limiter

bp = Blueprint("portal", __name__)

DEFAULT_MISS_LIMIT = "30 per minute"  # app.config["PORTAL_MISS_LIMIT"] overrides it
# "/b/<token>" (badges) and "/k/<token>" (kiosk screens) as written in a path, and URL-encoded
# as in "/lang/en?next=%2Fb%2F<token>".
BADGE_PATH = re.compile(r"(/[bk]/|%2F[bk]%2F)([A-Za-z0-9_-]{0,4})[^\s/?#&\"']*", re.IGNORECASE)
# Loggers that write request paths: the dev server, gunicorn, and our own error log.
PATH_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "conference.web")


def mask_badge_paths(text: str) -> str:
    """Cut every badge token in `text` to its first four characters."""
    return BADGE_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)


class BadgeTokenFilter(logging.Filter):
    """Mask badge tokens in log lines, which would otherwise open a delegate's portal."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken log call: leave it to the handler
            return True
        if BADGE_PATH.search(message):
            record.msg, record.args = mask_badge_paths(message), ()
        return True


def install_log_filter() -> None:
    for name in PATH_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, BadgeTokenFilter) for existing in logger.filters):
            logger.addFilter(BadgeTokenFilter())


bp.record_once(lambda _state: install_log_filter())


def _miss_limit() -> str:
    return current_app.config.get("PORTAL_MISS_LIMIT", DEFAULT_MISS_LIMIT)


# Only misses count, so a venue of delegates behind one address is never held off; past the
# limit every badge page from that address is refused, or 429 versus 200 would tell a guesser
# which tokens exist.
portal_limit = limiter.shared_limit(_miss_limit, scope="portal-miss",
                                    deduct_when=lambda response: response.status_code == 404)


@bp.after_request
def private(response):
    """A page opened by a secret token: never cached, never sent as a Referer, not indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _current_badge(token: str) -> Delegate | None:
    """The delegate whose current badge this is; None for a replaced one; 404 if unknown."""
    lookup = find_badge(token)
    if lookup is None:
        raise NotFound(_("This badge is not known. Check that the whole code was scanned, or "
                         "ask at the reception desk."))
    return None if lookup.revoked else lookup.delegate


@bp.get("/b/<token>")
@portal_limit
def badge(token: str):
    delegate = _current_badge(token)
    if delegate is None:
        return render_template("portal/replaced.html"), 410
    congress = delegate.congress
    has_photo = photos.photo_path(delegate) is not None
    context = {"congress": congress, "delegate": delegate,
               "photo_url": url_for("portal.photo", token=token) if has_photo else None,
               "category": category_labels(congress).get(delegate.category, delegate.category),
               "withdrawn": delegate.status == DelegateStatus.WITHDRAWN}
    if congress.published:
        context |= {"sessions": ordered_sessions(congress), "state": agenda_state(congress),
                    "current": current_item(congress)}
    return render_template("portal/badge.html", **context)


@bp.get("/b/<token>/photo.jpg")
@portal_limit
def photo(token: str):
    delegate = _current_badge(token)
    if delegate is None:
        return render_template("portal/replaced.html"), 410
    path = photos.small_photo_path(delegate)
    if path is None:
        raise NotFound(_("This delegate has no photo."))
    # Small (a few kilobytes): read at once rather than hold a file open per request.
    return Response(path.read_bytes(), mimetype="image/jpeg")
