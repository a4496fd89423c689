"""Screens: register them, save scenes and playlists, and drive what each screen shows.

Every change an operator makes to what a screen shows (take, playlist, blackout, flash, step)
bumps the screen's `state_version`, is audited, committed, and only then announced with the
`screens_changed` signal, whose receiver (sockets.py) pushes the new state. Data-driven
refreshes (the agenda moved, a check-in, a stream went live) resend the same version with
fresh data: versions stay the operator's, so a kiosk's `rendered_version` says whether it
shows the operator's latest decision.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from flask import current_app
from flask_babel import gettext as _
from pydantic import Field, StringConstraints
from sqlalchemy import select

from conference import tokens
from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.config import PROJECT_ROOT
from conference.congresses.models import Congress
from conference.database import get_record
from conference.dates import utcnow
from conference.displays.models import Mode, Playlist, PlaylistEntry, Scene, Screen
from conference.displays.scenes import (
    DATA_KINDS,
    check_scene,
    images_dir,
    inline_images,
    resolve_scene,
)
from conference.displays.schemas import SavedPlaylist
from conference.errors import Conflict, NotFound, ValidationFailed
from conference.extensions import db
from conference.images import process_image
from conference.signals import screens_changed
from conference.streams.models import Stream
from conference.validation import Id, OptionalText, Schema, Text, optional_id, validate

CAPABILITY = Capability.DRIVE_AGENDA  # operators drive the screens as they drive the agenda
TOKEN_PURPOSE = "kiosk"  # noqa: S105 (a label, not a password)
IMAGE_MAX_SIDE = 3840
MAX_FLASH_SECONDS = 3600


class ScreenInput(Schema):
    name: Annotated[Text, StringConstraints(min_length=1, max_length=100)]
    width: Annotated[int, Field(ge=64, le=16384)]
    height: Annotated[int, Field(ge=64, le=16384)]
    group_name: Annotated[OptionalText, StringConstraints(max_length=50)] = ""


class SceneInput(Schema):
    name: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    scene: dict[str, Any]


class EntryInput(Schema):
    scene_id: Id
    duration: Annotated[int, Field(ge=3, le=3600)]


class PlaylistInput(Schema):
    name: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    entries: Annotated[list[EntryInput], Field(min_length=1, max_length=100)]


class FlashInput(Schema):
    text: Annotated[Text, StringConstraints(min_length=1, max_length=500)]
    seconds: Annotated[int, Field(ge=1, le=MAX_FLASH_SECONDS)] = 30


SCREEN_FIELDS = tuple(ScreenInput.model_fields)


# --- kiosk tokens ---------------------------------------------------------------------------


def kiosk_token(screen: Screen) -> str:
    """The screen's kiosk token: derived from the token key, never stored."""
    return tokens.derive_token(screen.token_nonce, screen.token_serial, TOKEN_PURPOSE)


def find_screen_by_token(token: str) -> Screen | None:
    """The screen whose current kiosk token this is; None for an unknown or replaced one."""
    if not tokens.looks_like_token(token):
        return None
    return db.session.scalar(select(Screen).where(Screen.token_hash == tokens.token_hash(token)))


def _new_token(screen: Screen) -> None:
    screen.token_hash = tokens.token_hash(kiosk_token(screen))


# --- reading --------------------------------------------------------------------------------


def list_screens(congress: Congress) -> list[Screen]:
    return list(db.session.scalars(select(Screen).where(Screen.congress_id == congress.id)
                                   .order_by(Screen.group_name, Screen.name, Screen.id)))


def list_scenes(congress: Congress) -> list[Scene]:
    return list(db.session.scalars(select(Scene).where(Scene.congress_id == congress.id)
                                   .order_by(Scene.name, Scene.id)))


def list_streams(congress: Congress) -> list[Stream]:
    """The livestreams a stream scene may show."""
    return list(db.session.scalars(Stream.in_order(congress.id)))


def list_playlists(congress: Congress) -> list[Playlist]:
    return list(db.session.scalars(select(Playlist).where(Playlist.congress_id == congress.id)
                                   .order_by(Playlist.name, Playlist.id)))


def _get(model, record_id: int, actor: Actor, message: str):
    found = db.session.get(model, record_id)
    if found is None:
        raise NotFound(message)
    authorize(actor, found.congress, CAPABILITY)
    return found


def get_screen(actor: Actor, screen_id: int) -> Screen:
    """A screen the actor may drive; one of a congress they have no role in is NotFound."""
    return _get(Screen, screen_id, actor, _("Screen not found."))


def get_scene(actor: Actor, scene_id: int) -> Scene:
    return _get(Scene, scene_id, actor, _("Scene not found."))


def get_playlist(actor: Actor, playlist_id: int) -> Playlist:
    return _get(Playlist, playlist_id, actor, _("Playlist not found."))


def groups(congress: Congress) -> list[str]:
    return sorted({screen.group_name for screen in list_screens(congress) if screen.group_name})


def kiosk_url(screen: Screen, base_url: str) -> str:
    """The address to open once on the screen's computer (it holds the kiosk token)."""
    return f"{base_url}/k/{kiosk_token(screen)}"


# --- the state a screen draws -----------------------------------------------------------------


@cache
def _app_version(static_folder: str) -> str:
    digest = hashlib.sha256(importlib.metadata.version("conference").encode())
    for folder in (Path(static_folder), PROJECT_ROOT / "templates" / "displays"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(f"{path.relative_to(folder)}:{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def app_version() -> str:
    """Changes when the app is upgraded (package version, static files): kiosks reload."""
    return _app_version(current_app.static_folder or "")


def shown_scene(screen: Screen) -> dict | None:
    """The scene taken on the screen (mode "scene"), as stored: {"type": ..., fields}."""
    if screen.scene_data:
        return screen.scene_data
    if screen.scene is not None:
        return {"type": screen.scene.type} | screen.scene.fields
    return None


def playlist_position(durations: list[int], start_index: int, elapsed: float) -> int:
    """The entry shown `elapsed` seconds after entry `start_index` began; kiosks do the same."""
    count = len(durations)
    if count == 0:
        return 0
    index = start_index % count
    elapsed %= sum(durations)
    while elapsed >= durations[index]:
        elapsed -= durations[index]
        index = (index + 1) % count
    return index


def screen_state(screen: Screen, now: datetime | None = None) -> dict:
    """Everything a kiosk draws, for the first page load and every push alike."""
    now = now or utcnow()
    congress = screen.congress
    state: dict[str, Any] = {
        "screen_id": screen.id, "name": screen.name, "width": screen.width,
        "height": screen.height, "version": screen.state_version, "mode": screen.mode,
        "server_time": now.isoformat(), "app_version": app_version(), "step": screen.step,
        "congress": {"id": congress.id, "name": congress.name, "slug": congress.slug,
                     "timezone": congress.timezone},
        "scene": None, "scene_name": "", "playlist": None, "flash": None}
    if screen.mode == Mode.SCENE:
        state["scene"] = resolve_scene(congress, shown_scene(screen), now, screen.base_url)
        # A saved scene's name, for the console; one taken ad hoc (API) has none.
        state["scene_name"] = screen.scene.name if not screen.scene_data and screen.scene else ""
    elif screen.mode == Mode.PLAYLIST and screen.playlist is not None:
        playlist = screen.playlist
        state["playlist"] = {
            "id": playlist.id, "name": playlist.name, "start_index": screen.playlist_index,
            "started_at": (screen.playlist_started_at or now).isoformat(),
            "entries": [{"duration": entry.duration, "name": entry.scene.name,
                         "scene": resolve_scene(congress, entry.scene.definition, now,
                                                screen.base_url)}
                        for entry in playlist.entries]}
    if screen.flash_text and screen.flash_expires_at and screen.flash_expires_at > now:
        state["flash"] = {"text": screen.flash_text,
                          "expires_at": screen.flash_expires_at.isoformat()}
    return state


def data_kinds(screen: Screen) -> set[str]:
    """Which data (agenda, attendance, stream) the screen shows now, scene or playlist."""
    if screen.mode == Mode.SCENE:
        scenes = [shown_scene(screen) or {}]
    elif screen.mode == Mode.PLAYLIST and screen.playlist is not None:
        scenes = [{"type": entry.scene.type} for entry in screen.playlist.entries]
    else:
        scenes = []
    return {DATA_KINDS[scene["type"]] for scene in scenes if scene.get("type") in DATA_KINDS}


# --- kiosk reports (no actor: the kiosk token is the key) ---------------------------------


def screen_seen(screen: Screen, rendered_version: int | None = None, base_url: str = "") -> None:
    """A kiosk is there (connected, beat or drew a version): keep last_seen fresh."""
    now = utcnow()
    if not screen.is_online(now):
        screen.online_since = now
    screen.last_seen = now
    if isinstance(rendered_version, int) and not isinstance(rendered_version, bool) and (
            0 <= rendered_version <= screen.state_version):
        screen.rendered_version = rendered_version
    if base_url and base_url != screen.base_url:
        screen.base_url = base_url[:300]
    db.session.commit()


# --- setting screens up ---------------------------------------------------------------------


def _bump(screen: Screen) -> None:
    """Grow the version in SQL (UPDATE ... SET state_version = state_version + 1), so two
    operators acting at once never hand out the same version."""
    screen.state_version = Screen.state_version + 1


def _committed(actor: Actor, congress: Congress, action: str, screens: list[Screen],
               details: dict | None = None, kind: str = "state", **extra) -> None:
    """Audit, commit, and only then tell the sockets which screens to push."""
    record(actor, f"screen.{action}", congress_id=congress.id,
           target=",".join(f"screen:{screen.id}" for screen in screens)[:200],
           details=details or {})
    db.session.commit()
    screens_changed.send(congress, screen_ids=[screen.id for screen in screens], kind=kind,
                         actor=actor, **extra)


def create_screen(actor: Actor, congress: Congress, data: dict) -> Screen:
    authorize(actor, congress, CAPABILITY)
    values = validate(ScreenInput, data)
    screen = Screen(congress_id=congress.id, token_nonce=tokens.new_nonce(), token_serial=1,
                    mode=Mode.BLACKOUT, state_version=1, **values.model_dump())
    _new_token(screen)
    db.session.add(screen)
    db.session.flush()
    _committed(actor, congress, "create", [screen], values.model_dump(), kind="setup")
    return screen


def update_screen(actor: Actor, screen: Screen, changes: dict) -> Screen:
    authorize(actor, screen.congress, CAPABILITY)
    current = {name: getattr(screen, name) for name in SCREEN_FIELDS}
    values = validate(ScreenInput, current | dict(changes))
    for name, value in values.model_dump().items():
        setattr(screen, name, value)
    _bump(screen)  # the canvas size may have changed: kiosks redraw
    _committed(actor, screen.congress, "update", [screen], values.model_dump())
    return screen


def delete_screen(actor: Actor, screen: Screen) -> None:
    congress = screen.congress
    authorize(actor, congress, CAPABILITY)
    old_hash = screen.token_hash
    db.session.delete(screen)
    _committed(actor, congress, "delete", [screen], {"name": screen.name}, kind="revoked",
               revoked=old_hash)


def regenerate_kiosk_url(actor: Actor, screen: Screen) -> Screen:
    """A new kiosk URL: the serial grows, so the old URL (and its open socket) stop working."""
    authorize(actor, screen.congress, CAPABILITY)
    old_hash = screen.token_hash
    screen.token_serial += 1
    _new_token(screen)
    _committed(actor, screen.congress, "kiosk_url", [screen], {"serial": screen.token_serial},
               kind="revoked", revoked=old_hash)
    return screen


# --- scenes and playlists ---------------------------------------------------------------------


def _shows(screen: Screen, scene_ids: set[int], playlist_ids: set[int]) -> bool:
    if screen.mode == Mode.SCENE:
        return screen.scene_id in scene_ids
    if screen.mode == Mode.PLAYLIST and screen.playlist is not None:
        return screen.playlist_id in playlist_ids or any(
            entry.scene_id in scene_ids for entry in screen.playlist.entries)
    return False


def _affected(congress: Congress, scene_ids: set[int] = frozenset(),
              playlist_ids: set[int] = frozenset()) -> list[Screen]:
    """The screens showing one of these scenes or playlists now: they must redraw."""
    affected = [screen for screen in list_screens(congress)
                if _shows(screen, scene_ids, playlist_ids)]
    for screen in affected:
        _bump(screen)
    return affected


@dataclass(frozen=True)
class ImageUpload:
    """An image uploaded with a scene form, checked and shrunk but not stored yet: `name` is
    the server-made name it gets once the scene is saved."""

    name: str
    jpeg: bytes


def check_image(actor: Actor, congress: Congress, data: bytes,
                field: str = "image") -> ImageUpload:
    """Check an uploaded JPEG or PNG with Pillow and shrink it; nothing is stored."""
    authorize(actor, congress, CAPABILITY)
    return ImageUpload(f"{congress.id}-{secrets.token_hex(8)}.jpg",
                       process_image(data, IMAGE_MAX_SIDE, field))


def _store_images(actor: Actor, congress: Congress, images: Sequence[ImageUpload]) -> None:
    """Write the images and audit them, in the transaction the caller commits."""
    for image in images:
        (images_dir() / image.name).write_bytes(image.jpeg)
        record(actor, "screen.image_upload", congress_id=congress.id, target=image.name)


def _forget_images(images: Sequence[ImageUpload]) -> None:
    for image in images:
        (images_dir() / image.name).unlink(missing_ok=True)


def _scene_values(congress: Congress, data: dict,
                  images: Sequence[ImageUpload] = ()) -> tuple[str, dict]:
    values = validate(SceneInput, data)
    scene = check_scene(congress, values.scene, prefix="scene.",
                        pending={image.name for image in images})
    return values.name, scene


def preview_scene(actor: Actor, congress: Congress, scene: dict,
                  images: Sequence[ImageUpload] = (), base_url: str = "") -> dict:
    """What a scene form would show, checked but saved nowhere: its new images travel as
    data: URLs."""
    authorize(actor, congress, CAPABILITY)
    checked = check_scene(congress, scene, prefix="scene.",
                          pending={image.name for image in images})
    return inline_images(resolve_scene(congress, checked, utcnow(), base_url),
                         {image.name: image.jpeg for image in images})


def _save_scene(actor: Actor, congress: Congress, images: Sequence[ImageUpload], action: str,
                screens: list[Screen], details: dict, kind: str = "state") -> None:
    """Store the scene's new images and commit; a failed commit takes the images back."""
    _store_images(actor, congress, images)
    try:
        _committed(actor, congress, action, screens, details, kind=kind)
    except Exception:
        db.session.rollback()
        _forget_images(images)
        raise


def create_scene(actor: Actor, congress: Congress, data: dict,
                 images: Sequence[ImageUpload] = ()) -> Scene:
    """Save a new scene with the images uploaded for it (stored only now it is valid)."""
    authorize(actor, congress, CAPABILITY)
    name, fields = _scene_values(congress, data, images)
    scene = Scene(congress_id=congress.id, name=name, type=fields.pop("type"), fields=fields)
    db.session.add(scene)
    db.session.flush()
    _save_scene(actor, congress, images, "scene_create", [], {"scene": scene.id, "name": name},
                kind="setup")
    return scene


def update_scene(actor: Actor, scene: Scene, data: dict,
                 images: Sequence[ImageUpload] = ()) -> Scene:
    congress = scene.congress
    authorize(actor, congress, CAPABILITY)
    current = {"name": scene.name, "scene": {"type": scene.type} | scene.fields}
    name, fields = _scene_values(congress, current | dict(data), images)
    scene.name, scene.type, scene.fields = name, fields.pop("type"), fields
    db.session.flush()
    _save_scene(actor, congress, images, "scene_update", _affected(congress, {scene.id}),
                {"scene": scene.id, "name": name})
    return scene


def delete_scene(actor: Actor, scene: Scene) -> None:
    congress = scene.congress
    authorize(actor, congress, CAPABILITY)
    affected = _affected(congress, {scene.id})
    db.session.delete(scene)
    db.session.flush()
    _committed(actor, congress, "scene_delete", affected, {"scene": scene.id, "name": scene.name})


def _playlist_values(congress: Congress, data: dict) -> PlaylistInput:
    values = validate(PlaylistInput, data)
    known = {scene.id for scene in list_scenes(congress)}
    for index, entry in enumerate(values.entries):
        if entry.scene_id not in known:
            raise ValidationFailed(_("Please correct the marked fields."), fields={
                f"entries.{index}.scene_id": _("No such scene in this congress.")})
    return values


def _set_entries(playlist: Playlist, values: PlaylistInput) -> None:
    playlist.name = values.name
    playlist.entries = [PlaylistEntry(scene_id=entry.scene_id, duration=entry.duration,
                                      position=position)
                        for position, entry in enumerate(values.entries, start=1)]


def create_playlist(actor: Actor, congress: Congress, data: dict) -> Playlist:
    authorize(actor, congress, CAPABILITY)
    values = _playlist_values(congress, data)
    playlist = Playlist(congress_id=congress.id, name=values.name)
    _set_entries(playlist, values)
    db.session.add(playlist)
    db.session.flush()
    _committed(actor, congress, "playlist_create", [], {"playlist": playlist.id},
               kind="setup")
    return playlist


def update_playlist(actor: Actor, playlist: Playlist, data: dict) -> Playlist:
    congress = playlist.congress
    authorize(actor, congress, CAPABILITY)
    current = SavedPlaylist.model_validate(playlist).model_dump()
    values = _playlist_values(congress, {"name": current["name"],
                                         "entries": current["entries"]} | dict(data))
    _set_entries(playlist, values)
    db.session.flush()
    _committed(actor, congress, "playlist_update", _affected(congress, playlist_ids={
        playlist.id}), {"playlist": playlist.id})
    return playlist


def delete_playlist(actor: Actor, playlist: Playlist) -> None:
    congress = playlist.congress
    authorize(actor, congress, CAPABILITY)
    affected = _affected(congress, playlist_ids={playlist.id})
    db.session.delete(playlist)
    db.session.flush()
    _committed(actor, congress, "playlist_delete", affected, {"playlist": playlist.id})


def store_image(actor: Actor, congress: Congress, data: bytes, field: str = "image") -> str:
    """Check an uploaded JPEG or PNG and keep it as a JPEG for scenes to show (the API's
    upload, before the scene that names it); returns its name."""
    image = check_image(actor, congress, data, field)
    _store_images(actor, congress, [image])
    db.session.commit()
    return image.name


# --- driving the screens ----------------------------------------------------------------------


def select_screens(actor: Actor, congress: Congress, group: str | None = None,
                   screen_id: int | None = None) -> list[Screen]:
    """All screens of the congress, those of one group, or the one screen `screen_id`. A screen
    of another congress is a 404; none to act on is a 409 (the congress is there all the same)."""
    authorize(actor, congress, CAPABILITY)
    if screen_id is not None:
        screen = db.session.get(Screen, screen_id)
        if screen is None or screen.congress_id != congress.id:
            raise NotFound(_("Screen not found."))
        return [screen]
    screens = [screen for screen in list_screens(congress)
               if not group or screen.group_name == group]
    if not screens:
        raise Conflict(_("No screens in this group.") if group else _("No screens yet."),
                       code="no_screens")
    return screens


def select_targets(actor: Actor, congress: Congress, targets: Sequence[str]) -> list[Screen]:
    """The screens the console's targets name, in the console's order: each target is "all",
    "group:<name>" or "screen:<id>". None at all is refused: the console never falls back to
    every screen. A screen of another congress is a 404, a group without screens a 409."""
    authorize(actor, congress, CAPABILITY)
    chosen: set[int] = set()
    for target in targets:
        kind, _sep, value = target.partition(":")
        if target == "all":
            found = select_screens(actor, congress)
        elif kind == "group" and value:
            found = select_screens(actor, congress, value)
        elif kind == "screen" and (screen_id := optional_id(value)) is not None:
            found = select_screens(actor, congress, screen_id=screen_id)
        else:
            raise NotFound(_("Screen not found."))
        chosen.update(screen.id for screen in found)
    if not chosen:
        raise ValidationFailed(_("Choose the screens first."),
                               fields={"target": _("Choose the screens first.")})
    return [screen for screen in list_screens(congress) if screen.id in chosen]


def needs_confirmation(congress: Congress, screens: Sequence[Screen]) -> bool:
    """Whether an action reaches every screen of a congress that has several: the console asks
    before it, so a stray key never blacks out the whole hall."""
    every = {screen.id for screen in list_screens(congress)}
    return len(every) > 1 and every <= {screen.id for screen in screens}


def _changed(actor: Actor, congress: Congress, screens: list[Screen], action: str,
             details: dict | None = None) -> int:
    for screen in screens:
        authorize(actor, screen.congress, CAPABILITY)
        if screen.congress_id != congress.id:
            raise NotFound(_("Screen not found."))
        _bump(screen)
    _committed(actor, congress, action, screens, details)
    return max(screen.state_version for screen in screens)


def take_scene(actor: Actor, congress: Congress, screens: list[Screen], data: dict) -> int:
    """Show a scene now, over the playlist: `{"scene": {...}}` or `{"scene_id": n}`."""
    authorize(actor, congress, CAPABILITY)
    if not isinstance(data, dict) or ("scene" in data) == ("scene_id" in data):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"scene": _("Send either a scene or a scene_id.")})
    if "scene_id" in data:
        saved = get_record(Scene, data["scene_id"])
        if saved is None or saved.congress_id != congress.id:
            raise ValidationFailed(_("Please correct the marked fields."),
                                   fields={"scene_id": _("No such scene in this congress.")})
        fields, details = None, {"scene_id": saved.id}
    else:
        saved, fields = None, check_scene(congress, data["scene"], prefix="scene.")
        details = {"type": fields["type"]}
    for screen in screens:
        screen.mode, screen.scene_id, screen.scene_data = Mode.SCENE, (
            saved.id if saved else None), fields
        screen.step = 0
    return _changed(actor, congress, screens, "take", details)


def resume_playlist(actor: Actor, congress: Congress, screens: list[Screen],
                    playlist_id: Any = None) -> int:
    """Back to the playlist (the one given, else each screen's last one), from its start."""
    authorize(actor, congress, CAPABILITY)
    chosen = None
    if playlist_id is not None:
        chosen = get_record(Playlist, playlist_id)
        if chosen is None or chosen.congress_id != congress.id:
            raise ValidationFailed(_("Please correct the marked fields."), fields={
                "playlist_id": _("No such playlist in this congress.")})
    now = utcnow()
    for screen in screens:
        playlist = chosen or screen.playlist
        if playlist is None or not playlist.entries:
            raise Conflict(_("The screen %(name)s has no playlist to play.", name=screen.name),
                           code="no_playlist")
        screen.mode, screen.playlist_id = Mode.PLAYLIST, playlist.id
        screen.playlist_index, screen.playlist_started_at = 0, now
    return _changed(actor, congress, screens, "playlist",
                    {"playlist_id": chosen.id if chosen else None})


def blackout(actor: Actor, congress: Congress, screens: list[Screen]) -> int:
    authorize(actor, congress, CAPABILITY)
    for screen in screens:
        screen.mode = Mode.BLACKOUT
    return _changed(actor, congress, screens, "blackout")


def flash(actor: Actor, congress: Congress, screens: list[Screen], data: dict) -> int:
    """An announcement over whatever is shown, gone by itself after `seconds`."""
    authorize(actor, congress, CAPABILITY)
    values = validate(FlashInput, data)
    expires = utcnow() + timedelta(seconds=values.seconds)
    for screen in screens:
        screen.flash_text, screen.flash_expires_at = values.text, expires
    return _changed(actor, congress, screens, "flash", values.model_dump())


def clear_flash(actor: Actor, congress: Congress, screens: list[Screen]) -> int:
    authorize(actor, congress, CAPABILITY)
    for screen in screens:
        screen.flash_text, screen.flash_expires_at = "", None
    return _changed(actor, congress, screens, "flash_clear")


def step_screen(actor: Actor, screen: Screen, offset: int) -> int:
    """Next (+1) or previous (-1): the awards entry when awards are shown, else the playlist's
    entry; the playlist goes round, awards stop at their ends."""
    congress = screen.congress
    authorize(actor, congress, CAPABILITY)
    scene = shown_scene(screen) if screen.mode == Mode.SCENE else None
    if scene and scene.get("type") == "awards":
        target = screen.step + offset
        if not 0 <= target < len(scene.get("entries", [])):
            raise Conflict(_("This is the last award.") if offset > 0 else
                           _("This is the first award."), code="awards_end")
        screen.step = target
    elif screen.mode == Mode.PLAYLIST and screen.playlist and screen.playlist.entries:
        now = utcnow()
        durations = [entry.duration for entry in screen.playlist.entries]
        elapsed = (now - (screen.playlist_started_at or now)).total_seconds()
        current = playlist_position(durations, screen.playlist_index, elapsed)
        screen.playlist_index = (current + offset) % len(durations)
        screen.playlist_started_at = now
    else:
        raise Conflict(_("Nothing to step through: show a playlist or awards first."),
                       code="nothing_to_step")
    return _changed(actor, congress, [screen], "next" if offset > 0 else "previous")
