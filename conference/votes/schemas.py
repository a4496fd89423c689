"""A vote as the API answers it."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from conference.schemas import Output


class VoteCreated(Output):
    id: int
    status: Literal["draft", "open", "closed"]


class VoteState(Output):
    """A vote: `eligible` is the official delegates present when it opened (frozen then),
    `summoned` those summoned; `base_count` the one the rule counts against. `voted`: phones
    that voted, or the sum of the counts entered for a show of cards. The counts, percentages
    (of the base) and `passed` are null until the vote is closed."""

    model_config = ConfigDict(serialize_by_alias=True)

    id: int
    congress_id: int
    item_id: int
    question: str
    method: Literal["cards", "phone"]
    majority: Literal["half", "two_thirds"]
    base: Literal["present", "summoned"]
    secret: bool
    status: Literal["draft", "open", "closed"]
    eligible: int
    summoned: int
    base_count: int
    voted: int
    votes_for: int | None = Field(alias="for")
    against: int | None
    abstain: int | None
    passed: bool | None
    percent_for: float | None
    percent_against: float | None
    percent_abstain: float | None
