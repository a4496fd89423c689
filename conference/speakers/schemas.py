"""A list of speakers and its entries as the API answers them and the console's pushes send."""

from __future__ import annotations

from pydantic import Field

from conference.schemas import Instant, Output


class SpeakerState(Output):
    id: int
    item_id: int
    kind: str = Field(description="`registered` (a contribution the secretariat registered) or "
                                  "`floor` (a request from the floor).")
    name: str
    unit: str
    title: str = Field(description="The title of the contribution; empty from the floor.")
    delegate_id: int | None
    document_id: int | None = Field(description="A public document of the congress it presents.")
    position: int
    status: str = Field(description="`waiting`, `speaking` (running or paused), `done` or "
                                    "`withdrawn`.")
    running: bool = Field(description="Speaking and the timer runs.")
    duration: int = Field(description="Seconds allowed.")
    started_at: Instant | None = Field(description="When the timer last started; null unless "
                                                   "it runs.")
    elapsed_before: float = Field(description="Seconds spoken before the timer last started.")
    elapsed: float = Field(description="Seconds spoken as of the answer's time: "
                                       "`elapsed_before` + (now - `started_at`) while running.")
    place: int | None = Field(description="Place in line among those waiting; null otherwise.")


class SpeakerListState(Output):
    """An agenda item's list of speakers in order. A client ticks a running timer itself:
    elapsed = `elapsed_before` + (its clock corrected by `server_time` - `started_at`)."""

    item_id: int
    item_title: str
    congress_id: int
    closed: bool = Field(description="Closed to requests from the floor.")
    floor_seconds: int = Field(description="Default speaking time from the floor, seconds.")
    registered_seconds: int = Field(description="Default speaking time of a registered "
                                                "contribution, seconds.")
    server_time: Instant
    speakers: list[SpeakerState]
