"""API routes for votes (biểu quyết) on agenda items: set up, open, counts, close, read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from spectree import Tag

from conference.api import api_actor, operation
from conference.api.spec import NOT_FOUND, api_model, request_body
from conference.votes import service
from conference.votes.schemas import VoteCreated, VoteState

TAG = Tag(name="votes", description="Votes on agenda items, by show of cards or on phones.")
VoteCreate = api_model(service.VoteInput, "VoteInput", required=("question",))
NOT_OPEN = "`vote_not_open`: the vote is not open."


class CountsBody(BaseModel):
    """The three counts of a show of cards; their sum may not exceed those present."""

    model_config = ConfigDict(extra="forbid", strict=True, title="CountsInput")

    votes_for: int = Field(alias="for", ge=0, le=service.MAX_COUNT)
    against: int = Field(ge=0, le=service.MAX_COUNT)
    abstain: int = Field(ge=0, le=service.MAX_COUNT)


@operation.post("/items/<int:item_id>/votes", ok=VoteCreated, status=201, body=VoteCreate,
                tag=TAG)
def create_vote(item_id: int):
    """Set up a vote on an agenda item (not open yet).

    `method`: `cards` (the secretariat enters the counts) or `phone` (delegates on their
    portal); `majority`: `half` (more than half) or `two_thirds` (at least two thirds) of
    `base`: the official delegates `present` when the vote opens, or those `summoned`.
    """
    item = service.get_item(api_actor(), item_id)
    vote = service.create_vote(api_actor(), item, request_body())
    return VoteCreated(id=vote.id, status=vote.status), 201


@operation.post("/votes/<int:vote_id>/open", ok=VoteState, tag=TAG,
                errors={409: "`vote_already_open`: another vote of the congress is open; "
                             "`vote_not_draft`: this one was opened before; `nobody_present`: no "
                             "official delegate is checked in for the item's session."})
def open_vote(vote_id: int):
    """Open the vote: the roll (official delegates present for the item's session) and the
    base are frozen now."""
    vote = service.open_vote(api_actor(), service.get_vote(api_actor(), vote_id))
    return VoteState(**service.summary(vote))


@operation.post("/votes/<int:vote_id>/counts", ok=VoteState, body=CountsBody, tag=TAG,
                errors={409: f"{NOT_OPEN} `vote_not_cards`: delegates vote on phones here.",
                        422: "`counts_above_present`: the counts add up to more than the "
                             "official delegates present when the vote opened; "
                             "`validation_failed` otherwise."})
def enter_counts(vote_id: int):
    """Enter the counts of a show of cards (again, to correct them: each entry is kept)."""
    vote = service.get_vote(api_actor(), vote_id)
    return VoteState(**service.summary(service.enter_counts(api_actor(), vote, request_body())))


@operation.post("/votes/<int:vote_id>/close", ok=VoteState, tag=TAG,
                errors={409: f"{NOT_OPEN} `counts_missing`: a show of cards has no counts."})
def close_vote(vote_id: int):
    """Close the vote and keep its result."""
    vote = service.close_vote(api_actor(), service.get_vote(api_actor(), vote_id))
    return VoteState(**service.summary(vote))


@operation.get("/votes/<int:vote_id>", ok=VoteState, tag=TAG, errors={404: NOT_FOUND})
def get_vote(vote_id: int):
    """Read a vote: its status, `eligible` and `voted`, and once closed its counts and
    `passed`."""
    return VoteState(**service.summary(service.get_vote(api_actor(), vote_id)))
