"""Write and read the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from conference.audit.models import AuditEntry
from conference.extensions import db

if TYPE_CHECKING:
    from conference.auth.service import Actor

PAGE_SIZE = 50


def record(actor: Actor | None, action: str, *, congress_id: int | None = None,
           target: str = "", details: dict | None = None) -> AuditEntry:
    """Add an entry to the caller's transaction; it is saved with the change it describes."""
    user = actor.user if actor else None
    entry = AuditEntry(
        user_id=user.id if user else None,
        username=user.username if user else "",
        congress_id=congress_id,
        action=action,
        target=target[:200],
        details=details or {},
        source=actor.source if actor else "cli",
        address=(actor.address if actor else "")[:64],
    )
    db.session.add(entry)
    return entry


def list_entries(*, congress_id: int | None = None, username: str = "", action: str = "",
                 since: datetime | None = None, until: datetime | None = None,
                 page: int = 1) -> tuple[list[AuditEntry], bool]:
    """Return one page of entries, newest first, and whether there is a next page."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if congress_id:
        query = query.where(AuditEntry.congress_id == congress_id)
    if username:
        query = query.where(AuditEntry.username == username)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
