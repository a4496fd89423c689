"""Scene types: the fields each takes (pydantic), and what a screen needs to draw one.

A scene is stored as {"type": ..., <its fields>}. `check_scene` validates it for a congress;
`resolve_scene` adds what the renderer needs (the current item's title, the attendance
numbers, QR codes as data: URLs so a kiosk can redraw them offline from its local storage).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from flask import current_app
from flask_babel import gettext as _
from pydantic import Field, StringConstraints

from conference import backup, qr
from conference.agenda.service import current_item, ordered_sessions
from conference.attendance.service import attendance_session, attendance_state
from conference.congresses.models import Congress
from conference.dates import to_local
from conference.errors import ConferenceError, ValidationFailed
from conference.extensions import db
from conference.streams.models import Stream
from conference.urls import public_base_url
from conference.validation import (
    MAX_ID,
    Id,
    OptionalLocalDateTime,
    OptionalText,
    OptionalWebAddress,
    Schema,
    Text,
    optional_int,
    validate,
)

IMAGE_NAME = re.compile(r"^\d+-[0-9a-f]{16}\.jpg$")

Title = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
Heading = Annotated[OptionalText, StringConstraints(max_length=200)]
ImageName = Annotated[Text, StringConstraints(min_length=1, max_length=40,
                                              pattern=IMAGE_NAME.pattern)]
OptionalImageName = Annotated[OptionalText, StringConstraints(max_length=40,
                                                              pattern=r"^(\d+-[0-9a-f]{16}\.jpg)?$")]


class AnnouncementScene(Schema):
    type: Literal["announcement"]
    title: Title
    body: Annotated[OptionalText, StringConstraints(max_length=2000)] = ""


class CurrentItemScene(Schema):
    """Follows the agenda: the item under way, with its session."""

    type: Literal["current_item"]
    heading: Heading = ""


class AgendaScene(Schema):
    """The day's agenda: the day of the item under way, else today, else the first day."""

    type: Literal["agenda"]
    heading: Heading = ""


class AttendanceScene(Schema):
    """Live attendance and quorum, of the whole congress or of one session."""

    type: Literal["attendance"]
    heading: Heading = ""
    session_id: optional_int(1, MAX_ID) = None


class StreamScene(Schema):
    type: Literal["stream"]
    stream_id: Id
    caption: Heading = ""


class QrScene(Schema):
    """A large QR code to the congress's public page, or to the address given."""

    type: Literal["qr"]
    url: OptionalWebAddress = ""
    caption: Heading = ""


class ImageScene(Schema):
    type: Literal["image"]
    image: ImageName
    caption: Heading = ""


class Figure(Schema):
    value: Annotated[Text, StringConstraints(min_length=1, max_length=30)]
    label: Annotated[Text, StringConstraints(min_length=1, max_length=100)]


class FiguresScene(Schema):
    """Report highlights: a title and a few key figures with labels."""

    type: Literal["figures"]
    title: Title
    figures: Annotated[list[Figure], Field(min_length=1, max_length=8)]


class ClockScene(Schema):
    """The clock, or a countdown to `countdown_to` (local time of the congress)."""

    type: Literal["clock"]
    label: Heading = ""
    countdown_to: OptionalLocalDateTime = None


class AwardEntry(Schema):
    name: Title
    citation: Annotated[OptionalText, StringConstraints(max_length=1000)] = ""
    photo: OptionalImageName = ""


class AwardsScene(Schema):
    """Awards stepped with next/previous: photo, name and citation of each."""

    type: Literal["awards"]
    title: Title
    entries: Annotated[list[AwardEntry], Field(min_length=1, max_length=200)]


SCHEMAS: dict[str, type[Schema]] = {
    schema.model_fields["type"].annotation.__args__[0]: schema
    for schema in (AnnouncementScene, CurrentItemScene, AgendaScene, AttendanceScene,
                   StreamScene, QrScene, ImageScene, FiguresScene, ClockScene, AwardsScene)}
# Which data each type shows, so a change of it re-pushes the screens showing that type.
DATA_KINDS = {"current_item": "agenda", "agenda": "agenda", "attendance": "attendance",
              "stream": "stream"}


@dataclass(frozen=True)
class SceneChoice:
    """The record a scene of an added type may name (a vote, an election): a drop-down in the
    scene editor. `options(congress)`: (id, label) pairs; the empty choice (`empty()`'s label)
    keeps the scene on the latest."""

    field: str
    label: Callable[[], str]
    empty: Callable[[], str]
    options: Callable[[Congress], list[tuple[int, str]]]


@dataclass(frozen=True)
class SceneType:
    """A scene type a feature adds (`add_scene_type`): the speakers' list, a vote, an election.

    `label`: its name in the console's menu (called in the page's language). `resolve(congress,
    scene, now)`: what the renderer needs beyond the stored fields. `check(congress, values,
    prefix)`: raises ValidationFailed for fields that name records of another congress.
    `data_kind`: the `kind` of `signals.proceedings_changed` that re-pushes screens showing it.
    `words()`: the texts its renderer draws (merged into the kiosk's labels). `script`: the
    static file that defines its renderer with `Scenes.define` (loaded after scenes.js).
    `choice`: the record its scenes may name, for the editor.
    """

    schema: type[Schema]
    label: Callable[[], str]
    resolve: Callable[[Congress, dict, Any], dict] | None = None
    check: Callable[[Congress, Any, str], None] | None = None
    data_kind: str | None = None
    words: Callable[[], dict[str, str]] = field(default=lambda: {})
    script: str = ""
    choice: SceneChoice | None = None


# The scene types features added, by name (the kernel's own types are above).
ADDED: dict[str, SceneType] = {}


def add_scene_type(scene_type: SceneType) -> None:
    """Let screens show a feature's scene type; call it when the feature's module loads."""
    name = scene_type.schema.model_fields["type"].annotation.__args__[0]
    ADDED[name] = scene_type
    SCHEMAS[name] = scene_type.schema
    if scene_type.data_kind:
        DATA_KINDS[name] = scene_type.data_kind


def scene_choice(kind: str) -> SceneChoice | None:
    """The record a scene of this type may name, if any (added types only)."""
    added = ADDED.get(kind)
    return added.choice if added else None


def scene_types() -> tuple[str, ...]:
    return tuple(SCHEMAS)


def scene_scripts() -> list[str]:
    """The static files that draw the added scene types, for the pages that render scenes."""
    return sorted({added.script for added in ADDED.values() if added.script})


def added_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for added in ADDED.values():
        words |= added.words()
    return words


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the marked fields."), fields={field: message})


def check_scene(congress: Congress, data: Any, prefix: str = "",
                pending: Collection[str] = ()) -> dict:
    """The scene as stored (JSON-ready), or ValidationFailed naming each wrong field.

    `pending`: names of images uploaded with the scene, stored only once it is saved.
    """
    if not isinstance(data, dict):
        raise _invalid(prefix.rstrip(".") or "scene", _("Send a JSON object."))
    kind = data.get("type")
    if kind not in SCHEMAS:
        raise _invalid(f"{prefix}type", _("Choose one of: %(values)s.",
                                          values=", ".join(scene_types())))
    try:
        values = validate(SCHEMAS[kind], data, tz=congress.timezone)
    except ValidationFailed as exc:
        exc.fields = {f"{prefix}{name}": message for name, message in exc.fields.items()}
        raise
    scene = values.model_dump(mode="json")
    if kind in ADDED and ADDED[kind].check:
        ADDED[kind].check(congress, values, prefix)
    if kind == "stream":
        stream = db.session.get(Stream, values.stream_id)
        if stream is None or stream.congress_id != congress.id:
            raise _invalid(f"{prefix}stream_id", _("No such livestream in this congress."))
    elif kind == "attendance":
        try:
            attendance_session(congress, values.session_id)
        except ValidationFailed:
            raise _invalid(f"{prefix}session_id", _("No such session in this congress.")) from None
    images = [values.image] if kind == "image" else [
        entry.photo for entry in values.entries if entry.photo] if kind == "awards" else []
    for name in images:
        if name not in pending and image_path(name) is None:
            raise _invalid(f"{prefix}image" if kind == "image" else f"{prefix}entries",
                           _("Upload the image first."))
    return scene


# --- images ---------------------------------------------------------------------------------


backup.keep("screen-images")


def images_dir():
    from pathlib import Path

    path = Path(current_app.instance_path) / "screen-images"
    path.mkdir(parents=True, exist_ok=True)
    return path


def image_path(name: str):
    """Where an uploaded screen image is, or None for a name we did not make or a lost file."""
    if not name or not IMAGE_NAME.match(name):
        return None
    path = images_dir() / name
    return path if path.is_file() else None


def image_url(name: str) -> str:
    return f"/screen-images/{name}" if name else ""


def inline_images(resolved: dict, images: dict[str, bytes]) -> dict:
    """A resolved scene whose images named in `images` (JPEG bytes, not stored yet) are drawn
    from data: URLs instead, for a preview."""
    urls = {image_url(name): "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
            for name, jpeg in images.items()}
    shown = dict(resolved)
    if shown.get("image_url") in urls:
        shown["image_url"] = urls[shown["image_url"]]
    if "entries" in shown:
        shown["entries"] = [entry | {"photo_url": urls.get(entry.get("photo_url"),
                                                           entry.get("photo_url", ""))}
                            for entry in shown["entries"]]
    return shown


# --- what the renderer needs ----------------------------------------------------------------


def _qr(url: str) -> str:
    try:
        return qr.large_qr_data_url(url) if url else ""
    except qr.QrTooLarge:
        return ""


def public_page_url(congress: Congress, base_url: str) -> str:
    """The public page's address for QR codes: PUBLIC_URL, else where the kiosk was opened."""
    try:
        base = public_base_url(base_url or None)
    except ConferenceError:
        return ""
    return f"{base}/c/{congress.slug}"


def _item(item) -> dict:
    return {"id": item.id, "title": item.title, "presenter": item.presenter,
            "planned_start": item.planned_start.isoformat() if item.planned_start else None,
            "starts_at": item.starts_at.isoformat() if item.starts_at else None}


def _session(session) -> dict:
    return {"id": session.id, "title": session.title, "room": session.room,
            "starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat()}


def _agenda_day(congress: Congress, sessions, today: date) -> list:
    """The sessions of the day to show: the current item's day, else today, else the first."""
    def day(session) -> date:
        return to_local(session.starts_at, congress.timezone).date()

    days = [day(session) for session in sessions]
    current = current_item(congress)
    if current is not None:
        chosen = day(current.session)
    elif today in days:
        chosen = today
    else:
        chosen = next((d for d in days if d > today), days[0] if days else today)
    return [session for session in sessions if day(session) == chosen]


def _resolve_agenda(congress: Congress, scene: dict, now) -> dict:
    sessions = _agenda_day(congress, ordered_sessions(congress),
                           to_local(now, congress.timezone).date())
    return {"current_item_id": congress.current_item_id,
            "sessions": [_session(session) | {"items": [_item(item) for item in session.items]}
                         for session in sessions]}


def _resolve_current_item(congress: Congress, scene: dict, now) -> dict:
    item = current_item(congress)
    return {"item": _item(item) if item else None,
            "session": _session(item.session) if item else None}


def _resolve_attendance(congress: Congress, scene: dict, now) -> dict:
    try:
        session = attendance_session(congress, scene.get("session_id"))
    except ValidationFailed:  # the session was deleted since
        session = None
    state = attendance_state(congress, session)
    return {"session_title": state["session_title"], "quorum": state["quorum"],
            "not_counted": state["not_counted"]}


def _resolve_stream(congress: Congress, scene: dict, now) -> dict:
    stream = db.session.get(Stream, scene.get("stream_id") or 0)
    if stream is None or stream.congress_id != congress.id:
        return {"stream": None, "qr": ""}
    return {"stream": {"title": stream.title, "status": stream.status,
                       "display": stream.display, "url": stream.url,
                       "platform": stream.platform},
            "qr": _qr(stream.replay_url if stream.display == "replay" else stream.url)}


def _resolve_qr(congress: Congress, scene: dict, now, base_url: str = "") -> dict:
    url = scene.get("url") or public_page_url(congress, base_url)
    return {"target": url, "qr": _qr(url)}


def _resolve_image(congress: Congress, scene: dict, now) -> dict:
    return {"image_url": image_url(scene.get("image", ""))}


def _resolve_awards(congress: Congress, scene: dict, now) -> dict:
    return {"entries": [entry | {"photo_url": image_url(entry.get("photo", ""))}
                        for entry in scene.get("entries", [])]}


RESOLVERS = {"agenda": _resolve_agenda, "current_item": _resolve_current_item,
             "attendance": _resolve_attendance, "stream": _resolve_stream,
             "image": _resolve_image, "awards": _resolve_awards}


# While set, scenes resolved so far in this batch of pushes, by congress, scene and address.
_resolved: ContextVar[dict | None] = ContextVar("resolved_scenes", default=None)


@contextmanager
def resolved_once() -> Iterator[None]:
    """Within the block, a scene shown by several screens is resolved once: a refresh of twenty
    screens showing the quorum counts attendance once, not twenty times."""
    token = _resolved.set({})
    try:
        yield
    finally:
        _resolved.reset(token)


def resolve_scene(congress: Congress, scene: dict | None, now, base_url: str = "") -> dict | None:
    """The scene with everything its renderer draws; None for none."""
    if not scene:
        return None
    batch = _resolved.get()
    key = (congress.id, json.dumps(scene, sort_keys=True, default=str), base_url)
    if batch is not None and key in batch:
        return batch[key]
    kind = scene.get("type")
    if kind == "qr":
        resolved = scene | _resolve_qr(congress, scene, now, base_url)
    else:
        resolver = RESOLVERS.get(kind) or (ADDED[kind].resolve if kind in ADDED else None)
        resolved = scene | resolver(congress, scene, now) if resolver else dict(scene)
    if batch is not None:
        batch[key] = resolved
    return resolved
