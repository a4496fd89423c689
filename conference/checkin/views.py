"""The scanner page at the doors: camera, USB scanner or search, and a large answer panel.

The page works without JavaScript (forms answered with the page and its panel); with it, scans
go to the JSON endpoint and come back with the same panel rendered by the same template.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda.models import CongressSession
from conference.agenda.service import ordered_sessions
from conference.auth.service import Capability
from conference.checkin import service
from conference.checkin.models import CheckIn
from conference.checkin.schemas import GateManifest, OfflineBatchResult
from conference.congresses.models import Congress
from conference.congresses.service import get_congress
from conference.dates import to_local, utcnow
from conference.delegates import photos
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.search import search_delegates
from conference.delegates.service import category_labels
from conference.errors import ConferenceError, Conflict, Gone, NotFound, ValidationFailed
from conference.validation import optional_id
from conference.web import actor

bp = Blueprint("checkin", __name__)

SEARCH_LIMIT = 15
REFUSALS = (NotFound, Gone, Conflict, ValidationFailed)


@dataclass
class Panel:
    """The answer shown at the door: ok (green), warn (amber) or err (red)."""

    result: str  # checked_in, already_checked_in, refused, undone
    tone: str
    title: str
    message: str = ""
    code: str = ""
    delegate: Delegate | None = None
    checkin: CheckIn | None = None
    session: CongressSession | None = None


def staff_photo_url(delegate: Delegate | None) -> str | None:
    """The delegate's photo as the delegates feature serves it to staff, or None."""
    if delegate is None or photos.photo_path(delegate) is None:
        return None
    return url_for("delegates.photo", delegate_id=delegate.id)


def time_style(congress: Congress, moment) -> str:
    """Only the time for a moment of today, the full date for an earlier day."""
    today = to_local(utcnow(), congress.timezone).date()
    return "time" if to_local(moment, congress.timezone).date() == today else "full"


@bp.context_processor
def _helpers():
    return {"photo_url": staff_photo_url}


def _session_choice(value) -> int | None:
    """The session field as sent: empty means the session under way."""
    value = "" if value is None else str(value).strip()
    if not value:
        return None
    session_id = optional_id(value)
    if session_id is None:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"session_id": _("No such session in this congress.")})
    return session_id


def _refused(error: ConferenceError) -> Panel:
    titles = {"badge_unknown": _("Unknown badge"),
              "badge_revoked": _("Replaced badge: not valid"),
              "delegate_withdrawn": _("Delegate withdrawn")}
    message = error.message
    if isinstance(error, ValidationFailed) and error.fields:
        message = " ".join(error.fields.values())
    return Panel("refused", "err", titles.get(error.code, _("Not checked in")), message,
                 code=error.code, delegate=getattr(error, "delegate", None))


def _check_in(congress: Congress, data) -> tuple[Panel, int]:
    """Check in from a scan or a delegate id; refusals become a red panel, not an error page."""
    gate = str(data.get("gate") or "")[:service.GATE_LENGTH]
    delegate_id = str(data.get("delegate_id") or "").strip()
    try:
        session_id = _session_choice(data.get("session_id"))
        if delegate_id:
            delegate_key = optional_id(delegate_id)
            if delegate_key is None:
                raise NotFound(_("Delegate not found."))
            delegate = service.get_congress_delegate(actor(), congress, delegate_key)
            result = service.check_in_delegate(actor(), delegate, gate=gate,
                                               session_id=session_id)
        else:
            result = service.record_scan(actor(), congress.id, {
                "scan": str(data.get("scan") or ""), "gate": gate, "session_id": session_id})
    except REFUSALS as error:
        return _refused(error), error.status
    session = result.checkin.session
    if result.created:
        return Panel("checked_in", "ok", _("Checked in"), delegate=result.delegate,
                     checkin=result.checkin, session=session), 201
    return Panel("already_checked_in", "warn", _("Already checked in"),
                 delegate=result.delegate, checkin=result.checkin, session=session), 200


def _panel_html(congress: Congress, panel: Panel, gate: str = "", session_value="") -> str:
    return render_template("checkin/_result.html", congress=congress, panel=panel,
                           labels=category_labels(congress), gate=gate,
                           session_value=session_value or "",
                           panel_time_style=lambda moment: time_style(congress, moment))


def _search(congress: Congress, q: str, session_choice) -> tuple[list[Delegate], dict, int]:
    if not q:
        return [], {}, 0
    found = search_delegates(congress, q=q, page_size=SEARCH_LIMIT)
    try:
        session = service.session_for(congress, _session_choice(session_choice))
    except ValidationFailed:
        session = None
    present = service.checkins_of([d.id for d in found.delegates], session)
    return found.delegates, present, found.total


@bp.route("/manage/<int:congress_id>/checkin", methods=["GET", "POST"])
@login_required
def scanner(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.CHECK_IN)
    values = request.form if request.method == "POST" else request.args
    gate = values.get("gate", "").strip()[:service.GATE_LENGTH]
    session_value = values.get("session_id", "").strip()
    panel, status = None, 200
    if request.method == "POST":
        panel, status = _check_in(congress, values)
        status = 200 if status == 201 else status
    q = request.args.get("q", "").strip()
    results, present, total = _search(congress, q, session_value)
    return render_template(
        "checkin/scanner.html", congress=congress, sessions=ordered_sessions(congress),
        under_way=service.session_under_way(congress), gate=gate, session_value=session_value,
        panel=panel, q=q, results=results, present=present, total=total,
        labels=category_labels(congress), withdrawn=DelegateStatus.WITHDRAWN,
        panel_time_style=lambda moment: time_style(congress, moment)), status


@bp.post("/manage/<int:congress_id>/checkin/scan")
@login_required
def scan(congress_id: int):
    """JSON for the page's script: the same panel as HTML, with what the script acts on."""
    congress = get_congress(actor(), congress_id, Capability.CHECK_IN)
    data = _json_object()
    panel, status = _check_in(congress, data)
    checkin_id = panel.checkin.id if panel.checkin is not None else None
    return jsonify(result=panel.result, code=panel.code, checkin_id=checkin_id,
                   delegate=panel.delegate.full_name if panel.delegate else None,
                   html=_panel_html(congress, panel, str(data.get("gate") or ""),
                                    data.get("session_id"))), status


def _json_object() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ConferenceError(_("Send a JSON object."), code="invalid_json")
    return data


@bp.get("/manage/<int:congress_id>/checkin/manifest")
@login_required
def manifest(congress_id: int):
    """The badges the page keeps to decide at the door while the network is down."""
    congress = get_congress(actor(), congress_id, Capability.CHECK_IN)
    found = service.gate_manifest(actor(), congress, request.args)
    return jsonify(GateManifest.of(congress.id, found).model_dump(mode="json"))


@bp.post("/manage/<int:congress_id>/checkin/batch")
@login_required
def batch(congress_id: int):
    """The scans the page made offline, sent when the network is back (see the API's batch)."""
    congress = get_congress(actor(), congress_id, Capability.CHECK_IN)
    outcomes = service.record_offline_scans(actor(), congress, _json_object())
    return jsonify(OfflineBatchResult.of(outcomes).model_dump(mode="json"))


@bp.get("/manage/<int:congress_id>/checkin/search")
@login_required
def search(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.CHECK_IN)
    q = request.args.get("q", "").strip()
    session_value = request.args.get("session_id", "").strip()
    results, present, total = _search(congress, q, session_value)
    html = render_template("checkin/_search_results.html", congress=congress, q=q,
                           results=results, present=present, total=total,
                           labels=category_labels(congress),
                           withdrawn=DelegateStatus.WITHDRAWN,
                           gate=request.args.get("gate", ""), session_value=session_value)
    return jsonify(count=len(results), total=total, html=html)


@bp.post("/manage/checkins/<int:checkin_id>/undo")
@login_required
def undo(checkin_id: int):
    checkin = service.get_checkin(actor(), checkin_id)
    congress, delegate = checkin.delegate.congress, checkin.delegate
    service.undo_checkin(actor(), checkin)
    panel = Panel("undone", "info", _("Check-in undone"),
                  _("%(name)s is no longer checked in.", name=delegate.full_name),
                  delegate=delegate)
    if request.is_json:
        return jsonify(result="undone", html=_panel_html(congress, panel))
    flash(panel.message)
    return redirect(url_for("checkin.scanner", congress_id=congress.id,
                            gate=request.form.get("gate") or None,
                            session_id=request.form.get("session_id") or None))
