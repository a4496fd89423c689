"""Uploaded images: judged by their content, stood upright, made small, saved again by us.

An upload is judged by Pillow, never by its name or content type. What is kept is always a
fresh JPEG made here: upright (EXIF orientation applied), at most `max_side` pixels, without
the camera's metadata (which can hold a GPS position). Delegates' photos, screen images, badge
thumbnails and document thumbnails all go through this module.
"""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Callable
from pathlib import Path

from flask_babel import gettext as _

from conference.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel camera; more is a decompression bomb
ACCEPTED_FORMATS = ("JPEG", "PNG")


def _refuse(cls, message: str, field: str, code: str | None = None):
    return cls(message, code=code, fields={field: message})


def image_format(data: bytes) -> str | None:
    """"png" or "jpeg" when `data` is a whole, sane image of that kind, else None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                image.verify()
                return "png" if image.format == "PNG" else "jpeg"
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, OSError, SyntaxError, ValueError, EOFError):
        return None


def checked_image(data: bytes, field: str = "photo"):
    """The uploaded JPEG or PNG, loaded; or a domain error on `field` that says what is wrong."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise _refuse(ValidationFailed, _("Choose a photo to upload."), field)
    if len(data) > MAX_IMAGE_BYTES:
        raise _refuse(PayloadTooLarge, _("The photo is larger than %(n)d MB.",
                                         n=MAX_IMAGE_BYTES // (1024 * 1024)), field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _refuse(ValidationFailed, _(
                    "The photo has too many pixels (%(width)d × %(height)d). Use a smaller one.",
                    width=width, height=height), field)
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise _refuse(UnsupportedMediaType, _("This file is not a JPEG or PNG photo."), field,
                      code="not_an_image") from None
    except (OSError, SyntaxError, ValueError, EOFError):  # Pillow's ways of saying "damaged"
        raise _refuse(ValidationFailed, _(
            "The photo is damaged or incomplete. Upload it again."), field) from None
    return image


def upright(image):
    """The image turned as its camera meant, in RGB; transparency becomes white."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def jpeg_bytes(image, quality: int = 85) -> bytes:
    output = io.BytesIO()
    image.save(output, "JPEG", quality=quality, optimize=True)
    return output.getvalue()


def process_image(data: bytes, max_side: int, field: str = "photo") -> bytes:
    """Check an upload, stand it upright and shrink it to `max_side`: the JPEG to keep."""
    from PIL import Image

    image = upright(checked_image(data, field))
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return jpeg_bytes(image)


def cropped_jpeg(path: Path, size: tuple[int, int], quality: int = 82) -> bytes:
    """A stored image cut and scaled to fill exactly `size` (a badge's photo frame)."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        fitted = ImageOps.fit(upright(image), size, method=Image.Resampling.BICUBIC)
    return jpeg_bytes(fitted, quality)


def write_atomically(path: Path, data: bytes) -> None:
    """Write then rename, so a reader (another request or process) never sees half a file."""
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.part")
    partial.write_bytes(data)
    partial.replace(path)


def read_or_make(path: Path, make: Callable[[], bytes]) -> bytes:
    """The bytes kept at `path`; the first time, `make` them and keep them there."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    return data


def shrink_file(source: Path, target: Path, box: tuple[int, int], kind: str = "JPEG",
                quality: int = 80) -> None:
    """Save a copy of a stored image that fits in `box` (phones, thumbnails) as `target`."""
    from PIL import Image

    with Image.open(source) as image:
        small = upright(image)
        small.thumbnail(box, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    small.save(output, kind, optimize=True, **({"quality": quality} if kind == "JPEG" else {}))
    write_atomically(target, output.getvalue())
