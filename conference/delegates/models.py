"""Delegates of a congress and the categories they belong to."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db


def _strip_marks(char: str) -> str:
    base = unicodedata.normalize("NFKD", char.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in base if not unicodedata.combining(ch))


# Every letter with diacritics in the Latin blocks (Vietnamese lives in Latin-1, Extended-A/B
# and Extended Additional) -> its base letters, and combining marks -> nothing: one translate()
# instead of a decomposition per character, which big imports felt.
_FOLD_TABLE = {code: _strip_marks(chr(code)) for code in
               [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
               if _strip_marks(chr(code)) != chr(code)}
_FOLD_TABLE.update({code: None for code in range(0x300, 0x370)
                    if unicodedata.combining(chr(code))})


def fold(text: str) -> str:
    """Compare-key for headers, values and searches: no case, no diacritics, single spaces."""
    text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)
        if not text.isascii():  # letters of other scripts: the slow, general way
            text = _strip_marks(text)
    return " ".join(text.casefold().split())


class DelegateStatus(StrEnum):
    REGISTERED = "registered"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNSPECIFIED = ""


class DelegateCategory(db.Model):
    """A kind of delegate (official, guest, ...); only some count towards the quorum."""

    __tablename__ = "delegate_categories"
    __table_args__ = (UniqueConstraint("congress_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label_vi: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(7), default="#b3121b")
    counts_for_quorum: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Other words lists use for it ("ĐBCT", "Chính thức"), one per line; imports accept them.
    words: Mapped[str] = mapped_column(Text, default="")

    @property
    def word_list(self) -> list[str]:
        return [word.strip() for word in (self.words or "").splitlines() if word.strip()]


class Delegate(db.Model):
    __tablename__ = "delegates"
    __table_args__ = (UniqueConstraint("congress_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(40), default="official")
    unit: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    delegation: Mapped[str] = mapped_column(String(200), default="", index=True)
    seat: Mapped[str] = mapped_column(String(40), default="")
    birth_date: Mapped[str] = mapped_column(String(10), default="")  # ISO; tells namesakes apart
    gender: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    photo: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default=DelegateStatus.REGISTERED)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The badge token is derived from the token key, this nonce and the serial (see
    # badges/identity.py); reissuing bumps the serial.
    badge_nonce: Mapped[str] = mapped_column(String(32))
    badge_serial: Mapped[int] = mapped_column(default=1)
    badge_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Kept in step by delegate_keys(): search without diacritics ("truong" finds "Trường"),
    # and lists in the Vietnamese order, by given name (the last word) first.
    search_key: Mapped[str] = mapped_column(Text, default="")
    name_key: Mapped[str] = mapped_column(String(400), default="", index=True)

    congress = relationship("Congress")

    @property
    def has_photo(self) -> bool:
        return bool(self.photo)


def delegate_keys(full_name: str, code: str, unit: str, seat: str) -> dict[str, str]:
    """The search and sort keys of a delegate, for the ORM events and for bulk writes."""
    name = fold(full_name or "")
    given = name.rsplit(" ", 1)[-1]
    return {"search_key": " ".join(fold(part or "") for part in (full_name, code, unit, seat)),
            "name_key": f"{given} {name}"[:400]}


@event.listens_for(Delegate, "before_insert")
@event.listens_for(Delegate, "before_update")
def _set_keys(_mapper, _connection, delegate: Delegate) -> None:
    for name, value in delegate_keys(delegate.full_name, delegate.code, delegate.unit or "",
                                     delegate.seat or "").items():
        setattr(delegate, name, value)


STATUS_LABELS = {
    DelegateStatus.REGISTERED: lazy_gettext("registered"),
    DelegateStatus.CONFIRMED: lazy_gettext("confirmed"),
    DelegateStatus.WITHDRAWN: lazy_gettext("withdrawn"),
}
GENDER_LABELS = {
    Gender.MALE: lazy_gettext("male"),
    Gender.FEMALE: lazy_gettext("female"),
    Gender.UNSPECIFIED: lazy_gettext("not given"),
}
