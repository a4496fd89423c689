"""Document files: judge an upload by its content, keep it under a server-made name.

The uploader's file name and content type are never trusted: a PDF is a file that starts like
one, a DOCX or XLSX is a zip with the parts Office writes, an image is what Pillow reads. Files
live under the instance folder (never `static/`), one folder per congress.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from conference import backup
from conference.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from conference.images import image_format, shrink_file

# kind -> (extension, content type)
KINDS = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "png": ("png", "image/png"),
    "jpeg": ("jpg", "image/jpeg"),
}
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# What a file's name claims it is; the content must agree (a name without one of these: any).
CLAIMED_KINDS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "png": "png", "jpg": "jpeg",
                 "jpeg": "jpeg"}
KIND_NAMES = {"pdf": "PDF", "docx": "Word (DOCX)", "xlsx": "Excel (XLSX)", "png": "PNG",
              "jpeg": "JPEG"}
MAX_ZIP_MEMBERS = 10_000
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|docx|xlsx|png|jpg)$")
THUMBNAIL_WIDTH = 240  # pixels; the list shows it at half that, sharp on phones
THUMBNAIL_SECONDS = 20  # a PDF that takes longer to draw gets no thumbnail

log = logging.getLogger(__name__)
UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def max_document_bytes() -> int:
    return int(current_app.config["CONFERENCE"]["MAX_DOCUMENT_MB"]) * 1024 * 1024


def _refuse(cls, message: str, code: str | None = None):
    return cls(message, code=code, fields={"file": message})


def _office_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return None
    if len(names) > MAX_ZIP_MEMBERS or "[Content_Types].xml" not in names:
        return None
    return next((kind for kind, part in OFFICE_PARTS.items() if part in names), None)


def detect_kind(data: bytes, filename: str = "") -> str:
    """The kind of an uploaded document by its content, or a domain error saying what is wrong
    (also when the content is not what the file's name says, e.g. a PNG named .pdf)."""
    if not data:
        raise _refuse(ValidationFailed, _("The file is empty. Choose the document to upload."),
                      code="empty_file")
    limit = max_document_bytes()
    if len(data) > limit:
        raise _refuse(PayloadTooLarge, _("The file is larger than %(n)d MB.",
                                         n=limit // (1024 * 1024)))
    kind = None
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"PK\x03\x04"):
        kind = _office_kind(data)
    elif data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        kind = image_format(data)
    if kind is None:
        raise _refuse(UnsupportedMediaType, _(
            "This file is not a PDF, Word (DOCX), Excel (XLSX), PNG or JPEG document, whatever "
            "its name says."), code="unsupported_file")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    claimed = CLAIMED_KINDS.get(extension)
    if claimed is not None and claimed != kind:
        raise _refuse(UnsupportedMediaType, _(
            "The file is named as %(claimed)s but its content is %(actual)s. Choose the right "
            "file, or correct its name.", claimed=KIND_NAMES[claimed], actual=KIND_NAMES[kind]),
            code="type_mismatch")
    return kind


def clean_filename(filename: str, kind: str, fallback: str) -> str:
    """A safe name to offer downloads under: the uploaded one without path or control
    characters, ending with the extension of what the file really is."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = UNSAFE_NAME_CHARS.sub(" ", name.rsplit(".", 1)[0] if "." in name else name)
    stem = " ".join(stem.split()).strip(". ")[:150] or fallback
    return f"{stem}.{KINDS[kind][0]}"


backup.keep("documents")


def documents_dir(congress_id: int) -> Path:
    path = Path(current_app.instance_path) / "documents" / str(int(congress_id))
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_file(congress_id: int, kind: str, data: bytes) -> str:
    """Write an upload under a new random name and return that name."""
    name = f"{secrets.token_hex(16)}.{KINDS[kind][0]}"
    (documents_dir(congress_id) / name).write_bytes(data)
    return name


def stored_path(congress_id: int, name: str) -> Path | None:
    if not STORED_NAME.match(name or ""):
        return None
    path = documents_dir(congress_id) / name
    return path if path.is_file() else None


def delete_file(congress_id: int, name: str) -> None:
    """Remove a stored file and its thumbnail."""
    path = stored_path(congress_id, name)
    if path is not None:
        path.unlink(missing_ok=True)
        path.with_suffix(".thumb.png").unlink(missing_ok=True)


def thumbnail_path(congress_id: int, name: str) -> Path | None:
    path = stored_path(congress_id, name)
    thumb = path.with_suffix(".thumb.png") if path is not None else None
    return thumb if thumb is not None and thumb.is_file() else None


def make_thumbnail(congress_id: int, name: str, kind: str) -> None:
    """Draw a small PNG of the first page (PDF, with poppler's pdftoppm) or of the image.

    Best effort: without pdftoppm, or for a PDF it cannot draw in time, there is none.
    """
    path = stored_path(congress_id, name)
    if path is None:
        return
    target = path.with_suffix(".thumb.png")
    if kind in ("png", "jpeg"):
        shrink_file(path, target, (THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 2), "PNG")
        return
    pdftoppm = shutil.which("pdftoppm")
    if kind != "pdf" or pdftoppm is None:
        return
    try:
        subprocess.run(  # noqa: S603 (a fixed program; the paths are ours)
            [pdftoppm, "-f", "1", "-l", "1", "-singlefile", "-png", "-scale-to-x",
             str(THUMBNAIL_WIDTH), "-scale-to-y", "-1", str(path), str(path.with_suffix(".thumb"))],
            check=True, capture_output=True, timeout=THUMBNAIL_SECONDS)
    except (subprocess.SubprocessError, OSError) as error:
        log.warning("no thumbnail for document file %s: %s", name, error)
        target.unlink(missing_ok=True)
