"""Elections by paper ballot: set one up, issue numbered ballots, count them twice, publish.

Counting rules (the counting committee's, as a union congress applies them):
- Every returned ballot is entered by two clerks (two accounts: the acting user is the clerk).
  A clerk's second entry of the same serial is refused (`already_entered`): a slip is settled by
  the head, or the clerk withdraws the entry while no one else has entered that ballot.
- Both readings alike: the ballot counts. Different: it waits for the head of the counting
  committee (HEAD_COUNT), who chooses the right reading.
- A ballot is invalid when its serial was not issued for the election, when it keeps more names
  than there are seats, or when the clerks mark it spoiled (names added, signs, torn). A ballot
  crossing out every name is valid and gives no votes.
- Elected: more than half of the election's `majority_base` (the valid ballots unless set
  otherwise), by votes, up to the seats; equal votes at the last seat elect none of the tied
  (`tie`: another round decides).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated

from flask_babel import gettext as _
from pydantic import Field, StringConstraints
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize, can
from conference.congresses.models import Congress
from conference.database import commit_keeping_loaded
from conference.dates import utcnow
from conference.delegates.models import Delegate, delegate_keys
from conference.elections.models import (
    Ballot,
    BallotBatch,
    BallotEntry,
    Candidate,
    Election,
    MajorityBase,
    Settlement,
)
from conference.errors import Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.signals import proceedings_changed
from conference.validation import Id, OptionalText, Schema, Text, validate

# Serials: 8 characters without look-alikes (no 0/O, 1/I/L): 31^8, about 10^12, so a serial
# is not guessed, and short enough to type from the paper.
SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SERIAL_LENGTH = 8
MAX_BATCH = 1000  # ballots printed at once (a hall's delegates, with spares)
MAX_BALLOTS = 5000  # ballots of one election in all
MAX_CANDIDATES = 200

CandidateName = Annotated[Text, StringConstraints(min_length=1, max_length=200)]


class ElectionInput(Schema):
    """An election: its title, the seats to fill, the candidates (names typed, or delegate ids
    of the congress) and what "more than half" is counted of."""

    title: Annotated[Text, StringConstraints(min_length=1, max_length=300)]
    seats: Annotated[int, Field(ge=1, le=MAX_CANDIDATES)]
    candidates: Annotated[list[Id | CandidateName], Field(min_length=1,
                                                          max_length=MAX_CANDIDATES)]
    majority_base: MajorityBase = MajorityBase.VALID


class BallotsInput(Schema):
    count: Annotated[int, Field(ge=1, le=MAX_BATCH)]


class EntryInput(Schema):
    """One clerk's reading of a ballot. `clerk`: a label of the desk or device (the acting user
    is the clerk whatever it says), kept with the entry for the record."""

    serial: Annotated[Text, StringConstraints(min_length=1, max_length=40)]
    crossed: Annotated[list[Id], Field(max_length=MAX_CANDIDATES)] = []
    spoiled: bool = False
    clerk: Annotated[OptionalText, StringConstraints(max_length=60)] = ""


# --- reading -------------------------------------------------------------------------------


def get_election(actor: Actor, election_id: int,
                 capability: Capability = Capability.COUNT_BALLOTS) -> Election:
    """An election the actor may act on; one of a congress they have no role in is NotFound."""
    election = db.session.get(Election, election_id, options=[joinedload(Election.congress)])
    if election is None:
        raise NotFound(_("Election not found."))
    authorize(actor, election.congress, capability)
    return election


def list_elections(congress: Congress) -> list[Election]:
    return list(db.session.scalars(select(Election).where(Election.congress_id == congress.id)
                                   .order_by(Election.created_at, Election.id)))


def latest_published(congress: Congress) -> Election | None:
    return db.session.scalar(
        select(Election).where(Election.congress_id == congress.id,
                               Election.published_at.is_not(None))
        .order_by(Election.published_at.desc(), Election.id.desc()).limit(1))


def issued_count(election: Election) -> int:
    return db.session.scalar(select(func.count(Ballot.id))
                             .where(Ballot.election_id == election.id)) or 0


def list_batches(election: Election) -> list[BallotBatch]:
    return list(db.session.scalars(select(BallotBatch).where(
        BallotBatch.election_id == election.id).order_by(BallotBatch.id)))


def get_batch(actor: Actor, batch_id: int) -> BallotBatch:
    batch = db.session.get(BallotBatch, batch_id)
    if batch is None:
        raise NotFound(_("Ballot batch not found."))
    get_election(actor, batch.election_id, Capability.RUN_ELECTIONS)
    return batch


def batch_serials(batch: BallotBatch) -> list[str]:
    return list(db.session.scalars(select(Ballot.serial).where(Ballot.batch_id == batch.id)
                                   .order_by(Ballot.id)))


def name_sort_key(name: str) -> str:
    """The Vietnamese order of names (given name first), the one delegate lists use."""
    return delegate_keys(name, "", "", "")["name_key"]


# --- setting up ----------------------------------------------------------------------------


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the marked fields."), fields={name: message})


def _candidates(congress: Congress, refs: list) -> list[Candidate]:
    """Candidates from names and delegate ids; a delegate of another congress is refused."""
    ids = [ref for ref in refs if isinstance(ref, int)]
    delegates = {delegate.id: delegate for delegate in db.session.scalars(
        select(Delegate).where(Delegate.id.in_(ids), Delegate.congress_id == congress.id))}
    if len(set(ids)) != len(ids):
        raise _invalid("candidates", _("A delegate is listed twice."))
    missing = [str(ref) for ref in ids if ref not in delegates]
    if missing:
        raise _invalid("candidates", _("No delegate of this congress has the id %(ids)s.",
                                       ids=", ".join(missing)))
    made = []
    for ref in refs:
        delegate = delegates.get(ref) if isinstance(ref, int) else None
        name = delegate.full_name if delegate else " ".join(ref.split())
        made.append(Candidate(name=name, delegate_id=delegate.id if delegate else None,
                              sort_key=name_sort_key(name)))
    return made


def _check_seats(values: ElectionInput) -> None:
    if values.seats > len(values.candidates):
        raise _invalid("seats", _("%(seats)d seats but only %(n)d candidates: a ballot lists "
                                  "at least as many candidates as there are seats.",
                                  seats=values.seats, n=len(values.candidates)))


def create_election(actor: Actor, congress: Congress, data: dict) -> Election:
    authorize(actor, congress, Capability.RUN_ELECTIONS)
    values = validate(ElectionInput, data)
    _check_seats(values)
    election = Election(congress_id=congress.id, title=values.title, seats=values.seats,
                        majority_base=values.majority_base,
                        candidates=_candidates(congress, values.candidates))
    db.session.add(election)
    db.session.flush()
    record(actor, "election.create", congress_id=congress.id, target=f"election:{election.id}",
           details={"title": election.title, "seats": election.seats,
                    "candidates": len(election.candidates)})
    db.session.commit()
    return election


def election_values(election: Election) -> dict:
    """The election as its form and an update start from: candidates as delegate ids or names."""
    return {"title": election.title, "seats": election.seats,
            "majority_base": election.majority_base,
            "candidates": [c.delegate_id or c.name for c in election.candidates]}


FORM_FIELDS = ("title", "seats", "majority_base", "candidates")


def data_from_form(congress: Congress, values: dict) -> dict:
    """The form's candidates, one a line: a full name, or a delegate code of the congress
    (what follows the code on its line is ignored: the delegate's name is used)."""
    lines = [" ".join(line.split()) for line in str(values.get("candidates", "")).splitlines()]
    lines = [line for line in lines if line]
    codes = {fold_code(code): delegate_id for code, delegate_id in db.session.execute(
        select(Delegate.code, Delegate.id).where(Delegate.congress_id == congress.id,
                                                 Delegate.code != ""))}
    refs = [codes.get(fold_code(line.split(" ", 1)[0]), line) for line in lines]
    return {**values, "candidates": refs}


def fold_code(text: str) -> str:
    return text.strip().upper()


def form_values(election: Election) -> dict:
    delegates = {delegate.id: delegate.code for delegate in db.session.scalars(select(
        Delegate).where(Delegate.id.in_([c.delegate_id for c in election.candidates
                                         if c.delegate_id])))}
    lines = [f"{delegates[c.delegate_id]} {c.name}" if delegates.get(c.delegate_id) else c.name
             for c in election.candidates]
    return {"title": election.title, "seats": election.seats,
            "majority_base": election.majority_base, "candidates": "\n".join(lines)}


def update_election(actor: Actor, election: Election, changes: dict) -> Election:
    """Change an election. Once ballots are printed, what they show (title, seats, candidates)
    stays; only the majority base may change until the result is published."""
    authorize(actor, election.congress, Capability.RUN_ELECTIONS)
    if election.published:
        raise Conflict(_("The result is published: the election can no longer change."),
                       code="election_published")
    current = election_values(election)
    values = validate(ElectionInput, current | dict(changes))
    _check_seats(values)
    printed = {"title", "seats", "candidates"}
    if issued_count(election) and any(
            values.model_dump()[name] != current[name] for name in printed):
        raise Conflict(_("Ballots are printed already: their title, seats and candidates can "
                         "no longer change."), code="ballots_issued")
    election.title, election.seats = values.title, values.seats
    election.majority_base = values.majority_base
    if values.candidates != current["candidates"]:
        election.candidates = _candidates(election.congress, values.candidates)
    election.revision = Election.revision + 1
    record(actor, "election.update", congress_id=election.congress_id,
           target=f"election:{election.id}", details={k: str(v) for k, v in changes.items()})
    db.session.commit()
    return election


def _new_serials(count: int, taken: set[str]) -> list[str]:
    serials: list[str] = []
    while len(serials) < count:
        serial = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))
        if serial not in taken:
            taken.add(serial)
            serials.append(serial)
    return serials


def issue_ballots(actor: Actor, election: Election, data: dict) -> BallotBatch:
    """Issue a batch of numbered ballots (each a fresh random serial); print them with
    `pdf.start_ballots_job`."""
    authorize(actor, election.congress, Capability.RUN_ELECTIONS)
    count = validate(BallotsInput, data).count
    if election.published:
        raise Conflict(_("The result is published: no more ballots can be issued."),
                       code="election_published")
    taken = set(db.session.scalars(select(Ballot.serial)
                                   .where(Ballot.election_id == election.id)))
    if len(taken) + count > MAX_BALLOTS:
        raise _invalid("count", _("At most %(n)d ballots in all for one election; %(issued)d "
                                  "are issued.", n=MAX_BALLOTS, issued=len(taken)))
    batch = BallotBatch(election_id=election.id, count=count,
                        created_by_id=actor.user.id if actor.user else None)
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(Ballot(election_id=election.id, batch_id=batch.id, serial=serial)
                       for serial in _new_serials(count, taken))
    election.revision = Election.revision + 1
    record(actor, "election.ballots", congress_id=election.congress_id,
           target=f"election:{election.id}", details={"batch": batch.id, "count": count})
    db.session.commit()
    return batch


# --- counting ------------------------------------------------------------------------------


REASONS = ("not_issued", "spoiled", "too_many_kept")


def reason_text(reason: str | None) -> str:
    return {"not_issued": _("serial not issued for this election"),
            "spoiled": _("spoiled (names added, marks, torn)"),
            "too_many_kept": _("more names kept than seats")}.get(reason or "", "")


@dataclass
class BallotState:
    """What the committee knows of one serial: its entries, the head's reading if any, and the
    reading that counts (`reading`: (crossed, spoiled)) once two entries agree or the head chose."""

    serial: str
    issued: bool
    entries: list[BallotEntry] = field(default_factory=list)
    settlement: Settlement | None = None

    @property
    def state(self) -> str:
        """waiting (one entry), counted (two alike, or settled) or mismatch."""
        if self.settlement is not None:
            return "counted"
        if len(self.entries) < 2:
            return "waiting"
        first, second = (_reading(entry) for entry in self.entries[:2])
        return "counted" if first == second else "mismatch"

    @property
    def reading(self) -> tuple[frozenset[int], bool] | None:
        if self.settlement is not None:
            return _reading(self.settlement)
        return _reading(self.entries[0]) if self.state == "counted" else None


def _reading(row: BallotEntry | Settlement) -> tuple[frozenset[int], bool]:
    return frozenset(row.crossed), bool(row.spoiled)


def invalid_reason(election: Election, issued: bool, crossed, spoiled: bool,
                   candidates: int | None = None) -> str | None:
    """Why a reading is an invalid ballot, or None for a valid one."""
    if not issued:
        return "not_issued"
    if spoiled:
        return "spoiled"
    kept = (len(election.candidates) if candidates is None else candidates) - len(set(crossed))
    return "too_many_kept" if kept > election.seats else None


def issued_serials(election: Election) -> set[str]:
    return set(db.session.scalars(select(Ballot.serial)
                                  .where(Ballot.election_id == election.id)))


def ballot_states(election: Election, issued: set[str] | None = None, *,
                  readings_only: bool = False) -> dict[str, BallotState]:
    """Every serial entered, in the order first entered. `readings_only`: the entries and
    settlements as rows of what they read (serial, crossed, spoiled), which is all a count
    needs and several times quicker to load than the records."""
    issued = issued_serials(election) if issued is None else issued
    if readings_only:
        entries = select(BallotEntry.serial, BallotEntry.crossed, BallotEntry.spoiled)
        settlements = select(Settlement.serial, Settlement.crossed, Settlement.spoiled)
        run = db.session.execute
    else:
        entries, settlements, run = select(BallotEntry), select(Settlement), db.session.scalars
    states: dict[str, BallotState] = {}
    for entry in run(entries.where(BallotEntry.election_id == election.id)
                     .order_by(BallotEntry.id)):
        states.setdefault(entry.serial, BallotState(entry.serial, entry.serial in issued))
        states[entry.serial].entries.append(entry)
    for settlement in run(settlements.where(Settlement.election_id == election.id)):
        if settlement.serial in states:
            states[settlement.serial].settlement = settlement
    return states


def normalize_serial(text: str) -> str:
    """A serial as typed or scanned: any case, spaces and dashes left out."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


@dataclass(frozen=True)
class EntryOutcome:
    """An entry as saved (still loaded after the commit, so answering it costs no query) and
    what it made of the ballot."""

    entry: BallotEntry
    state: str  # waiting, counted, mismatch
    valid: bool
    reason: str | None

    @property
    def message(self) -> str:
        verdict = (_("Valid ballot.") if self.valid else
                   _("Invalid ballot: %(reason)s.", reason=reason_text(self.reason)))
        step = {"waiting": _("Saved; another clerk must enter this ballot too."),
                "counted": _("Both entries agree: the ballot is counted."),
                "mismatch": _("The two entries differ: the ballot waits for the head of the "
                              "counting committee.")}[self.state]
        return f"{verdict} {step}"


def _refuse_if_published(election: Election) -> None:
    if election.published:
        raise Conflict(_("The result is published: nothing more is entered."),
                       code="election_published")


def record_entry(actor: Actor, election: Election, data: dict) -> EntryOutcome:
    """Save one clerk's reading of a returned ballot and say at once what it is."""
    authorize(actor, election.congress, Capability.COUNT_BALLOTS)
    values = validate(EntryInput, data)
    serial = normalize_serial(values.serial)
    if not (4 <= len(serial) <= 16 and serial.isascii() and serial.isalnum()):
        raise _invalid("serial", _("Type the serial printed on the ballot: %(n)d letters and "
                                   "digits.", n=SERIAL_LENGTH))
    candidate_ids = {c.id for c in election.candidates}
    strangers = sorted(set(values.crossed) - candidate_ids)
    if strangers:
        raise _invalid("crossed", _("Not a candidate of this election: %(ids)s.",
                                    ids=", ".join(map(str, strangers))))
    _refuse_if_published(election)
    user_id = actor.user.id if actor.user else None
    if user_id is None:
        raise ValidationFailed(_("Ballots are entered by a clerk's account."))
    # The election's row first: two clerks entering one ballot at the same moment go one after
    # the other, so the second sees the first's entry and is told whether they agree.
    db.session.execute(update(Election).where(Election.id == election.id)
                       .values(revision=Election.revision + 1))
    earlier = list(db.session.scalars(select(BallotEntry).where(
        BallotEntry.election_id == election.id, BallotEntry.serial == serial)))
    if any(entry.user_id == user_id for entry in earlier):
        raise Conflict(_("You entered ballot %(serial)s already; another clerk enters it the "
                         "second time.", serial=serial), code="already_entered")
    if len(earlier) >= 2:
        raise Conflict(_("Ballot %(serial)s was entered twice already.", serial=serial),
                       code="entered_twice")
    issued = db.session.scalar(select(Ballot.id).where(
        Ballot.election_id == election.id, Ballot.serial == serial)) is not None
    entry = BallotEntry(election_id=election.id, serial=serial, user_id=user_id,
                        clerk=values.clerk, crossed=sorted(set(values.crossed)),
                        spoiled=values.spoiled)
    state = BallotState(serial, issued, entries=[*earlier, entry])
    reason = invalid_reason(election, issued, *(state.reading or _reading(entry)),
                            candidates=len(candidate_ids))
    db.session.add(entry)
    record(actor, "election.entry", congress_id=election.congress_id,
           target=f"election:{election.id}", details={"serial": serial, "clerk": values.clerk})
    try:
        commit_keeping_loaded()
    except IntegrityError:  # the same clerk's other device a moment earlier
        db.session.rollback()
        raise Conflict(_("You entered ballot %(serial)s already; another clerk enters it the "
                         "second time.", serial=serial), code="already_entered") from None
    return EntryOutcome(entry, state.state, reason is None, reason)


def get_entry(actor: Actor, entry_id: int) -> BallotEntry:
    entry = db.session.get(BallotEntry, entry_id)
    if entry is None:
        raise NotFound(_("Entry not found."))
    get_election(actor, entry.election_id)
    return entry


def withdraw_entry(actor: Actor, entry: BallotEntry) -> None:
    """Take back an entry: the head may take back any (a mistyped serial), a clerk only their
    own while nobody else has entered that ballot."""
    election = db.session.get(Election, entry.election_id)
    authorize(actor, election.congress, Capability.COUNT_BALLOTS)
    _refuse_if_published(election)
    head = can(actor, election.congress, Capability.HEAD_COUNT)
    others = db.session.scalar(select(func.count(BallotEntry.id)).where(
        BallotEntry.election_id == election.id, BallotEntry.serial == entry.serial,
        BallotEntry.id != entry.id))
    if not head and (entry.user_id != (actor.user.id if actor.user else None) or others):
        raise Conflict(_("Only the head of the counting committee can take back this entry."),
                       code="not_yours")
    db.session.execute(Settlement.__table__.delete().where(
        Settlement.election_id == election.id, Settlement.serial == entry.serial))
    db.session.delete(entry)
    election.revision = Election.revision + 1
    record(actor, "election.withdraw_entry", congress_id=election.congress_id,
           target=f"election:{election.id}", details={"serial": entry.serial})
    db.session.commit()


def settle(actor: Actor, election: Election, serial: str, entry_id: int | None) -> Settlement:
    """The head chooses which of two differing entries reads the ballot right."""
    authorize(actor, election.congress, Capability.HEAD_COUNT)
    _refuse_if_published(election)
    state = ballot_states(election).get(normalize_serial(serial))
    if state is None or len(state.entries) < 2:
        raise NotFound(_("No ballot with two entries has this serial."))
    chosen = next((entry for entry in state.entries if entry.id == entry_id), None)
    if chosen is None:
        raise _invalid("entry_id", _("Choose one of the two entries."))
    if state.settlement is not None:
        db.session.delete(state.settlement)
        db.session.flush()
    settlement = Settlement(election_id=election.id, serial=state.serial,
                            crossed=chosen.crossed, spoiled=chosen.spoiled,
                            user_id=actor.user.id if actor.user else None)
    db.session.add(settlement)
    election.revision = Election.revision + 1
    record(actor, "election.settle", congress_id=election.congress_id,
           target=f"election:{election.id}", details={"serial": state.serial,
                                                      "entry": chosen.id})
    db.session.commit()
    return settlement


# --- the result ----------------------------------------------------------------------------


def _percent(votes: int, valid: int) -> float:
    return round(votes * 100 / valid, 2) if valid else 0.0


def elect(candidates: list[dict], seats: int, needed: int) -> bool:
    """Mark `elected` and `tie` on candidate rows (sorted by votes, most first); True when a
    tie at the last seat leaves it for another round."""
    passing = [row for row in candidates if row["votes"] >= needed and row["votes"] > 0]
    for row in candidates:
        row["elected"] = row["tie"] = False
    if len(passing) > seats and passing[seats]["votes"] == passing[seats - 1]["votes"]:
        last = passing[seats - 1]["votes"]
        for row in passing:
            row["elected"] = row["votes"] > last
            row["tie"] = row["votes"] == last
        return True
    for row in passing[:seats]:
        row["elected"] = True
    return False


def tally(election: Election) -> dict:
    """The result as it stands: the figures, each candidate's votes, who is elected."""
    serials = issued_serials(election)
    states = ballot_states(election, serials, readings_only=True)
    issued = len(serials)
    order = {c.id: position for position, c in enumerate(election.candidates)}
    votes = dict.fromkeys(order, 0)
    reasons = dict.fromkeys(REASONS, 0)
    counted = valid = waiting = mismatched = 0
    for state in states.values():
        if state.state == "waiting":
            waiting += 1
            continue
        if state.state == "mismatch":
            mismatched += 1
            continue
        counted += 1
        crossed, spoiled = state.reading
        reason = invalid_reason(election, state.issued, crossed, spoiled, len(order))
        if reason:
            reasons[reason] += 1
            continue
        valid += 1
        for candidate_id in order:
            if candidate_id not in crossed:
                votes[candidate_id] += 1
    base = {MajorityBase.VALID: valid, MajorityBase.RETURNED: counted,
            MajorityBase.ISSUED: issued}[MajorityBase(election.majority_base)]
    needed = base // 2 + 1
    rows = [{"id": c.id, "name": c.name, "delegate_id": c.delegate_id, "votes": votes[c.id],
             "percent": _percent(votes[c.id], valid)} for c in election.candidates]
    ranked = sorted(rows, key=lambda row: (-row["votes"], order[row["id"]]))
    tie = elect(ranked, election.seats, needed)
    return {
        "id": election.id, "congress_id": election.congress_id, "title": election.title,
        "seats": election.seats, "majority_base": election.majority_base,
        "published": election.published, "published_at": election.published_at,
        "revision": election.revision, "issued": issued, "returned": counted, "valid": valid,
        "invalid": counted - valid, "invalid_reasons": reasons, "waiting": waiting,
        "mismatched": mismatched, "needed": needed, "tie": tie, "candidates": rows,
        "ranked": ranked}


def publish(actor: Actor, election: Election) -> dict:
    """Make the result public: the screens show it from now on; counting is over."""
    authorize(actor, election.congress, Capability.HEAD_COUNT)
    _refuse_if_published(election)
    result = tally(election)
    if result["waiting"] or result["mismatched"]:
        raise Conflict(_("%(waiting)d ballots wait for their second entry and %(mismatched)d "
                         "for the head's decision: the result cannot be published yet.",
                         waiting=result["waiting"], mismatched=result["mismatched"]),
                       code="entries_pending")
    if not result["returned"]:
        raise Conflict(_("No ballot is counted yet."), code="nothing_counted")
    election.published_at = utcnow()
    election.revision = Election.revision + 1
    record(actor, "election.publish", congress_id=election.congress_id,
           target=f"election:{election.id}",
           details={"elected": [row["name"] for row in result["ranked"] if row["elected"]],
                    "tie": result["tie"]})
    db.session.commit()
    proceedings_changed.send(election.congress, kind="elections", actor=actor)
    return tally(election)
