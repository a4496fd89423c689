"""API routes for screens: register them, save scenes and playlists, drive what they show.

Stream Decks and similar call these: take, back to the playlist, blackout, next, previous.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict
from spectree import Tag
from spectree.model_adapter.pydantic_adapter import BaseFile

from conference.api import api_actor, operation
from conference.api.spec import api_model, request_body
from conference.congresses.service import get_congress
from conference.displays import service
from conference.displays.schemas import (
    PlaylistList,
    SavedPlaylist,
    SavedScene,
    SceneList,
    ScreenImage,
    ScreenList,
    ScreenState,
    ScreenStatus,
    StateVersion,
)
from conference.errors import ValidationFailed
from conference.urls import public_base_url
from conference.validation import Id, Schema

TAG = Tag(name="screens", description="The LED wall and hall screens: scenes, playlists, take, "
                                      "blackout, next.")
SCENE_ERRORS = ("`validation_failed`: `fields` names each wrong field, e.g. `scene.type` for an "
                "unknown type, `scene.title` for a missing one.")
STEP_ERRORS = ("`awards_end`: the first or last award is shown; `nothing_to_step`: neither a "
               "playlist nor awards are shown.")
NO_SCREENS = "`no_screens`: the congress (or the `group`) has no screens."
ONE_OF_SCENE = {"oneOf": [{"required": ["scene"]}, {"required": ["scene_id"]}]}


class TakeInput(Schema):
    """`scene`: {"type": announcement, current_item, agenda, attendance, stream, qr, image,
    figures, clock or awards, and that type's fields}; or `scene_id` of a saved scene."""

    model_config = ConfigDict(json_schema_extra=ONE_OF_SCENE)
    scene: dict[str, Any] | None = None
    scene_id: Id | None = None


class GroupInput(Schema):
    """Leave `group` out (or null) for every screen of the congress."""

    group: str | None = None


class GroupTakeInput(TakeInput, GroupInput):
    """A take on every screen of the congress, or of one `group`."""


class ResumeInput(Schema):
    """Leave `playlist_id` out to resume each screen's last playlist."""

    playlist_id: Id | None = None


class GroupResumeInput(ResumeInput, GroupInput):
    """Every screen (or one `group`) back to its playlist."""


class ScreenImageUpload(BaseModel):
    """A JPEG or PNG (at most 10 MB) as the multipart field `file`."""

    model_config = ConfigDict(extra="forbid")
    file: BaseFile


ScreenCreate = api_model(service.ScreenInput, "ScreenCreate")
ScreenPatch = api_model(service.ScreenInput, "ScreenPatch", required=())
Take = api_model(TakeInput, "TakeInput")
GroupTake = api_model(GroupTakeInput, "GroupTakeInput")
Group = api_model(GroupInput, "GroupInput")
Resume = api_model(ResumeInput, "ResumeInput")
GroupResume = api_model(GroupResumeInput, "GroupResumeInput")
Flash = api_model(service.FlashInput, "FlashInput")
SceneCreate = api_model(service.SceneInput, "SceneCreate")
ScenePatch = api_model(service.SceneInput, "ScenePatch", required=())
PlaylistCreate = api_model(service.PlaylistInput, "PlaylistCreate")
PlaylistPatch = api_model(service.PlaylistInput, "PlaylistPatch", required=())


def _congress(congress_id: int):
    return get_congress(api_actor(), congress_id, service.CAPABILITY)


def _screen(screen_id: int):
    return service.get_screen(api_actor(), screen_id)


def _status(screen) -> ScreenStatus:
    return ScreenStatus.shown(screen, service.kiosk_url(screen, public_base_url()))


def _version(version: int) -> dict:
    return {"state_version": version}


def _group_body() -> tuple[dict, str | None]:
    """The body without `group`, and the group it names (None: every screen)."""
    body = dict(request_body())
    return body, body.pop("group", None)


# --- screens -------------------------------------------------------------------------------


@operation.post("/congresses/<int:congress_id>/screens", ok=ScreenStatus, status=201,
                body=ScreenCreate, tag=TAG)
def create_screen(congress_id: int):
    """Register a screen with its native pixel size.

    The answer's `kiosk_url` is to open once on the screen's computer.
    """
    screen = service.create_screen(api_actor(), _congress(congress_id), request_body())
    return _status(screen), 201


@operation.get("/congresses/<int:congress_id>/screens", ok=ScreenList, tag=TAG)
def list_screens(congress_id: int):
    """List the screens and their status."""
    return {"screens": [_status(screen)
                        for screen in service.list_screens(_congress(congress_id))]}


@operation.get("/screens/<int:screen_id>", ok=ScreenStatus, tag=TAG)
def get_screen(screen_id: int):
    """Read a screen: online, last seen, versions."""
    return _status(_screen(screen_id))


@operation.patch("/screens/<int:screen_id>", ok=ScreenStatus, body=ScreenPatch, tag=TAG)
def update_screen(screen_id: int):
    """Change a screen's name, size or group."""
    return _status(service.update_screen(api_actor(), _screen(screen_id), request_body()))


@operation.delete("/screens/<int:screen_id>", status=204, tag=TAG)
def delete_screen(screen_id: int):
    """Remove a screen (its kiosk URL stops working)."""
    service.delete_screen(api_actor(), _screen(screen_id))
    return "", 204


@operation.post("/screens/<int:screen_id>/kiosk-url", ok=ScreenStatus, tag=TAG)
def regenerate_kiosk_url(screen_id: int):
    """Make a new kiosk URL; the old one stops working at once."""
    return _status(service.regenerate_kiosk_url(api_actor(), _screen(screen_id)))


@operation.get("/screens/<int:screen_id>/state", ok=ScreenState, tag=TAG)
def get_screen_state(screen_id: int):
    """What the screen draws now (as pushed to its kiosk)."""
    return service.screen_state(_screen(screen_id))


# --- driving one screen -----------------------------------------------------------------------


@operation.post("/screens/<int:screen_id>/take", ok=StateVersion, body=Take, tag=TAG,
                errors={422: SCENE_ERRORS})
def take(screen_id: int):
    """Show a scene now, over the playlist."""
    screen = _screen(screen_id)
    return _version(service.take_scene(api_actor(), screen.congress, [screen], request_body()))


@operation.post("/screens/<int:screen_id>/playlist", ok=StateVersion, body=Resume,
                optional_body=True, tag=TAG,
                errors={409: "`no_playlist`: the screen has no playlist to play."})
def resume_playlist(screen_id: int):
    """Back to the playlist, from its start (body optional)."""
    screen = _screen(screen_id)
    return _version(service.resume_playlist(api_actor(), screen.congress, [screen],
                                            request_body().get("playlist_id")))


@operation.post("/screens/<int:screen_id>/blackout", ok=StateVersion, tag=TAG)
def blackout(screen_id: int):
    """Black the screen out."""
    screen = _screen(screen_id)
    return _version(service.blackout(api_actor(), screen.congress, [screen]))


@operation.post("/screens/<int:screen_id>/flash", ok=StateVersion, body=Flash, tag=TAG)
def flash(screen_id: int):
    """Show an announcement over everything for `seconds` (default 30)."""
    screen = _screen(screen_id)
    return _version(service.flash(api_actor(), screen.congress, [screen], request_body()))


@operation.post("/screens/<int:screen_id>/next", ok=StateVersion, tag=TAG,
                errors={409: STEP_ERRORS})
def next_step(screen_id: int):
    """Next award, or next playlist entry."""
    return _version(service.step_screen(api_actor(), _screen(screen_id), 1))


@operation.post("/screens/<int:screen_id>/previous", ok=StateVersion, tag=TAG,
                errors={409: STEP_ERRORS})
def previous_step(screen_id: int):
    """Previous award, or previous playlist entry."""
    return _version(service.step_screen(api_actor(), _screen(screen_id), -1))


# --- driving every screen of a congress (or of one group) -------------------------------------


@operation.post("/congresses/<int:congress_id>/screens/take", ok=StateVersion, body=GroupTake,
                tag=TAG, errors={409: NO_SCREENS, 422: SCENE_ERRORS})
def take_all(congress_id: int):
    """Take a scene on every screen of the congress, or of one `group`."""
    congress = _congress(congress_id)
    body, group = _group_body()
    screens = service.select_screens(api_actor(), congress, group)
    return _version(service.take_scene(api_actor(), congress, screens, body))


@operation.post("/congresses/<int:congress_id>/screens/blackout", ok=StateVersion, body=Group,
                optional_body=True, tag=TAG, errors={409: NO_SCREENS})
def blackout_all(congress_id: int):
    """Black out every screen, or one `group` (body optional)."""
    congress = _congress(congress_id)
    _body, group = _group_body()
    screens = service.select_screens(api_actor(), congress, group)
    return _version(service.blackout(api_actor(), congress, screens))


@operation.post("/congresses/<int:congress_id>/screens/playlist", ok=StateVersion,
                body=GroupResume, optional_body=True, tag=TAG,
                errors={409: f"`no_playlist`: a screen has no playlist to play; {NO_SCREENS}"})
def resume_playlist_all(congress_id: int):
    """Every screen (or one `group`) back to its playlist (body optional)."""
    congress = _congress(congress_id)
    body, group = _group_body()
    screens = service.select_screens(api_actor(), congress, group)
    return _version(service.resume_playlist(api_actor(), congress, screens,
                                            body.get("playlist_id")))


# --- scenes, playlists and images -------------------------------------------------------------


@operation.post("/congresses/<int:congress_id>/scenes", ok=SavedScene, status=201,
                body=SceneCreate, tag=TAG, errors={422: SCENE_ERRORS})
def create_scene(congress_id: int):
    """Save a scene to take later or put in playlists."""
    return service.create_scene(api_actor(), _congress(congress_id), request_body()), 201


@operation.get("/congresses/<int:congress_id>/scenes", ok=SceneList, tag=TAG)
def list_scenes(congress_id: int):
    """List the saved scenes."""
    return {"scenes": service.list_scenes(_congress(congress_id))}


@operation.patch("/scenes/<int:scene_id>", ok=SavedScene, body=ScenePatch, tag=TAG,
                 errors={422: SCENE_ERRORS})
def update_scene(scene_id: int):
    """Change a saved scene; screens showing it redraw."""
    scene = service.get_scene(api_actor(), scene_id)
    return service.update_scene(api_actor(), scene, request_body())


@operation.delete("/scenes/<int:scene_id>", status=204, tag=TAG)
def delete_scene(scene_id: int):
    """Delete a saved scene."""
    service.delete_scene(api_actor(), service.get_scene(api_actor(), scene_id))
    return "", 204


@operation.post("/congresses/<int:congress_id>/playlists", ok=SavedPlaylist, status=201,
                body=PlaylistCreate, tag=TAG)
def create_playlist(congress_id: int):
    """Save a playlist: scenes with durations in seconds, looped."""
    return service.create_playlist(api_actor(), _congress(congress_id), request_body()), 201


@operation.get("/congresses/<int:congress_id>/playlists", ok=PlaylistList, tag=TAG)
def list_playlists(congress_id: int):
    """List the playlists."""
    return {"playlists": service.list_playlists(_congress(congress_id))}


@operation.patch("/playlists/<int:playlist_id>", ok=SavedPlaylist, body=PlaylistPatch, tag=TAG)
def update_playlist(playlist_id: int):
    """Change a playlist; screens playing it start it again."""
    playlist = service.get_playlist(api_actor(), playlist_id)
    return service.update_playlist(api_actor(), playlist, request_body())


@operation.delete("/playlists/<int:playlist_id>", status=204, tag=TAG)
def delete_playlist(playlist_id: int):
    """Delete a playlist."""
    service.delete_playlist(api_actor(), service.get_playlist(api_actor(), playlist_id))
    return "", 204


@operation.post("/congresses/<int:congress_id>/screen-images", ok=ScreenImage, status=201,
                form=ScreenImageUpload, tag=TAG,
                errors={413: "`too_large`: over 10 MB.", 415: "`not_an_image`: not a JPEG or PNG.",
                        422: "`file_missing`: no `file` field; `validation_failed`: damaged or "
                             "too many pixels."})
def upload_image(congress_id: int):
    """Upload an image for image and awards scenes; answers its name."""
    congress = _congress(congress_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(_("Choose an image to upload."), code="file_missing",
                               fields={"file": _("Choose an image to upload.")})
    try:
        data = upload.read()
    finally:  # a large upload is spooled to a temporary file: close it now
        upload.close()
    name = service.store_image(api_actor(), congress, data, "file")
    return {"image": name, "url": f"/screen-images/{name}"}, 201
