"""Elections by paper ballot: the candidates, the numbered ballots issued in batches, and the
counting committee's entries (each ballot entered by two clerks) and the head's settlements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db


class MajorityBase(StrEnum):
    """What "more than half" is counted of: the valid ballots (the union's rule and the
    default), the ballots returned (valid and invalid), or the ballots issued."""

    VALID = "valid"
    RETURNED = "returned"
    ISSUED = "issued"


MAJORITY_BASE_LABELS = {
    MajorityBase.VALID: lazy_gettext("more than half of the valid ballots"),
    MajorityBase.RETURNED: lazy_gettext("more than half of the ballots returned"),
    MajorityBase.ISSUED: lazy_gettext("more than half of the ballots issued"),
}


class Election(db.Model):
    """One election of the congress (its executive committee, its delegates to the next level).

    `revision` grows with every entry, settlement and change, so the counting pages ask for the
    tally with it as their validator. Published once (`published_at`): from then on the screens
    show it and nothing more is entered.
    """

    __tablename__ = "elections"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    seats: Mapped[int] = mapped_column()
    majority_base: Mapped[str] = mapped_column(String(20), default=MajorityBase.VALID)
    revision: Mapped[int] = mapped_column(default=1)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    congress = relationship("Congress")
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="election", cascade="all, delete-orphan",
        order_by="(Candidate.sort_key, Candidate.id)")

    @property
    def published(self) -> bool:
        return self.published_at is not None


class Candidate(db.Model):
    """A name on the ballot, in the Vietnamese order (given name first: `sort_key`)."""

    __tablename__ = "election_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    delegate_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegates.id", ondelete="SET NULL"))
    sort_key: Mapped[str] = mapped_column(String(400), default="")

    election: Mapped[Election] = relationship(back_populates="candidates")


class BallotBatch(db.Model):
    """Ballots printed at one time (a first run, then more if the hall needs them)."""

    __tablename__ = "ballot_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    count: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class Ballot(db.Model):
    """A ballot issued: its random serial only, never a delegate."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("election_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_batches.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(String(16))


class BallotEntry(db.Model):
    """One clerk's reading of one returned ballot: the serial as entered (issued or not), the
    candidates crossed out, and whether the paper is spoiled (names added, marks, torn)."""

    __tablename__ = "ballot_entries"
    __table_args__ = (UniqueConstraint("election_id", "serial", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clerk: Mapped[str] = mapped_column(String(60), default="")
    crossed: Mapped[list] = mapped_column(JSON, default=list)
    spoiled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class Settlement(db.Model):
    """The committee head's reading of a ballot two clerks entered differently."""

    __tablename__ = "ballot_settlements"
    __table_args__ = (UniqueConstraint("election_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(String(16))
    crossed: Mapped[list] = mapped_column(JSON, default=list)
    spoiled: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
