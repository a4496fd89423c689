"""Badges that were replaced (the current one's hash is on the delegate's row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db


class RevokedBadge(db.Model):
    """A badge that was replaced: its scan says so instead of 'unknown'."""

    __tablename__ = "revoked_badges"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="CASCADE"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
