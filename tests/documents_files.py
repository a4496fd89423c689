"""Small real files of each accepted kind (and fakes), for the document tests."""

from __future__ import annotations

import io
import zipfile

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart


def pdf_bytes(text: str = "Báo cáo chính trị", pad: int = 2000) -> bytes:
    """A tiny PDF (only its start matters to the upload check), padded for range requests."""
    body = f"%PDF-1.4\n% {text}\n".encode() + b"0" * pad
    return body + b"\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def office_bytes(part: str = "word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def upload(data: bytes, name: str = "bao-cao.pdf") -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


def big_upload(fields: dict, data: bytes, name: str = "lon.pdf") -> tuple[bytes, str]:
    """A multipart body and its content type, encoded in memory: the test client would spool
    a big one to a temporary file it never closes (a ResourceWarning)."""
    boundary, body = encode_multipart(fields | {"file": FileStorage(io.BytesIO(data), name)})
    return body, f"multipart/form-data; boundary={boundary}"


def real_pdf_bytes() -> bytes:
    """A valid one-page PDF (a red square on A4-ish paper) that poppler can draw."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 280]/Contents 4 0 R>>"]
    content = b"1 0 0 rg 20 20 160 160 re f"
    objects.append(b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream")
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()
