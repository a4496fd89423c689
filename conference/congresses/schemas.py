"""A congress as the API answers it."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from conference.schemas import Output


class Congress(Output):
    id: int
    name: str
    slug: str
    organizing_union: str
    term: str
    ordinal: int | None
    venue: str
    starts_on: date
    ends_on: date
    timezone: str
    quorum_numerator: int
    quorum_denominator: int
    quorum_strict: bool
    checkin_rule: str = Field(description="`congress`: a check-in counts for every later "
                              "session; `session`: each session needs its own check-in.")
    published: bool
    current_item_id: int | None


class CongressList(Output):
    congresses: list[Congress]
