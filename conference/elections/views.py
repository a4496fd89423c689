"""Election pages: the list, the form, the ballots, the counting page (two clerks, one ballot
at a time), the head's page of differing entries, the result, the record and publishing."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from conference.auth.service import Capability, can
from conference.congresses.service import get_congress
from conference.elections import pdf, service
from conference.elections.models import MAJORITY_BASE_LABELS, MajorityBase
from conference.elections.schemas import ElectionResult
from conference.errors import ConferenceError, Conflict, ValidationFailed
from conference.i18n import page_locale
from conference.jobs.views import file_or_progress
from conference.validation import optional_id
from conference.web import actor, form_page, revalidated

bp = Blueprint("elections", __name__)
bp.add_app_template_filter(pdf.serial_shown, "ballot_serial")


def _may(congress) -> dict:
    return {name: can(actor(), congress, capability) for name, capability in (
        ("run", Capability.RUN_ELECTIONS), ("count", Capability.COUNT_BALLOTS),
        ("head", Capability.HEAD_COUNT))}


@bp.get("/manage/<int:congress_id>/elections")
@login_required
def index(congress_id: int):
    congress = get_congress(actor(), congress_id, Capability.COUNT_BALLOTS)
    elections = service.list_elections(congress)
    return render_template("elections/index.html", congress=congress, may=_may(congress),
                           results=[service.tally(election) for election in elections])


def _form(congress, election=None):
    if election is None:
        values = {"majority_base": MajorityBase.VALID}
        save = lambda data: service.create_election(  # noqa: E731
            actor(), congress, service.data_from_form(congress, data))
    else:
        values = service.form_values(election)
        save = lambda data: service.update_election(  # noqa: E731
            actor(), election, service.data_from_form(congress, data))
    return form_page(
        "elections/form.html", congress=congress, election=election, values=values,
        fields=service.FORM_FIELDS, save=save,
        done=lambda saved: url_for("elections.detail", election_id=saved.id),
        message=_("Election saved."),
        base_options=[(base.value, MAJORITY_BASE_LABELS[base]) for base in MajorityBase])


@bp.route("/manage/<int:congress_id>/elections/new", methods=["GET", "POST"])
@login_required
def new(congress_id: int):
    return _form(get_congress(actor(), congress_id, Capability.RUN_ELECTIONS))


@bp.route("/manage/elections/<int:election_id>/edit", methods=["GET", "POST"])
@login_required
def edit(election_id: int):
    election = service.get_election(actor(), election_id, Capability.RUN_ELECTIONS)
    return _form(election.congress, election)


@bp.get("/manage/elections/<int:election_id>")
@login_required
def detail(election_id: int):
    """The election: its result as it stands, the ballots issued, and what to do next."""
    election = service.get_election(actor(), election_id)
    return render_template(
        "elections/detail.html", election=election, congress=election.congress,
        result=service.tally(election), batches=service.list_batches(election),
        may=_may(election.congress), base_label=MAJORITY_BASE_LABELS[election.majority_base],
        reason_text=service.reason_text, max_batch=service.MAX_BATCH, percent=pdf.percent_shown)


@bp.post("/manage/elections/<int:election_id>/ballots")
@login_required
def issue(election_id: int):
    election = service.get_election(actor(), election_id, Capability.RUN_ELECTIONS)
    try:
        batch = service.issue_ballots(actor(), election, {"count": request.form.get("count")})
    except (ValidationFailed, Conflict) as exc:
        flash(" ".join(exc.fields.values()) or exc.message, "error")
        return redirect(url_for("elections.detail", election_id=election.id))
    flash(_("%(n)d ballots issued.", n=batch.count))
    job = pdf.start_ballots_job(actor(), batch, page_locale())
    return file_or_progress(job, f"ballots-{election.id}-{batch.id}.pdf")


@bp.get("/manage/elections/batches/<int:batch_id>/ballots.pdf")
@login_required
def batch_pdf(batch_id: int):
    """Print a batch again (the same serials)."""
    batch = service.get_batch(actor(), batch_id)
    job = pdf.start_ballots_job(actor(), batch, page_locale())
    return file_or_progress(job, f"ballots-{batch.election_id}-{batch.id}.pdf")


@bp.get("/manage/elections/<int:election_id>/count")
@login_required
def count(election_id: int):
    """The clerk's page: scan or type the serial, tick the names crossed out, save."""
    election = service.get_election(actor(), election_id)
    return render_template("elections/count.html", election=election,
                           congress=election.congress, result=service.tally(election),
                           may=_may(election.congress), percent=pdf.percent_shown)


def _entry_data() -> dict:
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ConferenceError(_("Send a JSON object."), code="invalid_json")
        return data
    return {"serial": request.form.get("serial", ""), "clerk": request.form.get("clerk", ""),
            "spoiled": bool(request.form.get("spoiled")),
            "crossed": [value for value in map(optional_id, request.form.getlist("crossed"))
                        if value is not None]}


@bp.post("/manage/elections/<int:election_id>/entries")
@login_required
def enter(election_id: int):
    """Save an entry: JSON for the page's script, or the plain form (back to the page)."""
    election = service.get_election(actor(), election_id)
    try:
        outcome = service.record_entry(actor(), election, _entry_data())
    except (ValidationFailed, Conflict) as exc:
        if request.is_json:
            raise
        flash(" ".join(exc.fields.values()) or exc.message, "error")
        return redirect(url_for("elections.count", election_id=election.id))
    serial = pdf.serial_shown(outcome.entry.serial)
    if request.is_json:
        return jsonify(serial=serial, state=outcome.state, valid=outcome.valid,
                       reason=outcome.reason, message=outcome.message), 201
    flash(f"{serial}: {outcome.message}", "success" if outcome.valid else "error")
    return redirect(url_for("elections.count", election_id=election.id))


@bp.get("/manage/elections/<int:election_id>/tally")
@login_required
def tally(election_id: int):
    """The count as it stands, for the counting pages to poll (304 while nothing changed)."""
    election = service.get_election(actor(), election_id)
    return revalidated(f"election-{election.id}-{election.revision}-{page_locale()}", lambda:
                       jsonify(ElectionResult.of(service.tally(election)).model_dump(
                           mode="json")))


@bp.get("/manage/elections/<int:election_id>/mismatches")
@login_required
def mismatches(election_id: int):
    """The head's page: ballots entered differently (both readings side by side), and those
    still waiting for a second entry."""
    election = service.get_election(actor(), election_id, Capability.HEAD_COUNT)
    states = service.ballot_states(election)
    return render_template(
        "elections/mismatches.html", election=election, congress=election.congress,
        mismatched=[state for state in states.values() if state.state == "mismatch"],
        waiting=[state for state in states.values() if state.state == "waiting"],
        settled=[state for state in states.values() if state.settlement is not None],
        candidates=election.candidates, reason_text=service.reason_text,
        differs=lambda state: set(state.entries[0].crossed) ^ set(state.entries[1].crossed),
        reason=lambda state, entry: service.invalid_reason(
            election, state.issued, entry.crossed, entry.spoiled))


@bp.post("/manage/elections/<int:election_id>/settle")
@login_required
def settle(election_id: int):
    election = service.get_election(actor(), election_id, Capability.HEAD_COUNT)
    serial = request.form.get("serial", "")
    service.settle(actor(), election, serial, optional_id(request.form.get("entry_id")))
    flash(_("Ballot %(serial)s settled.", serial=service.normalize_serial(serial)))
    return redirect(url_for("elections.mismatches", election_id=election.id))


@bp.post("/manage/elections/entries/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    entry = service.get_entry(actor(), entry_id)
    election_id, serial = entry.election_id, entry.serial
    service.withdraw_entry(actor(), entry)
    flash(_("The entry of ballot %(serial)s was taken back.", serial=serial))
    target = request.form.get("back") == "count"
    return redirect(url_for("elections.count" if target else "elections.mismatches",
                            election_id=election_id))


@bp.get("/manage/elections/<int:election_id>/record.pdf")
@login_required
def record_pdf(election_id: int):
    election = service.get_election(actor(), election_id)
    job = pdf.start_record_job(actor(), election, page_locale())
    return file_or_progress(job, f"bien-ban-kiem-phieu-{election.id}.pdf")


@bp.post("/manage/elections/<int:election_id>/publish")
@login_required
def publish(election_id: int):
    election = service.get_election(actor(), election_id, Capability.HEAD_COUNT)
    try:
        service.publish(actor(), election)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("elections.detail", election_id=election.id))
    flash(_("The result is published: the screens show it."))
    return redirect(url_for("elections.detail", election_id=election.id))
