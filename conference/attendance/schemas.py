"""Attendance as the API answers it; the same dict `/attendance` pushes (attendance_state)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from conference.schemas import Instant, Output


class AttendanceCounts(Output):
    expected: int
    present: int


class Quorum(Output):
    """`met` when `present` reaches `required`: more than (`strict`) or at least
    numerator/denominator of `expected` official delegates; never met with none expected.

    `present` counts by the congress's `checkin_rule`; `checked_in_for_congress` counts the
    official delegates checked in for anything of the congress, and `present_for_session`
    those present for the session asked for (null for the whole congress)."""

    required: int
    present: int
    expected: int
    met: bool
    numerator: int
    denominator: int
    strict: bool
    checked_in_for_congress: int
    present_for_session: int | None


class DelegationAttendance(AttendanceCounts):
    delegation: str


class CategoryAttendance(AttendanceCounts):
    key: str
    label_vi: str
    label_en: str
    counts_for_quorum: bool


class Attendance(Output):
    """Expected (not withdrawn) and present delegates, for a session or the whole congress.

    Besides the keys below, one key per delegate category (`official` and `guest` unless the
    congress changed its categories) with that category's counts.
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, AttendanceCounts]
    congress_id: int
    checkin_rule: str = Field(description="`congress`: a check-in counts for every later "
                              "session (the usual rule); `session`: each session needs its own.")
    session_id: int | None
    session_title: str | None
    quorum: Quorum
    by_delegation: list[DelegationAttendance]
    categories: list[CategoryAttendance]
    not_counted: AttendanceCounts
    generated_at: Instant
