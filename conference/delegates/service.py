"""Delegates: register, edit, withdraw, delete, their photos; the categories they belong to.

Finding them is in search.py, importing lists in importing.py, their badges in badges/.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from flask_babel import gettext as _
from pydantic import StringConstraints, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.badges.identity import new_badge
from conference.checkin.models import CheckIn
from conference.congresses.models import Congress
from conference.delegates import photos
from conference.delegates.models import (
    MAJORITY_ETHNICITY,
    Delegate,
    DelegateCategory,
    DelegateStatus,
    Education,
    Gender,
    Mandate,
    PartyMember,
    Sector,
    TheoryLevel,
    delegate_keys,
    fold,
)
from conference.errors import Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.i18n import category_label
from conference.signals import delegates_changed
from conference.validation import OptionalText, Schema, Text, field_error, validate

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_CATEGORIES = [
    # key, Vietnamese label, English label, colour, counts for quorum, words lists use for it
    ("official", "Đại biểu chính thức", "Official delegate", "#b3121b", True,
     "Đại biểu chính thức\nĐBCT\nChính thức\nĐB chính thức"),
    ("guest", "Khách mời", "Guest", "#1f5fa8", False,
     "Đại biểu khách mời\nKhách mời\nĐBKM\nKhách"),
]
MAX_CATEGORY_WORDS = 50
MAX_CATEGORIES = 20
# Dates of birth as lists write them: 05/03/1975, 5-3-1975, 05.03.1975, 1975-03-05, or a year.
DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
YEAR_MONTH_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class DelegateInput(Schema):
    code: Annotated[OptionalText, StringConstraints(max_length=40)] = ""
    full_name: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    category: Annotated[Text, StringConstraints(min_length=1, max_length=40)] = "official"
    unit: Annotated[OptionalText, StringConstraints(max_length=300)] = ""
    position: Annotated[OptionalText, StringConstraints(max_length=200)] = ""
    delegation: Annotated[OptionalText, StringConstraints(max_length=200)] = ""
    seat: Annotated[OptionalText, StringConstraints(max_length=40)] = ""
    birth_date: Annotated[OptionalText, StringConstraints(max_length=40)] = ""
    gender: Gender = Gender.UNSPECIFIED
    ethnicity: Annotated[OptionalText, StringConstraints(max_length=50)] = ""
    education: Education = Education.UNSPECIFIED
    theory_level: TheoryLevel = TheoryLevel.UNSPECIFIED
    party_member: PartyMember = PartyMember.UNSPECIFIED
    sector: Sector = Sector.UNSPECIFIED
    mandate: Mandate = Mandate.UNSPECIFIED
    absence_reason: Annotated[OptionalText, StringConstraints(max_length=300)] = ""
    phone: Annotated[OptionalText, StringConstraints(max_length=40)] = ""
    email: Annotated[OptionalText, StringConstraints(max_length=200)] = ""
    status: DelegateStatus = DelegateStatus.REGISTERED
    notes: Annotated[OptionalText, StringConstraints(max_length=5000)] = ""

    @field_validator("code")
    @classmethod
    def _code_form(cls, value: str) -> str:
        if value and not re.match(CODE_PATTERN, value):
            raise field_error("code", _("Letters, digits, dots, dashes or slashes."))
        return value

    @field_validator("birth_date")
    @classmethod
    def _birth_date_form(cls, value: str) -> str:
        """Stored as ISO (1975-03-05) whatever way the list wrote it; a year alone stays."""
        if not value:
            return value
        if re.fullmatch(r"(19|20)\d\d", value):
            return value
        match = DAY_MONTH_YEAR.match(value)
        parts = (match.group(3), match.group(2), match.group(1)) if match else None
        if parts is None and (match := YEAR_MONTH_DAY.match(value)):
            parts = match.groups()
        try:
            born = date(*(int(part) for part in parts)) if parts else None
        except ValueError:
            born = None
        if born is None or not 1900 <= born.year <= 2100:
            raise field_error("birth_date", _("Write the date of birth as 05/03/1975."))
        return born.isoformat()

    @field_validator("ethnicity")
    @classmethod
    def _ethnicity_form(cls, value: str) -> str:
        """"kinh" and "KINH" are stored "Kinh"; a name written all in small letters gets its
        capital ("mường" -> "Mường")."""
        if fold(value) == fold(MAJORITY_ETHNICITY):
            return MAJORITY_ETHNICITY
        return value[:1].upper() + value[1:] if value.islower() else value

    @field_validator("email")
    @classmethod
    def _email_form(cls, value: str) -> str:
        if value and not EMAIL_PATTERN.match(value):
            raise field_error("email", _("This is not an email address."))
        return value

    @field_validator("phone")
    @classmethod
    def _phone_form(cls, value: str) -> str:
        if value and not re.match(r"^\+?[0-9 .()-]{6,40}$", value):
            raise field_error("phone", _("This is not a phone number."))
        return value


FIELDS = tuple(DelegateInput.model_fields)


# --- categories ---------------------------------------------------------------------------


def categories(congress: Congress) -> list[DelegateCategory]:
    """The congress's delegate categories, made from the defaults on first use."""
    rows = list(db.session.scalars(select(DelegateCategory).where(
        DelegateCategory.congress_id == congress.id).order_by(DelegateCategory.position)))
    if rows:
        return rows
    for position, (key, label_vi, label_en, color, quorum, words) in enumerate(
            DEFAULT_CATEGORIES):
        db.session.add(DelegateCategory(congress_id=congress.id, key=key, label_vi=label_vi,
                                        label_en=label_en, color=color, words=words,
                                        counts_for_quorum=quorum, position=position))
    try:
        db.session.commit()
    except IntegrityError:  # another request made them at the same moment: use theirs
        db.session.rollback()
    return categories(congress)


def category_labels(congress: Congress, locale: str | None = None) -> dict[str, str]:
    """Category key -> its name in `locale` (by default the page's language)."""
    return {category.key: category_label(category, locale) for category in categories(congress)}


def category_word_key(word: str) -> str:
    """What a list's category cell is compared by: "ĐBCT", "đbct" and "DBCT" are one word."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(word)).split())


def category_words(category: DelegateCategory) -> list[str]:
    """Every word an imported list may use for `category`: its key, its labels with and
    without "Đại biểu", and the words the organizer keeps for it."""
    words = [category.key, category.label_vi, category.label_en, *category.word_list]
    return words + [re.sub(r"(?i)^(đại biểu|delegate)\s+|\s+delegate$", "", word)
                    for word in words]


class CategoryWordsInput(Schema):
    label_vi: Annotated[Text, StringConstraints(min_length=1, max_length=100)]
    label_en: Annotated[Text, StringConstraints(min_length=1, max_length=100)]
    words: Annotated[OptionalText, StringConstraints(max_length=5000)] = ""


def _clean_words(text: str) -> str:
    words = list(dict.fromkeys(word.strip() for word in text.splitlines() if word.strip()))
    if len(words) > MAX_CATEGORY_WORDS or any(len(word) > 100 for word in words):
        raise ValidationFailed(_("Please correct the marked fields."), fields={"words": _(
            "At most %(n)d words of at most 100 characters each.", n=MAX_CATEGORY_WORDS)})
    return "\n".join(words)


def _check_words_unique(congress: Congress, changed: DelegateCategory) -> None:
    """A word may mean one category only: else an imported row would be a guess."""
    owner = {category_word_key(word): other for other in categories(congress)
             if other.id != changed.id for word in category_words(other)}
    for word in category_words(changed):
        other = owner.get(category_word_key(word))
        if other is not None and category_word_key(word):
            raise ValidationFailed(_("Please correct the marked fields."), fields={"words": _(
                "“%(word)s” already means the category %(other)s.", word=word,
                other=category_label(other))}, code="word_taken")


def save_category(actor: Actor, congress: Congress, data: dict,
                  category: DelegateCategory | None = None) -> DelegateCategory:
    """Add a category, or rename one and change the words lists use for it."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    values = validate(CategoryWordsInput, data)
    existing = categories(congress)
    if category is None:
        if len(existing) >= MAX_CATEGORIES:
            raise Conflict(_("A congress has at most %(n)d categories.", n=MAX_CATEGORIES),
                           code="too_many_categories")
        key = re.sub(r"[^a-z0-9]+", "_", fold(values.label_en)).strip("_")[:30] or "category"
        taken = {other.key for other in existing}
        unique, number = key, 2
        while unique in taken:
            unique, number = f"{key}_{number}", number + 1
        category = DelegateCategory(congress_id=congress.id, key=unique, color="#5c6670",
                                    position=max(other.position for other in existing) + 1)
        db.session.add(category)
    category.label_vi, category.label_en = values.label_vi, values.label_en
    category.words = _clean_words(values.words)
    with db.session.no_autoflush:
        try:
            _check_words_unique(congress, category)
        except ValidationFailed:
            db.session.rollback()
            raise
    record(actor, "category.save", congress_id=congress.id, target=f"category:{category.key}",
           details={"label_vi": category.label_vi, "words": category.words})
    db.session.commit()
    delegates_changed.send(congress, actor=actor)
    return category


def get_category(actor: Actor, congress: Congress, category_id: int) -> DelegateCategory:
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    category = db.session.get(DelegateCategory, category_id)
    if category is None or category.congress_id != congress.id:
        raise NotFound(_("Category not found."))
    return category


def _check_category(congress: Congress, key: str) -> None:
    if key not in {category.key for category in categories(congress)}:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"category": _("Unknown category.")})


# --- delegates ------------------------------------------------------------------------------


def _generated_code(congress: Congress) -> str:
    """The next free "DB0001"-style code of the congress."""
    count = db.session.scalar(select(func.count(Delegate.id)).where(
        Delegate.congress_id == congress.id)) or 0
    number = count + 1
    while True:
        code = f"DB{number:04d}"
        if not db.session.scalar(select(Delegate.id).where(
                Delegate.congress_id == congress.id, Delegate.code == code)):
            return code
        number += 1


def _code_taken(congress: Congress, code: str, exclude_id: int | None = None) -> bool:
    query = select(Delegate.id).where(Delegate.congress_id == congress.id, Delegate.code == code)
    if exclude_id:
        query = query.where(Delegate.id != exclude_id)
    return db.session.scalar(query) is not None


def _code_conflict(code: str) -> Conflict:
    return Conflict(_("The delegate code %(code)s is taken.", code=code), code="code_taken",
                    fields={"code": _("Another delegate of this congress has this code.")})


def new_delegate_values(congress: Congress, values: DelegateInput) -> dict:
    """The column values of a new delegate, badge token included (for one or a bulk insert)."""
    data = values.model_dump()
    return data | delegate_keys(data["full_name"], data["code"], data["unit"], data["seat"]) | {
        "congress_id": congress.id} | new_badge()


def delegate_values(delegate: Delegate) -> dict:
    """The editable fields of a delegate, as a form shows them."""
    return {name: str(getattr(delegate, name) or "") for name in FIELDS}


def create_delegate(actor: Actor, congress: Congress, data: dict) -> Delegate:
    """Register a delegate; without a code the next free "DB0001" code is given."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    values = validate(DelegateInput, data)
    _check_category(congress, values.category)
    if not values.code:
        values.code = _generated_code(congress)
    elif _code_taken(congress, values.code):
        raise _code_conflict(values.code)
    delegate = Delegate(**new_delegate_values(congress, values))
    db.session.add(delegate)
    record(actor, "delegate.create", congress_id=congress.id, target=f"delegate:{delegate.code}")
    _commit_or_conflict(values.code)
    delegates_changed.send(congress, actor=actor)
    return delegate


def _commit_or_conflict(code: str) -> None:
    """Commit; two people saving the same code at once is a conflict, not a crash."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _code_conflict(code) from None


def update_delegate(actor: Actor, delegate: Delegate, changes: dict) -> Delegate:
    """Change some fields; an empty code keeps the current one."""
    congress = delegate.congress
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    current = {name: getattr(delegate, name) for name in FIELDS}
    values = validate(DelegateInput, current | dict(changes))
    _check_category(congress, values.category)
    if not values.code:
        values.code = delegate.code
    if values.code != delegate.code and _code_taken(congress, values.code, delegate.id):
        raise _code_conflict(values.code)
    changed = {k: v for k, v in values.model_dump().items() if getattr(delegate, k) != v}
    for name, value in changed.items():
        setattr(delegate, name, value)
    if changed:
        record(actor, "delegate.update", congress_id=congress.id,
               target=f"delegate:{delegate.code}", details={k: str(v) for k, v in changed.items()})
    _commit_or_conflict(values.code)
    if changed:
        delegates_changed.send(congress, actor=actor)
    return delegate


def withdraw_delegate(actor: Actor, delegate: Delegate) -> Delegate:
    """Withdraw a delegate: kept for the record, no longer expected, their badge refused."""
    return update_delegate(actor, delegate, {"status": DelegateStatus.WITHDRAWN})


def has_checked_in(delegate: Delegate) -> bool:
    return db.session.scalar(
        select(CheckIn.id).where(CheckIn.delegate_id == delegate.id).limit(1)) is not None


def delete_delegate(actor: Actor, delegate: Delegate) -> None:
    """Erase a delegate entered by mistake; one who ever checked in can only be withdrawn."""
    authorize(actor, delegate.congress, Capability.EDIT_DELEGATES)
    if has_checked_in(delegate):
        raise Conflict(_("%(name)s has checked in, so the record stays: withdraw the delegate "
                         "instead.", name=delegate.full_name), code="delegate_checked_in")
    photo, congress = delegate.photo, delegate.congress
    record(actor, "delegate.delete", congress_id=delegate.congress_id,
           target=f"delegate:{delegate.code}", details={"full_name": delegate.full_name})
    db.session.delete(delegate)
    db.session.commit()
    photos.delete_photo_file(photo)
    delegates_changed.send(congress, actor=actor)


def get_delegate(actor: Actor, delegate_id: int,
                 capability: Capability = Capability.VIEW_DELEGATES) -> Delegate:
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None:
        raise NotFound(_("Delegate not found."))
    authorize(actor, delegate.congress, capability)
    return delegate


def set_delegate_photo(actor: Actor, delegate: Delegate, data: bytes) -> Delegate:
    """Check, shrink and keep an uploaded photo; the old one is removed once this is saved."""
    authorize(actor, delegate.congress, Capability.EDIT_DELEGATES)
    jpeg = photos.process_photo(data)
    old = delegate.photo
    delegate.photo = photos.store_photo(delegate.id, jpeg)
    record(actor, "delegate.photo", congress_id=delegate.congress_id,
           target=f"delegate:{delegate.code}")
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        photos.delete_photo_file(delegate.photo)
        raise
    photos.delete_photo_file(old)
    return delegate


def remove_delegate_photo(actor: Actor, delegate: Delegate) -> Delegate:
    authorize(actor, delegate.congress, Capability.EDIT_DELEGATES)
    old = delegate.photo
    if old:
        delegate.photo = ""
        record(actor, "delegate.photo_remove", congress_id=delegate.congress_id,
               target=f"delegate:{delegate.code}")
        db.session.commit()
        photos.delete_photo_file(old)
    return delegate
