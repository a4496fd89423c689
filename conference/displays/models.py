"""Screens, the scenes they show and the playlists that loop scenes, with each screen's state.

A screen's state (what it must show now) lives on its row, so a server restart loses nothing:
`mode` (scene, playlist or blackout), the scene taken (a saved one, or the fields of one taken
ad hoc), the playlist and where it stood when it started, a flash with its expiry, the awards
step. `state_version` grows with every change an operator makes; `rendered_version` is what the
kiosk last said it drew.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.dates import UTCDateTime, utcnow
from conference.extensions import db

ONLINE_WINDOW = timedelta(seconds=45)  # seen this recently: online (kiosks beat every 15 s)


class Mode(StrEnum):
    SCENE = "scene"
    PLAYLIST = "playlist"
    BLACKOUT = "blackout"


class Screen(db.Model):
    __tablename__ = "screens"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    group_name: Mapped[str] = mapped_column(String(50), default="")
    # Kiosk token material (conference/tokens.py): only the SHA-256 of the token is stored.
    token_nonce: Mapped[str] = mapped_column(String(32))
    token_serial: Mapped[int] = mapped_column(default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The site address the kiosk page was last opened with: QR codes to the public page use
    # it when PUBLIC_URL is not set.
    base_url: Mapped[str] = mapped_column(String(300), default="")
    # What it must show now.
    mode: Mapped[str] = mapped_column(String(20), default=Mode.BLACKOUT)
    scene_id: Mapped[int | None] = mapped_column(ForeignKey("scenes.id", ondelete="SET NULL"))
    scene_data: Mapped[dict | None] = mapped_column(JSON)  # a scene taken without saving it
    playlist_id: Mapped[int | None] = mapped_column(
        ForeignKey("playlists.id", ondelete="SET NULL"))
    playlist_index: Mapped[int] = mapped_column(default=0)  # the entry that began at ...
    playlist_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # ... this time
    flash_text: Mapped[str] = mapped_column(String(500), default="")
    flash_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    step: Mapped[int] = mapped_column(default=0)  # the awards entry shown
    state_version: Mapped[int] = mapped_column(default=1)
    # What the kiosk reports.
    rendered_version: Mapped[int] = mapped_column(default=0)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    online_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    congress = relationship("Congress")
    scene = relationship("Scene")
    playlist = relationship("Playlist")

    def is_online(self, now: datetime | None = None) -> bool:
        """Seen within ONLINE_WINDOW (kiosks beat every 15 s)."""
        return self.last_seen is not None and (now or utcnow()) - self.last_seen <= ONLINE_WINDOW

    @property
    def online(self) -> bool:
        return self.is_online()

    @property
    def online_now_since(self) -> datetime | None:
        """When the kiosk came online, while it is."""
        return self.online_since if self.online else None


class Scene(db.Model):
    """A saved scene: its type (announcement, agenda, qr, ...) and the fields that type takes."""

    __tablename__ = "scenes"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    congress = relationship("Congress")

    @property
    def definition(self) -> dict:
        """The scene as it is taken and stored: {"type": ..., and that type's fields}."""
        return {"type": self.type} | self.fields


class Playlist(db.Model):
    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    congress = relationship("Congress")
    entries = relationship("PlaylistEntry", order_by="PlaylistEntry.position",
                           cascade="all, delete-orphan")


class PlaylistEntry(db.Model):
    __tablename__ = "playlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    duration: Mapped[int] = mapped_column()  # seconds

    scene = relationship("Scene")
