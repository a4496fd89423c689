"""Attendance: who is present, per category and delegation, and whether the quorum is met.

"Present" for a session follows the congress's check-in rule (`Congress.checkin_rule`): under
the usual rule a check-in counts for its own session and every later one, so a delegate
checked in for the congress the evening before is present at the opening session; under the
strict rule each session needs its own check-in. For the whole congress, any check-in counts.
Withdrawn delegates are neither expected nor counted, even if they were checked in before they
withdrew.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from conference.agenda.models import CongressSession
from conference.checkin.models import CheckIn, session_scope
from conference.checkin.service import session_under_way
from conference.congresses.models import CheckinRule, Congress
from conference.dates import utcnow
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import categories
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.validation import optional_id

WHOLE_CONGRESS = "all"  # the session choice that means "the whole congress"
# The keys of attendance() that are not category keys.
_STATE_KEYS = {"session_id", "quorum", "by_delegation"}


# --- which session ------------------------------------------------------------------------


def attendance_session(congress: Congress, session_id: object) -> CongressSession | None:
    """The session of `congress` that `session_id` names; None (or "all") is the whole congress.

    Accepts what an edge received: an int from JSON, a string from a query string. Anything
    else, or a session of another congress, is refused with 422 on `session_id`.
    """
    if session_id is None or session_id in ("", WHOLE_CONGRESS):
        return None
    key = optional_id(session_id)
    session = db.session.get(CongressSession, key) if key is not None else None
    if session is not None and session.congress_id == congress.id:
        return session
    raise ValidationFailed(_("Please correct the marked fields."),
                           fields={"session_id": _("No such session in this congress.")})


def congress_sessions(congress: Congress) -> list[CongressSession]:
    return list(db.session.scalars(select(CongressSession).where(
        CongressSession.congress_id == congress.id).order_by(CongressSession.starts_at,
                                                             CongressSession.id)))


# --- counting -----------------------------------------------------------------------------


def quorum_required(congress: Congress, expected: int) -> int:
    """How many official delegates must be present: at least, or more than, the fraction."""
    share = congress.quorum_fraction * expected  # a Fraction: exact, no float rounding
    if congress.quorum_strict:
        return math.floor(share) + 1
    return math.ceil(share)


def counts_for_session(congress: Congress, session_id: int):
    """The condition on a check-in that makes its delegate present for the session.

    Its own check-in always counts. Under the usual rule so does one for the congress or for a
    session that began no later, made before this session ended: a check-in for the congress
    the evening before counts for the opening, one for the afternoon does not count for the
    morning, and one made after the morning ended does not make anyone present at it.
    """
    own = CheckIn.scope == session_scope(session_id)
    session = db.session.get(CongressSession, session_id)
    if congress.checkin_rule == CheckinRule.SESSION or session is None:
        return own
    begun = select(CongressSession.id).where(CongressSession.congress_id == congress.id,
                                            CongressSession.starts_at <= session.starts_at)
    return or_(own, and_(CheckIn.checked_in_at <= session.ends_at,
                         or_(CheckIn.session_id.is_(None), CheckIn.session_id.in_(begun))))


def _checkins_query(congress: Congress, session_id: int | None, *columns):
    query = select(*(columns or (CheckIn,))).where(CheckIn.congress_id == congress.id)
    if session_id is not None:
        query = query.where(counts_for_session(congress, session_id))
    return query


def present_ids(congress: Congress, session_id: int | None = None) -> set[int]:
    """Delegates present for the session (by the congress's rule), or checked in for anything
    of the congress when None."""
    return set(db.session.scalars(_checkins_query(congress, session_id, CheckIn.delegate_id)))


def first_checkins(congress: Congress, session_id: int | None = None) -> dict[int, CheckIn]:
    """Each checked-in delegate's first check-in for the session (or for the whole congress)."""
    first: dict[int, CheckIn] = {}
    for checkin in db.session.scalars(_checkins_query(congress, session_id)
                                      .order_by(CheckIn.checked_in_at, CheckIn.id)):
        first.setdefault(checkin.delegate_id, checkin)
    return first


def attendance(congress: Congress, session_id: int | None = None) -> dict:
    """Expected and present delegates per category and delegation, and the quorum."""
    present = present_ids(congress, session_id)
    checked_in = present_ids(congress) if session_id is not None else present
    rows = db.session.execute(
        select(Delegate.id, Delegate.category, Delegate.delegation)
        .where(Delegate.congress_id == congress.id,
               Delegate.status != DelegateStatus.WITHDRAWN)).all()
    listed = categories(congress)
    per_category: dict[str, dict] = {c.key: {"expected": 0, "present": 0} for c in listed}
    per_delegation: dict[str, dict] = {}
    for delegate_id, category, delegation in rows:
        here = delegate_id in present
        for bucket in (per_category.setdefault(category, {"expected": 0, "present": 0}),
                       per_delegation.setdefault(delegation, {"expected": 0, "present": 0})):
            bucket["expected"] += 1
            bucket["present"] += int(here)
    quorum_keys = {c.key for c in listed if c.counts_for_quorum}
    expected = sum(per_category[k]["expected"] for k in quorum_keys if k in per_category)
    here = sum(per_category[k]["present"] for k in quorum_keys if k in per_category)
    for_congress = sum(1 for delegate_id, category, _delegation in rows
                       if category in quorum_keys and delegate_id in checked_in)
    required = quorum_required(congress, expected)
    return per_category | {
        "session_id": session_id,
        "quorum": {"required": required, "present": here, "expected": expected,
                   "met": expected > 0 and here >= required,
                   "checked_in_for_congress": for_congress,
                   "present_for_session": here if session_id is not None else None},
        "by_delegation": [{"delegation": name, **counts}
                          for name, counts in sorted(per_delegation.items())],
    }


def attendance_state(congress: Congress, session: CongressSession | None = None) -> dict:
    """Everything the dashboard's numbers show, the API returns and the live channel pushes.

    The `attendance()` counts (one key per category, `quorum`, `by_delegation`) plus the
    categories in order, the total of those that do not count for the quorum (guests) and
    what the numbers are about.
    """
    counts = attendance(congress, session.id if session else None)
    listed = categories(congress)
    known = {c.key for c in listed}
    # A delegate may still carry the key of a category that was removed: list it too.
    extra = [key for key in counts if key not in known and key not in _STATE_KEYS]
    rows = [{"key": c.key, "label_vi": c.label_vi, "label_en": c.label_en,
             "counts_for_quorum": c.counts_for_quorum, **counts[c.key]} for c in listed]
    rows += [{"key": key, "label_vi": key, "label_en": key, "counts_for_quorum": False,
              **counts[key]} for key in extra]
    others = [row for row in rows if not row["counts_for_quorum"]]
    return counts | {
        "congress_id": congress.id,
        "checkin_rule": congress.checkin_rule,
        "session_title": session.title if session else None,
        "quorum": counts["quorum"] | {
            "numerator": congress.quorum_numerator, "denominator": congress.quorum_denominator,
            "strict": congress.quorum_strict},
        "categories": rows,
        "not_counted": {"expected": sum(row["expected"] for row in others),
                        "present": sum(row["present"] for row in others)},
        "generated_at": utcnow().isoformat(),
    }


# --- who, one by one ----------------------------------------------------------------------


@dataclass(frozen=True)
class DelegateAttendance:
    delegate: Delegate
    checkin: CheckIn | None  # the first check-in that makes them present, if any
    counts_for_quorum: bool

    @property
    def present(self) -> bool:
        return self.checkin is not None

    @property
    def expected(self) -> bool:
        return self.delegate.status != DelegateStatus.WITHDRAWN


def delegate_attendance(congress: Congress, session_id: int | None = None, *,
                        include_withdrawn: bool = False) -> list[DelegateAttendance]:
    """Each delegate with their check-in, by delegation then name (withdrawn left out)."""
    quorum_keys = {c.key for c in categories(congress) if c.counts_for_quorum}
    first = first_checkins(congress, session_id)
    query = select(Delegate).where(Delegate.congress_id == congress.id)
    if not include_withdrawn:
        query = query.where(Delegate.status != DelegateStatus.WITHDRAWN)
    delegates = db.session.scalars(query.order_by(Delegate.delegation, Delegate.full_name,
                                                  Delegate.code))
    return [DelegateAttendance(d, first.get(d.id), d.category in quorum_keys) for d in delegates]


@dataclass(frozen=True)
class Presence:
    """Where a delegate stands, as their portal tells them."""

    session: CongressSession | None  # the session under way, if any
    present: bool  # present for it, by the congress's rule
    own_checkin: bool  # checked in for that very session, not only earlier
    checked_in: bool  # checked in for anything of the congress
    rule: str


def delegate_presence(delegate: Delegate) -> Presence:
    """Whether `delegate` is checked in for the session under way and for the congress."""
    congress = delegate.congress
    session = session_under_way(congress)
    mine = select(CheckIn.scope).where(CheckIn.delegate_id == delegate.id)
    scopes = set(db.session.scalars(mine))
    present = bool(session and db.session.scalar(
        mine.where(counts_for_session(congress, session.id)).limit(1)))
    return Presence(session=session, present=present,
                    own_checkin=bool(session) and session_scope(session.id) in scopes,
                    checked_in=bool(scopes), rule=congress.checkin_rule)


# --- over time ----------------------------------------------------------------------------


def arrival_times(congress: Congress, session_id: int | None = None) -> list[tuple[datetime, bool]]:
    """When each expected delegate arrived (their first check-in) and whether they count for
    the quorum, oldest first."""
    quorum_keys = {c.key for c in categories(congress) if c.counts_for_quorum}
    expected = dict(db.session.execute(
        select(Delegate.id, Delegate.category).where(
            Delegate.congress_id == congress.id, Delegate.status != DelegateStatus.WITHDRAWN)
    ).all())
    first = first_checkins(congress, session_id)
    return sorted((checkin.checked_in_at, expected[delegate_id] in quorum_keys)
                  for delegate_id, checkin in first.items() if delegate_id in expected)


def arrivals(congress: Congress, session_id: int | None = None,
             bucket_minutes: int = 5) -> list[tuple[datetime, int]]:
    """Arrivals per time bucket (UTC bucket start, count), oldest first, for the chart."""
    width = timedelta(minutes=bucket_minutes)
    counts: dict[datetime, int] = {}
    for at, _counts in arrival_times(congress, session_id):
        start = bucket_start(at, width)
        counts[start] = counts.get(start, 0) + 1
    return sorted(counts.items())


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def bucket_start(at: datetime, width: timedelta) -> datetime:
    """The start of the `width`-long bucket that holds `at`, counted from the Unix epoch."""
    return EPOCH + (at - EPOCH) // width * width
