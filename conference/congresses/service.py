"""Congresses: create, edit, publish, find; who may see which."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import Field, StringConstraints, field_validator, model_validator
from sqlalchemy import select

from conference.audit.service import record
from conference.auth.models import Membership, Role
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import CheckinRule, Congress
from conference.dates import is_timezone
from conference.errors import Conflict, Forbidden, NotFound
from conference.extensions import db
from conference.signals import agenda_changed
from conference.validation import (
    OptionalText,
    Schema,
    Text,
    field_error,
    optional_int,
    validate,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

# The check-in rules as the congress form offers them, the usual one first.
CHECKIN_RULE_CHOICES = (
    (CheckinRule.CONGRESS, lazy_gettext("A check-in counts for every later session (usual)")),
    (CheckinRule.SESSION, lazy_gettext("Each session needs its own check-in")),
)


class CongressInput(Schema):
    name: Annotated[Text, StringConstraints(min_length=1, max_length=300)]
    slug: Annotated[Text, StringConstraints(min_length=2, max_length=80, pattern=SLUG_PATTERN)]
    organizing_union: Annotated[OptionalText, StringConstraints(max_length=300)] = ""
    term: Annotated[OptionalText, StringConstraints(max_length=40)] = ""
    ordinal: optional_int(1, 1000) = None
    venue: Annotated[OptionalText, StringConstraints(max_length=300)] = ""
    starts_on: date
    ends_on: date
    timezone: Text = "Asia/Ho_Chi_Minh"
    quorum_numerator: Annotated[int, Field(ge=1, le=100)] = 1
    quorum_denominator: Annotated[int, Field(ge=1, le=100)] = 2
    quorum_strict: bool = True
    checkin_rule: CheckinRule = CheckinRule.CONGRESS
    published: bool = False

    @field_validator("checkin_rule", mode="before")
    @classmethod
    def _usual_rule_when_left_out(cls, value: object) -> object:
        """A form that does not offer the choice posts it empty: the usual rule."""
        return CheckinRule.CONGRESS if value == "" else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if not is_timezone(value):
            raise field_error("timezone", _("Unknown time zone, e.g. Asia/Ho_Chi_Minh."))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CongressInput:
        if self.ends_on < self.starts_on:
            raise field_error("ends_on", _("The congress cannot end before it starts."))
        if self.quorum_numerator > self.quorum_denominator:
            raise field_error("quorum_numerator", _("The quorum cannot exceed all delegates."))
        return self


FIELDS = tuple(name for name in CongressInput.model_fields)


def slugify(text: str) -> str:
    """Make a URL slug from a Vietnamese name: "Đại hội lần thứ XIX" -> "dai-hoi-lan-thu-xix"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


def _unique_slug(base: str) -> str:
    base = base or "congress"
    slug, n = base, 1
    while db.session.scalar(select(Congress.id).where(Congress.slug == slug)):
        n += 1
        slug = f"{base[:75]}-{n}"
    return slug


def congress_values(congress: Congress) -> dict:
    return {name: getattr(congress, name) for name in FIELDS}


def require_congress_creator(actor: Actor) -> None:
    if not (actor.user and (actor.user.is_admin or actor.user.can_create_congresses)):
        raise Forbidden(_("You may not create congresses."))


def create_congress(actor: Actor, data: dict) -> Congress:
    """Create a congress; its creator becomes its organizer."""
    require_congress_creator(actor)
    data = dict(data)
    if not data.get("slug"):
        data["slug"] = _unique_slug(slugify(str(data.get("name") or "")))
    values = validate(CongressInput, data)
    if db.session.scalar(select(Congress.id).where(Congress.slug == values.slug)):
        raise Conflict(_("The address %(slug)s is taken.", slug=values.slug), code="slug_taken",
                       fields={"slug": _("Taken, choose another.")})
    congress = Congress(**values.model_dump())
    db.session.add(congress)
    db.session.flush()
    if not actor.user.is_admin:
        db.session.add(Membership(user_id=actor.user.id, congress_id=congress.id,
                                  role=Role.ORGANIZER))
    record(actor, "congress.create", congress_id=congress.id, target=f"congress:{congress.slug}")
    db.session.commit()
    return congress


def update_congress(actor: Actor, congress: Congress, changes: dict) -> Congress:
    """Apply `changes` (any subset of the fields), checked together with the unchanged ones."""
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    values = validate(CongressInput, congress_values(congress) | dict(changes))
    if values.slug != congress.slug and db.session.scalar(
            select(Congress.id).where(Congress.slug == values.slug)):
        raise Conflict(_("The address %(slug)s is taken.", slug=values.slug), code="slug_taken",
                       fields={"slug": _("Taken, choose another.")})
    changed = {name: value for name, value in values.model_dump().items()
               if getattr(congress, name) != value}
    for name, value in changed.items():
        setattr(congress, name, value)
    if changed:
        congress.agenda_revision = Congress.agenda_revision + 1
        record(actor, "congress.update", congress_id=congress.id,
               target=f"congress:{congress.slug}",
               details={k: str(v) for k, v in changed.items()})
    db.session.commit()
    if changed:
        agenda_changed.send(congress, kind="structure", actor=actor)
    return congress


def delete_congress(actor: Actor, congress: Congress) -> None:
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    if congress.published:
        raise Conflict(_("Unpublish the congress before deleting it."), code="published")
    record(actor, "congress.delete", target=f"congress:{congress.slug}")
    congress.current_item_id = None
    db.session.flush()
    db.session.delete(congress)
    db.session.commit()


def get_congress(actor: Actor, congress_id: int,
                 capability: Capability = Capability.VIEW_CONGRESS) -> Congress:
    """Load a congress the actor may act on, or raise NotFound/Forbidden."""
    congress = db.session.get(Congress, congress_id)
    if congress is None:
        raise NotFound(_("Congress not found."))
    authorize(actor, congress, capability)
    return congress


def get_public_congress(slug: str) -> Congress:
    """A published congress, for anyone; an unpublished one does not exist for the public."""
    congress = db.session.scalar(
        select(Congress).where(Congress.slug == slug, Congress.published.is_(True)))
    if congress is None:
        raise NotFound(_("Congress not found."))
    return congress


def list_congresses(actor: Actor) -> list[Congress]:
    query = select(Congress).order_by(Congress.starts_on.desc(), Congress.id.desc())
    if not actor.is_admin:
        query = query.join(Membership, Membership.congress_id == Congress.id).where(
            Membership.user_id == actor.user.id)
    return list(db.session.scalars(query))


def list_published_congresses() -> list[Congress]:
    return list(db.session.scalars(
        select(Congress).where(Congress.published.is_(True))
        .order_by(Congress.starts_on.desc())))
