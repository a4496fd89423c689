"""The printable agenda."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from conference.agenda.service import ordered_sessions
from conference.pdf import html_to_pdf


def render_agenda_pdf(congress, locale: str) -> bytes:
    """Render the congress's agenda in `locale` as PDF bytes."""
    with force_locale(locale):
        html = render_template("agenda/agenda_pdf.html", congress=congress,
                               sessions=ordered_sessions(congress), current=None,
                               current_locale=locale)
    return html_to_pdf(html)
