"""Badge identity: the token a badge's QR code carries, whose badge a scan is, reissuing.

A badge's token is derived from the token key, the delegate's random nonce and the badge's
serial (conference/tokens.py), so every reprint carries the same one. Only its hash is stored.
Reissuing bumps the serial: the old hash goes to `revoked_badges`, so its scan says "replaced"
rather than "unknown". Check-in, the portal and the documents read through `find_badge`, the one
place that says what a scan is.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from conference.audit.service import record
from conference.auth.service import Actor, Capability, authorize
from conference.badges.models import RevokedBadge
from conference.delegates.models import Delegate
from conference.errors import Gone, NotFound
from conference.extensions import db
from conference.tokens import TOKEN_LENGTH, derive_token, looks_like_token, new_nonce, token_hash

CODE_LENGTH = Delegate.code.type.length  # longer text cannot be a delegate code
# The token in a badge URL as a camera or USB scanner reads it ("https://.../b/<token>").
TOKEN_IN_URL = re.compile(rf"/b/([A-Za-z0-9_-]{{{TOKEN_LENGTH}}})(?:[/?#]|$)")


class BadgeUnknown(NotFound):
    """The scan is no badge of ours (or of the congress asked about)."""

    code = "badge_unknown"
    delegate = None  # nothing is told about whose badge it might be


class BadgeRevoked(Gone):
    """The scan is a badge that was replaced; `delegate` is whose it was."""

    code = "badge_revoked"

    def __init__(self, message: str, delegate: Delegate):
        super().__init__(message)
        self.delegate = delegate


def badge_token(delegate: Delegate) -> str:
    """The token of the delegate's current badge."""
    return derive_token(delegate.badge_nonce, delegate.badge_serial)


def new_badge() -> dict:
    """The badge columns of a new delegate (one insert or a bulk one)."""
    nonce = new_nonce()
    return {"badge_nonce": nonce, "badge_serial": 1,
            "badge_token_hash": token_hash(derive_token(nonce, 1))}


def portal_url(delegate: Delegate, base_url: str) -> str:
    """The address a delegate's badge opens: their portal (base_url: PUBLIC_URL or the host)."""
    return f"{base_url.rstrip('/')}/b/{badge_token(delegate)}"


def token_from_scan(scan: str) -> str | None:
    """The badge token in what a camera or USB scanner read: the badge URL or the bare token."""
    scan = scan.strip()
    match = TOKEN_IN_URL.search(scan)
    if match:
        return match.group(1)
    return scan if looks_like_token(scan) else None


def scanned_hash(scan: str) -> str | None:
    """The stored hash a scanned badge would have; None when the scan holds no token."""
    token = token_from_scan(scan)
    return token_hash(token) if token else None


def find_badge(scan: str, congress=None) -> Delegate:
    """The delegate whose current badge was scanned (a badge URL or a bare token).

    Raises BadgeUnknown when it is no badge of ours, or of `congress` when one is given, and
    BadgeRevoked (with the delegate) when it is a badge that was replaced.
    """
    digest = scanned_hash(scan)
    unknown = BadgeUnknown(_("This badge is not known. Check that the whole code was scanned, "
                             "or ask at the reception desk."))
    if digest is None:
        raise unknown
    delegate = db.session.scalar(select(Delegate).where(Delegate.badge_token_hash == digest))
    revoked = None
    if delegate is None:
        replaced = db.session.get(RevokedBadge, digest)
        if replaced is None:
            raise unknown
        delegate, revoked = db.session.get(Delegate, replaced.delegate_id), replaced
    if congress is not None and delegate.congress_id != congress.id:
        raise BadgeUnknown(_("This badge belongs to another congress."))
    if revoked is not None:
        raise BadgeRevoked(_("This badge was replaced by a new one. Use the new badge."), delegate)
    return delegate


def printed_code(scan: str) -> str:
    """A delegate code as staff type it from under a badge's QR: spaces gone, upper case."""
    return "".join(scan.split()).upper()


def find_by_printed_code(scan: str, congress) -> Delegate | None:
    """The delegate of `congress` whose code is the typed text (no case, no spaces), or None.

    The code is no secret, so only signed-in staff may go through it (check-in); it never opens
    a portal, which `find_badge` keeps to the token. An exact match wins over one that differs
    only in case; two of those (codes "db1" and "DB1") answer None rather than guess.
    """
    code = printed_code(scan)
    if not code or len(code) > CODE_LENGTH:
        return None
    matches = list(db.session.scalars(
        select(Delegate).where(Delegate.congress_id == congress.id,
                               func.upper(Delegate.code) == code).limit(5)))
    exact = [delegate for delegate in matches if delegate.code == "".join(scan.split())]
    if len(exact) == 1:
        return exact[0]
    return matches[0] if len(matches) == 1 else None


def reissue_badge(actor: Actor, delegate: Delegate) -> str:
    """Replace a lost badge: the old token stops working, the new one is returned."""
    authorize(actor, delegate.congress, Capability.EDIT_DELEGATES)
    db.session.add(RevokedBadge(token_hash=delegate.badge_token_hash, delegate_id=delegate.id))
    delegate.badge_serial += 1
    delegate.badge_token_hash = token_hash(badge_token(delegate))
    record(actor, "delegate.badge_reissue", congress_id=delegate.congress_id,
           target=f"delegate:{delegate.code}", details={"serial": delegate.badge_serial})
    db.session.commit()
    return badge_token(delegate)


def revoked_hashes(congress, since=None) -> list[str]:
    """The stored hashes of the congress's replaced badges (revoked at or after `since`), for a
    gate that decides offline: such a scan is "replaced", not "unknown"."""
    query = select(RevokedBadge.token_hash).join(Delegate, Delegate.id == RevokedBadge.delegate_id
                                                 ).where(Delegate.congress_id == congress.id)
    if since is not None:
        query = query.where(RevokedBadge.revoked_at >= since)
    return list(db.session.scalars(query.order_by(RevokedBadge.token_hash)))
