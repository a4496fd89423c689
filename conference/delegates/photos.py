"""Delegate photos: check an upload is really a JPEG or PNG, make it small, keep it safely.

Uploads are judged by their content (Pillow), never by their name or content type. What is
stored is always a fresh JPEG made by us: upright (EXIF orientation applied), at most
PHOTO_MAX_SIDE pixels, without the camera's metadata (which can hold a GPS position). Files live
under the instance folder with names the server makes, never the uploader's.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from conference.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # a 40-megapixel camera; more is a decompression bomb
PHOTO_MAX_SIDE = 600
# The portal shows the photo 7rem wide; 240 pixels stay sharp on a phone's double-density
# screen at a tenth of the full photo's bytes (the full one is sized for printed badges).
SMALL_PHOTO_SIDE = 240
ACCEPTED_FORMATS = {"JPEG", "PNG"}
PHOTO_NAME = re.compile(r"^\d+-[0-9a-f]{16}\.jpg$")


def _refuse(cls, message: str, code: str | None = None, field: str = "photo"):
    return cls(message, code=code, fields={field: message})


def process_photo(data: bytes, max_side: int = PHOTO_MAX_SIDE, field: str = "photo") -> bytes:
    """The JPEG to store for an uploaded photo, or a domain error that says what is wrong;
    screens pass a larger `max_side` and their own form `field`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise _refuse(ValidationFailed, _("Choose a photo to upload."), field=field)
    if len(data) > MAX_PHOTO_BYTES:
        raise _refuse(PayloadTooLarge, _("The photo is larger than %(n)d MB.",
                                         n=MAX_PHOTO_BYTES // (1024 * 1024)), field=field)
    not_an_image = _refuse(UnsupportedMediaType, _("This file is not a JPEG or PNG photo."),
                           code="not_an_image", field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise _refuse(ValidationFailed, _(
                    "The photo has too many pixels (%(width)d × %(height)d). Use a smaller one.",
                    width=width, height=height), field=field)
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise not_an_image from None
    except (OSError, SyntaxError, ValueError, EOFError):  # Pillow's ways of saying "damaged"
        raise _refuse(ValidationFailed, _(
            "The photo is damaged or incomplete. Upload it again."), field=field) from None
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85, optimize=True)
    return output.getvalue()


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
    if not small.is_file():
        from PIL import Image

        with Image.open(path) as image:
            image.thumbnail((SMALL_PHOTO_SIDE, SMALL_PHOTO_SIDE), Image.Resampling.LANCZOS)
            partial = small.with_name(f"{small.name}.{secrets.token_hex(4)}.part")
            image.save(partial, "JPEG", quality=80, optimize=True)
        partial.replace(small)  # whole or not at all, when two phones ask at once
    return small


def _small_name(path: Path) -> Path:
    return path.with_name(f"{path.stem}.small.jpg")


def delete_photo_file(name: str) -> None:
    if name and PHOTO_NAME.match(name):
        path = photos_dir() / name
        path.unlink(missing_ok=True)
        _small_name(path).unlink(missing_ok=True)
