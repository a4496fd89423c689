"""A congress: the event every other record belongs to."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db


class CheckinRule(StrEnum):
    """Which check-ins make a delegate present for a session."""

    CONGRESS = "congress"  # any check-in counts for every later session (the usual congress)
    SESSION = "session"  # each session needs its own check-in at its doors


class Congress(db.Model):
    __tablename__ = "congresses"
    __table_args__ = (
        CheckConstraint("quorum_numerator > 0 AND quorum_denominator >= quorum_numerator",
                        name="quorum_fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    organizing_union: Mapped[str] = mapped_column(String(300), default="")
    term: Mapped[str] = mapped_column(String(40), default="")
    ordinal: Mapped[int | None] = mapped_column()
    venue: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    # Quorum: present official delegates must reach this fraction (or exceed it, if strict).
    quorum_numerator: Mapped[int] = mapped_column(default=1)
    quorum_denominator: Mapped[int] = mapped_column(default=2)
    quorum_strict: Mapped[bool] = mapped_column(default=True)
    checkin_rule: Mapped[str] = mapped_column(String(20), default=CheckinRule.CONGRESS,
                                              server_default=CheckinRule.CONGRESS.value)
    published: Mapped[bool] = mapped_column(default=False)
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL", use_alter=True)
    )
    # Bumped on every agenda change, so live clients can drop a push older than what they show.
    agenda_revision: Mapped[int] = mapped_column(default=1)
    # The same for the livestreams: bumped on every stream change, sent with each push.
    streams_revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def quorum_fraction(self) -> Fraction:
        return Fraction(self.quorum_numerator, self.quorum_denominator)
