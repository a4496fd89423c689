"""QR codes (badges, posters, screens): made once per URL as a small PNG and kept, so reprints
are identical and fast.

segno spends about 6 ms per code choosing the mask; a print run of 300 badges would spend two
seconds on that alone. The PNG is kept in memory and in the instance folder, keyed by the
SHA-256 of the URL, so a reprint (or another process) reads it instead of making it again.
Badges keep their small codes in their own folder: a larger code made for a poster of the same
address must never reach a badge.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from pathlib import Path

import segno
from flask import current_app

from conference.images import read_or_make

ERROR_LEVEL = "m"  # survives a scratched or creased badge (15% of the code may be lost)
MAX_VERSION = 5  # 37x37 modules: still decodes from a cheap phone camera at arm's length
# Posters and screens are read from closer up than a badge, and stream addresses can be long
# (Facebook's are): their codes may be as large as QR codes go, so every address fits.
LARGE_MAX_VERSION = 40
# jsQR, the phone camera's reader at the gates and the counting tables, misses some version-1
# codes (they have no alignment pattern: cozmo/jsQR#89, gruhn/vue-qrcode-reader#127): a short
# text such as a ballot's serial gets version 2, error level H.
MIN_VERSION = 2
SCALE = 4  # pixels per module; the PDF scales the image up without smoothing
BORDER = 4  # the quiet zone the QR standard asks for
FORMAT = f"L{SCALE}"  # cache folder: a change of format never serves an older file
MEMORY_LIMIT = 4096  # codes kept in memory per process (about 2 KB each as a data URL)

_memory: dict[tuple[str, int], str] = {}  # (url, largest version allowed) -> data URL
_lock = threading.Lock()


class QrTooLarge(ValueError):
    """The URL needs a QR code larger than MAX_VERSION: shorten the public URL."""


def make_qr(url: str, max_version: int = MAX_VERSION) -> segno.QRCode:
    """Encode `url` at error level M or better (higher if it fits the same size); posters and
    screens, read from closer up, may pass a larger `max_version` than a badge."""
    code = segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=True)
    if code.version < MIN_VERSION:
        code = segno.make(url, error=ERROR_LEVEL, version=MIN_VERSION, boost_error=True)
    if code.version > max_version:
        raise QrTooLarge(f"{url[:60]}… needs QR version {code.version} (at most {max_version})")
    return code


def qr_png_bytes(url: str, max_version: int = MAX_VERSION) -> bytes:
    """An 8-bit greyscale PNG: WeasyPrint embeds that as it is, where it would convert segno's
    1-bit PNG to RGB and compress it twice (a third of a 300-badge run's time)."""
    from PIL import Image

    buffer = io.BytesIO()
    make_qr(url, max_version).save(buffer, kind="png", scale=SCALE, border=BORDER)
    buffer.seek(0)
    with Image.open(buffer) as image:
        grey = image.convert("L")
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _cache_file(cache_dir: Path, url: str) -> Path:
    digest = hashlib.sha256(url.encode()).hexdigest()
    return cache_dir / FORMAT / digest[:2] / f"{digest}.png"


def qr_png(url: str, cache_dir: Path | None, max_version: int = MAX_VERSION) -> bytes:
    """The PNG of `url`'s QR code, from the disk cache if present, else made and stored."""
    if cache_dir is None:
        return qr_png_bytes(url, max_version)
    return read_or_make(_cache_file(cache_dir, url), lambda: qr_png_bytes(url, max_version))


def qr_data_url(url: str, cache_dir: Path | None, max_version: int = MAX_VERSION) -> str:
    """The QR code of `url` as a data: URL for the badge template (the only URLs PDFs fetch)."""
    key = (url, max_version)  # a code allowed for a poster may be too large for a badge
    cached = _memory.get(key)
    if cached is not None:
        return cached
    png = qr_png(url, cache_dir, max_version)
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    with _lock:
        if len(_memory) >= MEMORY_LIMIT:
            _memory.clear()
        _memory[key] = data_url
    return data_url


def large_cache_dir() -> Path:
    """Where the codes of posters and screens are kept (never those of badges)."""
    return Path(current_app.instance_path) / "qr-cache"


def large_qr_png(url: str) -> bytes:
    """The PNG of a poster's or a screen's code for `url`, any size."""
    return qr_png(url, large_cache_dir(), LARGE_MAX_VERSION)


def large_qr_data_url(url: str) -> str:
    """The data: URL of a poster's or a screen's code for `url`, any size."""
    return qr_data_url(url, large_cache_dir(), LARGE_MAX_VERSION)
