"""A badge rendering worker: HTML documents in on stdin, PDFs out on stdout, each framed.

render.Workers runs this file as a script (`python -I .../worker.py`), not as a module of the
`conference` package: importing the package would load Flask and SQLAlchemy, about 20 MB and
0.1 s per worker, for nothing. So this file imports only the standard library and, by path,
conference/pdf.py (which imports nothing of ours) for its fetcher that allows data: URLs only.

A frame is an 8-byte big-endian length and that many bytes.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

WARM_UP = ('<p style="font-family: \'DejaVu Sans\'">Nguyễn Văn Trường '
           '<b>Đào Anh Dũng</b></p>')


def frame(data: bytes) -> bytes:
    return struct.pack(">Q", len(data)) + data


def read_frame(stream) -> bytes | None:
    """The next frame's bytes, or None at the end of the stream (or if it ends mid-frame)."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    (length,) = struct.unpack(">Q", header)
    data = stream.read(length)
    return data if len(data) == length else None


def _load_pdf_module():
    path = Path(__file__).resolve().parent.parent / "pdf.py"
    spec = importlib.util.spec_from_file_location("conference_badge_worker_pdf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    html_to_pdf = _load_pdf_module().html_to_pdf
    # Load WeasyPrint, fontconfig and both weights of the font before the first part arrives:
    # the parent is still reading the database and writing the HTML meanwhile.
    html_to_pdf(WARM_UP)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (html := read_frame(source)) is not None:
        sink.write(frame(html_to_pdf(html.decode())))
        sink.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
