"""Check-in at the door and the attendance it adds up to.

`record_scan` (the scanner page and the JSON API) and `perform_checkin` read what the scanner
read, find the badge, and record one check-in per delegate per session, kept unique by the
database even when two gates scan at once.

Refusals are domain errors with a code (badge_unknown 404, badge_revoked 410,
delegate_withdrawn 409, validation_failed 422 for a session of another congress). When the
badge belonged to a known delegate of this congress the error carries it as `.delegate`, so the
door can show whose badge it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from flask import current_app
from flask_babel import gettext as _
from pydantic import AwareDatetime, Field, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from conference import monitoring
from conference.agenda.models import AgendaItem, CongressSession
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.badges.identity import (
    find_badge,
    find_by_printed_code,
    revoked_hashes,
    scanned_hash,
)
from conference.checkin.models import CheckIn, OfflineScan, session_scope
from conference.congresses.models import Congress
from conference.congresses.service import get_congress
from conference.database import commit_keeping_loaded, each_statement_commits
from conference.dates import utcnow
from conference.delegates.models import Delegate, DelegateStatus
from conference.errors import ConferenceError, Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.signals import delegate_checked_in
from conference.validation import Id, LocalDateTime, OptionalText, Schema, Text, validate

# A session counts as under way from this long before its start until its end.
DOORS_OPEN = timedelta(minutes=60)
GATE_LENGTH = 60


class CheckInInput(Schema):
    """What a scanner sends: the text it read, the gate, and the session (default: under way)."""

    scan: Annotated[Text, StringConstraints(min_length=1, max_length=2000)]
    gate: Annotated[OptionalText, StringConstraints(max_length=GATE_LENGTH)] = ""
    session_id: Id | None = None


@dataclass(frozen=True)
class CheckInResult:
    created: bool  # False: the delegate was already checked in
    checkin: CheckIn
    delegate: Delegate


@dataclass(frozen=True)
class AgendaTimes:
    """The sessions' times and the current item's session, as of one agenda revision."""

    key: tuple[int, int | None]  # (agenda revision, current item id)
    sessions: tuple[tuple[int, datetime, datetime], ...]  # (id, starts, ends) by start
    current_session_id: int | None


def agenda_times(congress: Congress) -> AgendaTimes:
    """The congress's session times, read once per agenda revision: every scan asks for them,
    and every change of sessions or of the current item moves the revision."""
    cache: dict[int, AgendaTimes] = current_app.extensions.setdefault("checkin.agenda_times", {})
    key = (congress.agenda_revision, congress.current_item_id)
    times = cache.get(congress.id)
    if times is None or times.key != key:
        rows = db.session.execute(
            select(CongressSession.id, CongressSession.starts_at, CongressSession.ends_at)
            .where(CongressSession.congress_id == congress.id)
            .order_by(CongressSession.starts_at, CongressSession.id)).all()
        current = db.session.scalar(select(AgendaItem.session_id).where(
            AgendaItem.id == congress.current_item_id)) if congress.current_item_id else None
        times = cache[congress.id] = AgendaTimes(key, tuple(map(tuple, rows)), current)
    return times


def session_id_under_way(congress: Congress, now: datetime | None = None) -> int | None:
    """The id of the session check-ins count for now, or None for the congress as a whole.

    A session's doors are open from DOORS_OPEN before its start until its end. Among the
    sessions with open doors, the one of the current agenda item wins, else the earliest; when
    no session's doors are open (an agenda running late), the current item's session. So at
    lunch, with the morning's last item still current, arrivals count for the afternoon.
    """
    now = now or utcnow()
    times = agenda_times(congress)
    opened = [session_id for session_id, starts, ends in times.sessions
              if starts <= now + DOORS_OPEN and now <= ends]  # a start in year 1 stays valid
    current = times.current_session_id
    if current is not None and (current in opened or not opened):
        return current
    return opened[0] if opened else None


def session_under_way(congress: Congress, now: datetime | None = None) -> CongressSession | None:
    """The session check-ins count for now (see `session_id_under_way`)."""
    session_id = session_id_under_way(congress, now)
    return db.session.get(CongressSession, session_id) if session_id else None


def session_id_for(congress: Congress, session_id: int | None) -> int | None:
    """The id of the session a check-in counts for: the one asked for, else the one under way."""
    if session_id is None:
        return session_id_under_way(congress)
    if session_id not in {row[0] for row in agenda_times(congress).sessions}:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"session_id": _("No such session in this congress.")})
    return session_id


def session_for(congress: Congress, session_id: int | None) -> CongressSession | None:
    """The session a check-in counts for: the one asked for, else the one under way."""
    chosen = session_id_for(congress, session_id)
    return db.session.get(CongressSession, chosen) if chosen else None


@dataclass(frozen=True)
class ScannedBadge:
    """A current badge's delegate (its congress loaded with it) and their check-ins by scope."""

    delegate: Delegate
    checkins: dict[str, CheckIn]


def perform_checkin(actor: Actor, congress: Congress, scan: str, *, gate: str = "",
                    session_id: int | None = None) -> CheckInResult:
    """Check in the delegate whose badge was scanned, or whose code printed on it was typed."""
    authorize(actor, congress, Capability.CHECK_IN)
    return _check_in_scanned(actor, congress, scan, scanned_badge(scan), gate, session_id)


def _check_in_scanned(actor: Actor, congress: Congress, scan: str, badge: ScannedBadge | None,
                      gate: str, session_id: int | None) -> CheckInResult:
    """The check-in of a scan at a congress the actor may check in at (authorized already)."""
    session_id = session_id_for(congress, session_id)
    scope = session_scope(session_id)
    if badge is None or badge.delegate.congress_id != congress.id:
        delegate = _scanned_delegate(scan, congress)
        return _check_in(actor, congress, delegate, session_id, scope, gate,
                         _existing(delegate.id, scope))
    return _check_in(actor, congress, badge.delegate, session_id, scope, gate,
                     badge.checkins.get(scope))


def _scanned_delegate(scan: str, congress: Congress) -> Delegate:
    """The delegate a scan names: the code under the QR, typed when a badge will not scan, or
    the badge itself; else the refusal says why (unknown, replaced)."""
    return find_by_printed_code(scan, congress) or find_badge(scan, congress)


def _refuse_if_withdrawn(delegate: Delegate) -> None:
    if delegate.status == DelegateStatus.WITHDRAWN:
        refusal = Conflict(_("%(name)s has withdrawn from the congress.",
                             name=delegate.full_name), code="delegate_withdrawn")
        refusal.delegate = delegate  # the door shows whose badge it was
        raise refusal


def _new_checkin(actor: Actor, congress: Congress, delegate: Delegate, session_id: int | None,
                 scope: str, gate: str, at: datetime) -> CheckIn:
    return CheckIn(congress_id=congress.id, delegate_id=delegate.id, session_id=session_id,
                   scope=scope, gate=gate.strip()[:GATE_LENGTH], checked_in_at=at,
                   by_user_id=actor.user.id if actor.user else None)


def record_scan(actor: Actor, congress_id: int, data: dict) -> CheckInResult:
    """Check a scanner's request (CheckInInput) and check the badge in.

    The badge is read first, with its congress and check-ins in one query: the congress's own
    lookup then finds it loaded. With no transaction around a scan (it writes one row at most),
    a repeat scan at the doors is one round trip to PostgreSQL.
    """
    values = validate(CheckInInput, data)
    each_statement_commits()  # a scan writes one row at most
    badge = scanned_badge(values.scan)
    congress = get_congress(actor, congress_id, Capability.CHECK_IN)
    return _check_in_scanned(actor, congress, values.scan, badge, values.gate,
                             values.session_id)


def check_in_delegate(actor: Actor, delegate: Delegate, *, gate: str = "",
                      session_id: int | None = None) -> CheckInResult:
    """Record the delegate's arrival once; a second scan returns the first check-in."""
    congress = delegate.congress
    authorize(actor, congress, Capability.CHECK_IN)
    session_id = session_id_for(congress, session_id)
    scope = session_scope(session_id)
    return _check_in(actor, congress, delegate, session_id, scope, gate,
                     _existing(delegate.id, scope))


def _check_in(actor: Actor, congress: Congress, delegate: Delegate,
              session_id: int | None, scope: str, gate: str,
              existing: CheckIn | None) -> CheckInResult:
    _refuse_if_withdrawn(delegate)
    if existing is not None:
        return CheckInResult(False, existing, delegate)
    checkin = _new_checkin(actor, congress, delegate, session_id, scope, gate, utcnow())
    delegate_id = delegate.id
    db.session.add(checkin)
    try:
        commit_keeping_loaded()  # what was just written is what the answer shows
    except IntegrityError:  # another gate was faster by a moment: theirs counts
        db.session.rollback()
        existing = _existing(delegate_id, scope)
        if existing is None:  # not the uniqueness rule: something else went wrong
            raise
        return CheckInResult(False, existing, delegate)
    delegate_checked_in.send(congress, delegate=delegate, checkin=checkin, actor=actor)
    return CheckInResult(True, checkin, delegate)


def scanned_badge(scan: str) -> ScannedBadge | None:
    """The current badge a scan names, with its delegate's congress and check-ins, in one query
    (the path every scan takes); None when it names no current badge."""
    digest = scanned_hash(scan)
    if not digest:
        return None
    rows = db.session.execute(
        select(Delegate, CheckIn).join(Delegate.congress)
        .outerjoin(CheckIn, CheckIn.delegate_id == Delegate.id)
        .options(contains_eager(Delegate.congress))
        .where(Delegate.badge_token_hash == digest)).all()
    if not rows:
        return None
    return ScannedBadge(rows[0][0], {row[1].scope: row[1] for row in rows if row[1] is not None})


def _existing(delegate_id: int, scope: str) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.delegate_id == delegate_id,
                                                   CheckIn.scope == scope))


def get_congress_delegate(actor: Actor, congress: Congress, delegate_id: int) -> Delegate:
    """A delegate of this congress for check-in by hand (after a search)."""
    authorize(actor, congress, Capability.CHECK_IN)
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or delegate.congress_id != congress.id:
        raise NotFound(_("Delegate not found."))
    return delegate


def checkins_of(delegate_ids: list[int], session: CongressSession | None) -> dict[int, CheckIn]:
    """The check-ins of these delegates for the session (or the congress), by delegate id."""
    if not delegate_ids:
        return {}
    scope = session_scope(session.id if session else None)
    rows = db.session.scalars(select(CheckIn).where(CheckIn.delegate_id.in_(delegate_ids),
                                                    CheckIn.scope == scope))
    return {row.delegate_id: row for row in rows}


def get_checkin(actor: Actor, checkin_id: int) -> CheckIn:
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        raise NotFound(_("Check-in not found."))
    authorize(actor, db.session.get(Congress, checkin.congress_id), Capability.CHECK_IN)
    return checkin


def undo_checkin(actor: Actor, checkin: CheckIn) -> None:
    """Take back a mistaken check-in; the audit log keeps who did it."""
    congress = db.session.get(Congress, checkin.congress_id)
    authorize(actor, congress, Capability.CHECK_IN)
    delegate = checkin.delegate
    record(actor, "checkin.undo", congress_id=congress.id, target=f"delegate:{delegate.code}",
           details={"scope": checkin.scope, "gate": checkin.gate,
                    "at": checkin.checked_in_at.isoformat()})
    db.session.delete(checkin)
    db.session.commit()
    delegate_checked_in.send(congress, delegate=delegate, checkin=None, actor=actor)


# --- scans made offline, sent later -----------------------------------------------------------

MAX_BATCH = 500  # scans in one request; a gate offline all morning sends several
NONCE_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class OfflineScanInput(CheckInInput):
    """One scan a gate made offline: what it read, the nonce it gave the scan, when (its clock)."""

    nonce: Annotated[str, StringConstraints(pattern=NONCE_PATTERN)]
    scanned_at: LocalDateTime


class OfflineBatchInput(Schema):
    items: Annotated[list[OfflineScanInput], Field(min_length=1, max_length=MAX_BATCH)]


@dataclass(frozen=True)
class OfflineOutcome:
    """What became of one offline scan: `result` is checked_in, already_checked_in, or the code
    of the refusal (badge_unknown, badge_revoked, delegate_withdrawn)."""

    nonce: str
    result: str
    delegate: Delegate | None
    checkin: CheckIn | None
    message: str = ""


def record_offline_scans(actor: Actor, congress: Congress, data: dict) -> list[OfflineOutcome]:
    """Apply scans a gate made offline, in the order sent, each by the rules of a live scan at
    its own time. A nonce seen before is answered as the first time (a retry is no second
    check-in); a delegate scanned at two gates has one check-in, at the earliest time."""
    authorize(actor, congress, Capability.CHECK_IN)
    values = validate(OfflineBatchInput, data, tz=congress.timezone)
    return [_offline_scan(actor, congress, item) for item in values.items]


def _offline_scan(actor: Actor, congress: Congress, item: OfflineScanInput) -> OfflineOutcome:
    known = db.session.scalar(select(OfflineScan).where(OfflineScan.congress_id == congress.id,
                                                        OfflineScan.nonce == item.nonce))
    if known is not None:
        return _outcome_of(known)
    when = min(item.scanned_at, utcnow())  # a gate whose clock runs fast is not in the future
    session_id = item.session_id
    if session_id is None:
        session_id = session_id_under_way(congress, when)
    else:
        session_id_for(congress, session_id)  # refuses a session of another congress
    scope = session_scope(session_id)
    gate = item.gate.strip()[:GATE_LENGTH]
    delegate, checkin, result, changed = None, None, "checked_in", True
    try:
        delegate = _scanned_delegate(item.scan, congress)
        _refuse_if_withdrawn(delegate)
    except ConferenceError as refused:
        result, changed = refused.code, False
        delegate = getattr(refused, "delegate", None)
    if result == "checked_in":
        checkin = _existing(delegate.id, scope)
        if checkin is None:
            checkin = _new_checkin(actor, congress, delegate, session_id, scope, gate, when)
            db.session.add(checkin)
        else:
            result = "already_checked_in"
            changed = when < checkin.checked_in_at  # this gate saw them first
            if changed:
                checkin.checked_in_at, checkin.gate = when, gate
    scan = OfflineScan(congress_id=congress.id, nonce=item.nonce, result=result, gate=gate,
                       scanned_at=when, delegate=delegate, checkin=checkin,
                       by_user_id=actor.user.id if actor.user else None)
    db.session.add(scan)
    try:
        db.session.commit()
    except IntegrityError:  # the same batch sent twice at once, or two gates at one moment
        db.session.rollback()
        again = db.session.scalar(select(OfflineScan).where(
            OfflineScan.congress_id == congress.id, OfflineScan.nonce == item.nonce))
        if again is None:
            return _offline_scan(actor, congress, item)  # lost the check-in race: now it exists
        return _outcome_of(again)
    if changed:  # the dashboards hear of a new check-in, or of one that moved earlier
        delegate_checked_in.send(congress, delegate=delegate, checkin=checkin, actor=actor)
    return _outcome_of(scan)


def _outcome_of(scan: OfflineScan) -> OfflineOutcome:
    messages = {"badge_unknown": _("This is not a badge of this congress."),
                "badge_revoked": _("This badge was replaced by a new one."),
                "delegate_withdrawn": _("The delegate has withdrawn from the congress.")}
    return OfflineOutcome(scan.nonce, scan.result, scan.delegate, scan.checkin,
                          messages.get(scan.result, ""))


# --- what a gate holds to decide offline ------------------------------------------------------

MANIFEST_OVERLAP = timedelta(seconds=5)  # a write committed while the last manifest was read


@dataclass(frozen=True)
class Manifest:
    """A congress's badges as a gate needs them offline: `badges` (all, or those changed since
    the gate's last copy), `delegate_ids` (every delegate still there, so the gate drops the
    others), `revoked` (hashes of replaced badges), `as_of` (send it back as `since`)."""

    as_of: datetime
    complete: bool
    badges: list[Delegate]
    delegate_ids: list[int]
    revoked: list[str]


class ManifestInput(Schema):
    since: AwareDatetime | None = None  # the `as_of` of the gate's last copy


def gate_manifest(actor: Actor, congress: Congress, data) -> Manifest:
    """What a gate keeps to check badges in while the network is down. Only check-in staff
    get it; it holds the stored hashes of the tokens, never a token, so it opens no portal."""
    authorize(actor, congress, Capability.CHECK_IN)
    since = validate(ManifestInput, {"since": data.get("since") or None}).since
    as_of = utcnow()
    after = since - MANIFEST_OVERLAP if since is not None else None
    query = select(Delegate).where(Delegate.congress_id == congress.id)
    if after is not None:
        query = query.where(Delegate.updated_at >= after)
    badges = list(db.session.scalars(query.order_by(Delegate.id)))
    ids = list(db.session.scalars(select(Delegate.id).where(Delegate.congress_id == congress.id)
                                  .order_by(Delegate.id)))
    return Manifest(as_of, since is None, badges, ids, revoked_hashes(congress, after))


def _checkins_last_minute() -> int:
    """Check-ins of every congress in the last minute: the morning rush, as the monitor sees it."""
    return db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.checked_in_at >= utcnow() - timedelta(minutes=1)))


monitoring.add_measure("conference_checkins_last_minute",
                       "Check-ins recorded in the last minute, all congresses",
                       _checkins_last_minute)
