"""Delegate photos: checked and shrunk by `conference.images`, kept safely.

Files live under the instance folder with names the server makes, never the uploader's.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import current_app

from conference import backup
from conference.images import MAX_IMAGE_BYTES, process_image, shrink_file

MAX_PHOTO_BYTES = MAX_IMAGE_BYTES
PHOTO_MAX_SIDE = 600
# The portal shows the photo 7rem wide; 240 pixels stay sharp on a phone's double-density
# screen at a tenth of the full photo's bytes (the full one is sized for printed badges).
SMALL_PHOTO_SIDE = 240
PHOTO_NAME = re.compile(r"^\d+-[0-9a-f]{16}\.jpg$")


def process_photo(data: bytes) -> bytes:
    """The JPEG to store for an uploaded photo, or a domain error that says what is wrong."""
    return process_image(data, PHOTO_MAX_SIDE)


backup.keep("photos")


def photos_dir() -> Path:
    """One folder for every congress: names start with the delegate's id, unique anyway."""
    path = Path(current_app.instance_path) / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_photo(delegate_id: int, jpeg: bytes) -> str:
    """Write the processed photo under a new server-made name and return that name.

    A new name per upload, so caches of the old photo (browsers, badge thumbnails) go stale.
    """
    name = f"{int(delegate_id)}-{secrets.token_hex(8)}.jpg"
    (photos_dir() / name).write_bytes(jpeg)
    return name


def photo_path(delegate) -> Path | None:
    """Where the delegate's photo is, or None without one (badges use this too)."""
    if not delegate.photo or not PHOTO_NAME.match(delegate.photo):
        return None
    path = photos_dir() / delegate.photo
    return path if path.is_file() else None


def small_photo_path(delegate) -> Path | None:
    """A small copy of the delegate's photo for phones, made once beside it; None without one."""
    path = photo_path(delegate)
    if path is None:
        return None
    small = _small_name(path)
    if not small.is_file():  # written whole or not at all, when two phones ask at once
        shrink_file(path, small, (SMALL_PHOTO_SIDE, SMALL_PHOTO_SIDE))
    return small


def _small_name(path: Path) -> Path:
    return path.with_name(f"{path.stem}.small.jpg")


def delete_photo_file(name: str) -> None:
    if name and PHOTO_NAME.match(name):
        path = photos_dir() / name
        path.unlink(missing_ok=True)
        _small_name(path).unlink(missing_ok=True)
