"""Screen pages: the kiosk page a screen opens (the token is the key), uploaded images, and
the operators' console."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from conference.displays import service
from conference.displays.scenes import image_path
from conference.errors import NotFound
from conference.portal.views import portal_limit

bp = Blueprint("displays", __name__)


def scene_labels() -> dict[str, str]:
    """The words scenes.js draws, in the page's language."""
    return {
        "no_item": _("The congress will begin shortly"),
        "present": _("Present"), "expected": _("Summoned"), "required": _("Needed"),
        "quorum_met": _("Quorum reached"), "quorum_not_met": _("Quorum not yet reached"),
        "guests": _("Guests present"),
        "live": _("Live now"), "scheduled": _("Scheduled"), "replay": _("Replay"),
        "ended": _("Ended"), "no_stream": _("Livestream"),
        "scan": _("Scan the code with your phone"), "started": _("Started"),
        "days": _("days"),
        "heading_current_item": _("Now"), "heading_agenda": _("Agenda"),
        "heading_attendance": _("Attendance"), "heading_stream": "", "heading_qr": "",
        "heading_image": "", "heading_clock": ""}


@bp.get("/k/<token>")
@portal_limit
def kiosk(token: str):
    """The kiosk page a screen opens full-screen; its first paint needs no socket."""
    screen = service.find_screen_by_token(token)
    if screen is None:
        raise NotFound(_("This screen address is not known, or it was replaced."))
    service.screen_seen(screen, base_url=request.host_url.rstrip("/"))
    response = Response(render_template("displays/kiosk.html", screen=screen, token=token,
                                        state=service.screen_state(screen),
                                        labels=scene_labels()))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/screen-images/<name>")
def image(name: str):
    """An uploaded screen image: shown on public walls anyway, named unguessably, never
    rewritten, so cached for long."""
    path = image_path(name)
    if path is None:
        raise NotFound(_("Image not found."))
    # Read whole (a few hundred KB) rather than hold a file open per request.
    return Response(path.read_bytes(), mimetype="image/jpeg",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})
