"""Lists of speakers per agenda item: contributions the secretariat registers and requests from
the floor, in the chair's order, each with its timer.

The timer lives on the row, so a restart or another server process loses nothing: `started_at`
(UTC) while it runs, `elapsed_before` (seconds spoken before the last pause) and `duration`.
Every client computes the running time from the server's clock.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime
from conference.extensions import db

FLOOR_SECONDS = 5 * 60  # default speaking time of a request from the floor
REGISTERED_SECONDS = 7 * 60  # of a registered contribution (tham luận)


class SpeakerKind(StrEnum):
    REGISTERED = "registered"  # a contribution registered by the secretariat (tham luận)
    FLOOR = "floor"  # a delegate's request from the floor


class SpeakerStatus(StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"  # running while started_at is set, else paused (or just called)
    DONE = "done"
    WITHDRAWN = "withdrawn"


class SpeakerList(db.Model):
    """An agenda item's list, made with its first entry; `closed` refuses floor requests."""

    __tablename__ = "speaker_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), unique=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    floor_seconds: Mapped[int] = mapped_column(default=FLOOR_SECONDS)
    registered_seconds: Mapped[int] = mapped_column(default=REGISTERED_SECONDS)

    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="speaker_list", order_by="Speaker.position",
        cascade="all, delete-orphan", passive_deletes=True)


class Speaker(db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("speaker_lists.id", ondelete="CASCADE"), index=True)
    # Kept here too: "who speaks in this congress now" is one indexed query.
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=SpeakerKind.REGISTERED)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    delegate_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegates.id", ondelete="SET NULL"), index=True)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default=SpeakerStatus.WAITING)
    duration: Mapped[int] = mapped_column(default=FLOOR_SECONDS)  # seconds allowed
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set while running
    elapsed_before: Mapped[float] = mapped_column(Float, default=0.0)  # seconds before a pause
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    speaker_list: Mapped[SpeakerList] = relationship(back_populates="speakers")

    @property
    def running(self) -> bool:
        return self.status == SpeakerStatus.SPEAKING and self.started_at is not None

    def elapsed(self, now: datetime) -> float:
        """Seconds spoken so far, as of `now` (server time)."""
        if self.started_at is None:
            return self.elapsed_before
        return self.elapsed_before + max(0.0, (now - self.started_at).total_seconds())


KIND_LABELS = {SpeakerKind.REGISTERED: lazy_gettext("Registered contribution"),
               SpeakerKind.FLOOR: lazy_gettext("From the floor")}
STATUS_LABELS = {SpeakerStatus.WAITING: lazy_gettext("waiting"),
                 SpeakerStatus.SPEAKING: lazy_gettext("speaking"),
                 SpeakerStatus.DONE: lazy_gettext("done"),
                 SpeakerStatus.WITHDRAWN: lazy_gettext("withdrawn")}
