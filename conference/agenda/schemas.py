"""Sessions, items and the whole agenda as the API answers them and `/live` pushes them."""

from __future__ import annotations

from pydantic import Field

from conference.schemas import Instant, Output


class Item(Output):
    id: int
    session_id: int
    title: str
    presenter: str
    planned_start: Instant | None
    starts_at: Instant | None = Field(
        description="When the item begins: `planned_start` if set (a fixed time), else when the "
                    "item before it ends (the first begins with its session); null when an item "
                    "before it has neither.")
    duration_minutes: int | None
    notes: str
    position: int


class Session(Output):
    id: int
    congress_id: int
    title: str
    kind: str
    starts_at: Instant
    ends_at: Instant
    room: str
    chair: str
    items: list[Item]


class AgendaCurrent(Output):
    """The small push of `/live` (`agenda_current`): which item is under way, at which revision.
    A client that holds the revision before it applies it; any other gap means it missed a
    change, and it fetches the whole agenda once."""

    congress_id: int
    revision: int
    current_item_id: int | None
    current_session_id: int | None
    title: str | None = Field(description="The current item's title; null when none.")


class AgendaState(Output):
    """The whole agenda in order, and the item under way."""

    congress_id: int
    slug: str
    revision: int
    timezone: str
    current_item_id: int | None
    current_item: Item | None
    current_session_id: int | None
    sessions: list[Session]
