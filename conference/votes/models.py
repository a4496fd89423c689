"""Votes on agenda items, the roll of who may vote, the ballots cast on phones, the counts
entered for a show of cards, and the phones a badge's PIN linked.

A secret vote keeps who voted (`VoteRoll.voted`) apart from what was chosen (`VoteBallot`,
which then has no delegate, no time and no sequential id: its key is the hash of a receipt only
the voting phone can compute), so no row links a delegate to a choice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db


class VoteStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Method(StrEnum):
    CARDS = "cards"  # show of cards: the secretariat enters the three counts
    PHONE = "phone"  # each delegate on their portal


class Majority(StrEnum):
    HALF = "half"  # more than half
    TWO_THIRDS = "two_thirds"  # at least two thirds


class Base(StrEnum):
    PRESENT = "present"
    SUMMONED = "summoned"


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class Vote(db.Model):
    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"),
                                         index=True)
    question: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10))
    majority: Mapped[str] = mapped_column(String(12))
    base: Mapped[str] = mapped_column(String(10))
    secret: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=VoteStatus.DRAFT)
    # Frozen when the vote opens: official delegates present (the roll) and summoned.
    present: Mapped[int | None] = mapped_column()
    summoned: Mapped[int | None] = mapped_column()
    # The result, once closed.
    votes_for: Mapped[int | None] = mapped_column()
    votes_against: Mapped[int | None] = mapped_column()
    votes_abstain: Mapped[int | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    item = relationship("AgendaItem")
    congress = relationship("Congress")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])


class VoteRoll(db.Model):
    """One official delegate present when the vote opened: they may vote, once (a new cast
    changes the ballot); `voted` makes the progress count and is all a secret vote keeps."""

    __tablename__ = "vote_roll"
    __table_args__ = (UniqueConstraint("vote_id", "delegate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"),
                                             index=True)
    voted: Mapped[bool] = mapped_column(default=False)


class VoteBallot(db.Model):
    """What one phone chose. `receipt_hash` is the SHA-256 of the receipt the voting phone
    derives from its device key; `delegate_id` is set only when the vote is not secret."""

    __tablename__ = "vote_ballots"

    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"),
                                         primary_key=True)
    receipt_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    choice: Mapped[str] = mapped_column(String(10))
    delegate_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegates.id", ondelete="CASCADE"))


class VoteCount(db.Model):
    """Counts of a show of cards as someone entered them; the latest counts. Every entry is
    kept: the record of who entered what."""

    __tablename__ = "vote_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    votes_for: Mapped[int] = mapped_column()
    votes_against: Mapped[int] = mapped_column()
    votes_abstain: Mapped[int] = mapped_column()
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    entered_by_name: Mapped[str] = mapped_column(String(150), default="")


class VoteDevice(db.Model):
    """A phone that proved the badge's PIN: the SHA-256 of the random key in its cookie, bound
    to the badge it was for (a reissued badge has another token hash: its phones ask again)."""

    __tablename__ = "vote_devices"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"),
                                             index=True)
    badge_token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
