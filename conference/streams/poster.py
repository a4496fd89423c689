"""Printable posters: a large QR code to the congress's public page, or to one livestream."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from conference.congresses.models import Congress
from conference.errors import ValidationFailed
from conference.pdf import html_to_pdf
from conference.qr import large_qr_data_url
from conference.streams.models import PLATFORM_LABELS, Stream

# Paper size -> (CSS page size, QR code side in mm, base font size in pt).
SIZES = {"a4": ("A4", 150, 14), "a3": ("A3", 220, 20)}


@dataclass(frozen=True)
class Poster:
    heading: str  # the congress
    title: str  # what the code opens
    call: str  # what to do
    url: str
    qr: str  # data: URL of the PNG


def check_size(size: str | None) -> str:
    size = (size or "a4").lower()
    if size not in SIZES:
        message = _("Choose one of: %(values)s.", values="a4, a3")
        raise ValidationFailed(message, fields={"size": message})
    return size


def _render(poster: Poster, size: str, locale: str) -> bytes:
    page, qr_mm, font_pt = SIZES[check_size(size)]
    with force_locale(locale):
        html = render_template("streams/poster_pdf.html", poster=poster, page=page,
                               qr_mm=qr_mm, font_pt=font_pt, current_locale=locale)
    return html_to_pdf(html)


def congress_poster_pdf(congress: Congress, public_url: str, size: str, locale: str) -> bytes:
    """A poster whose QR code opens the public page (agenda, documents, livestreams)."""
    with force_locale(locale):
        poster = Poster(heading=congress.organizing_union, title=congress.name,
                        call=_("Scan to follow the congress: agenda, documents and "
                               "livestreams."), url=public_url, qr=large_qr_data_url(public_url))
    return _render(poster, size, locale)


def stream_poster_pdf(stream: Stream, size: str, locale: str) -> bytes:
    """A poster whose QR code opens one livestream, with its title and platform."""
    with force_locale(locale):
        platform = str(PLATFORM_LABELS.get(stream.platform, stream.platform))
        title = f"{stream.title} · {platform}" if stream.title else platform
        poster = Poster(heading=stream.congress.name, title=title,
                        call=_("Scan to watch the livestream."), url=stream.url,
                        qr=large_qr_data_url(stream.url))
    return _render(poster, size, locale)
