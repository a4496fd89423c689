"""Livestreams of a congress: where each is watched, and whether it is on now."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db
from conference.streams.embed import embed_url


class Platform(StrEnum):
    FACEBOOK = "facebook"
    YOUTUBE = "youtube"
    NEWSPAPER = "newspaper"
    OTHER = "other"


class StreamStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class Stream(db.Model):
    """One livestream: the whole congress's (no session) or one session's."""

    __tablename__ = "streams"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True)
    platform: Mapped[str] = mapped_column(String(20), default=Platform.OTHER)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=StreamStatus.SCHEDULED)
    replay_url: Mapped[str] = mapped_column(String(1000), default="")
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    congress = relationship("Congress")
    session = relationship("CongressSession")

    @property
    def display(self) -> str:
        """What viewers are told: scheduled, live, replay (ended with a replay link) or ended."""
        if self.status == StreamStatus.ENDED and self.replay_url:
            return "replay"
        return self.status

    @property
    def embed_url(self) -> str | None:
        """The player for an iframe (YouTube, Facebook videos), else None."""
        return embed_url(self.url)

    @classmethod
    def in_order(cls, congress_id: int):
        """The congress's streams in the order pages list them (a query to run)."""
        return (select(cls).where(cls.congress_id == congress_id)
                .order_by(cls.position, cls.scheduled_start, cls.id))


PLATFORM_LABELS = {
    Platform.FACEBOOK: lazy_gettext("Facebook"),
    Platform.YOUTUBE: lazy_gettext("YouTube"),
    Platform.NEWSPAPER: lazy_gettext("Newspaper website"),
    Platform.OTHER: lazy_gettext("Other website"),
}

# What a viewer is told: an ended stream with a replay link reads "Replay".
DISPLAY_LABELS = {
    "scheduled": lazy_gettext("Scheduled"),
    "live": lazy_gettext("Live now"),
    "replay": lazy_gettext("Replay"),
    "ended": lazy_gettext("Ended"),
}
