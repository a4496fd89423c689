"""Elections as the API answers them: the result (`tally`), a ballot batch, an entry."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from conference.jobs.schemas import JobLink
from conference.schemas import Instant, Output


class CandidateResult(Output):
    """A candidate, in the ballot's order (given name first). `percent`: of the valid ballots.
    `tie`: equal votes at the last seat with others: none of them is elected, another round
    decides."""

    id: int
    name: str
    delegate_id: int | None
    votes: int
    percent: float
    elected: bool
    tie: bool


class InvalidReasons(Output):
    """Invalid ballots by reason: a serial not issued for this election, spoiled (names added,
    marks, torn: as the clerks marked it), more names kept than seats."""

    not_issued: int
    spoiled: int
    too_many_kept: int


class ElectionResult(Output):
    """An election and its count as it stands. `returned`: ballots counted (both entries agree,
    or the head settled them); `waiting`: ballots with one entry so far; `mismatched`: two
    entries that differ, waiting for the head. `needed`: the votes to be elected (more than half
    of `majority_base`: `valid` ballots by default, or `returned`, or `issued`). `tie`: equal
    votes at the last seat."""

    id: int
    congress_id: int
    title: str
    seats: int
    majority_base: Literal["valid", "returned", "issued"]
    published: bool
    published_at: Instant | None
    revision: int
    issued: int
    returned: int
    valid: int
    invalid: int
    invalid_reasons: InvalidReasons
    waiting: int
    mismatched: int
    needed: int
    tie: bool
    candidates: list[CandidateResult]

    @classmethod
    def of(cls, result: dict) -> ElectionResult:
        """From `service.tally` (without its list ranked by votes)."""
        return cls.model_validate({k: v for k, v in result.items() if k != "ranked"})


class BallotsIssued(Output):
    """A batch of ballots issued: their serials (random, never linked to a delegate), how many
    the election has in all, and the job printing them; `pdf_url` serves the PDF once it is
    done (GET with the same token)."""

    batch_id: int
    count: int
    issued: int
    serials: list[str]
    job: JobLink
    pdf_url: str


class EntryResult(Output):
    """One clerk's entry and what it made of the ballot: `state` waiting (another clerk must
    enter it), counted (both entries agree, or settled) or mismatch (waits for the head);
    `valid` and `reason` (not_issued, spoiled, too_many_kept) as this ballot reads now."""

    id: int
    serial: str
    clerk: str
    crossed: list[int]
    spoiled: bool
    state: Literal["waiting", "counted", "mismatch"]
    valid: bool
    reason: Literal["not_issued", "spoiled", "too_many_kept"] | None = Field(default=None)
    message: str
