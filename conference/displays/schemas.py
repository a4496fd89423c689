"""Screens, scenes and playlists as the API answers them; a screen's state as kiosks get it."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from conference.schemas import Instant, Output


class ScreenStatus(Output):
    """A screen: `online` when its kiosk was seen within 45 s; `rendered_version` is the last
    `state_version` it drew. `kiosk_url` opens the kiosk page (it holds the kiosk token)."""

    id: int
    congress_id: int
    name: str
    width: int
    height: int
    group_name: str
    mode: Literal["scene", "playlist", "blackout"]
    online: bool
    last_seen: Instant | None
    online_since: Instant | None = Field(validation_alias="online_now_since")
    state_version: int
    rendered_version: int
    kiosk_url: str = ""

    @classmethod
    def shown(cls, screen, kiosk_url: str) -> ScreenStatus:
        """The screen with its kiosk address, which the service makes from the token."""
        return cls.model_validate(screen).model_copy(update={"kiosk_url": kiosk_url})


class ScreenList(Output):
    screens: list[ScreenStatus]


class StateVersion(Output):
    """The screen's new `state_version` (the highest, for several screens)."""

    state_version: int


class ScreenState(Output):
    """What a kiosk draws; the same dict the /screens namespace pushes as `screen_state`:
    `scene` in scene mode, `playlist` in playlist mode (each entry with its scene's `name`),
    `flash` while an announcement lasts. `scene_name` names a saved scene taken (empty for
    one taken ad hoc), so the console says what each screen shows."""

    model_config = ConfigDict(extra="allow")
    screen_id: int
    version: int
    mode: Literal["scene", "playlist", "blackout"]
    server_time: Instant
    app_version: str
    scene: dict | None
    scene_name: str = ""
    playlist: dict | None
    flash: dict | None


class SavedScene(Output):
    """A saved scene: {"type": ..., and that type's fields} under `scene`."""

    id: int
    congress_id: int
    name: str
    scene: dict = Field(validation_alias="definition")


class SceneList(Output):
    scenes: list[SavedScene]


class PlaylistEntry(Output):
    scene_id: int
    duration: int


class SavedPlaylist(Output):
    """Scenes with their durations in seconds, played in a loop."""

    id: int
    congress_id: int
    name: str
    entries: list[PlaylistEntry]


class PlaylistList(Output):
    playlists: list[SavedPlaylist]


class ScreenImage(Output):
    """The stored image's name (what scenes refer to) and its address."""

    image: str
    url: str
