"""The site settings' rules: only an administrator changes them, every change is audited."""

from __future__ import annotations

from conference.actors import Actor
from conference.audit.service import record
from conference.auth.service import require_admin
from conference.extensions import db
from conference.urls import PublicAddress, public_address, store_public_url, stored_public_url


def site_settings(actor: Actor) -> dict:
    """What the settings page shows: the stored address and the one QR codes get now."""
    require_admin(actor)
    return {"stored": stored_public_url() or "", "effective": public_address()}


def set_public_url(actor: Actor, value: str) -> str:
    """Store the address printed in QR codes ("" clears it); PUBLIC_URL still wins."""
    require_admin(actor)
    before = stored_public_url() or ""
    stored = store_public_url(value)
    record(actor, "site.public_url", target="site:public_url",
           details={"before": before, "after": stored})
    db.session.commit()
    return stored


def qr_address() -> PublicAddress | None:
    """The address QR codes made for this request get, for the pages that warn about it."""
    return public_address()
