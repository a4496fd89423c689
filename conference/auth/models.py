"""Accounts, their per-congress roles and their API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db


class Role(StrEnum):
    """What a user may do in one congress; admin is a flag on the user, valid everywhere."""

    ORGANIZER = "organizer"
    OPERATOR = "operator"
    CHECKIN = "checkin"
    COUNTING = "counting"  # a clerk of the counting committee: enters paper ballots
    COUNTING_HEAD = "counting_head"  # its head: settles mismatches, publishes the result


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    can_create_congresses: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: bumping it ends every session of this user on the server side.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def role_in(self, congress_id: int) -> Role | None:
        for membership in self.memberships:
            if membership.congress_id == congress_id:
                return Role(membership.role)
        return None


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "congress_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    congress = relationship("Congress")


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database copy yields no working token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


ROLE_LABELS = {
    Role.ORGANIZER: lazy_gettext("organizer"),
    Role.OPERATOR: lazy_gettext("operator"),
    Role.CHECKIN: lazy_gettext("check-in staff"),
    Role.COUNTING: lazy_gettext("counting clerk"),
    Role.COUNTING_HEAD: lazy_gettext("head of the counting committee"),
}

# What each role may do, as the accounts pages explain it before a role is granted.
ROLE_NOTES = {
    Role.ORGANIZER: lazy_gettext(
        "Everything in the congress: its details, agenda, delegates, badge print runs, "
        "documents, livestreams and screens."),
    Role.OPERATOR: lazy_gettext(
        "Moves the agenda during the sessions, runs the speakers' lists and votes, drives the "
        "screens and sees attendance."),
    Role.CHECKIN: lazy_gettext(
        "Checks delegates in at the doors, finds them by name or code, sees attendance, and "
        "prints one delegate's badge at the desk. A badge carries the delegate's portal link "
        "(its QR code), so this role can open any delegate's portal and the documents it "
        "shows."),
    Role.COUNTING: lazy_gettext(
        "Enters the returned paper ballots of the congress's elections, each ballot once; "
        "another clerk enters it again."),
    Role.COUNTING_HEAD: lazy_gettext(
        "Heads the counting committee: enters ballots, settles the ballots two clerks entered "
        "differently, and publishes an election's result to the screens."),
}
