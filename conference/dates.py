"""Time: stored in UTC, shown in the congress's time zone, written as each language writes it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_datetime as babel_format_datetime
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# CLDR's Vietnamese default puts the time first ("08:30 15/3/26"); agendas read better like this.
PATTERNS = {
    "vi": {"full": "EEEE, 'ngày' dd/MM/yyyy, HH:mm", "date": "EEEE, 'ngày' dd/MM/yyyy",
           "time": "HH:mm", "clock": "HH:mm:ss", "stamp": "dd/MM/yyyy HH:mm:ss",
           "document": "'ngày' dd 'tháng' MM 'năm' yyyy"},  # the date line of a paper
    "en": {"full": "EEEE, d MMMM yyyy, HH:mm", "date": "EEEE, d MMMM yyyy", "time": "HH:mm",
           "clock": "HH:mm:ss", "stamp": "d MMM yyyy HH:mm:ss", "document": "d MMMM yyyy"},
}


LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_timezone(name: str) -> bool:
    return name in available_timezones()


def localize(value: datetime, tz_name: str) -> datetime:
    """Attach `tz_name` to a naive datetime (a time typed on a form) and convert to UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz_name))
    return value.astimezone(UTC)


def to_local(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(ZoneInfo(tz_name))


def local_input(value: datetime, tz_name: str) -> str:
    """A stored instant as <input type="datetime-local"> shows it: the congress's local time."""
    return to_local(value, tz_name).strftime(LOCAL_INPUT_FORMAT)


def format_when(value: datetime | None, tz_name: str, locale: str, style: str = "full") -> str:
    """Format a stored instant for people, e.g. "Thứ Năm, ngày 28/09/2023, 08:00"."""
    if value is None:
        return ""
    pattern = PATTERNS.get(locale, PATTERNS["en"])[style]
    return babel_format_datetime(value, pattern, tzinfo=ZoneInfo(tz_name), locale=locale)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime kept as naive UTC, so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)
