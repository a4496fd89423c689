"""Choose font sizes so long Vietnamese names and units fit their box on the badge.

CSS cannot shrink text to fit a box, so the size is worked out before rendering: words are
measured with the same font WeasyPrint will use (DejaVu Sans, found by Pillow in the system font
folders) and wrapped greedily as the browser would, trying smaller sizes until the lines fit,
never below a readable size.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MM_PER_PT = 25.4 / 72
LINE_HEIGHT = 1.15  # the templates set this line-height on every fitted box
WIDTH_SLACK = 0.94  # Pango's line breaking and hinting differ a little from the measurement
READABLE_PT = 6.0  # nothing on a badge is set smaller: a long text wraps, then is shortened
ELLIPSIS = "…"
MEASURE_PX = 100
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
# Average advance of a DejaVu Sans character, in em, if the font file cannot be found.
FALLBACK_EM = {False: 0.62, True: 0.70}


@lru_cache(maxsize=2)
def _font(bold: bool):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(FONT_FILES[bold], MEASURE_PX)
    except OSError:
        return None


@lru_cache(maxsize=20_000)
def _em_width(word: str, bold: bool) -> float:
    """The advance width of `word` in em (multiply by a font size to get its width)."""
    font = _font(bold)
    if font is None:
        # Wider than any real text, so the fallback errs towards text that is too small.
        return len(word) * FALLBACK_EM[bold] * 1.15
    return font.getlength(word) / MEASURE_PX


def _lines_needed(words: list[str], width_pt: float, size: float, bold: bool) -> int:
    """How many lines greedy wrapping makes; a word too long for a line is broken anywhere."""
    space = _em_width(" ", bold) * size
    lines, used = 1, 0.0
    for word in words:
        width = _em_width(word, bold) * size
        if width > width_pt:  # overflow-wrap: anywhere breaks it over as many lines as it takes
            extra = int(width // width_pt)
            lines += extra + (1 if used else 0)
            used = width - extra * width_pt
            continue
        needed = width if not used else used + space + width
        if needed <= width_pt:
            used = needed
        else:
            lines += 1
            used = width
    return lines


def _fits(words: list[str], width_pt: float, height_pt: float, size: float, bold: bool,
          max_lines: int = 0) -> bool:
    lines = _lines_needed(words, width_pt, size, bold)
    return lines * size * LINE_HEIGHT <= height_pt and (not max_lines or lines <= max_lines)


@dataclass(frozen=True)
class Fitted:
    """A text as it is printed in its box: its size (pt), the text, the height it takes (mm)."""

    size: float
    text: str
    height: float
    cut: bool = False  # shortened with an ellipsis


def fit_text(text: str, width_mm: float, height_mm: float, *, max_pt: float,
             min_pt: float = READABLE_PT, max_lines: int = 0, bold: bool = False,
             step: float = 0.5) -> Fitted:
    """The largest size (pt, from max_pt down) at which `text` wraps inside width × height.

    No size goes below READABLE_PT: a long text wraps onto more lines instead. `max_lines`
    (0 for any) keeps a field such as the delegation on its own line(s) while a size above
    `min_pt` allows. Only a text too long for the box even at the smallest readable size
    (a 200-character name) is cut at a word, with an ellipsis: smaller print cannot be read.
    """
    min_pt = max(min_pt, READABLE_PT)
    words = unicodedata.normalize("NFC", text).split()
    if not words:
        return Fitted(max_pt, text, 0.0)
    width_pt = width_mm / MM_PER_PT * WIDTH_SLACK
    height_pt = height_mm / MM_PER_PT
    size = max_pt
    while size > min_pt and not _fits(words, width_pt, height_pt, size, bold, max_lines):
        size = max(min_pt, round(size - step, 2))
    cut = not _fits(words, width_pt, height_pt, size, bold)
    if cut:
        words = _shortened(words, width_pt, height_pt, size, bold)
    lines = _lines_needed(words, width_pt, size, bold)
    return Fitted(size, " ".join(words), round(lines * size * LINE_HEIGHT * MM_PER_PT, 2), cut)


def _shortened(words: list[str], width_pt: float, height_pt: float, size: float,
               bold: bool) -> list[str]:
    """As many words as fit with an ellipsis after them (a first word too long is cut)."""
    kept = list(words)
    while len(kept) > 1 and not _fits([*kept, ELLIPSIS], width_pt, height_pt, size, bold):
        kept.pop()
    if len(kept) > 1:
        return [*kept, ELLIPSIS]
    word = kept[0]
    while len(word) > 1 and not _fits([word + ELLIPSIS], width_pt, height_pt, size, bold):
        word = word[:-1]
    return [word + ELLIPSIS]
