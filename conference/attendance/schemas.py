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


class AbsentDelegate(Output):
    delegate_id: int
    code: str
    full_name: str
    delegation: str
    unit: str
    reason: str = Field(description="Why they are absent, as organizers noted it; \"\" if not "
                                    "given.")


class Absent(Output):
    count: int
    with_reason: int
    delegates: list[AbsentDelegate]


class CompositionShare(Output):
    field: str = Field(description="gender, ethnicity, party_member, age, education, "
                                   "theory_level, sector or mandate.")
    value: str = Field(description="The field's value: a key of the delegate's field (female, "
                                   "university, ...), for `ethnicity` kinh or minority, for "
                                   "`age` under_30, 30_39, 40_49, 50_59 or 60_and_over; "
                                   "not_stated where the record leaves it empty.")
    count: int
    percent: float = Field(description="Of the official delegates present, one decimal.")


class AgedDelegate(Output):
    delegate_id: int
    code: str
    full_name: str
    unit: str
    birth_date: str
    age: int = Field(description="Whole years at the congress's first day (`age_on`).")


class Credentials(Output):
    """What the credentials committee reports, for a session or the whole congress.

    `summoned`: official delegates (the categories that count for the quorum) not withdrawn;
    `present`: those of them present by the congress's `checkin_rule`; `absent`: the others,
    each with the reason organizers noted. `composition`: every value of every field over the
    present ones, each with its count and percentage; `youngest` and `oldest` among those whose
    date of birth is known (null if none is)."""

    congress_id: int
    session_id: int | None
    session_title: str | None
    checkin_rule: str
    age_on: str = Field(description="The date ages are counted at: the congress's first day.")
    summoned: int
    present: int
    present_percent: float
    absent: Absent
    composition: list[CompositionShare]
    youngest: AgedDelegate | None
    oldest: AgedDelegate | None
    generated_at: Instant
