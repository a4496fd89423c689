"""Badge PDFs: layouts, what one badge shows, and rendering in one or several processes.

WeasyPrint facts this module is built on (measured, see bench/badges.py):
- no flexbox (WeasyPrint's slow path, Kozea/WeasyPrint #1166): badges float on the sheet and
  the parts of a badge are absolutely placed at fixed sizes, which lays out fastest; font sizes
  and colours are classes, since each style attribute is parsed on its own;
- QR codes (8-bit greyscale PNG, embedded as is) and photo thumbnails are made once, kept on
  disk and handed to WeasyPrint as bytes beside the HTML (resource: URLs, which with data:
  URLs are all conference/pdf.py lets it fetch): base64 in the HTML cost a quarter of the time;
- a print run is cut into parts of a few sheets, rendered side by side by the job's process
  and a helper process, and merged with pypdf. The helper is a spawned fresh interpreter (not
  a fork), so WeasyPrint's libraries are never used across a fork (#684); it ends with the run.
  The job's process is a queue worker, replaced after 25 jobs, which bounds its growth (#2130).
  Two spawned workers cost a second start-up (0.8 s of CPU) on a 2-core machine.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace

from conference import pdf
from conference.badges.fit import LINE_HEIGHT, MM_PER_PT, READABLE_PT, Fitted, fit_text
from conference.limits import die_with_parent

# --- layouts ---------------------------------------------------------------------------------

CUT_MARK_LENGTH = 5.0  # mm


@dataclass(frozen=True)
class TextBox:
    """A text field of the badge: its box (mm) and the sizes (pt) its text may take."""

    width: float
    height: float
    max_pt: float
    min_pt: float = READABLE_PT
    max_lines: int = 0
    bold: bool = False

    def fit(self, text: str, height: float | None = None) -> Fitted:
        return fit_text(text, self.width, height or self.height, max_pt=self.max_pt,
                        min_pt=self.min_pt, max_lines=self.max_lines, bold=self.bold)


@dataclass(frozen=True)
class BackLayout:
    """The back of a badge, printed two-sided behind its front: the voting PIN, never on the
    front, where anyone in the hall (or a photo of the badge) would read it. Heights in mm,
    sizes in pt; the parts stack from `top` down in this order."""

    strip: float  # a line in the category's colour along the top edge
    top: float
    congress: TextBox  # the congress's name, small
    name: TextBox  # the delegate's name and then code: a back behind the wrong front shows
    code_pt: float
    label_pt: float  # "Voting PIN"
    pin_pt: float  # the six digits, monospace, grouped 3 + 3
    note: TextBox  # who may use the PIN
    gap: float

    def tops(self) -> dict[str, float]:
        """Where each part starts (mm from the top edge); "end" is where the last one ends."""
        def line(size: float) -> float:
            return size * LINE_HEIGHT * MM_PER_PT + 0.5

        steps = [("congress", self.congress.height + self.gap), ("name", self.name.height),
                 ("code", line(self.code_pt) + self.gap), ("label", line(self.label_pt)),
                 ("pin", line(self.pin_pt) + self.gap), ("note", self.note.height)]
        tops, y = {}, self.top
        for name, height in steps:
            tops[name] = round(y, 2)
            y += height
        return tops | {"end": round(y, 2)}


@dataclass(frozen=True)
class BadgeLayout:
    """Page and badge geometry in millimetres; `shape` picks the badge's arrangement."""

    key: str
    page_width: float
    page_height: float
    width: float
    height: float
    shape: str  # "landscape": photo | text | QR side by side; "portrait": stacked
    band: float  # the coloured band with the congress's name
    foot: float  # the coloured band with the category (and the code on landscape badges)
    pad: float
    gap: float
    photo_width: float
    qr: float
    columns: int = 1
    rows: int = 1
    texts: dict[str, TextBox] = field(default_factory=dict)
    back: BackLayout | None = None

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def photo_height(self) -> float:
        return round(self.photo_width * 4 / 3, 2)  # passport photos are 3:4

    @property
    def margin_x(self) -> float:
        return round((self.page_width - self.columns * self.width) / 2, 2)

    @property
    def margin_y(self) -> float:
        return round((self.page_height - self.rows * self.height) / 2, 2)

    @property
    def text_width(self) -> float:
        if self.shape == "portrait":
            return round(self.width - 2 * self.pad, 2)
        return round(self.width - 2 * self.pad - self.photo_width - self.qr - 2 * self.gap, 2)

    def back_cells(self, fronts: list) -> list:
        """The backs of one page of fronts in the order they print: each row's columns
        reversed, so that printed two-sided, flipped on the long edge, each back lands behind
        its own front (the grid is centred, so the cut marks match); None for an empty cell."""
        rows = -(-len(fronts) // self.columns)
        cells = []
        for row in range(rows):
            for column in reversed(range(self.columns)):
                index = row * self.columns + column
                cells.append(fronts[index] if index < len(fronts) else None)
        return cells

    def cut_marks(self) -> list[dict]:
        """Short lines in the sheet's margin on every cut line (none for one badge a page)."""
        if self.per_page == 1:
            return []
        length, offset = CUT_MARK_LENGTH, 1.5  # mm: a mark stops short of the badge
        x0, y0 = self.margin_x, self.margin_y
        x1, y1 = x0 + self.columns * self.width, y0 + self.rows * self.height
        marks = []
        for column in range(self.columns + 1):
            x = round(x0 + column * self.width, 2)
            marks.append({"kind": "v", "x": x, "y": round(y0 - offset - length, 2)})
            marks.append({"kind": "v", "x": x, "y": round(y1 + offset, 2)})
        for row in range(self.rows + 1):
            y = round(y0 + row * self.height, 2)
            marks.append({"kind": "h", "x": round(x0 - offset - length, 2), "y": y})
            marks.append({"kind": "h", "x": round(x1 + offset, 2), "y": y})
        return marks


def _landscape_texts(text_width: float, name: tuple[float, float], position: float,
                     unit: float, delegation: float, scale: float = 1.0) -> dict[str, TextBox]:
    return {
        "name": TextBox(text_width, name[0], name[1], min_pt=6, bold=True),
        "position": TextBox(text_width, position, 7.5 * scale, max_lines=2),
        "unit": TextBox(text_width, unit, 7 * scale),
        "delegation": TextBox(text_width, delegation, 7 * scale, max_lines=1),
    }


def _back(layout: BadgeLayout, strip: float, congress: tuple[float, float],
          name: tuple[float, float, float], code_pt: float, label_pt: float, pin_pt: float,
          note: tuple[float, float], gap: float) -> BackLayout:
    """A back whose parts sit in the middle of the room under the strip. Boxes are (height mm,
    largest pt) and for the name also its smallest pt."""
    width = layout.width - 2 * layout.pad
    back = BackLayout(strip, 0, TextBox(width, *congress), TextBox(width, name[0], name[1],
                                                                   min_pt=name[2], bold=True),
                      code_pt, label_pt, pin_pt, TextBox(width, *note), gap)
    return replace(back, top=round(strip + (layout.height - strip - back.tops()["end"]) / 2, 2))


def _make_layouts() -> dict[str, BadgeLayout]:
    card = BadgeLayout("card", 85.6, 54, 85.6, 54, "landscape", band=8, foot=6, pad=2.5, gap=2,
                       photo_width=18.5, qr=20)
    card = replace(card, texts={
        **_landscape_texts(card.text_width, (13.5, 13), 6.5, 12, 4.5),
        "congress": TextBox(card.width - 2 * card.pad, card.band - 1.2, 7.5),
        "category": TextBox(card.width * 0.55, card.foot - 1, 8, max_lines=1,
                            bold=True)})
    card = replace(card, back=_back(card, 1.5, (5.5, 6.5), (9, 11, 6.5), 7, 8, 22, (5.5, 6.5),
                                    1.5))
    sheet = BadgeLayout("sheet", 210, 297, 95, 68, "landscape", band=10, foot=7, pad=3, gap=2.5,
                        photo_width=22, qr=24, columns=2, rows=4)
    sheet = replace(sheet, texts={
        **_landscape_texts(sheet.text_width, (16.5, 15), 8, 16, 5.5, scale=1.15),
        "congress": TextBox(sheet.width - 2 * sheet.pad, sheet.band - 1.5, 9),
        "category": TextBox(sheet.width * 0.55, sheet.foot - 1, 9.5, max_lines=1,
                            bold=True)})
    sheet = replace(sheet, back=_back(sheet, 2, (6.5, 7), (10.5, 13, 7), 8, 9, 26, (6, 7), 2.5))
    a6 = BadgeLayout("a6", 105, 148, 105, 148, "portrait", band=18, foot=12, pad=5, gap=3,
                     photo_width=33, qr=33)
    a6 = replace(a6, texts={
        "congress": TextBox(a6.text_width, a6.band - 3, 12, min_pt=6, bold=True),
        "name": TextBox(a6.text_width, 22, 22, min_pt=8, bold=True),
        "position": TextBox(a6.text_width, 10, 12, min_pt=6, max_lines=2),
        "unit": TextBox(a6.text_width, 15, 11, min_pt=6),
        "delegation": TextBox(a6.text_width, 6, 11, min_pt=6, max_lines=1),
        "category": TextBox(a6.text_width, a6.foot - 2, 16, min_pt=7, max_lines=1, bold=True)})
    a6 = replace(a6, back=_back(a6, 4, (9, 10), (17.5, 18, 9), 11, 13, 40, (9, 10), 7))
    return {layout.key: layout for layout in (sheet, a6, card)}


LAYOUTS: dict[str, BadgeLayout] = _make_layouts()


# --- what one badge shows --------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeView:
    """One badge, ready for the template: its texts as fitted, colours and images."""

    code: str
    seat: str
    color: str
    ink: str
    photo: str  # resource: URLs of the images (conference/pdf.py), their bytes in `images`
    qr: str
    texts: dict[str, Fitted]  # each field as printed: its size, text and box height
    images: dict[str, bytes]
    pin: str = ""  # an official delegate's PIN for voting on the phone (conference/votes)


@dataclass(frozen=True)
class BadgeDocument:
    """The HTML of some badges and the images it names (resource: URLs)."""

    html: str
    images: dict[str, bytes]


def ink_for(color: str) -> str:
    """Black or white, whichever reads better on `color` (#rrggbb)."""
    try:
        red, green, blue = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    except ValueError:
        return "#ffffff"

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    # Contrast against white is (1.05) / (L + 0.05), against black (L + 0.05) / 0.05.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#000000"


def fit_badge_texts(layout: BadgeLayout, texts: dict[str, str]) -> dict[str, Fitted]:
    """Each field's text as printed. The position and the unit, stacked, share their room: a
    long position wraps into the unit's box (which then starts lower) before anything is cut."""
    fitted = {name: box.fit(texts.get(name, "")) for name, box in layout.texts.items()
              if name != "unit"}
    position, unit = layout.texts["position"], layout.texts["unit"]
    room = position.height + unit.height
    one_unit_line = READABLE_PT * LINE_HEIGHT * MM_PER_PT
    if fitted["position"].cut:
        fitted["position"] = position.fit(texts.get("position", ""), room - one_unit_line)
    position_height = max(position.height, fitted["position"].height)
    fitted["position"] = replace(fitted["position"], height=round(position_height, 2))
    fitted["unit"] = replace(unit.fit(texts.get("unit", ""), room - position_height),
                             height=round(room - position_height, 2))
    return fitted


# --- HTML to PDF -----------------------------------------------------------------------------

Progress = Callable[[int], None]  # called with the number of badges finished so far


def render_one(document: BadgeDocument) -> bytes:
    """Render in this process: one badge at the desk, where a worker's start-up would dominate."""
    return pdf.html_to_pdf(document.html, document.images)


class RenderFailed(RuntimeError):
    pass


PART_TIMEOUT = 300  # seconds; a part of 40 badges takes well under one


def render_in_helper(html: str, images: dict[str, bytes]) -> bytes:
    """What a helper process runs for one part."""
    return pdf.html_to_pdf(html, images)


class RenderPool:
    """Helper processes that turn HTML into PDF beside the calling process, which renders too.

    They start at once and load WeasyPrint and the fonts (pdf.warm_up) while the caller reads
    the database and builds the HTML. Spawned, not forked: the job's process may have used
    WeasyPrint already, whose libraries do not survive a fork (#684). They die with the job's
    process.
    """

    def __init__(self, count: int):
        self.count = count
        self.executor = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=die_with_parent,
                                            initargs=(os.getpid(), pdf.warm_up))
        for _ in range(count):  # each submit with no idle worker starts one
            self.executor.submit(int)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def render(self, parts: Sequence[tuple[BadgeDocument, int]],
               progress: Progress | None = None) -> list[bytes]:
        """Render (document, badge count) parts; the PDFs come back in the order of the parts.

        The helpers take parts from the front, this process from the back, until they meet:
        nobody waits for a helper still loading WeasyPrint (about 0.8 s of CPU), and a busy
        machine's uneven shares of the CPUs even out by themselves. `progress` hears the
        badges finished so far as each part ends, in this thread (it may use the database
        session, which belongs to this thread).
        """
        results: list[bytes] = [b""] * len(parts)
        waiting = deque(range(len(parts)))
        running: dict[Future, int] = {}
        done = 0

        def finished(index: int, data: bytes) -> None:
            nonlocal done
            results[index] = data
            done += parts[index][1]
            if progress:
                progress(done)

        try:
            while waiting or running:
                while waiting and len(running) < 2 * self.count:  # one running, one queued
                    index = waiting.popleft()
                    document = parts[index][0]
                    running[self.executor.submit(render_in_helper, document.html,
                                                 document.images)] = index
                if waiting:
                    index = waiting.pop()
                    finished(index, render_one(parts[index][0]))
                if not running:
                    continue
                ready, _busy = wait(running, timeout=0 if waiting else PART_TIMEOUT,
                                    return_when=FIRST_COMPLETED)
                if not ready and not waiting:
                    raise RenderFailed("a badge worker took too long")
                for future in ready:
                    finished(running.pop(future), future.result())
        except BrokenProcessPool:
            raise RenderFailed("a badge worker died (out of memory?)") from None
        return results


def merge_pdfs(parts: Sequence[bytes]) -> bytes:
    """One PDF of all parts in order."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
