"""Input checking shared by pages, API and CLI: one pydantic schema per kind of record.

Pydantic's own messages are English; `validate` replaces them with translated ones, per field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from conference.dates import localize
from conference.errors import ValidationFailed

# Unicode's control characters (category Cc) but for tab, line feed and carriage return; a
# regular expression, because a check per character slowed big imports down.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean_text(value: Any) -> Any:
    """NFC-normalise and strip text; refuse control characters (they break PDFs and CSV)."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value).strip()
    if CONTROL_CHARS.search(value):
        raise PydanticCustomError("control_chars", "control characters")
    return value


def _from_json(info: ValidationInfo) -> bool:
    """Whether the data is a JSON body checked as the API's document states it (see JSON)."""
    return bool((info.context or {}).get("json"))


def _blank_to_none(value: Any, info: ValidationInfo) -> Any:
    """An empty form field means none; in JSON, null does and "" is not a number or a time."""
    if _from_json(info):
        return value
    return None if isinstance(value, str) and not value.strip() else value


def _time_as_text(value: Any, info: ValidationInfo) -> Any:
    """JSON writes a time as text, never as a number: pydantic would read 0 as 1970."""
    if _from_json(info) and value is not None and not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "a time is written as text")
    return value


def _blank_time_to_none(value: Any, info: ValidationInfo) -> Any:
    """As _blank_to_none, for a time written as text."""
    return _blank_to_none(_time_as_text(value, info), info)


def _none_to_empty(value: Any, info: ValidationInfo) -> Any:
    """A form or a spreadsheet may leave text out as None; JSON must send a string."""
    if value is None and not _from_json(info):
        return ""
    return _clean_text(value)


# Times a congress can have: a mistyped year (0023, 9999) is told at once, not stored to break
# every page and scan that reckons with the time.
YEARS = (1900, 2999)


def _localized(value: datetime | None, info: ValidationInfo) -> datetime | None:
    """Read a time without offset as the congress's local time; keep everything in UTC."""
    if value is None:
        return None
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise PydanticCustomError("custom", _("Enter a year between %(first)s and %(last)s.",
                                              first=YEARS[0], last=YEARS[1]))
    tz = (info.context or {}).get("tz", "UTC")
    return localize(value, tz)


Text = Annotated[str, BeforeValidator(_clean_text)]
OptionalText = Annotated[str, BeforeValidator(_none_to_empty)]
LocalDateTime = Annotated[datetime, BeforeValidator(_time_as_text), AfterValidator(_localized)]
OptionalLocalDateTime = Annotated[
    datetime | None, BeforeValidator(_blank_time_to_none), AfterValidator(_localized)
]


# The validation context of a JSON body checked at the API's edge: types as JSON has them, so
# null is not text and "" is neither a number nor a time there (forms keep their leniency).
JSON = {"json": True}


MAX_URL_LENGTH = 1000


def _is_web_address(value: str) -> bool:
    if any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a broken [IPv6] host
        return False


def _web_address(value: str) -> str:
    """Accept only http(s) addresses with a host: no javascript:, data:, ftp: or file: links."""
    if value and not _is_web_address(value):
        raise PydanticCustomError(
            "custom", _("Enter a web address starting with http:// or https://."))
    return value


WebAddress = Annotated[Text, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH),
                       AfterValidator(_web_address)]
OptionalWebAddress = Annotated[OptionalText, StringConstraints(max_length=MAX_URL_LENGTH),
                               AfterValidator(_web_address)]


MAX_ID = 2**31 - 1  # record ids are PostgreSQL INTEGER keys; SQLite's go further
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def record_id(value: Any) -> int:
    """A record id (or page number) as a URL, a form or JSON sends it: a whole number from 1
    to MAX_ID, else ValueError. A larger number names no record; the database would refuse it."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()):  # isdigit alone takes "²"
            raise ValueError(value)
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValueError(value)
    return value


def optional_id(value: Any) -> int | None:
    """`record_id`, or None for anything that is not one."""
    try:
        return record_id(value)
    except ValueError:
        return None


def optional_int(ge: int, le: int):
    """An optional whole number in [ge, le]; an empty form field means none."""
    return Annotated[Annotated[int, Field(ge=ge, le=le)] | None, BeforeValidator(_blank_to_none)]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


SchemaT = TypeVar("SchemaT", bound=Schema)


def field_error(field: str, message: str) -> PydanticCustomError:
    """An error a model validator attaches to one field (e.g. an end before its start)."""
    return PydanticCustomError("field_error", message, {"field": field})


def _message(error: dict) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("too_short", "too_long") and isinstance(error.get("input"), str):
        # Length limits stacked on a text type with a BeforeValidator (Text, OptionalText)
        # come back from pydantic with the generic names; they still count characters.
        kind = f"string_{kind}"
    if kind in ("field_error", "custom"):
        return error["msg"]
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("This field is required.")
    messages = {
        "string_too_short": lambda: _("At least %(n)s characters.", n=ctx.get("min_length")),
        "string_too_long": lambda: _("At most %(n)s characters.", n=ctx.get("max_length")),
        "string_type": lambda: _("Enter text."),
        "control_chars": lambda: _("Remove the control characters."),
        "int_parsing": lambda: _("Enter a whole number."),
        "int_type": lambda: _("Enter a whole number."),
        "int_from_float": lambda: _("Enter a whole number."),
        "greater_than_equal": lambda: _("At least %(n)s.", n=ctx.get("ge")),
        "greater_than": lambda: _("More than %(n)s.", n=ctx.get("gt")),
        "less_than_equal": lambda: _("At most %(n)s.", n=ctx.get("le")),
        "bool_parsing": lambda: _("Enter true or false."),
        "bool_type": lambda: _("Enter true or false."),
        "date_parsing": lambda: _("Enter a date like 2023-09-28."),
        "date_from_datetime_parsing": lambda: _("Enter a date like 2023-09-28."),
        "date_type": lambda: _("Enter a date like 2023-09-28."),
        "datetime_parsing": lambda: _("Enter a date and time like 2023-09-28T08:00."),
        "datetime_from_date_parsing": lambda: _("Enter a date and time like 2023-09-28T08:00."),
        "datetime_type": lambda: _("Enter a date and time like 2023-09-28T08:00."),
        "enum": lambda: _("Choose one of: %(values)s.", values=ctx.get("expected", "")),
        "literal_error": lambda: _("Choose one of: %(values)s.", values=ctx.get("expected", "")),
        "string_pattern_mismatch": lambda: _("This value has the wrong form."),
        "extra_forbidden": lambda: _("Unknown field."),
        "model_type": lambda: _("Send a JSON object."),
    }
    return messages.get(kind, lambda: _("Invalid value."))()


def validation_failed(exc: PydanticValidationError, code: str | None = None) -> ValidationFailed:
    """Pydantic's errors as ours: one translated message per field ("scene.type" when nested)."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        loc = ctx.get("field") or ".".join(str(part) for part in error["loc"]) or "_"
        fields.setdefault(loc, _message(error))
    return ValidationFailed(_("Please correct the marked fields."), code=code, fields=fields)


def validate(schema: type[SchemaT], data: Any, *, tz: str = "UTC") -> SchemaT:
    """Check `data` against `schema`, raising ValidationFailed with one message per field."""
    try:
        return schema.model_validate(data, context={"tz": tz})
    except PydanticValidationError as exc:
        raise validation_failed(exc) from None
