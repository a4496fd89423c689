"""The election scene on the screens: the latest published result (or the one chosen), never a
result the committee head has not published."""

from __future__ import annotations

from typing import Literal

from flask_babel import gettext as _

from conference.congresses.models import Congress
from conference.displays.scenes import Heading, SceneChoice, SceneType, add_scene_type
from conference.elections.models import Election
from conference.elections.service import latest_published, list_elections, tally
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.validation import MAX_ID, Schema, optional_int


class ElectionScene(Schema):
    """An election's published result: the one named, else the latest published."""

    type: Literal["election"]
    heading: Heading = ""
    election_id: optional_int(1, MAX_ID) = None


def shown_result(congress: Congress, election_id: int | None) -> dict | None:
    """What the screens may show: the published result only, candidates by votes."""
    election = (db.session.get(Election, election_id) if election_id
                else latest_published(congress))
    if election is None or election.congress_id != congress.id or not election.published:
        return None
    result = tally(election)
    return {"title": result["title"], "seats": result["seats"], "valid": result["valid"],
            "returned": result["returned"], "tie": result["tie"],
            "candidates": [{key: row[key] for key in ("name", "votes", "percent", "elected",
                                                      "tie")} for row in result["ranked"]]}


def _resolve(congress: Congress, scene: dict, _now) -> dict:
    return {"election": shown_result(congress, scene.get("election_id"))}


def _check(congress: Congress, values: ElectionScene, prefix: str) -> None:
    if values.election_id is None:
        return
    election = db.session.get(Election, values.election_id)
    if election is None or election.congress_id != congress.id:
        raise ValidationFailed(_("Please correct the marked fields."), fields={
            f"{prefix}election_id": _("No such election in this congress.")})


def _options(congress: Congress) -> list[tuple[int, str]]:
    """Every election of the congress; one not published yet shows nothing until it is."""
    return [(election.id, election.title if election.published
             else _("%(title)s (not published yet)", title=election.title))
            for election in list_elections(congress)]


add_scene_type(SceneType(
    schema=ElectionScene, label=lambda: _("Election result"), resolve=_resolve, check=_check,
    data_kind="elections", script="js/scene-election.js",
    choice=SceneChoice(field="election_id", label=lambda: _("Election"),
                       empty=lambda: _("The latest published"), options=_options),
    words=lambda: {"heading_election": _("Election result"),
                   "election_none": _("No election result is published yet."),
                   "election_elected": _("Elected"), "election_votes": _("votes"),
                   "election_valid": _("valid ballots"),
                   "election_tie": _("Equal votes at the last seat: another round")}))
