"""API routes for screens: register them, save scenes and playlists, drive what they show.

Stream Decks and similar call these: take, back to the playlist, blackout, next, previous.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from conference.api import api_actor, bp, json_body
from conference.congresses.service import get_congress
from conference.displays import service
from conference.errors import ValidationFailed
from conference.urls import public_base_url


def _congress(congress_id: int):
    return get_congress(api_actor(), congress_id, service.CAPABILITY)


def _screen(screen_id: int):
    return service.get_screen(api_actor(), screen_id)


def _version(version: int) -> dict:
    return {"state_version": version}


def _optional_body() -> dict:
    """A JSON object, or nothing at all: a Stream Deck button may send a bare POST."""
    return json_body(allow_null=True) if request.get_data().strip() else {}


def _group_body() -> tuple[dict, str | None]:
    body = _optional_body()
    group = body.pop("group", None)
    if group is not None and not isinstance(group, str):
        raise ValidationFailed(_("Please correct the marked fields."),
                               fields={"group": _("Enter text.")})
    return body, group


# --- screens -------------------------------------------------------------------------------


@bp.post("/congresses/<int:congress_id>/screens")
def create_screen(congress_id: int):
    screen = service.create_screen(api_actor(), _congress(congress_id), json_body())
    return service.serialize_screen(screen, public_base_url()), 201


@bp.get("/congresses/<int:congress_id>/screens")
def list_screens(congress_id: int):
    base = public_base_url()
    return {"screens": [service.serialize_screen(screen, base)
                        for screen in service.list_screens(_congress(congress_id))]}


@bp.get("/screens/<int:screen_id>")
def get_screen(screen_id: int):
    return service.serialize_screen(_screen(screen_id), public_base_url())


@bp.patch("/screens/<int:screen_id>")
def update_screen(screen_id: int):
    screen = service.update_screen(api_actor(), _screen(screen_id), json_body())
    return service.serialize_screen(screen, public_base_url())


@bp.delete("/screens/<int:screen_id>")
def delete_screen(screen_id: int):
    service.delete_screen(api_actor(), _screen(screen_id))
    return "", 204


@bp.post("/screens/<int:screen_id>/kiosk-url")
def regenerate_kiosk_url(screen_id: int):
    screen = service.regenerate_kiosk_url(api_actor(), _screen(screen_id))
    return service.serialize_screen(screen, public_base_url())


@bp.get("/screens/<int:screen_id>/state")
def get_screen_state(screen_id: int):
    return service.screen_state(_screen(screen_id))


# --- driving one screen -----------------------------------------------------------------------


@bp.post("/screens/<int:screen_id>/take")
def take(screen_id: int):
    screen = _screen(screen_id)
    return _version(service.take_scene(api_actor(), screen.congress, [screen], json_body()))


@bp.post("/screens/<int:screen_id>/playlist")
def resume_playlist(screen_id: int):
    screen = _screen(screen_id)
    body = _optional_body()
    return _version(service.resume_playlist(api_actor(), screen.congress, [screen],
                                            body.get("playlist_id")))


@bp.post("/screens/<int:screen_id>/blackout")
def blackout(screen_id: int):
    screen = _screen(screen_id)
    return _version(service.blackout(api_actor(), screen.congress, [screen]))


@bp.post("/screens/<int:screen_id>/flash")
def flash(screen_id: int):
    screen = _screen(screen_id)
    return _version(service.flash(api_actor(), screen.congress, [screen], json_body()))


@bp.post("/screens/<int:screen_id>/next")
def next_step(screen_id: int):
    return _version(service.step_screen(api_actor(), _screen(screen_id), 1))


@bp.post("/screens/<int:screen_id>/previous")
def previous_step(screen_id: int):
    return _version(service.step_screen(api_actor(), _screen(screen_id), -1))


# --- driving every screen of a congress (or of one group) -------------------------------------


@bp.post("/congresses/<int:congress_id>/screens/take")
def take_all(congress_id: int):
    congress = _congress(congress_id)
    body, group = _group_body()
    screens = service.select_screens(api_actor(), congress, group)
    return _version(service.take_scene(api_actor(), congress, screens, body))


@bp.post("/congresses/<int:congress_id>/screens/blackout")
def blackout_all(congress_id: int):
    congress = _congress(congress_id)
    _body, group = _group_body()
    screens = service.select_screens(api_actor(), congress, group)
    return _version(service.blackout(api_actor(), congress, screens))


@bp.post("/congresses/<int:congress_id>/screens/playlist")
def resume_playlist_all(congress_id: int):
    congress = _congress(congress_id)
    body, group = _group_body()
    screens = service.select_screens(api_actor(), congress, group)
    return _version(service.resume_playlist(api_actor(), congress, screens,
                                            body.get("playlist_id")))


# --- scenes, playlists and images -------------------------------------------------------------


@bp.post("/congresses/<int:congress_id>/scenes")
def create_scene(congress_id: int):
    scene = service.create_scene(api_actor(), _congress(congress_id), json_body())
    return service.serialize_scene(scene), 201


@bp.get("/congresses/<int:congress_id>/scenes")
def list_scenes(congress_id: int):
    return {"scenes": [service.serialize_scene(scene)
                       for scene in service.list_scenes(_congress(congress_id))]}


@bp.patch("/scenes/<int:scene_id>")
def update_scene(scene_id: int):
    scene = service.get_scene(api_actor(), scene_id)
    return service.serialize_scene(service.update_scene(api_actor(), scene, json_body()))


@bp.delete("/scenes/<int:scene_id>")
def delete_scene(scene_id: int):
    service.delete_scene(api_actor(), service.get_scene(api_actor(), scene_id))
    return "", 204


@bp.post("/congresses/<int:congress_id>/playlists")
def create_playlist(congress_id: int):
    playlist = service.create_playlist(api_actor(), _congress(congress_id), json_body())
    return service.serialize_playlist(playlist), 201


@bp.get("/congresses/<int:congress_id>/playlists")
def list_playlists(congress_id: int):
    return {"playlists": [service.serialize_playlist(playlist)
                          for playlist in service.list_playlists(_congress(congress_id))]}


@bp.patch("/playlists/<int:playlist_id>")
def update_playlist(playlist_id: int):
    playlist = service.get_playlist(api_actor(), playlist_id)
    return service.serialize_playlist(service.update_playlist(api_actor(), playlist,
                                                              json_body()))


@bp.delete("/playlists/<int:playlist_id>")
def delete_playlist(playlist_id: int):
    service.delete_playlist(api_actor(), service.get_playlist(api_actor(), playlist_id))
    return "", 204


@bp.post("/congresses/<int:congress_id>/screen-images")
def upload_image(congress_id: int):
    """A JPEG or PNG as the multipart field `file`; answers the name scenes refer to."""
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
