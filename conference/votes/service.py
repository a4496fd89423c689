"""Votes (biểu quyết) on agenda items: set up, opened, counted, closed.

Who may vote and the base are frozen when a vote opens: the roll is every official delegate
(the categories that count for the quorum) present for the item's session at that moment, and
`present` / `summoned` are stored with the vote, so its result is computed against a known base
whoever checks in or withdraws later. A delegate who arrives after the opening does not vote in
it (they were not counted in the base either).

The rule to pass, against the base chosen per vote (`present` or `summoned`): `half` is more
than half (a tie fails), `two_thirds` at least two thirds of the base.

On phones, a delegate proves their badge once per phone with the 6-digit PIN printed on its
back, never in the QR code and never on the front a lanyard shows (`badge_pin`, derived from
the token key and the badge's token hash, never stored; a reissued badge has a new one). The
phone then holds a random device key (only its hash is stored, bound to the badge), from which
it derives a receipt per vote; a ballot is keyed by the receipt's hash, so in a secret vote
nothing stored links a delegate to a choice. A secret vote can therefore be changed only on the
phone that cast it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import Field, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from conference.agenda.models import AgendaItem
from conference.attendance.service import present_ids
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import categories
from conference.errors import Conflict, Forbidden, NotFound, ValidationFailed
from conference.extensions import db
from conference.failures import FailureGuard
from conference.signals import proceedings_changed
from conference.tokens import token_key
from conference.validation import Schema, Text, validate
from conference.votes.models import (
    Base,
    Choice,
    Majority,
    Method,
    Vote,
    VoteBallot,
    VoteCount,
    VoteDevice,
    VoteRoll,
    VoteStatus,
)

CAPABILITY = Capability.RUN_PROCEEDINGS
QUESTION_LENGTH = 2000
PIN_DIGITS = 6
MAX_COUNT = 1_000_000

# Wrong PINs: five per badge in ten minutes, then 429; the hall's shared address only refuses
# a badge that failed itself (conference/failures.py), so nobody else is locked out.
PIN_FAILURES = FailureGuard(
    "vote-pin", "5 per 10 minutes", "100 per 10 minutes",
    lambda seconds: _("Too many wrong PINs. Wait %(n)d seconds, then type the PIN printed on "
                      "the back of your badge.", n=seconds))


LABELS = {
    "cards": lazy_gettext("Show of cards"), "phone": lazy_gettext("Vote by phone"),
    "half": lazy_gettext("more than half"), "two_thirds": lazy_gettext("two thirds"),
    "present": lazy_gettext("of the delegates present"),
    "summoned": lazy_gettext("of the delegates summoned"),
    "for": lazy_gettext("For"), "against": lazy_gettext("Against"),
    "abstain": lazy_gettext("Abstain"),
    "draft": lazy_gettext("Not opened yet"), "open": lazy_gettext("Open"),
    "closed": lazy_gettext("Closed"),
}


def rule_text(vote: Vote) -> str:
    """The rule to pass in words: "more than half of the delegates present"."""
    return _("Passes with %(majority)s %(base)s", majority=LABELS[vote.majority],
             base=LABELS[vote.base])


# --- input ---------------------------------------------------------------------------------


class VoteInput(Schema):
    """A vote to set up on an agenda item."""

    question: Annotated[Text, StringConstraints(min_length=1, max_length=QUESTION_LENGTH)]
    method: Literal["cards", "phone"] = "cards"
    majority: Literal["half", "two_thirds"] = "half"
    base: Literal["present", "summoned"] = "present"
    secret: bool = False


Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class CountsInput(Schema):
    """The three counts of a show of cards, as forms and the API name them."""

    votes_for: Annotated[Count, Field(alias="for")]
    votes_against: Annotated[Count, Field(alias="against")]
    votes_abstain: Annotated[Count, Field(alias="abstain")]


class BallotInput(Schema):
    choice: Literal["for", "against", "abstain"]
    pin: Annotated[str, StringConstraints(max_length=20)] = ""


# --- reading ---------------------------------------------------------------------------------


def get_vote(actor: Actor, vote_id: int, capability: Capability = CAPABILITY) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(_("Vote not found."))
    authorize(actor, vote.congress, capability)
    return vote


def get_item(actor: Actor, item_id: int) -> AgendaItem:
    """The agenda item a vote is set up on (the secretariat's capability)."""
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound(_("Agenda item not found."))
    authorize(actor, item.session.congress, CAPABILITY)
    return item


def list_votes(actor: Actor, congress: Congress) -> list[Vote]:
    """The congress's votes, newest first, for those who run them."""
    authorize(actor, congress, CAPABILITY)
    return votes_of(congress)


def votes_of(congress: Congress) -> list[Vote]:
    """The congress's votes, newest first (the screens' editor names one from these)."""
    return list(db.session.scalars(select(Vote).where(Vote.congress_id == congress.id)
                                   .order_by(Vote.id.desc())))


def latest_vote(congress: Congress) -> Vote | None:
    """The vote the screens and portals follow: the open one, else the last one opened."""
    return db.session.scalar(
        select(Vote).where(Vote.congress_id == congress.id, Vote.status != VoteStatus.DRAFT)
        .order_by((Vote.status == VoteStatus.OPEN).desc(), Vote.opened_at.desc(), Vote.id.desc())
        .limit(1))


def voted_count(vote: Vote) -> int:
    """How many have voted: phones that cast, or the sum of the counts entered for cards."""
    if vote.status == VoteStatus.CLOSED:
        return (vote.votes_for or 0) + (vote.votes_against or 0) + (vote.votes_abstain or 0)
    if vote.method == Method.CARDS:
        counts = latest_counts(vote)
        return sum(counts) if counts else 0
    return db.session.scalar(select(func.count()).select_from(VoteRoll).where(
        VoteRoll.vote_id == vote.id, VoteRoll.voted.is_(True))) or 0


def latest_counts(vote: Vote) -> tuple[int, int, int] | None:
    row = db.session.execute(
        select(VoteCount.votes_for, VoteCount.votes_against, VoteCount.votes_abstain)
        .where(VoteCount.vote_id == vote.id).order_by(VoteCount.id.desc()).limit(1)).first()
    return tuple(row) if row else None


def base_count(vote: Vote) -> int:
    return (vote.summoned if vote.base == Base.SUMMONED else vote.present) or 0


def passes(votes_for: int, base: int, majority: str) -> bool:
    """More than half of the base (a tie fails), or at least two thirds of it; exact integers."""
    if base <= 0:
        return False
    if majority == Majority.TWO_THIRDS:
        return 3 * votes_for >= 2 * base
    return 2 * votes_for > base


def percent(count: int | None, base: int) -> float | None:
    return round(100 * count / base, 2) if count is not None and base > 0 else None


def summary(vote: Vote) -> dict:
    """What the API, the console, the screens and the live pushes show of a vote."""
    closed = vote.status == VoteStatus.CLOSED
    base = base_count(vote)
    result = {
        "id": vote.id, "congress_id": vote.congress_id, "item_id": vote.item_id,
        "question": vote.question, "method": vote.method, "majority": vote.majority,
        "base": vote.base, "secret": vote.secret, "status": vote.status,
        "eligible": vote.present or 0, "summoned": vote.summoned or 0,
        "base_count": base, "voted": voted_count(vote) if vote.status != VoteStatus.DRAFT else 0,
        "for": None, "against": None, "abstain": None, "passed": None,
        "percent_for": None, "percent_against": None, "percent_abstain": None}
    if closed:
        result |= {"for": vote.votes_for, "against": vote.votes_against,
                   "abstain": vote.votes_abstain, "passed": vote.passed,
                   "percent_for": percent(vote.votes_for, base),
                   "percent_against": percent(vote.votes_against, base),
                   "percent_abstain": percent(vote.votes_abstain, base)}
    return result


# --- the secretariat -----------------------------------------------------------------------


def _user_id(actor: Actor) -> int | None:
    return actor.user.id if actor.user else None


def _committed(actor: Actor, vote: Vote, action: str, details: dict, change: str) -> None:
    """Audit, commit, then tell the screens, consoles and portals."""
    record(actor, f"vote.{action}", congress_id=vote.congress_id, target=f"vote:{vote.id}",
           details=details)
    db.session.commit()
    proceedings_changed.send(vote.congress, kind="votes", actor=actor, vote_id=vote.id,
                             change=change)


def create_vote(actor: Actor, item: AgendaItem, data: dict) -> Vote:
    congress = item.session.congress
    authorize(actor, congress, CAPABILITY)
    values = validate(VoteInput, data)
    if values.secret and values.method == Method.CARDS:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "secret": _("A show of cards is seen by the hall: only a vote on phones can be "
                        "secret.")})
    vote = Vote(congress_id=congress.id, item_id=item.id, status=VoteStatus.DRAFT,
                created_by_id=_user_id(actor), **values.model_dump())
    db.session.add(vote)
    db.session.flush()
    _committed(actor, vote, "create", values.model_dump() | {"item_id": item.id}, "created")
    return vote


def official_keys(congress: Congress) -> set[str]:
    """The categories whose delegates vote: those that count for the quorum."""
    return {category.key for category in categories(congress) if category.counts_for_quorum}


def _officials(congress: Congress) -> list[int]:
    return list(db.session.scalars(select(Delegate.id).where(
        Delegate.congress_id == congress.id, Delegate.status != DelegateStatus.WITHDRAWN,
        Delegate.category.in_(official_keys(congress)))))


def open_vote(actor: Actor, vote: Vote) -> Vote:
    """Open the vote: freeze the roll (official delegates present for the item's session) and
    the summoned count. One vote at a time per congress: another open one is a 409."""
    congress = vote.congress
    authorize(actor, congress, CAPABILITY)
    officials = _officials(congress)  # before the lock: the first reading of categories commits
    # Two consoles opening two votes at once: the congress row serializes them.
    db.session.scalar(select(Congress.id).where(Congress.id == congress.id).with_for_update())
    db.session.refresh(vote)
    if vote.status != VoteStatus.DRAFT:
        raise Conflict(_("This vote was opened already."), code="vote_not_draft")
    other = db.session.scalar(select(Vote).where(Vote.congress_id == congress.id,
                                                 Vote.status == VoteStatus.OPEN))
    if other is not None:
        raise Conflict(_("Another vote is open: “%(question)s”. Close it first.",
                         question=other.question[:80]), code="vote_already_open")
    here = present_ids(congress, vote.item.session_id)
    roll = [delegate_id for delegate_id in officials if delegate_id in here]
    if not roll:  # a vote nobody may cast, with a base of nobody: surely a forgotten check-in
        raise Conflict(_("No official delegate is checked in for this item's session: check "
                         "the delegates in, then open the vote."), code="nobody_present")
    db.session.add_all(VoteRoll(vote_id=vote.id, delegate_id=delegate_id, voted=False)
                       for delegate_id in roll)
    vote.status, vote.opened_at, vote.opened_by_id = VoteStatus.OPEN, utcnow(), _user_id(actor)
    vote.present, vote.summoned = len(roll), len(officials)
    _committed(actor, vote, "open", {"present": len(roll), "summoned": len(officials)},
               "opened")
    return vote


def enter_counts(actor: Actor, vote: Vote, data: dict) -> Vote:
    """The counts of a show of cards; entered again, the latest count, and each entry is kept."""
    authorize(actor, vote.congress, CAPABILITY)
    values = validate(CountsInput, data)
    if vote.method != Method.CARDS:
        raise Conflict(_("Delegates vote on their phones in this vote: there are no counts to "
                         "enter."), code="vote_not_cards")
    if vote.status != VoteStatus.OPEN:
        raise Conflict(_("Counts can be entered only while the vote is open."),
                       code="vote_not_open")
    total = values.votes_for + values.votes_against + values.votes_abstain
    if total > (vote.present or 0):
        raise ValidationFailed(
            _("The counts add up to %(total)d, more than the %(present)d official delegates "
              "present when the vote opened.", total=total, present=vote.present or 0),
            code="counts_above_present",
            fields={"votes_for": _("The three counts add up to more than those present.")})
    entry = VoteCount(vote_id=vote.id, entered_by_id=_user_id(actor),
                      entered_by_name=actor.user.username if actor.user else "",
                      **values.model_dump())
    db.session.add(entry)
    _committed(actor, vote, "counts", values.model_dump(), "counts")
    return vote


def _phone_tally(vote: Vote) -> tuple[int, int, int]:
    counted = dict(db.session.execute(
        select(VoteBallot.choice, func.count()).where(VoteBallot.vote_id == vote.id)
        .group_by(VoteBallot.choice)).all())
    return counted.get(Choice.FOR, 0), counted.get(Choice.AGAINST, 0), counted.get(
        Choice.ABSTAIN, 0)


def close_vote(actor: Actor, vote: Vote) -> Vote:
    """Close the vote and keep its result; a show of cards needs its counts first."""
    authorize(actor, vote.congress, CAPABILITY)
    # Casts hold the vote's row shared until they commit: closing waits for them, and a cast
    # that comes after sees the vote closed, so every acknowledged ballot is in the result.
    db.session.scalar(select(Vote.id).where(Vote.id == vote.id).with_for_update())
    db.session.refresh(vote)
    if vote.status != VoteStatus.OPEN:
        raise Conflict(_("This vote is not open."), code="vote_not_open")
    if vote.method == Method.CARDS:
        counts = latest_counts(vote)
        if counts is None:
            raise Conflict(_("Enter the counts of the show of cards before closing the vote."),
                           code="counts_missing")
    else:
        counts = _phone_tally(vote)
    vote.votes_for, vote.votes_against, vote.votes_abstain = counts
    vote.passed = passes(counts[0], base_count(vote), vote.majority)
    vote.status, vote.closed_at, vote.closed_by_id = VoteStatus.CLOSED, utcnow(), _user_id(actor)
    _committed(actor, vote, "close", {"for": counts[0], "against": counts[1],
                                      "abstain": counts[2], "passed": vote.passed}, "closed")
    return vote


def delete_vote(actor: Actor, vote: Vote) -> None:
    """Remove a vote set up by mistake; one that was opened stays on record."""
    authorize(actor, vote.congress, CAPABILITY)
    if vote.status != VoteStatus.DRAFT:
        raise Conflict(_("Only a vote that was never opened can be removed."),
                       code="vote_not_draft")
    congress = vote.congress
    record(actor, "vote.delete", congress_id=congress.id, target=f"vote:{vote.id}",
           details={"question": vote.question[:200]})
    db.session.delete(vote)
    db.session.commit()
    proceedings_changed.send(congress, kind="votes", actor=actor, vote_id=None,
                             change="deleted")


# --- the record ---------------------------------------------------------------------------------


def count_entries(actor: Actor, congress: Congress) -> list:
    """Every count entered for the congress's shows of cards, oldest first: who entered what."""
    authorize(actor, congress, CAPABILITY)
    return list(db.session.execute(
        select(Vote, VoteCount).join(VoteCount, VoteCount.vote_id == Vote.id)
        .where(Vote.congress_id == congress.id).order_by(VoteCount.id)).all())


# --- the badge's PIN and the phones it linked ---------------------------------------------------


def badge_pin(delegate: Delegate) -> str:
    """The PIN printed on the delegate's current badge: derived, never stored, and
    another one once the badge is reissued (its token hash changes)."""
    digest = hmac.new(token_key().encode(), f"vote-pin:{delegate.badge_token_hash}".encode(),
                      hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10 ** PIN_DIGITS).zfill(PIN_DIGITS)


def _key_hash(device_key: str) -> str:
    return hashlib.sha256(device_key.encode()).hexdigest()


def device_linked(delegate: Delegate, device_key: str | None) -> bool:
    """Whether this phone proved the PIN of the delegate's current badge."""
    if not device_key:
        return False
    device = db.session.get(VoteDevice, _key_hash(device_key))
    return (device is not None and device.delegate_id == delegate.id
            and device.badge_token_hash == delegate.badge_token_hash)


def link_device(delegate: Delegate, pin: str) -> str:
    """Check the badge's PIN and return a new device key for the phone's cookie. Wrong PINs
    are counted per badge and per address; past the limit, 429."""
    key = f"badge:{delegate.id}"
    PIN_FAILURES.check(key)
    typed = "".join(pin.split())
    if not typed:
        raise Forbidden(_("Type the PIN printed on the back of your badge: this phone "
                          "has not voted with it yet."), code="pin_required",
                        fields={"pin": _("Type the 6-digit PIN.")})
    if not hmac.compare_digest(typed, badge_pin(delegate)):
        PIN_FAILURES.failed(key)
        raise Forbidden(_("Wrong PIN. It is printed on the back of your badge."),
                        code="pin_wrong", fields={"pin": _("Wrong PIN.")})
    device_key = secrets.token_urlsafe(32)
    db.session.add(VoteDevice(key_hash=_key_hash(device_key), delegate_id=delegate.id,
                              badge_token_hash=delegate.badge_token_hash))
    return device_key


# --- casting ----------------------------------------------------------------------------------


def _receipt(device_key: str, vote_id: int) -> str:
    """The receipt of this phone's ballot in this vote: only the phone holding the key can
    compute it, so a ballot keyed by its hash is linked to nobody."""
    digest = hmac.new(device_key.encode(), f"vote-receipt:{vote_id}".encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest).decode()


def receipt_code(receipt: str) -> str:
    """The short code a delegate reads: 8 characters in two groups."""
    return f"{receipt[:4]}-{receipt[4:8]}"


@dataclass(frozen=True)
class Cast:
    vote: Vote
    receipt: str  # the short code
    choice: str | None  # None for a secret vote: the phone is told only that it was recorded
    changed: bool  # a vote this phone had cast before, changed
    device_key: str | None  # a new key when the PIN linked this phone now


def _roll(vote: Vote, delegate: Delegate) -> VoteRoll:
    row = db.session.scalar(select(VoteRoll).where(VoteRoll.vote_id == vote.id,
                                                   VoteRoll.delegate_id == delegate.id))
    if row is not None:
        return row
    if delegate.category not in official_keys(vote.congress):
        raise Forbidden(_("Only official delegates vote. Your badge is that of a guest or "
                          "observer."), code="not_eligible")
    raise Forbidden(_("You were not checked in for this session when the vote opened, so you "
                      "do not vote in it."), code="not_present")


def _vote_for_cast(delegate: Delegate, vote_id: int) -> Vote:
    # Shared lock: many casts at once, but closing waits for them (see close_vote).
    vote = db.session.scalar(select(Vote).where(Vote.id == vote_id)
                             .with_for_update(read=True))
    if vote is None or vote.congress_id != delegate.congress_id:
        raise NotFound(_("Vote not found."))
    if vote.status == VoteStatus.DRAFT:
        raise Conflict(_("This vote has not been opened yet."), code="vote_not_open")
    if vote.status == VoteStatus.CLOSED:
        raise Conflict(_("The vote has closed: your vote was not recorded."),
                       code="vote_closed")
    if vote.method != Method.PHONE:
        raise Conflict(_("This vote is by show of cards: raise your card in the hall."),
                       code="vote_not_phone")
    return vote


def cast_ballot(delegate: Delegate, vote_id: int, data: dict, device_key: str | None) -> Cast:
    """A delegate's vote from their phone; a second cast changes it (counted once). A phone
    that has not proved the badge's PIN must send it."""
    values = validate(BallotInput, data)
    vote = _vote_for_cast(delegate, vote_id)
    new_key = None
    if not device_linked(delegate, device_key):
        device_key = new_key = link_device(delegate, values.pin)
    roll = _roll(vote, delegate)
    receipt = _receipt(device_key, vote.id)
    receipt_hash = hashlib.sha256(receipt.encode()).hexdigest()
    if vote.secret:
        ballot = db.session.get(VoteBallot, (vote.id, receipt_hash))
        if ballot is None and roll.voted:
            raise Conflict(_("You voted on another phone. To change your vote, use that "
                             "phone."), code="voted_elsewhere")
    else:
        ballot = db.session.scalar(select(VoteBallot).where(
            VoteBallot.vote_id == vote.id, VoteBallot.delegate_id == delegate.id))
    changed = ballot is not None
    if ballot is None:
        ballot = VoteBallot(vote_id=vote.id, receipt_hash=receipt_hash,
                            delegate_id=None if vote.secret else delegate.id)
        db.session.add(ballot)
    ballot.choice, ballot.receipt_hash = values.choice, receipt_hash
    first = not roll.voted
    roll.voted = True
    try:
        db.session.commit()
    except IntegrityError:  # the same phone tapped twice at once: the other tap counted
        db.session.rollback()
        raise Conflict(_("Your vote was being recorded already. Reload to see it."),
                       code="cast_in_progress") from None
    if first:  # a changed vote moves no progress bar
        proceedings_changed.send(vote.congress, kind="votes", actor=None, vote_id=vote.id,
                                 change="cast")
    return Cast(vote, receipt_code(receipt), None if vote.secret else values.choice, changed,
                new_key)


@dataclass(frozen=True)
class PortalVote:
    """The vote a delegate's portal shows: the open one or the last one, and their part in it."""

    vote: Vote
    on_roll: bool
    voted: bool
    reason: str  # why they do not vote in it, if they do not
    receipt: str | None  # this phone's receipt code, if this phone voted
    choice: str | None  # what this phone chose (not for a secret vote)
    linked: bool  # this phone proved the PIN already


def portal_vote(delegate: Delegate, device_key: str | None) -> PortalVote | None:
    vote = latest_vote(delegate.congress)
    if vote is None:
        return None
    roll = db.session.scalar(select(VoteRoll).where(VoteRoll.vote_id == vote.id,
                                                    VoteRoll.delegate_id == delegate.id))
    reason = ""
    if roll is None:
        reason = (_("Only official delegates vote.")
                  if delegate.category not in official_keys(vote.congress) else
                  _("You were not checked in for this session when the vote opened."))
    linked = device_linked(delegate, device_key)
    receipt = choice = None
    if linked and roll is not None and roll.voted:
        full = _receipt(device_key, vote.id)
        ballot = db.session.get(VoteBallot, (vote.id, hashlib.sha256(full.encode()).hexdigest()))
        if ballot is not None:
            receipt = receipt_code(full)
            choice = None if vote.secret else ballot.choice
    return PortalVote(vote, roll is not None, bool(roll and roll.voted), reason, receipt, choice,
                      linked)

