"""The site's own address as printed in QR codes and shown in links that leave the site."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import gettext as _

from conference.errors import Conflict


def public_base_url(host_url: str | None = None) -> str:
    """PUBLIC_URL if set, else `host_url`, else the host of the request being answered."""
    base = current_app.config["CONFERENCE"].get("PUBLIC_URL") or host_url
    if not base and has_request_context():
        base = request.host_url
    if not base:
        raise Conflict(_("Set PUBLIC_URL: badges need the address delegates will open."),
                       code="public_url_missing")
    return base.rstrip("/")
