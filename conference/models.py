"""Import every feature's models, so the metadata (and Alembic) sees all tables."""

from conference.agenda.models import AgendaItem, CongressSession
from conference.audit.models import AuditEntry
from conference.auth.models import ApiToken, Membership, User
from conference.congresses.models import Congress

__all__ = ["AgendaItem", "ApiToken", "AuditEntry", "Congress", "CongressSession", "Membership",
           "User"]
