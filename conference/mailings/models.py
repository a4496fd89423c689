"""The delivery log: one row per e-mail sent (or refused) and per letter printed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db


class DeliveryKind(StrEnum):
    EMAIL = "email"
    LETTER = "letter"


class DeliveryStatus(StrEnum):
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # refused or unreachable: `error` says why, in plain words
    PRINTED = "printed"  # a letter in a PDF that was made


class Delivery(db.Model):
    """Who was sent what, when, by whom; the portal link is kept masked, never whole."""

    __tablename__ = "mail_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(
        ForeignKey("delegates.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(200), default="")  # where the e-mail went
    locale: Mapped[str] = mapped_column(String(10), default="")
    link: Mapped[str] = mapped_column(String(300), default="")  # masked: /b/AbCd…
    # The badge whose link was sent: a reissued badge makes this delivery's link dead.
    badge_serial: Mapped[int] = mapped_column(default=1)
    error_code: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    smtp_reply: Mapped[str] = mapped_column(String(300), default="")  # the server's own words
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    delegate = relationship("Delegate")
