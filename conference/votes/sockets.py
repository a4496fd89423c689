"""Votes over the live channel (`/live`) and on the screens.

- Portals (the congress room) hear `vote_changed` `{id, status}` when a vote opens, closes or
  is removed: a few bytes; each fetches its own panel (its receipt, its right to vote).
- Consoles connect signed in with `auth={"congress": slug, "votes": true}` and join the room
  `votes:<congress id>`; they hear `vote_progress` (the vote's summary) after every change,
  coalesced per congress (VOTE_PUSH_INTERVAL, 0.5 s): 300 phones voting at once are two
  pushes a second.
- Screens: see scene.py; `proceedings_changed` re-pushes them (coalesced by the screens).
"""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import emit, join_room

from conference.auth.service import Actor, can
from conference.congresses.models import Congress
from conference.extensions import db
from conference.live import PUBLIC_NAMESPACE, Coalescer, congress_room
from conference.live import emit as push
from conference.signals import client_joined, proceedings_changed
from conference.votes import service
from conference.votes.models import Vote


def console_room(congress_id: int) -> str:
    return f"votes:{congress_id}"


@client_joined.connect
def join_console(congress: Congress, namespace: str = "", auth: object = None,
                 **_extra) -> None:
    """A signed-in secretariat page that asked for the votes joins their room and is greeted
    with the vote it follows."""
    if namespace != PUBLIC_NAMESPACE or not (isinstance(auth, dict) and auth.get("votes")):
        return
    if not current_user.is_authenticated or not can(
            Actor(current_user._get_current_object(), source="socket"), congress,
            service.CAPABILITY):
        return
    join_room(console_room(congress.id))
    vote = service.latest_vote(congress)
    if vote is not None:
        emit("vote_progress", service.summary(vote))


def _push_progress(congress_id: int, vote_ids: set) -> None:
    for vote_id in vote_ids:
        vote = db.session.get(Vote, vote_id) if vote_id else None
        if vote is not None:
            push("vote_progress", service.summary(vote), to=console_room(congress_id),
                 namespace=PUBLIC_NAMESPACE)


progress = Coalescer("votes", "VOTE_PUSH_INTERVAL", _push_progress)


@proceedings_changed.connect
def _vote_changed(congress: Congress, kind: str = "", vote_id: int | None = None,
                  change: str = "", **_extra) -> None:
    if kind != "votes":
        return
    if change in ("opened", "closed", "deleted"):
        vote = db.session.get(Vote, vote_id) if vote_id else None
        push("vote_changed", {"id": vote_id, "status": vote.status if vote else "deleted"},
             to=congress_room(congress.id), namespace=PUBLIC_NAMESPACE)
    if vote_id:
        progress.add(congress.id, vote_id)
