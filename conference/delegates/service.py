"""Delegates: register, edit, withdraw, find; categories; badge tokens; photos; import, export."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import StringConstraints, field_validator
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from conference.audit.service import record
from conference.auth.models import User
from conference.auth.service import Actor, Capability, authorize
from conference.badges.tokens import derive_token, looks_like_token, new_nonce, token_hash
from conference.checkin.models import CheckIn
from conference.congresses.models import Congress
from conference.delegates import photos
from conference.delegates.importing import (
    EXPORT_FIELDS,
    MAX_IMPORT_BYTES,
    FileTooLarge,
    Problem,
    Sheet,
    check_file,
    fold,
    header_label,
    read_table,
    table_file,
    value_label,
    write_csv,
)
from conference.delegates.models import (
    Delegate,
    DelegateCategory,
    DelegateStatus,
    Gender,
    RevokedBadge,
    delegate_keys,
)
from conference.errors import ConferenceError, Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.jobs.models import Job, JobStatus
from conference.jobs.service import job_handler, start_job
from conference.limits import LimitExceeded, run_limited
from conference.signals import delegates_changed, job_finished
from conference.validation import OptionalText, Schema, Text, field_error, validate

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_CATEGORIES = [
    # key, Vietnamese label, English label, colour, counts for quorum
    ("official", "Đại biểu chính thức", "Official delegate", "#b3121b", True),
    ("guest", "Khách mời", "Guest", "#1f5fa8", False),
]
SORTS = {"name": (Delegate.name_key,), "code": (Delegate.code,), "unit": (Delegate.unit,),
         "delegation": (Delegate.delegation, Delegate.name_key), "seat": (Delegate.seat,),
         "category": (Delegate.category, Delegate.name_key),
         "status": (Delegate.status, Delegate.name_key),
         "newest": (Delegate.id.desc(),)}
IMPORT_JOB = "delegate_import"
STAGED_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")
STAGED_LIFETIME = 24 * 3600  # seconds an uploaded list waits for its "Import" click
MAX_REPORTED_PROBLEMS = 1000
PROGRESS_EVERY = 2000
MAX_IMPORT_MB = MAX_IMPORT_BYTES // (1024 * 1024)
# Reading an XLSX list of 100,000 rows took 30 s of CPU and 250 MB here (a CSV 1 s): a file
# needing four times that is not a delegate list.
READ_MEMORY_MB = 1024
READ_SECONDS = 120


class DelegateInput(Schema):
    code: Annotated[OptionalText, StringConstraints(max_length=40)] = ""
    full_name: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    category: Annotated[Text, StringConstraints(min_length=1, max_length=40)] = "official"
    unit: Annotated[OptionalText, StringConstraints(max_length=300)] = ""
    position: Annotated[OptionalText, StringConstraints(max_length=200)] = ""
    delegation: Annotated[OptionalText, StringConstraints(max_length=200)] = ""
    seat: Annotated[OptionalText, StringConstraints(max_length=40)] = ""
    gender: Gender = Gender.UNSPECIFIED
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
    for position, (key, label_vi, label_en, color, quorum) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(DelegateCategory(congress_id=congress.id, key=key, label_vi=label_vi,
                                        label_en=label_en, color=color,
                                        counts_for_quorum=quorum, position=position))
    try:
        db.session.commit()
    except IntegrityError:  # another request made them at the same moment: use theirs
        db.session.rollback()
    return categories(congress)


def category_label(category: DelegateCategory, locale: str) -> str:
    return category.label_vi if str(locale).startswith("vi") else category.label_en


def _check_category(congress: Congress, key: str) -> None:
    if key not in {category.key for category in categories(congress)}:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"category": _("Unknown category.")})


# --- badge tokens ---------------------------------------------------------------------------


def badge_token(delegate: Delegate) -> str:
    return derive_token(current_app.config["SECRET_KEY"], delegate.badge_nonce,
                        delegate.badge_serial)


def portal_url(delegate: Delegate, base_url: str) -> str:
    """The address a delegate's badge opens: their portal (base_url: PUBLIC_URL or the host)."""
    return f"{base_url.rstrip('/')}/b/{badge_token(delegate)}"


@dataclass(frozen=True)
class BadgeLookup:
    """What a scanned token is: a delegate's current badge, or a replaced one."""

    delegate: Delegate
    revoked: bool


def find_badge(token: str) -> BadgeLookup | None:
    """Look a badge token up; None if it is not one of ours."""
    if not looks_like_token(token):
        return None
    digest = token_hash(token)
    delegate = db.session.scalar(select(Delegate).where(Delegate.badge_token_hash == digest))
    if delegate is not None:
        return BadgeLookup(delegate, revoked=False)
    replaced = db.session.get(RevokedBadge, digest)
    if replaced is not None:
        return BadgeLookup(db.session.get(Delegate, replaced.delegate_id), revoked=True)
    return None


def _assign_token(delegate: Delegate) -> None:
    delegate.badge_token_hash = token_hash(badge_token(delegate))


def reissue_badge(actor: Actor, delegate: Delegate) -> str:
    """Replace a lost badge: the old token stops working, the new one is returned."""
    authorize(actor, delegate.congress, Capability.EDIT_DELEGATES)
    db.session.add(RevokedBadge(token_hash=delegate.badge_token_hash, delegate_id=delegate.id))
    delegate.badge_serial += 1
    _assign_token(delegate)
    record(actor, "delegate.badge_reissue", congress_id=delegate.congress_id,
           target=f"delegate:{delegate.code}", details={"serial": delegate.badge_serial})
    db.session.commit()
    return badge_token(delegate)


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
    nonce = new_nonce()
    token = derive_token(current_app.config["SECRET_KEY"], nonce, 1)
    data = values.model_dump()
    return data | delegate_keys(data["full_name"], data["code"], data["unit"], data["seat"]) | {
        "congress_id": congress.id, "badge_nonce": nonce, "badge_serial": 1,
        "badge_token_hash": token_hash(token)}


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
    db.session.execute(RevokedBadge.__table__.delete().where(
        RevokedBadge.delegate_id == delegate.id))
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


# --- finding --------------------------------------------------------------------------------


@dataclass
class DelegatePage:
    delegates: list[Delegate]
    total: int
    page: int
    pages: int
    page_size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        """The position of the page's first row in the whole list (1-based; 0 when empty)."""
        return (self.page - 1) * self.page_size + 1 if self.delegates else 0

    @property
    def last(self) -> int:
        return self.first + len(self.delegates) - 1 if self.delegates else 0


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filtered(congress: Congress, *, q: str = "", category: str = "", status: str = "",
              delegation: str | None = None, present_ids: set[int] | None = None,
              present: bool | None = None):
    query = select(Delegate).where(Delegate.congress_id == congress.id)
    q = (q or "").strip()
    if q:
        words = fold(q).split()
        # Every word somewhere in name, code, unit or seat, with or without diacritics; or the
        # whole text as typed (rows written without the ORM before their keys existed).
        by_words = [Delegate.search_key.like(_like(word), escape="\\") for word in words]
        as_typed = or_(*[column.ilike(_like(q), escape="\\") for column in (
            Delegate.full_name, Delegate.code, Delegate.unit, Delegate.seat)])
        query = query.where(or_(and_(*by_words), as_typed))
    if category:
        query = query.where(Delegate.category == category)
    if status:
        query = query.where(Delegate.status == status)
    if delegation is not None and delegation != "":
        query = query.where(Delegate.delegation == delegation)
    if present is not None and present_ids is not None:
        condition = Delegate.id.in_(present_ids)
        query = query.where(condition if present else ~condition)
    return query


def search_delegates(congress: Congress, *, q: str = "", category: str = "", status: str = "",
                     delegation: str | None = None, present_ids: set[int] | None = None,
                     present: bool | None = None, sort: str = "name", page: int = 1,
                     page_size: int = PAGE_SIZE) -> DelegatePage:
    """Filter, sort and page the congress's delegates (search by name, code, unit or seat)."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    query = _filtered(congress, q=q, category=category, status=status, delegation=delegation,
                      present_ids=present_ids, present=present)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = max(1, min(int(page), pages))
    order = SORTS.get(sort, SORTS["name"])
    rows = db.session.scalars(query.order_by(*order, Delegate.id)
                              .offset((page - 1) * page_size).limit(page_size))
    return DelegatePage(list(rows), total, page, pages, page_size)


def delegate_counts(congress: Congress) -> dict:
    """How many delegates the congress has: in all, per status, per category (not withdrawn)."""
    by_status = dict(db.session.execute(
        select(Delegate.status, func.count(Delegate.id))
        .where(Delegate.congress_id == congress.id).group_by(Delegate.status)).all())
    by_category = dict(db.session.execute(
        select(Delegate.category, func.count(Delegate.id))
        .where(Delegate.congress_id == congress.id,
               Delegate.status != DelegateStatus.WITHDRAWN)
        .group_by(Delegate.category)).all())
    return {"total": sum(by_status.values()),
            "by_status": {status.value: by_status.get(status.value, 0)
                          for status in DelegateStatus},
            "by_category": by_category}


def delegations(congress: Congress) -> list[str]:
    """The delegations named in the congress, for the filter."""
    return [name for name in db.session.scalars(
        select(Delegate.delegation).where(Delegate.congress_id == congress.id)
        .distinct().order_by(Delegate.delegation)) if name]


def serialize_delegate(delegate: Delegate, portal_url: str | None = None) -> dict:
    """The delegate as the API shows it; `portal_url` only for those who may edit delegates."""
    data = {name: getattr(delegate, name) for name in FIELDS}
    data.update(id=delegate.id, congress_id=delegate.congress_id,
                has_photo=bool(delegate.photo), portal_url=portal_url)
    data["gender"] = str(data["gender"] or "")
    data["status"] = str(data["status"])
    return data


# --- export ---------------------------------------------------------------------------------


EXPORT_WIDTHS = [12, 28, 8, 20, 36, 24, 24, 8, 14, 28, 14, 30]


def export_delegates(actor: Actor, congress: Congress, kind: str, *, q: str = "",
                     category: str = "", status: str = "", delegation: str | None = None
                     ) -> tuple[str, str, bytes]:
    """The (filtered) list as CSV or XLSX with the headers imports read: (name, type, bytes)."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    labels = {c.key: c.label_vi for c in categories(congress)}
    query = _filtered(congress, q=q, category=category, status=status, delegation=delegation)
    rows: list[list] = [[header_label(name) for name in EXPORT_FIELDS]]
    for delegate in db.session.scalars(query.order_by(*SORTS["name"], Delegate.id)):
        values = {name: getattr(delegate, name) or "" for name in EXPORT_FIELDS}
        values["gender"] = value_label("gender", str(values["gender"]))
        values["status"] = value_label("status", str(values["status"]))
        values["category"] = labels.get(values["category"], values["category"])
        rows.append([values[name] for name in EXPORT_FIELDS])
    record(actor, "delegate.export", congress_id=congress.id,
           details={"format": kind, "rows": len(rows) - 1})
    db.session.commit()
    return table_file(f"delegates-{congress.slug}", kind, rows, congress.slug, EXPORT_WIDTHS)


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": self.errors}


def _category_index(congress: Congress) -> dict[str, str]:
    """Words a list may use for each category: its key and labels, with or without "Đại biểu"."""
    index: dict[str, str] = {}
    for category in categories(congress):
        for word in (category.key, category.label_vi, category.label_en):
            index[fold(word)] = category.key
            index[fold(re.sub(r"(?i)^(đại biểu|delegate)\s+|\s+delegate$", "", word))] = \
                category.key
    return index


def _field_problems(sheet: Sheet, row: int, error: ValidationFailed) -> list[Problem]:
    friendlier = {
        "gender": _("Write Nam or Nữ (male or female), or leave it empty."),
        "status": _("Write Đã đăng ký, Đã xác nhận or Đã rút (registered, confirmed, "
                    "withdrawn), or leave it empty."),
    }
    return [Problem(row, sheet.column_label(name), friendlier.get(name, message))
            for name, message in error.fields.items()]


Progress = Callable[[int, int], None]


def import_delegates(actor: Actor, congress: Congress, sheet: Sheet, *,
                     dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Check every row, then write all of them in one transaction, or none if any is wrong.

    Rows whose code matches a delegate of the congress update that delegate (a cell left empty
    keeps the value it had), so a corrected list can be imported again without duplicates.
    `progress(done, total)` hears about the checking; it is never called once writing starts.
    """
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    problems = list(sheet.problems)
    category_of = _category_index(congress)
    known_categories = set(category_of.values())
    category_names = ", ".join(c.label_vi for c in categories(congress))
    existing = {row.code: row for row in db.session.execute(
        select(Delegate.id, *[getattr(Delegate, name) for name in FIELDS])
        .where(Delegate.congress_id == congress.id))}
    if not sheet.rows:
        problems.append(Problem(0, "", _("The file has a header but no delegates.")))
    seen_codes: dict[str, int] = {}
    checked: list[DelegateInput] = []
    total = len(sheet.rows)
    for done, (number, values) in enumerate(sheet.rows, start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if values.get("category"):
            values["category"] = category_of.get(fold(values["category"]), values["category"])
        code = values.get("code", "")
        if code and code in seen_codes:
            problems.append(Problem(number, sheet.column_label("code"), _(
                "The code %(code)s is also on row %(other)d.", code=code,
                other=seen_codes[code])))
            continue
        if code:
            seen_codes[code] = number
        base = existing[code]._asdict() if code in existing else {}
        base.pop("id", None)
        try:
            row = validate(DelegateInput, base | {k: v for k, v in values.items() if v})
        except ValidationFailed as error:
            problems.extend(_field_problems(sheet, number, error))
            continue
        if row.category not in known_categories:
            problems.append(Problem(number, sheet.column_label("category"), _(
                "Unknown category “%(value)s”. Use one of: %(known)s.", value=row.category,
                known=category_names)))
            continue
        checked.append(row)
    if progress:
        progress(total, total)
    result = ImportResult()
    if problems:
        result.errors = [problem.to_dict() for problem in problems]
        return result
    inserts, updates = [], []
    taken = set(existing) | set(seen_codes)
    next_number = len(existing) + 1
    for row in checked:
        if row.code in existing:
            old = existing[row.code]._asdict()
            new = row.model_dump()
            if any(old[name] != new[name] for name in FIELDS):
                updates.append(new | {"row_id": old["id"]} | delegate_keys(
                    new["full_name"], new["code"], new["unit"], new["seat"]))
            else:
                result.unchanged += 1
            continue
        if not row.code:
            while f"DB{next_number:04d}" in taken:
                next_number += 1
            row.code = f"DB{next_number:04d}"
            taken.add(row.code)
        inserts.append(new_delegate_values(congress, row))
    result.created, result.updated = len(inserts), len(updates)
    if dry_run:
        return result
    try:
        if inserts:
            db.session.execute(insert(_TABLE), inserts)
        if updates:
            db.session.execute(_BULK_UPDATE, updates)
        record(actor, "delegate.import", congress_id=congress.id,
               details={"created": result.created, "updated": result.updated,
                        "unchanged": result.unchanged})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("The delegates changed while the list was imported (someone saved a "
                         "code it uses). Nothing was imported; try again."),
                       code="import_conflict") from None
    if inserts or updates:
        delegates_changed.send(congress, actor=actor)
    return result


# Core statements for the bulk writes: the ORM's bulk paths took twice as long for 70,000 rows.
_TABLE = Delegate.__table__
_BULK_UPDATE = (update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
                .values({name: bindparam(name) for name in (*FIELDS, "search_key", "name_key")}))


# --- import in the background, with a progress bar ------------------------------------------


def _staging_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _staged_path(name: str) -> Path:
    if not STAGED_NAME.match(name or ""):
        raise NotFound(_("The uploaded list is gone. Upload it again."))
    return _staging_dir() / name


def _clean_staging() -> None:
    """Forget uploads nobody imported within a day."""
    limit = time.time() - STAGED_LIFETIME
    for path in _staging_dir().iterdir():
        if STAGED_NAME.match(path.name) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def import_file(actor: Actor, congress: Congress, filename: str, data: bytes, *,
                dry_run: bool = False) -> Job:
    """Keep an uploaded list and start its import (or only its check) as a job.

    What can be judged at once (type, size, encoding, the size a workbook declares) is refused
    here; the rows are read and checked by the job, whose progress and result the page and the
    API show.
    """
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    kind = check_file(filename, data)
    _clean_staging()
    name = f"{secrets.token_hex(16)}.{kind}"
    (_staging_dir() / name).write_bytes(data)
    return start_job(actor, congress, IMPORT_JOB, _job_params(actor, name, filename, dry_run))


def stage_import(actor: Actor, congress: Congress, filename: str, data: bytes) -> Job:
    """The page's first step: keep the list and check it (a dry run); `confirm_import` next."""
    return import_file(actor, congress, filename, data, dry_run=True)


def _job_params(actor: Actor, upload: str, filename: str, dry_run: bool) -> dict:
    return {"upload": upload, "filename": (filename or "")[:200], "dry_run": dry_run,
            "address": actor.address[:64]}


def get_import_job(actor: Actor, congress: Congress, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != IMPORT_JOB or job.congress_id != congress.id:
        raise NotFound(_("Import not found."))
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    return job


def confirm_import(actor: Actor, congress: Congress, job: Job) -> Job:
    """Import for real the list whose dry run found no problem (the rows are checked again)."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    result = job.result or {}
    if not job.params.get("dry_run") or job.status != JobStatus.DONE or result.get("errors"):
        raise Conflict(_("Only a checked list without problems can be imported."),
                       code="import_not_ready")
    path = _staged_path(job.params.get("upload", ""))
    if not path.is_file():
        raise NotFound(_("The uploaded list is gone. Upload it again."))
    return start_job(actor, congress, IMPORT_JOB,
                     _job_params(actor, path.name, job.params.get("filename", ""), False))


@job_finished.connect
def _imported_elsewhere(congress: Congress, job: Job, **_extra) -> None:
    """An import that ran in a job's own process changed the delegates: say so here too."""
    if job.kind == IMPORT_JOB and job.status == JobStatus.DONE and not job.params.get("dry_run"):
        delegates_changed.send(congress, actor=None)


def problems_csv(errors: list[dict]) -> bytes:
    rows = [[_("Row"), _("Column"), _("Problem")]]
    rows += [[e["row"] or "", e["column"], e["message"]] for e in errors]
    return write_csv(rows)


def _read_staged(filename: str, path: Path) -> Sheet:
    return read_table(filename, path.read_bytes())


def read_limited(filename: str, path: Path) -> Sheet:
    """Read a staged list in a child process with memory and time limits: a workbook built to
    exhaust the server (a lying size, millions of cells) costs that child alone."""
    try:
        return run_limited(_read_staged, filename, path, memory_mb=READ_MEMORY_MB,
                           seconds=READ_SECONDS)
    except LimitExceeded as exceeded:
        if exceeded.limit == "memory":
            message = _("Reading the file needs more than %(n)d MB of memory, far more than a "
                        "delegate list. Delete the empty rows and columns, or split the list.",
                        n=READ_MEMORY_MB)
        else:
            message = _("Reading the file took longer than %(n)d seconds, far longer than a "
                        "delegate list. Delete the empty rows and columns, or split the list.",
                        n=READ_SECONDS)
        raise FileTooLarge(message, fields={"file": message}) from None


@job_handler(IMPORT_JOB, Capability.EDIT_DELEGATES, lazy_gettext("Delegate import"))
def _import_job(job: Job, progress: Progress) -> tuple[bytes, str, dict]:
    """Check (dry run) or import a staged list; the result file lists every problem.

    The summary is what the API's import answered before it became a job: the counts and
    `errors` row by row, and `error` (`invalid_rows`, or why the file could not be read) when
    nothing was imported.
    """
    params = job.params
    dry_run = params.get("dry_run", True)
    congress = db.session.get(Congress, job.congress_id)
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    actor = Actor(user, params.get("address", ""), "web")
    path = _staged_path(params.get("upload", ""))
    refused = None
    try:
        sheet = read_limited(params.get("filename", ""), path)
        progress(0, len(sheet.rows))
        result = import_delegates(actor, congress, sheet, dry_run=dry_run, progress=progress)
    except FileNotFoundError:
        refused = NotFound(_("The uploaded list is gone. Upload it again."))
    except ConferenceError as error:
        refused = error
    if refused is not None:
        result = ImportResult(errors=[Problem(0, "", refused.message).to_dict()])
    if result.errors or not dry_run:
        path.unlink(missing_ok=True)  # imported, or never importable: not kept
    summary = result.to_dict() | {"dry_run": dry_run, "error_count": len(result.errors),
                                  "filename": params.get("filename", "")}
    summary["errors"] = result.errors[:MAX_REPORTED_PROBLEMS]
    if refused is not None:
        summary["error"] = {"code": refused.code, "message": refused.message}
    elif result.errors:
        summary["error"] = {"code": "invalid_rows", "message": _(
            "%(n)d problems found; nothing was imported.", n=len(result.errors))}
    return problems_csv(result.errors), "csv", summary
