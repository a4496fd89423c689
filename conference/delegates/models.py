"""Delegates of a congress and the categories they belong to."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event, text
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


# What the credentials committee reports on (báo cáo thẩm tra tư cách đại biểu). Each is a
# short fixed set stored by key; "" is "not stated", never guessed.
class Education(StrEnum):
    """Trình độ chuyên môn: the highest professional training."""

    UNTRAINED = "untrained"
    VOCATIONAL = "vocational"
    COLLEGE = "college"
    UNIVERSITY = "university"
    MASTER = "master"
    DOCTOR = "doctor"
    UNSPECIFIED = ""


class TheoryLevel(StrEnum):
    """Lý luận chính trị: the political theory training."""

    NONE = "none"
    ELEMENTARY = "elementary"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    UNSPECIFIED = ""


class PartyMember(StrEnum):
    YES = "yes"
    NO = "no"
    UNSPECIFIED = ""


class Sector(StrEnum):
    """Khu vực: where the delegate works."""

    PUBLIC = "public"
    STATE_ENTERPRISE = "state_enterprise"
    PRIVATE = "private"
    FOREIGN = "foreign"
    UNSPECIFIED = ""


class Mandate(StrEnum):
    """How they became a delegate."""

    EX_OFFICIO = "ex_officio"
    ELECTED = "elected"
    APPOINTED = "appointed"
    UNSPECIFIED = ""


MAJORITY_ETHNICITY = "Kinh"  # any other stated ethnicity is an ethnic minority
# Offered as the form's suggestions; any other name may be written.
COMMON_ETHNICITIES = ("Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "H'Mông", "Dao",
                      "Gia Rai", "Ê Đê", "Ba Na", "Sán Chay", "Chăm")


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


# The server default of the columns added after delegates existed: "" (not stated) for them.
NOT_GIVEN = text("''")


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
    ethnicity: Mapped[str] = mapped_column(String(50), default="", server_default=NOT_GIVEN)
    education: Mapped[str] = mapped_column(String(20), default="", server_default=NOT_GIVEN)
    theory_level: Mapped[str] = mapped_column(String(20), default="", server_default=NOT_GIVEN)
    party_member: Mapped[str] = mapped_column(String(3), default="", server_default=NOT_GIVEN)
    sector: Mapped[str] = mapped_column(String(20), default="", server_default=NOT_GIVEN)
    mandate: Mapped[str] = mapped_column(String(20), default="", server_default=NOT_GIVEN)
    # Why an absent delegate is absent, as organizers heard it; the credentials report lists it.
    absence_reason: Mapped[str] = mapped_column(String(300), default="", server_default=NOT_GIVEN)
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
NOT_STATED = lazy_gettext("not stated")
EDUCATION_LABELS = {
    Education.UNTRAINED: lazy_gettext("no professional training"),
    Education.VOCATIONAL: lazy_gettext("vocational (elementary or intermediate)"),
    Education.COLLEGE: lazy_gettext("college"),
    Education.UNIVERSITY: lazy_gettext("university"),
    Education.MASTER: lazy_gettext("master's degree"),
    Education.DOCTOR: lazy_gettext("doctorate"),
    Education.UNSPECIFIED: NOT_STATED,
}
THEORY_LABELS = {
    TheoryLevel.NONE: lazy_gettext("no political theory training"),
    TheoryLevel.ELEMENTARY: lazy_gettext("elementary"),
    TheoryLevel.INTERMEDIATE: lazy_gettext("intermediate"),
    TheoryLevel.ADVANCED: lazy_gettext("advanced or bachelor"),
    TheoryLevel.UNSPECIFIED: NOT_STATED,
}
PARTY_LABELS = {
    PartyMember.YES: lazy_gettext("party member"),
    PartyMember.NO: lazy_gettext("not a party member"),
    PartyMember.UNSPECIFIED: NOT_STATED,
}
SECTOR_LABELS = {
    Sector.PUBLIC: lazy_gettext("public administration and services"),
    Sector.STATE_ENTERPRISE: lazy_gettext("state-owned enterprise"),
    Sector.PRIVATE: lazy_gettext("non-state enterprise"),
    Sector.FOREIGN: lazy_gettext("foreign-invested enterprise"),
    Sector.UNSPECIFIED: NOT_STATED,
}
MANDATE_LABELS = {
    Mandate.EX_OFFICIO: lazy_gettext("ex officio"),
    Mandate.ELECTED: lazy_gettext("elected by a lower level"),
    Mandate.APPOINTED: lazy_gettext("appointed"),
    Mandate.UNSPECIFIED: NOT_STATED,
}
# What the credentials committee reports on, as forms and imports name it.
CREDENTIAL_FIELDS = {
    "ethnicity": lazy_gettext("Ethnicity"),
    "education": lazy_gettext("Professional training"),
    "theory_level": lazy_gettext("Political theory"),
    "party_member": lazy_gettext("Party membership"),
    "sector": lazy_gettext("Sector"),
    "mandate": lazy_gettext("How they became a delegate"),
    "absence_reason": lazy_gettext("Reason for absence"),
}
# The credentials fields with a fixed set of values -> their labels, in the form's order.
CHOICE_LABELS = {"education": EDUCATION_LABELS, "theory_level": THEORY_LABELS,
                 "party_member": PARTY_LABELS, "sector": SECTOR_LABELS,
                 "mandate": MANDATE_LABELS}


def is_minority(ethnicity: str) -> bool:
    """A stated ethnicity other than Kinh ("kinh", "KINH" are Kinh too)."""
    return bool(fold(ethnicity)) and fold(ethnicity) != fold(MAJORITY_ETHNICITY)
