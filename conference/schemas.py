"""What the API answers and live pushes send: pydantic models that read the ORM objects.

Each feature declares its own in `<feature>/schemas.py` on the `Output` base; the API validates
every answer against them and its document is generated from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

RESPONSE_TIME = "ISO 8601 date and time in UTC with its offset, e.g. 2023-09-28T01:00:00+00:00."


class Output(BaseModel):
    """A record as the API shows it, read from the ORM object's attributes; nothing more."""

    model_config = ConfigDict(from_attributes=True, extra="forbid", validate_by_name=True,
                              json_schema_serialization_defaults_required=True)


# Stored instants are aware UTC datetimes; written as isoformat() always did ("+00:00", not "Z").
Instant = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "description": RESPONSE_TIME}),
]
