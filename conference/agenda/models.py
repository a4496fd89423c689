"""Sessions of a congress and the agenda items inside them."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime
from conference.extensions import db


class SessionKind(StrEnum):
    PREPARATORY = "preparatory"
    OFFICIAL = "official"
    CLOSING = "closing"
    CEREMONY = "ceremony"
    OTHER = "other"


class CongressSession(db.Model):
    """A sitting of the congress (named so to keep it apart from database and login sessions)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default=SessionKind.OFFICIAL)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(300), default="")

    congress = relationship("Congress")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="session", order_by="AgendaItem.position",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    presenter: Mapped[str] = mapped_column(String(300), default="")
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[CongressSession] = relationship(back_populates="items")

    @property
    def starts_at(self) -> datetime | None:
        """When the item begins: its fixed time (`planned_start`) if it has one, else when the
        item before it ends, counting from the session's start; None once an item without a
        duration breaks the chain. Follows the order, so moving items moves their times."""
        start: datetime | None = self.session.starts_at
        for item in self.session.items:
            start = item.planned_start or start
            if item is self:
                return start
            if start is not None and item.duration_minutes:
                start += timedelta(minutes=item.duration_minutes)
            else:
                start = None
        return None


SESSION_KIND_LABELS = {
    SessionKind.PREPARATORY: lazy_gettext("Preparatory session"),
    SessionKind.OFFICIAL: lazy_gettext("Official session"),
    SessionKind.CLOSING: lazy_gettext("Closing session"),
    SessionKind.CEREMONY: lazy_gettext("Awards ceremony"),
    SessionKind.OTHER: lazy_gettext("Other"),
}
