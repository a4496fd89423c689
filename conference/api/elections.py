"""API routes for elections by paper ballot: set one up, issue ballots, enter them, publish."""

from __future__ import annotations

from flask import url_for
from spectree import Tag

from conference.api import api_actor, operation
from conference.api.spec import api_model, request_body
from conference.auth.service import Capability
from conference.congresses.service import get_congress
from conference.elections import pdf, service
from conference.elections.schemas import BallotsIssued, ElectionResult, EntryResult
from conference.i18n import page_locale
from conference.jobs.schemas import JobLink

TAG = Tag(name="elections", description="Elections by paper ballot: candidates, numbered "
                                        "ballots, the counting committee's double entry, the "
                                        "result.")
ElectionCreate = api_model(service.ElectionInput, "ElectionCreate")
BallotsCreate = api_model(service.BallotsInput, "BallotsCreate")
EntryCreate = api_model(service.EntryInput, "EntryCreate")
PUBLISHED = "`election_published`: the result is published; nothing changes any more."


@operation.post("/congresses/<int:congress_id>/elections", ok=ElectionResult, status=201,
                body=ElectionCreate, tag=TAG, errors={
                    422: "`validation_failed`: e.g. `seats` below 1 or above the number of "
                         "candidates, a delegate id of another congress, an empty `title`."})
def create_election(congress_id: int):
    """Set up an election: `candidates` are names (text) or delegate ids (numbers).

    The ballot lists them the Vietnamese way, by given name. `majority_base`: what "more than
    half" is counted of: `valid` ballots (default), ballots `returned`, or ballots `issued`.
    """
    congress = get_congress(api_actor(), congress_id, Capability.RUN_ELECTIONS)
    election = service.create_election(api_actor(), congress, request_body())
    return ElectionResult.of(service.tally(election)), 201


@operation.get("/elections/<int:election_id>", ok=ElectionResult, tag=TAG)
def get_election(election_id: int):
    """The count as it stands (the counting committee and organizers)."""
    election = service.get_election(api_actor(), election_id)
    return ElectionResult.of(service.tally(election))


@operation.post("/elections/<int:election_id>/ballots", ok=BallotsIssued, status=201,
                body=BallotsCreate, tag=TAG, errors={
                    409: PUBLISHED,
                    422: f"`validation_failed`: `count` below 1 or above {service.MAX_BATCH} "
                         f"at once, or above {service.MAX_BALLOTS} ballots in all."})
def issue_ballots(election_id: int):
    """Issue `count` more numbered ballots and print them (a job: `pdf_url` serves the PDF
    once it is done)."""
    election = service.get_election(api_actor(), election_id, Capability.RUN_ELECTIONS)
    batch = service.issue_ballots(api_actor(), election, request_body())
    job = pdf.start_ballots_job(api_actor(), batch, page_locale())
    return BallotsIssued(
        batch_id=batch.id, count=batch.count, issued=service.issued_count(election),
        serials=service.batch_serials(batch), pdf_url=pdf.job_file_url(job, api=True),
        job=JobLink(id=job.id, status=job.status, url=url_for("api.get_job", job_id=job.id))), 201


@operation.post("/elections/<int:election_id>/entries", ok=EntryResult, status=201,
                body=EntryCreate, tag=TAG, errors={
                    409: f"`already_entered`: you entered this serial already (another clerk "
                         f"enters it the second time); `entered_twice`: two clerks entered it "
                         f"already; {PUBLISHED}",
                    422: "`validation_failed`: `crossed` names a candidate of another election, "
                         "or `serial` is not 4-16 letters and digits."})
def create_entry(election_id: int):
    """Enter one returned ballot: its `serial` and the candidate ids `crossed` out.

    The token's user is the clerk: every ballot is entered by two users. `clerk` is a free
    label of the desk or device (e.g. "Bàn 2"), kept with the entry for the record. A serial
    not issued is saved and counts as an invalid ballot (`reason` not_issued), as does a ballot
    keeping more names than seats (too_many_kept) or marked `spoiled`; crossing out every name
    is a valid ballot without votes. `state`: waiting (for the second entry), counted (both
    agree) or mismatch (the head of the counting committee decides).
    """
    election = service.get_election(api_actor(), election_id)
    outcome = service.record_entry(api_actor(), election, request_body())
    entry = outcome.entry
    return EntryResult(id=entry.id, serial=entry.serial, clerk=entry.clerk,
                       crossed=entry.crossed, spoiled=entry.spoiled, state=outcome.state,
                       valid=outcome.valid, reason=outcome.reason,
                       message=outcome.message), 201


@operation.post("/elections/<int:election_id>/publish", ok=ElectionResult, tag=TAG,
                errors={
                    409: f"`entries_pending`: ballots wait for a second entry or for the head's "
                         f"decision; `nothing_counted`: no ballot is counted; {PUBLISHED}"})
def publish_election(election_id: int):
    """Publish the result (the head of the counting committee): the screens show it."""
    election = service.get_election(api_actor(), election_id, Capability.HEAD_COUNT)
    return ElectionResult.of(service.publish(api_actor(), election))
