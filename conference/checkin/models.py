"""Check-ins: a delegate arrived at a gate, for the congress or for one of its sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db

CONGRESS_SCOPE = "congress"


def session_scope(session_id: int | None) -> str:
    """The uniqueness key of a check-in: one per delegate per session (or per congress)."""
    return f"session:{session_id}" if session_id else CONGRESS_SCOPE


class CheckIn(db.Model):
    __tablename__ = "checkins"
    # Two gates scanning the same badge at once: the database keeps exactly one.
    __table_args__ = (UniqueConstraint("delegate_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(40))
    gate: Mapped[str] = mapped_column(String(60), default="")
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    delegate = relationship("Delegate")
    session = relationship("CongressSession")
