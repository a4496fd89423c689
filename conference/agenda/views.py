"""Agenda pages: the organizers' editor, the operator's control and the printable agenda."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda import service
from conference.agenda.models import SESSION_KIND_LABELS, SessionKind
from conference.agenda.pdf import agenda_pdf_job
from conference.auth.service import Capability
from conference.congresses.service import get_congress, get_public_congress
from conference.dates import local_input
from conference.errors import Conflict, ValidationFailed
from conference.i18n import page_locale
from conference.jobs.models import JobStatus
from conference.jobs.service import job_result, wait_for
from conference.validation import record_id
from conference.web import actor, file_response, form_page

bp = Blueprint("agenda", __name__)


@bp.app_template_global()
def kind_label(kind: str) -> str:
    """A session kind's name in the page's language."""
    return SESSION_KIND_LABELS.get(kind, kind)


@bp.app_template_global()
def kind_note(session) -> str:
    """The session's kind for the line under its title, unless the title already says it
    ("Phiên trù bị" over "Phiên trù bị · ..." read twice)."""
    label = str(kind_label(session.kind))
    return "" if label.casefold() in session.title.casefold() else label

SESSION_FORM_FIELDS = service.SESSION_FIELDS
ITEM_FORM_FIELDS = ("title", "presenter", "planned_start", "duration_minutes", "notes")
PDF_WAIT = 8.0  # seconds a request waits for the agenda's render (about 1 s) before a page
PDF_RELOAD = 3  # seconds before that page asks again


def _local_inputs(values: dict, tz: str) -> dict:
    """Show stored instants in <input type=datetime-local> as the congress's local time."""
    return {k: local_input(v, tz) if hasattr(v, "tzinfo") and v else v
            for k, v in values.items()}


@bp.get("/manage/<int:congress_id>/agenda")
@login_required
def edit(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.EDIT_AGENDA)
    return render_template("agenda/edit.html", congress=congress,
                           sessions=service.ordered_sessions(congress))


def _session_form(congress, session=None):
    if session is None:
        values = {"kind": SessionKind.OFFICIAL}
        save = partial(service.create_session, actor(), congress)
    else:
        values = _local_inputs({n: getattr(session, n) for n in SESSION_FORM_FIELDS},
                               congress.timezone)
        save = partial(service.update_session, actor(), session)
    return form_page(
        "agenda/session_form.html", congress=congress, session=session, values=values,
        fields=SESSION_FORM_FIELDS, save=save,
        done=lambda _saved: url_for("agenda.edit", congress_id=congress.id),
        message=_("Session saved."),
        kind_options=[(k.value, SESSION_KIND_LABELS[k]) for k in SessionKind])


@bp.route("/manage/<int:congress_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(congress_id: int):
    return _session_form(get_congress(actor(), congress_id, Capability.EDIT_AGENDA))


@bp.route("/manage/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    session = service.get_session(actor(), session_id, Capability.EDIT_AGENDA)
    return _session_form(session.congress, session)


@bp.post("/manage/sessions/<int:session_id>/delete")
@login_required
def delete_session(session_id: int):
    session = service.get_session(actor(), session_id, Capability.EDIT_AGENDA)
    congress_id = session.congress_id
    service.delete_session(actor(), session)
    flash(_("Session deleted."))
    return redirect(url_for("agenda.edit", congress_id=congress_id))


def _item_form(session, item=None):
    congress = session.congress
    if item is None:
        values = {"session_id": session.id}
        save = partial(service.create_item, actor(), session)
    else:
        values = _local_inputs({n: getattr(item, n) for n in ITEM_FORM_FIELDS}, congress.timezone)
        values["session_id"] = item.session_id
        save = partial(service.update_item, actor(), item)
    return form_page(
        "agenda/item_form.html", congress=congress, session=session, item=item, values=values,
        fields=(*ITEM_FORM_FIELDS, "session_id"), save=save,
        done=lambda _saved: url_for("agenda.edit", congress_id=congress.id),
        message=_("Agenda item saved."),
        session_options=[(s.id, s.title) for s in service.ordered_sessions(congress)])


@bp.route("/manage/sessions/<int:session_id>/items/new", methods=["GET", "POST"])
@login_required
def new_item(session_id: int):
    return _item_form(service.get_session(actor(), session_id, Capability.EDIT_AGENDA))


@bp.route("/manage/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    item = service.get_item(actor(), item_id, Capability.EDIT_AGENDA)
    return _item_form(item.session, item)


@bp.post("/manage/items/<int:item_id>/delete")
@login_required
def delete_item(item_id: int):
    item = service.get_item(actor(), item_id, Capability.EDIT_AGENDA)
    congress_id = item.session.congress_id
    service.delete_item(actor(), item)
    flash(_("Agenda item deleted."))
    return redirect(url_for("agenda.edit", congress_id=congress_id))


@bp.post("/manage/items/<int:item_id>/move")
@login_required
def move_item(item_id: int):
    """The no-JavaScript way to reorder: one place up or down."""
    item = service.get_item(actor(), item_id, Capability.EDIT_AGENDA)
    congress_id = item.session.congress_id
    service.move_item(actor(), item, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("agenda.edit", congress_id=congress_id) + f"#item-{item_id}")


@bp.post("/manage/<int:congress_id>/agenda/arrange")
@login_required
def arrange(congress_id: int):
    """Drag and drop posts the whole new order here: {"sessions": {"<id>": [item ids]}}."""
    congress = get_congress(actor(), congress_id, Capability.EDIT_AGENDA)
    service.arrange_agenda(actor(), congress,
                           service.parse_layout(request.get_json(silent=True)))
    return jsonify(service.agenda_state(congress))


@bp.get("/manage/<int:congress_id>/control")
@login_required
def control(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.DRIVE_AGENDA)
    return render_template("agenda/control.html", congress=congress,
                           sessions=service.ordered_sessions(congress),
                           current=service.current_item(congress))


@bp.post("/manage/<int:congress_id>/control/<action>")
@login_required
def drive(congress_id: int, action: str):
    """Start an item, go to the next or previous one, or clear the current item."""
    congress = get_congress(actor(), congress_id, Capability.DRIVE_AGENDA)
    try:
        if action == "next":
            service.step_current_item(actor(), congress, +1)
        elif action == "previous":
            service.step_current_item(actor(), congress, -1)
        elif action == "clear":
            service.set_current_item(actor(), congress, None)
        elif action == "start":
            service.set_current_item(actor(), congress, request.form.get("item_id", type=record_id))
        else:
            return render_template("error.html", status=404, message=_("Unknown action.")), 404
    except (ValidationFailed, Conflict) as exc:
        flash(exc.message, "error")
    return redirect(url_for("agenda.control", congress_id=congress.id))


def _pdf_response(congress) -> Response:
    """The cached PDF of this revision, or a page that reloads itself until it is made."""
    job = wait_for(agenda_pdf_job(congress, page_locale()), PDF_WAIT)
    if job.status == JobStatus.DONE:
        return file_response(job_result(job), f"agenda-{congress.slug}.pdf", "application/pdf",
                             inline=True, cache=None)
    failed = job.status == JobStatus.FAILED  # the next request starts it again
    page = render_template("agenda/pdf_wait.html", congress=congress, failed=failed,
                           reload_seconds=PDF_RELOAD)
    return Response(page, status=503 if failed else 202, headers={
        "Retry-After": str(PDF_RELOAD), "Cache-Control": "no-store"})


@bp.get("/c/<slug>/agenda.pdf")
def public_pdf(slug: str):
    return _pdf_response(get_public_congress(slug))


@bp.get("/manage/<int:congress_id>/agenda.pdf")
@login_required
def manage_pdf(congress_id: int):
    return _pdf_response(get_congress(actor(), congress_id))
