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


class OfflineScan(db.Model):
    """A scan a gate made while offline and sent later, kept by the nonce the gate gave it: a
    retry is answered from here rather than counted again, and the scans of one delegate at two
    gates are both on record beside their one check-in."""

    __tablename__ = "offline_scans"
    __table_args__ = (UniqueConstraint("congress_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    gate: Mapped[str] = mapped_column(String(60), default="")
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the gate's clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(String(30))  # checked_in, already_checked_in, badge_...
    delegate_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegates.id", ondelete="SET NULL"))
    checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="SET NULL"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    delegate = relationship("Delegate")
    checkin = relationship("CheckIn")
