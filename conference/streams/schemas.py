"""Livestreams as the API answers them and `/live` pushes them (`streams_state`)."""

from __future__ import annotations

from typing import Literal

from conference.schemas import Instant, Output


class Stream(Output):
    """A livestream. `display` is what viewers are told (`replay`: ended with a replay link);
    `embed_url` is the player for an iframe (YouTube, Facebook videos), else null."""

    id: int
    congress_id: int
    session_id: int | None
    platform: str
    url: str
    title: str
    status: str
    display: Literal["scheduled", "live", "replay", "ended"]
    replay_url: str
    scheduled_start: Instant | None
    position: int
    embed_url: str | None


class StreamsState(Output):
    """Every stream in order; the same dict the /live namespace pushes as `streams_state`.
    `revision` grows with each change; `layout` changes when anything but a status does, or
    when a status moves a stream into or out of the live ones that pages list first."""

    congress_id: int
    slug: str
    revision: int
    published: bool
    layout: str
    streams: list[Stream]
