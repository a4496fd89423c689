"""Screen pages: the kiosk page a screen opens (the token is the key), uploaded images, and
the operators' console."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import partial
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from conference.agenda.service import ordered_sessions
from conference.congresses.service import get_congress
from conference.dates import local_input, utcnow
from conference.displays import service
from conference.displays.scenes import (
    ADDED,
    SCHEMAS,
    added_words,
    image_path,
    resolve_scene,
    scene_choice,
    scene_scripts,
)
from conference.displays.schemas import ScreenStatus
from conference.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from conference.token_pages import miss_limit, private
from conference.urls import public_base_url
from conference.validation import optional_id
from conference.web import actor, form_page

bp = Blueprint("displays", __name__)


@bp.context_processor
def _scene_scripts() -> dict:
    """The pages drawing scenes load the renderers of the scene types features added."""
    return {"scene_scripts": scene_scripts()}


def scene_labels() -> dict[str, str]:
    """The words scenes.js draws, in the page's language."""
    return {
        "no_item": _("The congress will begin shortly"),
        "present": _("Present"), "expected": _("Summoned"), "required": _("Needed"),
        "quorum_met": _("Quorum reached"), "quorum_not_met": _("Quorum not yet reached"),
        "guests": _("Guests present"),
        "live": _("Live now"), "scheduled": _("Scheduled"), "replay": _("Replay"),
        "ended": _("Ended"), "no_stream": _("Livestream"),
        "scan": _("Scan the code with your phone"), "started": _("Started"),
        "days": _("days"),
        "heading_current_item": _("Now"), "heading_agenda": _("Agenda"),
        "heading_attendance": _("Attendance"), "heading_stream": "", "heading_qr": "",
        "heading_image": "", "heading_clock": ""} | added_words()


@bp.get("/k/kiosk-sw.js")
def service_worker():
    """The kiosk's service worker, served under /k/ so that its scope covers the kiosk pages."""
    script = Path(current_app.static_folder or "", "js", "kiosk-sw.js").read_bytes()
    return Response(script, mimetype="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/k/"})


@bp.get("/k/<token>")
@miss_limit
def kiosk(token: str):
    """The kiosk page a screen opens full-screen; its first paint needs no socket."""
    screen = service.find_screen_by_token(token)
    if screen is None:
        raise NotFound(_("This screen address is not known, or it was replaced."))
    service.screen_seen(screen, base_url=request.host_url.rstrip("/"))
    return private(Response(render_template("displays/kiosk.html", screen=screen, token=token,
                                            state=service.screen_state(screen),
                                            labels=scene_labels())))


@bp.get("/screen-images/<name>")
def image(name: str):
    """An uploaded screen image: shown on public walls anyway, named unguessably, never
    rewritten, so cached for long."""
    path = image_path(name)
    if path is None:
        raise NotFound(_("Image not found."))
    # Read whole (a few hundred KB) rather than hold a file open per request.
    return Response(path.read_bytes(), mimetype="image/jpeg",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


# --- the operators' console ---------------------------------------------------------------------


def _congress(congress_id: int):
    return get_congress(actor(), congress_id, service.CAPABILITY)


def _back(congress_id: int, anchor: str = ""):
    return redirect(url_for("displays.console", congress_id=congress_id) + anchor)


def scene_type_labels() -> dict[str, str]:
    return {"announcement": _("Announcement"), "current_item": _("Current agenda item"),
            "agenda": _("The day's agenda"), "attendance": _("Attendance and quorum"),
            "stream": _("Livestream with QR code"), "qr": _("QR code"), "image": _("Image"),
            "figures": _("Key figures"), "clock": _("Clock or countdown"),
            "awards": _("Awards")} | {name: added.label() for name, added in ADDED.items()}


MAX_TARGETS = 200  # more than any hall has screens; the rest of a longer list is ignored


def action_labels() -> dict[str, str]:
    """The console's actions, as its buttons and its confirmation name them."""
    return {"take": _("Take"), "playlist": _("Back to playlist"), "previous": _("Previous"),
            "next": _("Next"), "flash": _("Flash"), "clear_flash": _("Remove flash"),
            "blackout": _("Blackout")}


def program_label(state: dict, types: dict[str, str]) -> str:
    """What a screen shows now, by name: the scene, or the playlist and its entry (the same
    words screens-console.js writes after each push)."""
    if state["mode"] == "scene" and state["scene"]:
        return state["scene_name"] or types.get(state["scene"].get("type"), "")
    if state["mode"] == "playlist" and state["playlist"] and state["playlist"]["entries"]:
        playlist, now = state["playlist"], datetime.fromisoformat(state["server_time"])
        elapsed = (now - datetime.fromisoformat(playlist["started_at"])).total_seconds()
        index = service.playlist_position([entry["duration"] for entry in playlist["entries"]],
                                          playlist["start_index"], elapsed)
        return f"{playlist['name']} · {playlist['entries'][index]['name']}"
    return _("Blackout") if state["mode"] == "blackout" else _("Nothing shown")


def _console_page(congress, selection: dict, pending: dict | None = None):
    """The console with the operator's selection (targets, scene, playlist) kept: after an
    action, the same screens stay ticked and the same scene stays in preview."""
    screens = service.list_screens(congress)
    try:
        ticked = {screen.id for screen in service.select_targets(actor(), congress,
                                                                 selection["target"])}
    except (NotFound, ValidationFailed):
        # Nothing named (or a screen since deleted): tick the only screen, never every screen.
        ticked = {screens[0].id} if len(screens) == 1 and not selection["target"] else set()
    scenes = service.list_scenes(congress)
    base, now, types = public_base_url(), utcnow(), scene_type_labels()
    states = [service.screen_state(screen, now) for screen in screens]
    return render_template(
        "displays/console.html", congress=congress,
        screens=[(screen, ScreenStatus.shown(screen, service.kiosk_url(screen, base)), state,
                  program_label(state, types)) for screen, state in zip(screens, states,
                                                                          strict=True)],
        ticked=ticked, picked=selection["scene"], playlist_picked=selection["playlist"],
        here=url_for("displays.console", congress_id=congress.id, scene=selection["scene"],
                     target=[f"screen:{screen_id}" for screen_id in sorted(ticked)],
                     playlist=selection["playlist"]),
        pending=pending, actions=action_labels(),
        scene_previews={scene.id: resolve_scene(congress, scene.definition, now, base)
                        for scene in scenes},
        scenes=scenes, playlists=service.list_playlists(congress),
        groups=service.groups(congress),
        types=types, labels=scene_labels())


@bp.get("/manage/<int:congress_id>/screens")
@login_required
def console(congress_id: int):
    """The operator's console; the query names the selection to keep (target, scene)."""
    args = request.args
    return _console_page(_congress(congress_id), {
        "target": args.getlist("target")[:MAX_TARGETS], "scene": optional_id(args.get("scene")),
        "playlist": optional_id(args.get("playlist"))})


def _run(congress, action: str, screens: list) -> str:
    """Run one console button on the chosen screens; returns what to tell the operator."""
    form = request.form
    names = ", ".join(screen.name for screen in screens)
    if action == "take":
        service.take_scene(actor(), congress, screens,
                           {"scene_id": optional_id(form.get("scene_id"))})
        return _("Scene shown on %(screens)s.", screens=names)
    if action == "playlist":
        service.resume_playlist(actor(), congress, screens, optional_id(form.get("playlist_id")))
        return _("Back to the playlist on %(screens)s.", screens=names)
    if action == "blackout":
        service.blackout(actor(), congress, screens)
        return _("Blacked out: %(screens)s.", screens=names)
    if action == "flash":
        service.flash(actor(), congress, screens, {"text": form.get("text", ""),
                                                   "seconds": form.get("seconds") or 30})
        return _("Announcement flashed on %(screens)s.", screens=names)
    if action == "clear_flash":
        service.clear_flash(actor(), congress, screens)
        return _("Flash removed from %(screens)s.", screens=names)
    for screen in screens:  # next or previous
        service.step_screen(actor(), screen, 1 if action == "next" else -1)
    return _("Stepped on %(screens)s.", screens=names)


@bp.post("/manage/<int:congress_id>/screens/control")
@login_required
def control(congress_id: int):
    """The console's buttons (take, playlist, blackout, flash, next, previous), without JS:
    back to the console with the same screens ticked and the same scene picked. An action on
    every screen (of several) runs only once confirmed (`confirm=all`)."""
    congress = _congress(congress_id)
    form = request.form
    action = form.get("action", "")
    selection = {"target": form.getlist("target")[:MAX_TARGETS],  # more are ignored
                 "scene": optional_id(form.get("scene_id")),
                 "playlist": optional_id(form.get("playlist_id"))}
    try:
        if action not in action_labels():
            raise ValidationFailed(_("Unknown action."), fields={"action": _("Unknown action.")})
        screens = service.select_targets(actor(), congress, selection["target"])
        selection["target"] = [f"screen:{screen.id}" for screen in screens]
        if service.needs_confirmation(congress, screens) and form.get("confirm") != "all":
            return _console_page(congress, selection, pending={
                "action": action, "screens": [screen.name for screen in screens],
                "fields": [(name, value) for name, value in form.items(multi=True)
                           if name not in ("csrf_token", "confirm")]})
        flash(_run(congress, action, screens))
    except (ValidationFailed, Conflict) as exc:
        flash(" ".join(str(v) for v in exc.fields.values()) or exc.message, "error")
    return redirect(url_for("displays.console", congress_id=congress.id, **{
        key: value for key, value in selection.items() if value}))


def _screen_form(congress, screen=None):
    if screen is None:
        values = {"name": "", "width": 1920, "height": 1080, "group_name": ""}
        save = partial(service.create_screen, actor(), congress)
    else:
        values = {name: getattr(screen, name) for name in service.SCREEN_FIELDS}
        save = partial(service.update_screen, actor(), screen)
    return form_page("displays/screen_form.html", congress=congress, screen=screen,
                     values=values, fields=service.SCREEN_FIELDS, save=save,
                     done=lambda saved: url_for("displays.console",
                                                congress_id=congress.id) + f"#screen-{saved.id}",
                     message=_("Screen saved."), groups=service.groups(congress))


@bp.route("/manage/<int:congress_id>/screens/new", methods=["GET", "POST"])
@login_required
def new_screen(congress_id: int):
    return _screen_form(_congress(congress_id))


@bp.route("/manage/screens/<int:screen_id>/edit", methods=["GET", "POST"])
@login_required
def edit_screen(screen_id: int):
    screen = service.get_screen(actor(), screen_id)
    return _screen_form(screen.congress, screen)


def _deleted(get, delete, record_id: int, message: str, anchor: str = ""):
    """Delete a screen, scene or playlist the actor may drive, and go back to the console."""
    found = get(actor(), record_id)
    congress_id = found.congress_id
    delete(actor(), found)
    flash(message)
    return _back(congress_id, anchor)


@bp.post("/manage/screens/<int:screen_id>/delete")
@login_required
def delete_screen(screen_id: int):
    return _deleted(service.get_screen, service.delete_screen, screen_id, _("Screen deleted."))


@bp.post("/manage/screens/<int:screen_id>/kiosk-url")
@login_required
def new_kiosk_url(screen_id: int):
    screen = service.regenerate_kiosk_url(actor(), service.get_screen(actor(), screen_id))
    flash(_("New kiosk address made: open it on the screen's computer. The old one no longer "
            "works."))
    return _back(screen.congress_id, f"#screen-{screen.id}")


# --- scenes -------------------------------------------------------------------------------------


def _lines(text: str) -> list[list[str]]:
    """Textarea rows "a | b | c" -> [["a", "b", "c"], ...], blank rows left out."""
    return [[part.strip() for part in line.split("|")]
            for line in text.splitlines() if line.strip()]


def _uploads(congress, name: str) -> list[service.ImageUpload]:
    """Each file uploaded in the field `name`, checked and shrunk, in order; none is stored."""
    checked = []
    for upload in request.files.getlist(name):
        if upload and upload.filename:
            try:
                data = upload.read()
            finally:
                upload.close()
            checked.append(service.check_image(actor(), congress, data, name))
    return checked


def scene_from_form(kind: str, uploads: list[service.ImageUpload]) -> dict:
    """The scene the editor's form describes (textareas: one figure or award per line); the
    images uploaded with it take their places under the names they will be stored as."""
    form = request.form
    scene: dict = {"type": kind}
    known = SCHEMAS[kind].model_fields  # a field of another type's form is left out
    for name in ("title", "body", "heading", "caption", "url", "label", "countdown_to"):
        if name in form and name in known:
            scene[name] = form[name]
    choice = scene_choice(kind)
    for name in ("stream_id", "session_id", *([choice.field] if choice else [])):
        if (value := optional_id(form.get(name))) is not None:
            scene[name] = value
    names = [upload.name for upload in uploads]
    if kind == "image":
        scene["image"] = (names or [form.get("image", "")])[0]
    if kind == "figures":
        scene["figures"] = [{"value": row[0], "label": row[1] if len(row) > 1 else ""}
                            for row in _lines(form.get("figures", ""))]
    if kind == "awards":
        photos = iter(names)
        scene["entries"] = []
        for row in _lines(form.get("entries", "")):
            photo = row[2] if len(row) > 2 and row[2] else next(photos, "")
            scene["entries"].append({"name": row[0], "citation": row[1] if len(row) > 1
                                     else "", "photo": photo})
    return scene


def scene_form_values(scene: dict, tz: str, unsaved: Collection[str] = ()) -> dict:
    """What the editor's fields show for a scene; images in `unsaved` (uploaded with a preview
    or a refused form, so not stored) are left out, to be chosen again."""
    scene = _without_images(scene, unsaved)
    values = {key: value for key, value in scene.items() if not isinstance(value, list)}
    values["figures"] = "\n".join(f"{f['value']} | {f['label']}" for f in scene.get("figures", []))
    values["entries"] = "\n".join(
        " | ".join([e["name"], e.get("citation", "")] + ([e["photo"]] if e.get("photo") else []))
        for e in scene.get("entries", []))
    if values.get("countdown_to"):
        values["countdown_to"] = local_input(datetime.fromisoformat(values["countdown_to"]), tz)
    return values


def _without_images(scene: dict, names: Collection[str]) -> dict:
    """The scene without the images named (they were not stored)."""
    if not names:
        return scene
    shown = dict(scene)
    if shown.get("image") in names:
        shown["image"] = request.form.get("image", "")  # the one stored before, if any
    if "entries" in shown:
        shown["entries"] = [entry | {"photo": ""} if entry.get("photo") in names else entry
                            for entry in shown["entries"]]
    return shown


def _scene_page(congress, kind: str, saved=None):
    if kind not in SCHEMAS:
        raise NotFound(_("Unknown scene type."))
    errors: dict = {}
    name = saved.name if saved else ""
    scene = ({"type": saved.type} | saved.fields) if saved else {"type": kind}
    preview, uploads = None, []
    if request.method == "POST":
        name = request.form.get("name", "")
        try:
            uploads = _uploads(congress, "image_upload" if kind == "image" else "photo_upload")
            scene = scene_from_form(kind, uploads)
            if request.form.get("action") == "preview":
                preview = service.preview_scene(actor(), congress, scene, uploads,
                                                public_base_url())
            else:
                data = {"name": name, "scene": scene}
                saved = (service.update_scene(actor(), saved, data, uploads) if saved else
                         service.create_scene(actor(), congress, data, uploads))
                flash(_("Scene saved."))
                return redirect(url_for("displays.edit_scene", scene_id=saved.id))
        except (ValidationFailed, Conflict, PayloadTooLarge, UnsupportedMediaType) as exc:
            errors = {key.removeprefix("scene."): value for key, value in exc.fields.items()}
            errors = errors or {"_": exc.message}
    elif saved:
        preview = resolve_scene(congress, scene, utcnow(), public_base_url())
    unsaved = {upload.name for upload in uploads}
    values = scene_form_values(scene, congress.timezone, unsaved)
    if scene.get("countdown_to") and request.method == "POST":
        values["countdown_to"] = request.form.get("countdown_to", "")
    choice = scene_choice(kind)
    return render_template(
        "displays/scene_form.html", congress=congress, kind=kind, saved=saved, name=name,
        values=values, errors=errors, preview=preview, types=scene_type_labels(),
        choose_again=bool(unsaved), choice=choice,
        choice_options=[("", choice.empty()), *choice.options(congress)] if choice else [],
        labels=scene_labels(),
        stream_options=[("", "–")] + [(stream.id, stream.title or stream.url)
                                      for stream in service.list_streams(congress)],
        session_options=[("", _("The whole congress"))] + [
            (session.id, session.title) for session in ordered_sessions(congress)]
    ), 422 if errors else 200


@bp.route("/manage/<int:congress_id>/scenes/new/<kind>", methods=["GET", "POST"])
@login_required
def new_scene(congress_id: int, kind: str):
    return _scene_page(_congress(congress_id), kind)


@bp.route("/manage/scenes/<int:scene_id>/edit", methods=["GET", "POST"])
@login_required
def edit_scene(scene_id: int):
    scene = service.get_scene(actor(), scene_id)
    return _scene_page(scene.congress, scene.type, scene)


@bp.post("/manage/scenes/<int:scene_id>/delete")
@login_required
def delete_scene(scene_id: int):
    return _deleted(service.get_scene, service.delete_scene, scene_id, _("Scene deleted."),
                    "#scenes")


# --- playlists ----------------------------------------------------------------------------------

EMPTY_ROWS = 4  # blank rows the playlist form offers for more entries


def _playlist_page(congress, playlist=None):
    errors: dict = {}
    if request.method == "POST":
        name = request.form.get("name", "")
        entries = [{"scene_id": int(scene_id), "duration": duration}
                   for scene_id, duration in zip(request.form.getlist("scene_id"),
                                                 request.form.getlist("duration"), strict=False)
                   if scene_id.isdecimal()]  # a blank row is dropped (isdigit takes "²")
        try:
            data = {"name": name, "entries": entries}
            playlist = (service.update_playlist(actor(), playlist, data) if playlist else
                        service.create_playlist(actor(), congress, data))
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(_("Playlist saved."))
            return _back(congress.id, "#playlists")
    else:
        name = playlist.name if playlist else ""
        entries = [{"scene_id": entry.scene_id, "duration": entry.duration}
                   for entry in playlist.entries] if playlist else []
    rows = entries + [{"scene_id": "", "duration": 15}] * EMPTY_ROWS
    return render_template("displays/playlist_form.html", congress=congress, playlist=playlist,
                           name=name, rows=rows, errors=errors,
                           scenes=service.list_scenes(congress)), 422 if errors else 200


@bp.route("/manage/<int:congress_id>/playlists/new", methods=["GET", "POST"])
@login_required
def new_playlist(congress_id: int):
    return _playlist_page(_congress(congress_id))


@bp.route("/manage/playlists/<int:playlist_id>/edit", methods=["GET", "POST"])
@login_required
def edit_playlist(playlist_id: int):
    playlist = service.get_playlist(actor(), playlist_id)
    return _playlist_page(playlist.congress, playlist)


@bp.post("/manage/playlists/<int:playlist_id>/delete")
@login_required
def delete_playlist(playlist_id: int):
    return _deleted(service.get_playlist, service.delete_playlist, playlist_id,
                    _("Playlist deleted."), "#playlists")
