"""The `vote` scene on the screens: the question and the progress bar while the vote is open,
then the counts, percentages and PASSED / NOT PASSED. Without `vote_id` it follows the
congress's latest vote by itself. Resolving it costs two small queries per push (the vote, the
count of those who voted); the screens resolve it once per coalesced push, not per ballot.
"""

from __future__ import annotations

from typing import Literal

from flask_babel import gettext as _

from conference.congresses.models import Congress
from conference.displays.scenes import Heading, SceneChoice, SceneType, add_scene_type
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.validation import MAX_ID, Schema, optional_int
from conference.votes import service
from conference.votes.models import Vote, VoteStatus


class VoteScene(Schema):
    """A vote: the one named, else the congress's latest."""

    type: Literal["vote"]
    heading: Heading = ""
    vote_id: optional_int(1, MAX_ID) = None


def resolve(congress: Congress, scene: dict, now) -> dict:
    vote_id = scene.get("vote_id")
    vote = db.session.get(Vote, vote_id) if vote_id else service.latest_vote(congress)
    if vote is None or vote.congress_id != congress.id or vote.status == VoteStatus.DRAFT:
        return {"vote": None}
    # The rule in words is made by the renderer from `majority`, `base` and its words: a push
    # is resolved once for every screen, whatever language each shows.
    return {"vote": service.summary(vote)}


def check(congress: Congress, values: VoteScene, prefix: str) -> None:
    if values.vote_id is None:
        return
    vote = db.session.get(Vote, values.vote_id)
    if vote is None or vote.congress_id != congress.id:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={f"{prefix}vote_id": _("No such vote in this congress.")})


def words() -> dict[str, str]:
    return {"heading_vote": _("Vote"), "vote_none": _("No vote yet."),
            "vote_for": _("For"), "vote_against": _("Against"), "vote_abstain": _("Abstain"),
            "vote_voted": _("have voted"), "vote_passed": _("PASSED"),
            "vote_not_passed": _("NOT PASSED"), "vote_open": _("Voting is open"),
            "vote_closed": _("Result"),
            "vote_rule": _("Passes with %(majority)s %(base)s", majority="{majority}",
                           base="{base}")} | {
        f"vote_{code}": str(service.LABELS[code])
        for code in ("half", "two_thirds", "present", "summoned")}


def _options(congress: Congress) -> list[tuple[int, str]]:
    """The congress's votes, newest first; one not opened yet shows nothing until it opens."""
    return [(vote.id, vote.question if vote.status != VoteStatus.DRAFT
             else _("%(question)s (not opened yet)", question=vote.question))
            for vote in service.votes_of(congress)]


add_scene_type(SceneType(schema=VoteScene, label=lambda: _("Vote (progress and result)"),
                         resolve=resolve, check=check, data_kind="votes", words=words,
                         script="js/scene-vote.js",
                         choice=SceneChoice(field="vote_id", label=lambda: _("Vote"),
                                            empty=lambda: _("The latest vote"),
                                            options=_options)))
