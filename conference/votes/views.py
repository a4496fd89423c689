"""Vote pages: the secretariat's console (/manage/<id>/votes) and the delegate's part of the
portal (/b/<token>: the panel, its fragment, and casting a vote from the phone)."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda.service import ordered_sessions
from conference.badges.identity import find_badge
from conference.congresses.service import get_congress
from conference.errors import ConferenceError, RateLimited
from conference.portal.views import Panel, add_panel
from conference.tables import table_file
from conference.token_pages import miss_limit, private
from conference.votes import service
from conference.web import actor, file_response, form_values, wants_json, when

bp = Blueprint("votes", __name__)
portal_bp = Blueprint("votes_portal", __name__)
portal_bp.after_request(private)

DEVICE_COOKIE = "vote_device"
DEVICE_DAYS = 30  # longer than any congress: the PIN is asked once per phone

LABELS = service.LABELS
FIELDS = ("item_id", "question", "method", "majority", "base", "secret")


@bp.app_template_global()
def vote_percent(value: float | None) -> str:
    """A share of the base as the page's language writes it: 66,7 % in Vietnamese."""
    return "" if value is None else format_percent(value / 100, "#,##0.#%")


@bp.app_template_global()
def vote_labels() -> dict:
    return {key: str(text) for key, text in LABELS.items()}


# --- the console -----------------------------------------------------------------------------


def _console(congress, *, status: int = 200, errors: dict | None = None,
             values: dict | None = None, count_errors: dict | None = None):
    votes = service.list_votes(actor(), congress)
    items = [(item.id, f"{session.title} · {item.title}")
             for session in ordered_sessions(congress) for item in session.items]
    current = congress.current_item_id
    return render_template(
        "votes/console.html", congress=congress, votes=votes, items=items,
        summaries={vote.id: service.summary(vote) for vote in votes}, rule_text=service.rule_text,
        values=values or {"item_id": current or "", "method": "cards", "majority": "half",
                          "base": "present"},
        errors=errors or {}, count_errors=count_errors or {}), status


@bp.route("/manage/<int:congress_id>/votes", methods=["GET", "POST"])
@login_required
def console(congress_id: int):
    """The secretariat's votes: set one up, open it, enter counts, close it, see results."""
    congress = get_congress(actor(), congress_id, service.CAPABILITY)
    if request.method == "GET":
        return _console(congress)
    values = form_values(FIELDS, booleans=("secret",))
    try:
        item = service.get_item(actor(), _int(values.pop("item_id")))
        if item.session.congress_id != congress.id:
            raise ConferenceError(_("Choose an agenda item of this congress."))
        service.create_vote(actor(), item, values)
    except ConferenceError as exc:
        errors = exc.fields or {"item_id": exc.message}
        return _console(congress, status=422, errors=errors, values=form_values(
            FIELDS, booleans=("secret",)))
    flash(_("Vote set up. Open it when the hall is ready."))
    return redirect(url_for("votes.console", congress_id=congress.id))


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _back(vote) -> str:
    return url_for("votes.console", congress_id=vote.congress_id) + f"#vote-{vote.id}"


@bp.post("/manage/votes/<int:vote_id>/open")
@login_required
def open_vote(vote_id: int):
    vote = service.get_vote(actor(), vote_id)
    service.open_vote(actor(), vote)
    flash(_("The vote is open."))
    return redirect(_back(vote))


@bp.post("/manage/votes/<int:vote_id>/close")
@login_required
def close_vote(vote_id: int):
    vote = service.get_vote(actor(), vote_id)
    service.close_vote(actor(), vote)
    flash(_("The vote is closed."))
    return redirect(_back(vote))


@bp.post("/manage/votes/<int:vote_id>/counts")
@login_required
def enter_counts(vote_id: int):
    """The counts of a show of cards; counts above those present are shown again, 422."""
    vote = service.get_vote(actor(), vote_id)
    counts = {name: request.form.get(name, "") for name in ("for", "against", "abstain")}
    try:
        service.enter_counts(actor(), vote, counts)
    except ConferenceError as exc:
        if exc.status != 422:
            raise
        return _console(vote.congress, status=422,
                        count_errors={"vote_id": vote.id, "message": exc.message,
                                      "typed": counts})
    flash(_("Counts saved."))
    return redirect(_back(vote))


@bp.post("/manage/votes/<int:vote_id>/delete")
@login_required
def delete_vote(vote_id: int):
    vote = service.get_vote(actor(), vote_id)
    congress_id = vote.congress_id
    service.delete_vote(actor(), vote)
    flash(_("Vote removed."))
    return redirect(url_for("votes.console", congress_id=congress_id))


@bp.get("/manage/<int:congress_id>/votes/<any(results, record):what>.<any(csv, xlsx):kind>")
@login_required
def export(congress_id: int, what: str, kind: str):
    """The results of the congress's votes, or the record of who entered which counts."""
    congress = get_congress(actor(), congress_id, service.CAPABILITY)
    if what == "results":
        rows = [[_("Vote"), _("Agenda item"), _("Question"), _("Method"), _("Rule"),
                 _("Secret"), _("Status"), _("Present"), _("Summoned"), _("Voted"),
                 LABELS["for"], LABELS["against"], LABELS["abstain"], _("Result"),
                 _("Opened"), _("Opened by"), _("Closed"), _("Closed by")]]
        for vote in service.list_votes(actor(), congress):
            data = service.summary(vote)
            rows.append([vote.id, vote.item.title, vote.question, LABELS[vote.method],
                         service.rule_text(vote), _("yes") if vote.secret else _("no"),
                         LABELS[vote.status], data["eligible"], data["summoned"], data["voted"],
                         data["for"], data["against"], data["abstain"], _result(vote),
                         _when(vote.opened_at, congress), _username(vote.opened_by),
                         _when(vote.closed_at, congress), _username(vote.closed_by)])
        title = _("Votes")
    else:
        rows = [[_("Vote"), _("Question"), LABELS["for"], LABELS["against"], LABELS["abstain"],
                 _("Entered by"), _("Entered at")]]
        rows += [[vote.id, vote.question, entry.votes_for, entry.votes_against,
                  entry.votes_abstain, entry.entered_by_name, _when(entry.entered_at, congress)]
                 for vote, entry in service.count_entries(actor(), congress)]
        title = _("Counts entered")
    name, mimetype, data = table_file(f"{what}-{congress.slug}", kind, [
        [str(cell) if cell is not None else "" for cell in row] for row in rows], title)
    return file_response(data, name, mimetype)


def _result(vote) -> str:
    if vote.passed is None:
        return ""
    return _("Passed") if vote.passed else _("Not passed")


def _username(user) -> str:
    return user.username if user is not None else ""


def _when(value, congress) -> str:
    return when(value, congress) if value else ""


# --- the portal ------------------------------------------------------------------------------


def _device_key() -> str | None:
    return request.cookies.get(DEVICE_COOKIE) or None


def panel_values(delegate, token: str) -> dict:
    """What the portal's vote panel shows (Panel.context)."""
    shown = service.portal_vote(delegate, _device_key())
    return {"token": token, "shown": shown,
            "summary": service.summary(shown.vote) if shown else None,
            "rule": service.rule_text(shown.vote) if shown else ""}


add_panel(Panel(template="votes/_panel.html", context=panel_values, script="js/votes-portal.js"))


@portal_bp.get("/b/<token>/votes")
@miss_limit
def panel(token: str):
    """The vote panel, fetched again by votes-portal.js when a vote opens or closes."""
    delegate = find_badge(token)
    return render_template("votes/_panel.html", values=panel_values(delegate, token))


@portal_bp.post("/b/<token>/votes/<int:vote_id>")
@miss_limit
def cast(token: str, vote_id: int):
    """A delegate's vote from their phone: JSON from the panel's script, or the panel's form
    (redirected back to the portal). A phone that has not proved the badge's PIN sends it."""
    delegate = find_badge(token)
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        data = {}
    data = {key: data[key] for key in ("choice", "pin") if key in data}
    try:
        done = service.cast_ballot(delegate, vote_id, data, _device_key())
    except ConferenceError as exc:
        if wants_json():
            response = make_response(jsonify(exc.to_dict()), exc.status)
        else:
            flash(exc.message, "error")
            response = redirect(url_for("portal.badge", token=token) + "#votes")
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    message = _("Your vote was recorded. Receipt: %(code)s", code=done.receipt)
    if wants_json():
        response = jsonify({"vote_id": done.vote.id, "receipt": done.receipt,
                            "choice": done.choice, "changed": done.changed,
                            "message": message})
    else:
        flash(message)
        response = redirect(url_for("portal.badge", token=token) + "#votes")
    if done.device_key:
        response.set_cookie(DEVICE_COOKIE, done.device_key, max_age=DEVICE_DAYS * 86400,
                            path=f"/b/{token}", httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response
