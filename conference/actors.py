"""Who acts, and from where: every service that changes something takes an `Actor`.

A kernel type, so the HTTP edge (web.actor()), the API, the CLI and the socket handlers can make
one without knowing the accounts feature; `user` is the signed-in account (auth.models.User), or
None for the system itself (first start, demo data, a finished job).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who acts and from where; every service that changes something takes one."""

    user: Any
    address: str = ""
    source: str = "web"  # web, api, cli, socket, system

    @property
    def is_admin(self) -> bool:
        """Administrators, and the system itself, may do everything."""
        return self.source == "system" or bool(self.user and self.user.is_admin)


SYSTEM = Actor(None, source="system")
"""The app acting on its own (the demo congress, first-start work): no account, every right.
Made only in code; no request, token or socket becomes it."""
