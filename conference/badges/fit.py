"""Choose font sizes so long Vietnamese names and units fit their box on the badge.

CSS cannot shrink text to fit a box, so the size is worked out before rendering: words are
measured with the same font WeasyPrint will use (DejaVu Sans, found by Pillow in the system font
folders) and wrapped greedily as the browser would, trying smaller sizes until the lines fit.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

MM_PER_PT = 25.4 / 72
LINE_HEIGHT = 1.15  # the templates set this line-height on every fitted box
WIDTH_SLACK = 0.94  # Pango's line breaking and hinting differ a little from the measurement
FLOOR_PT = 3.5  # nothing is set smaller, whatever its length (a 200-character name still fits)
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


def fit_font_size(text: str, width_mm: float, height_mm: float, *, max_pt: float,
                  min_pt: float = 5.0, max_lines: int = 0, bold: bool = False,
                  step: float = 0.5) -> float:
    """The largest size (pt, from max_pt down) at which `text` wraps inside width × height.

    Past `min_pt` the size keeps going down to FLOOR_PT rather than overflowing the box; a name
    the organizers typed is printed whole, never cut off. `max_lines` (0 for any) keeps a short
    field such as the delegation on its own line(s) at its largest readable size.
    """
    words = unicodedata.normalize("NFC", text).split()
    if not words:
        return max_pt
    width_pt = width_mm / MM_PER_PT * WIDTH_SLACK
    height_pt = height_mm / MM_PER_PT
    size = max_pt
    while size > FLOOR_PT:
        lines = _lines_needed(words, width_pt, size, bold)
        fits = lines * size * LINE_HEIGHT <= height_pt and (
            not max_lines or lines <= max_lines or size <= min_pt)
        if fits:
            return size
        size = round(size - step, 2)
    return FLOOR_PT
