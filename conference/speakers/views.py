"""Speakers' pages: the chair's console under /manage and the request to speak on the portal.

The console's buttons are plain forms (they work without JavaScript: each answers with a
redirect back); its script sends the same forms asking for JSON and fetches the list again as
HTML after each change or push. The portal's panel does the same through the badge address.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda.service import current_item, ordered_sessions
from conference.auth.service import Capability
from conference.badges.identity import find_badge
from conference.congresses.service import get_congress
from conference.delegates.models import DelegateStatus
from conference.delegates.search import search_delegates
from conference.documents.service import public_documents
from conference.errors import ConferenceError, NotFound, ValidationFailed
from conference.failures import FailureGuard
from conference.portal.views import Panel, add_panel
from conference.speakers import service
from conference.speakers.models import KIND_LABELS, STATUS_LABELS, SpeakerKind, SpeakerStatus
from conference.token_pages import miss_limit, private
from conference.validation import optional_id
from conference.web import actor, form_values, wants_json

bp = Blueprint("speakers", __name__)

SPEAKER_FIELDS = ("name", "unit", "title", "kind", "document_id", "delegate_id")
FOUND_LIMIT = 8  # delegates the console's search shows: type more of the name for others
# Asking and withdrawing are cheap for a phone and show on the chair's console: a delegate
# gets 10 changes in 10 minutes (far more than any honest use), a venue's address (the whole
# hall behind one NAT) 600 a minute.
PORTAL_CHANGES = FailureGuard(
    "speaker-requests", "10 per 10 minutes", "600 per minute",
    lambda seconds: _("Too many requests to speak from this badge. Wait %(n)d seconds.",
                      n=seconds))


@bp.app_template_global()
def speaker_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global()
def speaker_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# --- the chair's console -------------------------------------------------------------------


def _console_context(congress, item) -> dict:
    state = service.list_state(item)
    return {"congress": congress, "item": item, "state": state,
            "speaking": next((s for s in state["speakers"] if s["status"] == "speaking"), None),
            "statuses": SpeakerStatus, "kinds": SpeakerKind}


def _chosen_item(congress):
    """The item named by ?item=, else the one whose speaker speaks, else the item under way,
    else the first with a list, else the agenda's first."""
    item_id = optional_id(request.args.get("item"))
    if item_id is not None:
        item = service.get_agenda_item(actor(), item_id)
        if item.session.congress_id != congress.id:
            raise NotFound(_("Agenda item not found."))
        return item
    items = [item for session in ordered_sessions(congress) for item in session.items]
    listed = service.items_with_speakers(congress)
    return service.followed_item(congress) or next(
        (item for item in items if item.id in listed), items[0] if items else None)


def _found_delegates(congress, item) -> dict:
    """The delegates the console's search (?q=: name, code or unit, with or without marks)
    finds, to put on the item's list with one button unless they wait or speak there."""
    q = request.args.get("q", "").strip()[:200]
    found = search_delegates(congress, q=q, page_size=FOUND_LIMIT) if q else None
    listed = service.delegates_in_line(item) if q else set()
    return {"q": q, "found": found, "listed": listed, "withdrawn": DelegateStatus.WITHDRAWN}


@bp.get("/manage/<int:congress_id>/speakers")
@login_required
def console(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.RUN_PROCEEDINGS)
    item = _chosen_item(congress)
    context = {"congress": congress, "item": item, "sessions": ordered_sessions(congress),
               "current": current_item(congress),
               "documents": [(d.id, d.title) for d, _v in public_documents(congress)],
               "kind_options": [(k.value, KIND_LABELS[k]) for k in SpeakerKind]}
    if item is not None:
        context |= _console_context(congress, item) | _found_delegates(congress, item)
    return render_template("speakers/console.html", **context)


@bp.get("/manage/items/<int:item_id>/speakers/delegates")
@login_required
def delegates_found(item_id: int):
    """The search's results as HTML, fetched by the console's script as the name is typed."""
    item = service.get_agenda_item(actor(), item_id)
    congress = item.session.congress
    return render_template("speakers/_delegates_found.html", congress=congress, item=item,
                           **_found_delegates(congress, item))


@bp.get("/manage/items/<int:item_id>/speakers")
@login_required
def list_fragment(item_id: int):
    """The list and the current speaker as HTML, fetched again by the console's script."""
    item = service.get_agenda_item(actor(), item_id)
    return render_template("speakers/_console_list.html",
                           **_console_context(item.session.congress, item))


def _done(item_id: int, message: str, anchor: str = "", status: int = 200):
    if wants_json():
        return jsonify(service.list_state(service.get_agenda_item(actor(), item_id))), status
    flash(message)
    return redirect(url_for("speakers.console", congress_id=service.get_agenda_item(
        actor(), item_id).session.congress_id, item=item_id) + anchor)


def _refused(item_id: int, error: ConferenceError):
    if wants_json():
        return jsonify(error.to_dict()), error.status
    flash(" ".join([error.message, *map(str, error.fields.values())]), "error")
    return redirect(url_for("speakers.console", congress_id=service.get_agenda_item(
        actor(), item_id).session.congress_id, item=item_id))


@bp.post("/manage/items/<int:item_id>/speakers")
@login_required
def add(item_id: int):
    item = service.get_agenda_item(actor(), item_id)
    values = {k: v for k, v in form_values(SPEAKER_FIELDS).items() if v != ""}
    if "document_id" in values:
        values["document_id"] = optional_id(values["document_id"]) or 0
    minutes = request.form.get("minutes", "").strip()
    try:
        if minutes:
            values["duration"] = _seconds(minutes)
        service.add_speaker(actor(), item, values)
    except ConferenceError as error:
        return _refused(item_id, error)
    return _done(item_id, _("Speaker added."), "#add-speaker", 201)


def _seconds(minutes: str) -> int:
    """Minutes as typed ("5", "2.5", "2,5") to the service's seconds."""
    try:
        return round(float(minutes.replace(",", ".")) * 60)
    except ValueError:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "minutes": _("Enter the speaking time in minutes, e.g. 5 or 2.5.")}) from None


LIST_ACTIONS = ("next", "close", "reopen", "settings")


@bp.post("/manage/items/<int:item_id>/speakers/<action>")
@login_required
def list_action(item_id: int, action: str):
    """Call the next speaker, close or reopen the list, or set its default speaking times."""
    item = service.get_agenda_item(actor(), item_id)
    if action not in LIST_ACTIONS:
        raise NotFound(_("Unknown action."))
    try:
        if action == "next":
            speaker = service.call_next(actor(), item)
            message = _("%(name)s is called to speak.", name=speaker.name)
        elif action in ("close", "reopen"):
            service.close_list(actor(), item, action == "close")
            message = _("The list is closed.") if action == "close" else _("The list is open.")
        else:
            service.update_list(actor(), item, {
                "floor_seconds": _seconds(request.form.get("floor_minutes", "")),
                "registered_seconds": _seconds(request.form.get("registered_minutes", ""))})
            message = _("Speaking times saved.")
    except ConferenceError as error:
        return _refused(item_id, error)
    return _done(item_id, message)


SPEAKER_ACTIONS = ("start", "pause", "stop", "up", "down", "remove", "time")


@bp.post("/manage/speakers/<int:speaker_id>/<action>")
@login_required
def speaker_action(speaker_id: int, action: str):
    """The timer (start, pause, stop), the order (up, down), removal and the speaking time."""
    speaker = service.get_speaker(actor(), speaker_id)
    if action not in SPEAKER_ACTIONS:
        raise NotFound(_("Unknown action."))
    item_id = speaker.speaker_list.item_id
    messages = {"start": _("Timer started."), "pause": _("Timer paused."),
                "stop": _("Speaker done."), "up": _("Moved up."), "down": _("Moved down."),
                "remove": _("Speaker removed."), "time": _("Speaking time saved.")}
    try:
        if action == "start":
            service.start_speaker(actor(), speaker)
        elif action == "pause":
            service.pause_speaker(actor(), speaker)
        elif action == "stop":
            service.stop_speaker(actor(), speaker)
        elif action in ("up", "down"):
            service.move_speaker(actor(), speaker, -1 if action == "up" else 1)
        elif action == "remove":
            service.remove_speaker(actor(), speaker)
        else:
            service.update_speaker(actor(), speaker, {
                "duration": _seconds(request.form.get("minutes", ""))})
    except ConferenceError as error:
        return _refused(item_id, error)
    return _done(item_id, messages[action], f"#speaker-{speaker_id}")


# --- the delegate's portal -----------------------------------------------------------------


def panel_values(delegate, token: str) -> dict:
    return service.delegate_view(delegate) | {"token": token}


add_panel(Panel(template="speakers/_portal_panel.html", context=panel_values,
                script="js/speakers-portal.js"))


portal = Blueprint("speakers_portal", __name__)
portal.after_request(private)


@portal.get("/b/<token>/speakers")
@miss_limit
def portal_panel(token: str):
    """The portal's panel, fetched again by its script after a change of the list."""
    delegate = find_badge(token)
    return render_template("speakers/_portal_panel.html",
                           values=panel_values(delegate, token))


def _portal_answer(token: str, message: str, status: int):
    if wants_json():
        return jsonify({"message": message}), status
    flash(message)
    return redirect(url_for("portal.badge", token=token) + "#speakers")


def _portal_refusal(token: str, error: ConferenceError):
    if wants_json():
        return jsonify(error.to_dict()), error.status
    return render_template("speakers/portal_refused.html", token=token,
                           message=error.message), error.status


@portal.post("/b/<token>/speakers")
@miss_limit
def request_to_speak(token: str):
    delegate = find_badge(token)
    PORTAL_CHANGES.failed(f"delegate:{delegate.id}")
    try:
        speaker = service.request_to_speak(delegate, optional_id(request.form.get("item_id")))
    except ConferenceError as error:
        return _portal_refusal(token, error)
    place = service.delegate_view(delegate)["place"]
    return _portal_answer(token, _("Your request to speak is registered: you are number "
                                   "%(place)s in line.", place=place or speaker.position), 201)


@portal.post("/b/<token>/speakers/<int:speaker_id>/withdraw")
@miss_limit
def withdraw(token: str, speaker_id: int):
    delegate = find_badge(token)
    PORTAL_CHANGES.failed(f"delegate:{delegate.id}")
    try:
        service.withdraw_request(delegate, speaker_id)
    except ConferenceError as error:
        return _portal_refusal(token, error)
    return _portal_answer(token, _("Your request to speak is withdrawn."), 200)
