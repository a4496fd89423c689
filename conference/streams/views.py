"""Livestream pages: the organizers' list and form, the operator's status buttons, posters,
and the streams part of the public page and the delegate portal."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda.service import ordered_sessions
from conference.auth.service import Capability, can
from conference.congresses.service import get_congress, get_public_congress
from conference.dates import local_input
from conference.errors import ValidationFailed
from conference.i18n import page_locale
from conference.jobs.views import file_or_progress
from conference.qr import large_qr_png
from conference.streams import poster, service
from conference.streams.embed import FRAME_SOURCES
from conference.streams.models import DISPLAY_LABELS, PLATFORM_LABELS, Platform, StreamStatus
from conference.urls import public_base_url
from conference.web import actor, allow_frames, file_response, form_page

bp = Blueprint("streams", __name__)
bp.record_once(lambda state: allow_frames(state.app, *FRAME_SOURCES))  # the players, on tap


@bp.app_template_global()
def public_streams(congress) -> dict:
    """The streams part of a public page: the rows to list (live ones first, so a phone shows
    what is on now at the top) and the state live pushes update."""
    streams = service.list_streams(congress)
    return {"streams": service.live_first(streams),
            "state": service.streams_state(congress, streams),
            "labels": DISPLAY_LABELS, "platform_label": service.platform_label}


@bp.get("/c/<slug>/streams-fragment")
def public_fragment(slug: str):
    """The list of streams, fetched by live-streams.js when streams are added or edited."""
    return render_template("streams/_list.html", congress=get_public_congress(slug))


@bp.get("/manage/<int:congress_id>/streams")
@login_required
def manage(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.DRIVE_AGENDA)
    return render_template(
        "streams/manage.html", congress=congress, streams=service.list_streams(congress),
        may_edit=can(actor(), congress, Capability.EDIT_CONGRESS),
        labels=DISPLAY_LABELS, platform_label=service.platform_label,
        statuses=[(StreamStatus.SCHEDULED, _("Scheduled")), (StreamStatus.LIVE, _("Live now")),
                  (StreamStatus.ENDED, _("Ended"))])


def _stream_form(congress, stream=None):
    if stream is None:
        values = {"platform": "", "status": StreamStatus.SCHEDULED}
        save = partial(service.create_stream, actor(), congress)
    else:
        values = {name: getattr(stream, name) for name in service.FIELDS}
        if stream.scheduled_start:
            values["scheduled_start"] = local_input(stream.scheduled_start, congress.timezone)
        save = partial(service.update_stream, actor(), stream)
    return form_page(
        "streams/form.html", congress=congress, stream=stream, values=values,
        fields=service.FIELDS, save=save,
        done=lambda _saved: url_for("streams.manage", congress_id=congress.id),
        message=_("Livestream saved."),
        platform_options=[("", _("Detect from the address"))] + [
            (p.value, PLATFORM_LABELS[p]) for p in Platform],
        session_options=[("", _("The whole congress"))] + [
            (s.id, s.title) for s in ordered_sessions(congress)],
        status_options=[(s.value, DISPLAY_LABELS[s.value]) for s in StreamStatus])


@bp.route("/manage/<int:congress_id>/streams/new", methods=["GET", "POST"])
@login_required
def new(congress_id: int):
    return _stream_form(get_congress(actor(), congress_id, Capability.EDIT_CONGRESS))


@bp.route("/manage/streams/<int:stream_id>/edit", methods=["GET", "POST"])
@login_required
def edit(stream_id: int):
    stream = service.get_stream(actor(), stream_id, Capability.EDIT_CONGRESS)
    return _stream_form(stream.congress, stream)


@bp.post("/manage/streams/<int:stream_id>/delete")
@login_required
def delete(stream_id: int):
    stream = service.get_stream(actor(), stream_id, Capability.EDIT_CONGRESS)
    congress_id = stream.congress_id
    service.delete_stream(actor(), stream)
    flash(_("Livestream deleted."))
    return redirect(url_for("streams.manage", congress_id=congress_id))


@bp.post("/manage/streams/<int:stream_id>/status")
@login_required
def set_status(stream_id: int):
    """The operator's buttons: scheduled, live or ended, with the replay link if given."""
    stream = service.get_stream(actor(), stream_id, Capability.DRIVE_AGENDA)
    congress_id = stream.congress_id
    try:
        service.set_stream_status(actor(), stream, request.form.get("status", ""),
                                  request.form.get("replay_url"))
    except ValidationFailed as exc:
        flash(" ".join(exc.fields.values()) or exc.message, "error")
    else:
        flash(_("Livestream status saved."))
    return redirect(url_for("streams.manage", congress_id=congress_id) + f"#stream-{stream_id}")


@bp.get("/manage/streams/<int:stream_id>/qr.png")
@login_required
def qr_code(stream_id: int):
    stream = service.get_stream(actor(), stream_id, Capability.DRIVE_AGENDA)
    return file_response(large_qr_png(stream.url), f"stream-{stream.id}.png", "image/png",
                         inline=True, cache="no-cache")


@bp.get("/manage/<int:congress_id>/poster.pdf")
@login_required
def congress_poster(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_CONGRESS)
    size = poster.check_size(request.args.get("size"))
    url = public_base_url() + url_for("congresses.public", slug=congress.slug)
    job = poster.start_poster_job(actor(), congress, size, page_locale(), public_url=url)
    return file_or_progress(job, f"poster-{congress.slug}-{size}.pdf")


@bp.get("/manage/streams/<int:stream_id>/poster.pdf")
@login_required
def stream_poster(stream_id: int):
    stream = service.get_stream(actor(), stream_id, Capability.EDIT_CONGRESS)
    size = poster.check_size(request.args.get("size"))
    job = poster.start_poster_job(actor(), stream.congress, size, page_locale(), stream=stream)
    return file_or_progress(job, f"poster-stream-{stream.id}-{size}.pdf")
