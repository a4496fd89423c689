"""The speakers' lists: who speaks on an agenda item, in which order, and the speaking timer.

The secretariat registers contributions (and may add a speaker from the floor); a delegate asks
from the portal and may withdraw while not yet called. The chair (organizer or operator) orders
the list, calls the next speaker, starts, pauses and stops the timer and closes the list. One
speaker at a time speaks in a congress: calling or starting one ends whoever spoke before.
Every change commits, is audited, and then `proceedings_changed` (kind "speakers") tells the
screens and the live pushes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask_babel import gettext as _
from pydantic import Field, StringConstraints
from sqlalchemy import func, select

from conference.agenda.models import AgendaItem
from conference.agenda.service import current_item, get_item
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.delegates.models import Delegate, DelegateStatus
from conference.documents.service import public_document
from conference.errors import Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.signals import proceedings_changed
from conference.speakers.models import (
    FLOOR_SECONDS,
    REGISTERED_SECONDS,
    Speaker,
    SpeakerKind,
    SpeakerList,
    SpeakerStatus,
)
from conference.speakers.schemas import SpeakerListState, SpeakerState
from conference.validation import MAX_ID, OptionalText, Schema, Text, validate

MAX_SECONDS = 60 * 60  # nobody is given more than an hour at the rostrum
Seconds = Annotated[int, Field(ge=10, le=MAX_SECONDS)]
Name = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
Unit = Annotated[OptionalText, StringConstraints(max_length=300)]
Title = Annotated[OptionalText, StringConstraints(max_length=500)]
OptionalId = Annotated[int, Field(ge=1, le=MAX_ID)] | None


class SpeakerInput(Schema):
    """A speaker the secretariat adds: a registered contribution, or someone from the floor;
    a delegate named by `delegate_id` lends their name and unit unless others are given."""

    name: Name | None = Field(default=None, description="Default: the delegate's full name.")
    unit: Unit | None = Field(default=None, description="Default: the delegate's unit.")
    title: Title = ""
    delegate_id: OptionalId = None
    document_id: OptionalId = None
    kind: SpeakerKind = SpeakerKind.REGISTERED
    duration: Seconds | None = Field(default=None, description="Seconds; default: the list's.")


class SpeakerChanges(Schema):
    name: Name
    unit: Unit = ""
    title: Title = ""
    duration: Seconds


class ListSettings(Schema):
    floor_seconds: Seconds = FLOOR_SECONDS
    registered_seconds: Seconds = REGISTERED_SECONDS


def _committed(actor: Actor | None, congress: Congress, item_id: int, *,
               portals: bool = False) -> None:
    """Commit, then tell the screens and live pushes (never before the commit). `portals`:
    the order of who waits changed, so the delegates' places in line may have moved."""
    db.session.commit()
    proceedings_changed.send(congress, kind="speakers", actor=actor, item_id=item_id,
                             portals=portals)


def _audit(actor: Actor | None, action: str, speaker: Speaker, **details) -> None:
    record(actor, action, congress_id=speaker.congress_id, target=f"speaker:{speaker.id}",
           details={"name": speaker.name, "item": speaker.speaker_list.item_id} | details)


# --- reading -------------------------------------------------------------------------------


def get_agenda_item(actor: Actor, item_id: int,
                    capability: Capability = Capability.RUN_PROCEEDINGS) -> AgendaItem:
    return get_item(actor, item_id, capability)


def get_speaker(actor: Actor, speaker_id: int,
                capability: Capability = Capability.RUN_PROCEEDINGS) -> Speaker:
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None:
        raise NotFound(_("Speaker not found."))
    authorize(actor, db.session.get(Congress, speaker.congress_id), capability)
    return speaker


def list_of(item: AgendaItem) -> SpeakerList | None:
    return db.session.scalar(select(SpeakerList).where(SpeakerList.item_id == item.id))


def _list_for_change(item: AgendaItem) -> SpeakerList:
    """The item's list, made on its first entry (or first setting)."""
    speakers = list_of(item)
    if speakers is None:
        speakers = SpeakerList(item_id=item.id, congress_id=item.session.congress_id,
                               closed=False, floor_seconds=FLOOR_SECONDS,
                               registered_seconds=REGISTERED_SECONDS)
        db.session.add(speakers)
        db.session.flush()
    return speakers


def waiting_line(speakers: SpeakerList | None) -> list[Speaker]:
    if speakers is None:
        return []
    return [s for s in speakers.speakers if s.status == SpeakerStatus.WAITING]


def speaker_state(speaker: Speaker, now: datetime, place: int | None = None) -> dict:
    return SpeakerState(
        id=speaker.id, item_id=speaker.speaker_list.item_id, kind=speaker.kind,
        name=speaker.name, unit=speaker.unit, title=speaker.title,
        delegate_id=speaker.delegate_id, document_id=speaker.document_id,
        position=speaker.position, status=speaker.status, running=speaker.running,
        duration=speaker.duration, started_at=speaker.started_at,
        elapsed_before=round(speaker.elapsed_before, 3),
        elapsed=round(speaker.elapsed(now), 3), place=place,
    ).model_dump(mode="json")


def list_state(item: AgendaItem, now: datetime | None = None) -> dict:
    """The item's list with every entry's timer: the one payload of the API, the console's
    pushes and the screens. `server_time` lets a client tick the running timer itself."""
    now = now or utcnow()
    speakers = list_of(item)
    line = {speaker.id: place for place, speaker in enumerate(waiting_line(speakers), start=1)}
    return SpeakerListState(
        item_id=item.id, item_title=item.title, congress_id=item.session.congress_id,
        closed=bool(speakers and speakers.closed),
        floor_seconds=speakers.floor_seconds if speakers else FLOOR_SECONDS,
        registered_seconds=speakers.registered_seconds if speakers else REGISTERED_SECONDS,
        server_time=now,
        speakers=[speaker_state(s, now, line.get(s.id)) for s in (speakers.speakers
                                                                 if speakers else [])],
    ).model_dump(mode="json")


def speaking_now(congress: Congress) -> Speaker | None:
    return db.session.scalar(select(Speaker).where(
        Speaker.congress_id == congress.id, Speaker.status == SpeakerStatus.SPEAKING))


def followed_item(congress: Congress) -> AgendaItem | None:
    """The list the screens follow: the item of whoever speaks, else the current item's."""
    speaker = speaking_now(congress)
    if speaker is not None:
        return db.session.get(AgendaItem, speaker.speaker_list.item_id)
    return current_item(congress)


def items_with_speakers(congress: Congress) -> set[int]:
    return set(db.session.scalars(
        select(SpeakerList.item_id).join(Speaker).where(SpeakerList.congress_id == congress.id)))


def delegates_in_line(item: AgendaItem) -> set[int]:
    """The delegates who wait or speak on the item's list: none is put on it a second time
    from the console's search."""
    return set(db.session.scalars(
        select(Speaker.delegate_id).join(SpeakerList)
        .where(SpeakerList.item_id == item.id, Speaker.delegate_id.is_not(None),
               Speaker.status.in_((SpeakerStatus.WAITING, SpeakerStatus.SPEAKING)))))


# --- the secretariat -----------------------------------------------------------------------


def _checked_links(congress: Congress, values) -> Delegate | None:
    """A speaker's delegate must be of the same congress and still attending, the document
    a public one of the congress; returns the delegate."""
    delegate = None
    if values.delegate_id is not None:
        delegate = db.session.get(Delegate, values.delegate_id)
        if delegate is None or delegate.congress_id != congress.id:
            raise ValidationFailed(_("Please correct the marked fields."), fields={
                "delegate_id": _("No such delegate in this congress.")})
        if delegate.status == DelegateStatus.WITHDRAWN:
            raise Conflict(_("%(name)s has withdrawn from the congress.",
                             name=delegate.full_name), code="delegate_withdrawn")
    if values.document_id is not None:
        try:
            public_document(congress, values.document_id)
        except NotFound:
            raise ValidationFailed(_("Please correct the marked fields."), fields={
                "document_id": _("No such public document in this congress.")}) from None
    return delegate


def _next_position(speakers: SpeakerList) -> int:
    last = db.session.scalar(select(func.max(Speaker.position))
                             .where(Speaker.list_id == speakers.id))
    return (last or 0) + 1


def add_speaker(actor: Actor, item: AgendaItem, data: dict) -> Speaker:
    """Put a speaker at the end of the item's list; the secretariat may add to a closed list."""
    congress = item.session.congress
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    values = validate(SpeakerInput, data)
    delegate = _checked_links(congress, values)
    name = values.name or (delegate.full_name if delegate else None)
    if not name:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            "name": _("Give the speaker's name, or choose a delegate.")})
    unit = values.unit if values.unit is not None else (delegate.unit if delegate else "")
    speakers = _list_for_change(item)
    default = (speakers.floor_seconds if values.kind == SpeakerKind.FLOOR
               else speakers.registered_seconds)
    speaker = Speaker(list_id=speakers.id, congress_id=congress.id, kind=values.kind,
                      name=name, unit=unit or "", title=values.title,
                      delegate_id=values.delegate_id, document_id=values.document_id,
                      position=_next_position(speakers), status=SpeakerStatus.WAITING,
                      duration=values.duration or default, elapsed_before=0.0)
    speakers.speakers.append(speaker)
    db.session.flush()
    _audit(actor, "speaker.add", speaker, kind=speaker.kind)
    _committed(actor, congress, item.id, portals=True)
    return speaker


def update_speaker(actor: Actor, speaker: Speaker, changes: dict) -> Speaker:
    """Correct a speaker's name, unit, title or speaking time (also while they speak)."""
    congress = db.session.get(Congress, speaker.congress_id)
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    current = {"name": speaker.name, "unit": speaker.unit, "title": speaker.title,
               "duration": speaker.duration}
    values = validate(SpeakerChanges, current | dict(changes))
    for name, value in values.model_dump().items():
        setattr(speaker, name, value)
    _audit(actor, "speaker.update", speaker, changes={k: str(v) for k, v in changes.items()})
    _committed(actor, congress, speaker.speaker_list.item_id)
    return speaker


def remove_speaker(actor: Actor, speaker: Speaker) -> None:
    congress = db.session.get(Congress, speaker.congress_id)
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    item_id = speaker.speaker_list.item_id
    _audit(actor, "speaker.remove", speaker, status=speaker.status)
    db.session.delete(speaker)
    _committed(actor, congress, item_id, portals=True)


def move_speaker(actor: Actor, speaker: Speaker, offset: int) -> None:
    """Swap a speaker with the one above (-1) or below (+1); withdrawn entries are skipped."""
    congress = db.session.get(Congress, speaker.congress_id)
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    shown = [s for s in speaker.speaker_list.speakers if s.status != SpeakerStatus.WITHDRAWN]
    if speaker not in shown:
        raise Conflict(_("This speaker has withdrawn."), code="speaker_withdrawn")
    index = shown.index(speaker)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(shown):
        return  # already first or last
    other = shown[target]
    speaker.position, other.position = other.position, speaker.position
    _audit(actor, "speaker.move", speaker, direction="down" if offset > 0 else "up")
    _committed(actor, congress, speaker.speaker_list.item_id, portals=True)


def update_list(actor: Actor, item: AgendaItem, data: dict) -> SpeakerList:
    """The default speaking times of the item's list (for entries added from now on)."""
    congress = item.session.congress
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    values = validate(ListSettings, data)
    speakers = _list_for_change(item)
    speakers.floor_seconds = values.floor_seconds
    speakers.registered_seconds = values.registered_seconds
    record(actor, "speakers.settings", congress_id=congress.id, target=f"item:{item.id}",
           details=values.model_dump())
    _committed(actor, congress, item.id)
    return speakers


def close_list(actor: Actor, item: AgendaItem, closed: bool) -> SpeakerList:
    """Close (or reopen) the list to requests from the floor; the secretariat may still add."""
    congress = item.session.congress
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    speakers = _list_for_change(item)
    if speakers.closed != closed:
        speakers.closed = closed
        record(actor, "speakers.close" if closed else "speakers.reopen",
               congress_id=congress.id, target=f"item:{item.id}")
    _committed(actor, congress, item.id, portals=True)
    return speakers


# --- the timer -----------------------------------------------------------------------------


def _locked(congress: Congress) -> Congress:
    """The congress row locked (PostgreSQL), so two chairs' clicks apply in turn and never
    leave two speakers speaking."""
    return db.session.scalars(
        select(Congress).where(Congress.id == congress.id)
        .with_for_update().execution_options(populate_existing=True)).one()


def _pause(speaker: Speaker, now: datetime) -> None:
    speaker.elapsed_before = speaker.elapsed(now)
    speaker.started_at = None


def _end_others(actor: Actor, congress: Congress, keep: Speaker, now: datetime) -> None:
    """Whoever else speaks in the congress is done: one speaker at a time."""
    for other in db.session.scalars(select(Speaker).where(
            Speaker.congress_id == congress.id, Speaker.status == SpeakerStatus.SPEAKING,
            Speaker.id != keep.id).execution_options(populate_existing=True)):
        _pause(other, now)
        other.status = SpeakerStatus.DONE
        _audit(actor, "speaker.stop", other, elapsed=round(other.elapsed_before),
               because=f"speaker:{keep.id}")


def _refuse_withdrawn(speaker: Speaker) -> None:
    if speaker.status == SpeakerStatus.WITHDRAWN:
        raise Conflict(_("This speaker has withdrawn their request."), code="speaker_withdrawn")


def start_speaker(actor: Actor, speaker: Speaker) -> Speaker:
    """Start (or resume) the speaker's timer; whoever else spoke is done."""
    congress = _locked(db.session.get(Congress, speaker.congress_id))
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    db.session.refresh(speaker)
    _refuse_withdrawn(speaker)
    if not speaker.running:
        now = utcnow()
        _end_others(actor, congress, speaker, now)
        speaker.status = SpeakerStatus.SPEAKING
        speaker.started_at = now
        _audit(actor, "speaker.start", speaker, elapsed=round(speaker.elapsed_before))
    _committed(actor, congress, speaker.speaker_list.item_id, portals=True)
    return speaker


def pause_speaker(actor: Actor, speaker: Speaker) -> Speaker:
    congress = _locked(db.session.get(Congress, speaker.congress_id))
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    db.session.refresh(speaker)
    if speaker.status != SpeakerStatus.SPEAKING:
        raise Conflict(_("This speaker is not speaking."), code="not_speaking")
    if speaker.running:
        _pause(speaker, utcnow())
        _audit(actor, "speaker.pause", speaker, elapsed=round(speaker.elapsed_before))
    _committed(actor, congress, speaker.speaker_list.item_id)
    return speaker


def stop_speaker(actor: Actor, speaker: Speaker) -> Speaker:
    """The speaker is done; the time spoken is kept."""
    congress = _locked(db.session.get(Congress, speaker.congress_id))
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    db.session.refresh(speaker)
    _refuse_withdrawn(speaker)
    if speaker.status != SpeakerStatus.DONE:
        _pause(speaker, utcnow())
        speaker.status = SpeakerStatus.DONE
        _audit(actor, "speaker.stop", speaker, elapsed=round(speaker.elapsed_before))
    _committed(actor, congress, speaker.speaker_list.item_id, portals=True)
    return speaker


def call_next(actor: Actor, item: AgendaItem) -> Speaker:
    """Call the first waiting speaker of the item to the rostrum (their timer not started yet);
    whoever spoke before is done."""
    congress = _locked(item.session.congress)
    authorize(actor, congress, Capability.RUN_PROCEEDINGS)
    speakers = list_of(item)
    if speakers is not None:
        db.session.refresh(speakers)
    line = waiting_line(speakers)
    if not line:
        raise Conflict(_("Nobody is waiting to speak on this item."), code="list_empty")
    speaker = line[0]
    _end_others(actor, congress, speaker, utcnow())
    speaker.status = SpeakerStatus.SPEAKING
    speaker.started_at = None
    _audit(actor, "speaker.call", speaker)
    _committed(actor, congress, item.id, portals=True)
    return speaker


# --- the delegate's portal -----------------------------------------------------------------


def own_request(delegate: Delegate, item: AgendaItem) -> Speaker | None:
    """The delegate's request from the floor on the item still in the list (not withdrawn)."""
    return db.session.scalar(
        select(Speaker).join(SpeakerList).where(
            SpeakerList.item_id == item.id, Speaker.delegate_id == delegate.id,
            Speaker.kind == SpeakerKind.FLOOR, Speaker.status != SpeakerStatus.WITHDRAWN))


def request_to_speak(delegate: Delegate, item_id: int | None = None) -> Speaker:
    """A delegate asks from the floor to speak on the item under way. `item_id`: the item their
    page showed, so a request sent as the agenda moved on is refused, not filed under the next."""
    congress = delegate.congress
    item = current_item(congress)
    if item is None:
        raise Conflict(_("No agenda item is under way: there is nothing to ask to speak on "
                         "yet."), code="not_current_item")
    if item_id is not None and item_id != item.id:
        raise Conflict(_("The agenda has moved on to another item. Look again and ask on "
                         "the item under way."), code="not_current_item")
    if delegate.status == DelegateStatus.WITHDRAWN:
        raise Conflict(_("A delegate who has withdrawn from the congress cannot ask to speak."),
                       code="delegate_withdrawn")
    speakers = _list_for_change(item)
    if speakers.closed:
        raise Conflict(_("The list of speakers on this item is closed."), code="list_closed")
    if own_request(delegate, item) is not None:
        raise Conflict(_("You have already asked to speak on this item."),
                       code="already_requested")
    speaker = Speaker(list_id=speakers.id, congress_id=congress.id, kind=SpeakerKind.FLOOR,
                      name=delegate.full_name, unit=delegate.unit, title="",
                      delegate_id=delegate.id, position=_next_position(speakers),
                      status=SpeakerStatus.WAITING, duration=speakers.floor_seconds,
                      elapsed_before=0.0, requested_at=utcnow())
    speakers.speakers.append(speaker)
    db.session.flush()
    _audit(None, "speaker.request", speaker, delegate=delegate.code)
    _committed(None, congress, item.id, portals=True)
    return speaker


def withdraw_request(delegate: Delegate, speaker_id: int) -> Speaker:
    """The delegate takes back their request while it waits; once called it is the chair's."""
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None or speaker.delegate_id != delegate.id or speaker.kind != SpeakerKind.FLOOR:
        raise NotFound(_("Request to speak not found."))
    if speaker.status == SpeakerStatus.WITHDRAWN:
        raise Conflict(_("You have already withdrawn this request."), code="already_withdrawn")
    if speaker.status != SpeakerStatus.WAITING:
        raise Conflict(_("You have already been called to speak: the chair decides now."),
                       code="already_called")
    speaker.status = SpeakerStatus.WITHDRAWN
    _audit(None, "speaker.withdraw", speaker, delegate=delegate.code)
    _committed(None, delegate.congress, speaker.speaker_list.item_id, portals=True)
    return speaker


def delegate_view(delegate: Delegate) -> dict:
    """What the portal's panel shows: the item under way, whether its list takes requests, and
    the delegate's own request with their place in line."""
    item = current_item(delegate.congress)
    if item is None:
        return {"item": None}
    speakers = list_of(item)
    mine = own_request(delegate, item)
    line = waiting_line(speakers)
    return {"item": item, "closed": bool(speakers and speakers.closed), "mine": mine,
            "place": line.index(mine) + 1 if mine in line else None, "waiting": len(line),
            "withdrawn": delegate.status == DelegateStatus.WITHDRAWN}


def speaker_answer(speaker: Speaker) -> dict:
    """One speaker as the API answers: its timer as of now and its place in line."""
    line = waiting_line(speaker.speaker_list)
    return speaker_state(speaker, utcnow(), line.index(speaker) + 1 if speaker in line else None)
