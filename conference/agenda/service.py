"""Sessions, agenda items, their order and the current item of a congress."""

from __future__ import annotations

from typing import Annotated

from flask_babel import gettext as _
from pydantic import StringConstraints, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from conference.agenda.models import AgendaItem, CongressSession, SessionKind
from conference.agenda.schemas import AgendaCurrent, AgendaState
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.database import get_record
from conference.errors import Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.signals import agenda_changed
from conference.validation import (
    Id,
    LocalDateTime,
    OptionalLocalDateTime,
    OptionalText,
    Schema,
    Text,
    field_error,
    optional_int,
    validate,
)


class SessionInput(Schema):
    title: Annotated[Text, StringConstraints(min_length=1, max_length=300)]
    kind: SessionKind = SessionKind.OFFICIAL
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    room: Annotated[OptionalText, StringConstraints(max_length=200)] = ""
    chair: Annotated[OptionalText, StringConstraints(max_length=300)] = ""

    @model_validator(mode="after")
    def _ends_after_start(self) -> SessionInput:
        if self.ends_at <= self.starts_at:
            raise field_error("ends_at", _("The session must end after it starts."))
        return self


class ItemInput(Schema):
    title: Annotated[Text, StringConstraints(min_length=1, max_length=500)]
    presenter: Annotated[OptionalText, StringConstraints(max_length=300)] = ""
    planned_start: OptionalLocalDateTime = None
    duration_minutes: optional_int(1, 24 * 60) = None
    notes: Annotated[OptionalText, StringConstraints(max_length=5000)] = ""
    session_id: Id


SESSION_FIELDS = tuple(SessionInput.model_fields)
ITEM_FIELDS = tuple(ItemInput.model_fields)


def _values(record_, fields) -> dict:
    return {name: getattr(record_, name) for name in fields}


def _bump(congress: Congress) -> None:
    congress.agenda_revision = Congress.agenda_revision + 1


def _committed(actor: Actor, congress: Congress, kind: str) -> None:
    """Commit the agenda change, then tell the other features (never before the commit)."""
    db.session.commit()
    agenda_changed.send(congress, kind=kind, actor=actor)


# --- reading -----------------------------------------------------------------------------


def ordered_sessions(congress: Congress) -> list[CongressSession]:
    """The congress's sessions in time order, each with its items in agenda order."""
    return list(db.session.scalars(
        select(CongressSession).where(CongressSession.congress_id == congress.id)
        .options(selectinload(CongressSession.items))
        .order_by(CongressSession.starts_at, CongressSession.id)))


def ordered_items(congress: Congress) -> list[AgendaItem]:
    return [item for session in ordered_sessions(congress) for item in session.items]


def get_session(actor: Actor, session_id: int,
                capability: Capability = Capability.VIEW_CONGRESS) -> CongressSession:
    session = db.session.get(CongressSession, session_id)
    if session is None:
        raise NotFound(_("Session not found."))
    authorize(actor, session.congress, capability)
    return session


def get_item(actor: Actor, item_id: int,
             capability: Capability = Capability.VIEW_CONGRESS) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound(_("Agenda item not found."))
    authorize(actor, item.session.congress, capability)
    return item


def current_item(congress: Congress) -> AgendaItem | None:
    if congress.current_item_id is None:
        return None
    return db.session.get(AgendaItem, congress.current_item_id)


def agenda_state(congress: Congress) -> dict:
    """The whole agenda and its current item: the one payload for API, pages and live pushes."""
    sessions = ordered_sessions(congress)
    current = next((item for session in sessions for item in session.items
                    if item.id == congress.current_item_id), None)
    return AgendaState(
        congress_id=congress.id, slug=congress.slug, revision=congress.agenda_revision,
        timezone=congress.timezone, current_item_id=congress.current_item_id,
        current_item=current, current_session_id=current.session_id if current else None,
        sessions=sessions,
    ).model_dump(mode="json")


def agenda_current(congress: Congress) -> dict:
    """Which item is under way and the agenda's revision: what `/live` pushes when the current
    item moves (a hundred bytes, not the whole agenda)."""
    current = current_item(congress)
    return AgendaCurrent(
        congress_id=congress.id, revision=congress.agenda_revision,
        current_item_id=current.id if current else None,
        current_session_id=current.session_id if current else None,
        title=current.title if current else None,
    ).model_dump(mode="json")


# --- sessions ----------------------------------------------------------------------------


def create_session(actor: Actor, congress: Congress, data: dict) -> CongressSession:
    authorize(actor, congress, Capability.EDIT_AGENDA)
    values = validate(SessionInput, data, tz=congress.timezone)
    session = CongressSession(congress_id=congress.id, **values.model_dump())
    db.session.add(session)
    db.session.flush()
    _bump(congress)
    record(actor, "session.create", congress_id=congress.id, target=f"session:{session.id}",
           details={"title": session.title})
    _committed(actor, congress, "structure")
    return session


def update_session(actor: Actor, session: CongressSession, changes: dict) -> CongressSession:
    congress = session.congress
    authorize(actor, congress, Capability.EDIT_AGENDA)
    values = validate(SessionInput, _values(session, SESSION_FIELDS) | dict(changes),
                      tz=congress.timezone)
    for name, value in values.model_dump().items():
        setattr(session, name, value)
    _bump(congress)
    record(actor, "session.update", congress_id=congress.id, target=f"session:{session.id}",
           details={k: str(v) for k, v in dict(changes).items()})
    _committed(actor, congress, "structure")
    return session


def delete_session(actor: Actor, session: CongressSession) -> None:
    congress = session.congress
    authorize(actor, congress, Capability.EDIT_AGENDA)
    if congress.current_item_id in {item.id for item in session.items}:
        congress.current_item_id = None
    db.session.delete(session)
    _bump(congress)
    record(actor, "session.delete", congress_id=congress.id, target=f"session:{session.id}",
           details={"title": session.title})
    _committed(actor, congress, "structure")


# --- items -------------------------------------------------------------------------------


def _session_in(congress: Congress, session_id: int) -> CongressSession:
    """The session `session_id` if it belongs to `congress`; items never cross congresses."""
    session = db.session.get(CongressSession, session_id)
    if session is None or session.congress_id != congress.id:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"session_id": _("No such session in this congress.")})
    return session


def _next_position(session: CongressSession) -> int:
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id))
    return (last or 0) + 1


def create_item(actor: Actor, session: CongressSession, data: dict) -> AgendaItem:
    congress = session.congress
    authorize(actor, congress, Capability.EDIT_AGENDA)
    values = validate(ItemInput, {"session_id": session.id} | dict(data), tz=congress.timezone)
    target = _session_in(congress, values.session_id)
    item = AgendaItem(**values.model_dump(exclude={"session_id"}), session_id=target.id,
                      position=_next_position(target))
    db.session.add(item)
    db.session.flush()
    _bump(congress)
    record(actor, "item.create", congress_id=congress.id, target=f"item:{item.id}",
           details={"title": item.title})
    _committed(actor, congress, "structure")
    return item


def update_item(actor: Actor, item: AgendaItem, changes: dict) -> AgendaItem:
    """Edit an item; a new `session_id` moves it to the end of that session."""
    congress = item.session.congress
    authorize(actor, congress, Capability.EDIT_AGENDA)
    values = validate(ItemInput, _values(item, ITEM_FIELDS) | dict(changes), tz=congress.timezone)
    target = _session_in(congress, values.session_id)
    for name, value in values.model_dump(exclude={"session_id"}).items():
        setattr(item, name, value)
    if target.id != item.session_id:
        item.position = _next_position(target)
        item.session = target
    _bump(congress)
    record(actor, "item.update", congress_id=congress.id, target=f"item:{item.id}",
           details={k: str(v) for k, v in dict(changes).items()})
    _committed(actor, congress, "structure")
    return item


def delete_item(actor: Actor, item: AgendaItem) -> None:
    congress = item.session.congress
    authorize(actor, congress, Capability.EDIT_AGENDA)
    if congress.current_item_id == item.id:
        congress.current_item_id = None
    db.session.delete(item)
    _bump(congress)
    record(actor, "item.delete", congress_id=congress.id, target=f"item:{item.id}",
           details={"title": item.title})
    _committed(actor, congress, "structure")


def parse_layout(body) -> dict[int, list[int]]:
    """Read {"sessions": {"<session id>": [item ids]}} as sent by drag and drop or the API."""
    try:
        return {int(sid): [int(i) for i in ids] for sid, ids in body["sessions"].items()}
    except (TypeError, KeyError, ValueError, AttributeError):
        raise ValidationFailed(_("The new order could not be read."),
                               fields={"sessions": _("Map session ids to lists of item ids.")}
                               ) from None


def arrange_agenda(actor: Actor, congress: Congress, layout: dict[int, list[int]]) -> None:
    """Put items in the given order per session: `{session_id: [item_id, ...]}`.

    Sessions left out keep their items; every item named must belong to this congress.
    """
    authorize(actor, congress, Capability.EDIT_AGENDA)
    sessions = {session.id: session for session in ordered_sessions(congress)}
    items = {item.id: item for session in sessions.values() for item in session.items}
    named = [item_id for item_ids in layout.values() for item_id in item_ids]
    if (any(session_id not in sessions for session_id in layout)
            or any(item_id not in items for item_id in named) or len(set(named)) != len(named)):
        raise ValidationFailed(_("The new order names sessions or items not in this congress."),
                               fields={"order": _("Reload the page and try again.")})
    moved_out = {item.id for session_id in layout for item in sessions[session_id].items}
    if not moved_out <= set(named):
        raise ValidationFailed(_("The new order leaves out some items."),
                               fields={"order": _("Reload the page and try again.")})
    for session_id, item_ids in layout.items():
        for position, item_id in enumerate(item_ids, start=1):
            items[item_id].session_id = session_id
            items[item_id].position = position
    _bump(congress)
    record(actor, "agenda.arrange", congress_id=congress.id,
           details={str(k): v for k, v in layout.items()})
    _committed(actor, congress, "structure")
    db.session.expire_all()


def move_item(actor: Actor, item: AgendaItem, offset: int) -> None:
    """Move an item one place up (-1) or down (+1), into the neighbouring session at an edge."""
    congress = item.session.congress
    authorize(actor, congress, Capability.EDIT_AGENDA)
    sessions = ordered_sessions(congress)
    layout = {session.id: [i.id for i in session.items] for session in sessions}
    order = [session.id for session in sessions]
    ids = layout[item.session_id]
    index = ids.index(item.id)
    target = index + offset
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    else:
        neighbour = order.index(item.session_id) + offset
        if not 0 <= neighbour < len(order):
            return  # already first or last of the whole agenda
        ids.remove(item.id)
        other = layout[order[neighbour]]
        other.insert(len(other) if offset < 0 else 0, item.id)
    arrange_agenda(actor, congress, layout)


# --- the current item --------------------------------------------------------------------


def set_current_item(actor: Actor, congress: Congress, item_id: int | None) -> dict:
    """Make `item_id` (or nothing) the item under way; returns the new agenda state."""
    authorize(actor, congress, Capability.DRIVE_AGENDA)
    congress = _locked(congress)
    if item_id is not None:
        item = get_record(AgendaItem, item_id)
        if item is None or item.session.congress_id != congress.id:
            raise ValidationFailed(_("Please correct the marked fields."),
                                   fields={"item_id": _("No such item in this congress.")})
    if congress.current_item_id != item_id:
        previous = congress.current_item_id
        congress.current_item_id = item_id
        _bump(congress)
        record(actor, "agenda.current", congress_id=congress.id,
               details={"from": previous, "to": item_id})
        _committed(actor, congress, "current")
    else:
        db.session.commit()
    return agenda_state(congress)


def step_current_item(actor: Actor, congress: Congress, step: int) -> dict:
    """Move the current item to the next (+1) or previous (-1) one, across sessions."""
    authorize(actor, congress, Capability.DRIVE_AGENDA)
    congress = _locked(congress)
    ids = [item.id for item in ordered_items(congress)]
    if not ids:
        raise Conflict(_("The agenda has no items yet."), code="agenda_empty")
    if congress.current_item_id is None:
        if step < 0:
            raise Conflict(_("No item is under way."), code="no_current_item")
        target = ids[0]
    else:
        index = ids.index(congress.current_item_id) + step
        if index >= len(ids):
            raise Conflict(_("This is the last item of the agenda."), code="agenda_end")
        if index < 0:
            raise Conflict(_("This is the first item of the agenda."), code="agenda_start")
        target = ids[index]
    return set_current_item(actor, congress, target)


def _locked(congress: Congress) -> Congress:
    """Re-read the congress row locked (PostgreSQL), so two operators' clicks apply in turn."""
    return db.session.scalars(
        select(Congress).where(Congress.id == congress.id)
        .with_for_update().execution_options(populate_existing=True)).one()
