"""Livestreams: add, edit, remove, flip their status; the one state every page and push shows."""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from pydantic import BeforeValidator, StringConstraints
from sqlalchemy import func, select

from conference.agenda.models import CongressSession
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.errors import NotFound, ValidationFailed
from conference.extensions import db
from conference.signals import agenda_changed, stream_changed
from conference.streams.embed import is_facebook_video, youtube_id
from conference.streams.models import PLATFORM_LABELS, Platform, Stream, StreamStatus
from conference.streams.schemas import Stream as StreamOut
from conference.streams.schemas import StreamsState
from conference.validation import (
    MAX_ID,
    OptionalLocalDateTime,
    OptionalText,
    OptionalWebAddress,
    Schema,
    WebAddress,
    optional_int,
    validate,
)

# Fields an operator may change while driving the congress; the rest are the organizers'.
STATUS_FIELDS = {"status", "replay_url"}

log = logging.getLogger(__name__)


class StreamInput(Schema):
    # Left out or empty: guessed from the address.
    platform: Annotated[Platform | None, BeforeValidator(lambda value: value or None)] = None
    url: WebAddress
    title: Annotated[OptionalText, StringConstraints(max_length=200)] = ""
    session_id: optional_int(1, MAX_ID) = None
    status: StreamStatus = StreamStatus.SCHEDULED
    replay_url: OptionalWebAddress = ""
    scheduled_start: OptionalLocalDateTime = None
    position: optional_int(0, 100_000) = None


FIELDS = tuple(StreamInput.model_fields)


@lru_cache(maxsize=8)
def parse_platforms(setting: str) -> dict[str, str]:
    """`"baohatinh.vn=Báo Hà Tĩnh, vtv.vn=VTV"` -> {domain: name}; a malformed pair is left
    out and logged, so a typo in the setting costs one name, not the pages."""
    known = {}
    for pair in filter(str.strip, setting.split(",")):
        domain, _sep, name = (part.strip() for part in pair.partition("="))
        domain = domain.lower().removeprefix("www.")
        if domain and name and "." in domain:
            known[domain] = name
        else:
            log.warning("STREAM_PLATFORMS: %r is not domain=Name; left out", pair.strip())
    return known


def known_site(url: str) -> str | None:
    """The name of the site (a newspaper, a broadcaster) `url` is on, when the setting
    STREAM_PLATFORMS lists its domain or a parent domain of it."""
    host = (urlsplit(url).hostname or "").lower()
    known = parse_platforms(current_app.config["CONFERENCE"]["STREAM_PLATFORMS"])
    parts = host.split(".")
    return next((known[".".join(parts[i:])] for i in range(len(parts) - 1)
                 if ".".join(parts[i:]) in known), None)


def platform_label(stream: Stream) -> str:
    """Where a stream is watched, as viewers read it: a known site by its name ("Báo Hà
    Tĩnh"), else the platform's label."""
    if stream.platform in (Platform.NEWSPAPER, Platform.OTHER):
        site = known_site(stream.url)
        if site:
            return site
    return str(PLATFORM_LABELS.get(stream.platform, stream.platform))


def live_first(streams: list) -> list:
    """Streams (rows or their dicts) with those live now first, each group in its order."""
    def status(stream) -> str:
        return stream["status"] if isinstance(stream, dict) else stream.status
    return sorted(streams, key=lambda stream: status(stream) != StreamStatus.LIVE)


def guess_platform(url: str) -> Platform:
    if known_site(url):
        return Platform.NEWSPAPER
    if youtube_id(url) or (urlsplit(url).hostname or "").lower().endswith("youtube.com"):
        return Platform.YOUTUBE
    if is_facebook_video(url) or (urlsplit(url).hostname or "").lower().endswith(
            ("facebook.com", "fb.watch")):
        return Platform.FACEBOOK
    return Platform.OTHER


# --- reading -----------------------------------------------------------------------------


def list_streams(congress: Congress) -> list[Stream]:
    return list(db.session.scalars(Stream.in_order(congress.id)))


def get_stream(actor: Actor, stream_id: int,
               capability: Capability = Capability.VIEW_CONGRESS) -> Stream:
    """A stream the actor may act on; one of a congress they have no role in is NotFound."""
    stream = db.session.get(Stream, stream_id)
    if stream is None:
        raise NotFound(_("Livestream not found."))
    authorize(actor, stream.congress, capability)
    return stream


def _layout(streams: list[dict]) -> str:
    """A short digest of everything but the status, in the order pages list the streams (live
    ones first): pages refetch their list when it changes, and only relabel the streams when
    it does not."""
    shown = [{k: v for k, v in stream.items() if k not in ("status", "display", "replay_url")}
             for stream in live_first(streams)]
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:16]


def streams_state(congress: Congress, streams: list[Stream] | None = None) -> dict:
    """Every stream of the congress in order: the one payload for pages, API and live pushes.

    `revision` grows with every change, so a client drops a push older than what it shows.
    A page that lists the `streams` itself passes them in, to read them once.
    """
    shown = [StreamOut.model_validate(stream).model_dump(mode="json")
             for stream in (list_streams(congress) if streams is None else streams)]
    return StreamsState(congress_id=congress.id, slug=congress.slug,
                        revision=congress.streams_revision, published=congress.published,
                        layout=_layout(shown), streams=shown).model_dump(mode="json")


# --- changing ----------------------------------------------------------------------------


def _check_session(congress: Congress, session_id: int | None) -> None:
    """Streams never point at another congress's session."""
    if session_id is None:
        return
    session = db.session.get(CongressSession, session_id)
    if session is None or session.congress_id != congress.id:
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"session_id": _("No such session in this congress.")})


def _committed(actor: Actor, congress: Congress, stream: Stream, kind: str,
               details: dict[str, Any]) -> None:
    """Bump the revision, audit, commit, and only then tell the other features."""
    congress.streams_revision = Congress.streams_revision + 1
    record(actor, f"stream.{kind}", congress_id=congress.id, target=f"stream:{stream.id}",
           details=details)
    db.session.commit()
    stream_changed.send(congress, stream=stream, kind=kind, actor=actor)


def _apply(stream: Stream, values: StreamInput) -> None:
    data = values.model_dump(exclude={"position"})
    data["platform"] = values.platform or guess_platform(values.url)
    for name, value in data.items():
        setattr(stream, name, value)
    if values.position is not None:
        stream.position = values.position


def create_stream(actor: Actor, congress: Congress, data: dict) -> Stream:
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    values = validate(StreamInput, data, tz=congress.timezone)
    _check_session(congress, values.session_id)
    stream = Stream(congress_id=congress.id)
    _apply(stream, values)
    if values.position is None:
        last = db.session.scalar(
            select(func.max(Stream.position)).where(Stream.congress_id == congress.id))
        stream.position = (last or 0) + 1
    db.session.add(stream)
    db.session.flush()
    _committed(actor, congress, stream, "create", {"title": stream.title, "url": stream.url})
    return stream


def update_stream(actor: Actor, stream: Stream, changes: dict) -> Stream:
    """Change some fields; an operator may change only the status and the replay link."""
    congress = stream.congress
    changes = dict(changes)
    only_status = set(changes) <= STATUS_FIELDS
    authorize(actor, congress,
              Capability.DRIVE_AGENDA if only_status else Capability.EDIT_CONGRESS)
    current = {name: getattr(stream, name) for name in FIELDS}
    values = validate(StreamInput, current | changes, tz=congress.timezone)
    _check_session(congress, values.session_id)
    _apply(stream, values)
    _committed(actor, congress, stream, "status" if only_status else "update",
               {k: str(v) for k, v in changes.items()})
    return stream


def set_stream_status(actor: Actor, stream: Stream, status: str,
                      replay_url: str | None = None) -> Stream:
    """Flip a stream to scheduled, live or ended; a replay link given is kept with it."""
    changes: dict[str, Any] = {"status": status}
    if replay_url is not None:
        changes["replay_url"] = replay_url
    return update_stream(actor, stream, changes)


def delete_stream(actor: Actor, stream: Stream) -> None:
    congress = stream.congress
    authorize(actor, congress, Capability.EDIT_CONGRESS)
    db.session.delete(stream)
    _committed(actor, congress, stream, "delete", {"title": stream.title, "url": stream.url})


@agenda_changed.connect
def _sessions_changed(congress: Congress, kind: str, actor: Actor | None = None,
                      **_extra) -> None:
    """Sessions edited or deleted: a deleted one's streams now belong to the whole congress
    (the database let go of them), so pages showing the streams must hear a new revision."""
    if kind != "structure" or not db.session.scalar(
            select(func.count(Stream.id)).where(Stream.congress_id == congress.id)):
        return
    congress.streams_revision = Congress.streams_revision + 1
    db.session.commit()
    stream_changed.send(congress, stream=None, kind="sessions", actor=actor)
