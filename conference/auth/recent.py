"""Who a bearer token or a session cookie named a moment ago, remembered by this process.

Every API call and every signed-in page begins by finding its account: the token (or the
session) with the account and its roles. At the doors' rush, scans come from the same few gate
accounts hundreds of times a second, and that query was a quarter of a scan's work. A process
keeps each answer REMEMBER_SECONDS and hands the request a copy of the account as loaded then.

A change to an account, its roles or its tokens, committed in this process, forgets every
answer at once. Another process keeps its answers until they expire: a revoked token, a
deactivated account or a withdrawn role still works there for at most REMEMBER_SECONDS, about as
long as a request already under way when the change was made.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from conference.auth.models import ApiToken, Membership, User
from conference.extensions import db

REMEMBER_SECONDS = 2.0
EXTENSION = "recent_credentials"
# Expired answers are swept out when this many are kept (one per token and per signed-in cookie).
SWEEP_AT = 1000


class RecentCredentials:
    """One app's remembered answers: a key (a token's hash, a session id) -> (until, account)."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[float, User]] = {}

    def user(self, key: str, find: Callable[[], User | None]) -> User | None:
        """The account `key` names, as `find` answered it at most REMEMBER_SECONDS ago, now in
        this request's session (without a query); None is never remembered."""
        now = time.monotonic()
        answer = self._answers.get(key)
        if answer is not None and answer[0] > now:
            return db.session.merge(answer[1], load=False)
        user = find()
        if user is not None:
            if len(self._answers) >= SWEEP_AT:
                self._answers = {k: v for k, v in self._answers.items() if v[0] > now}
            self._answers[key] = (now + REMEMBER_SECONDS, _detached_copy(user))
        return user

    def forget_all(self) -> None:
        self._answers = {}


def recent_credentials() -> RecentCredentials:
    """The current app's answers (each app its own: tests run many apps in one process)."""
    return current_app.extensions.setdefault(EXTENSION, RecentCredentials())


def _columns(obj) -> dict:
    return {attribute.key: getattr(obj, attribute.key)
            for attribute in inspect(type(obj)).column_attrs}


def _detached_copy(user: User) -> User:
    """A copy of the account and its roles that belongs to no session, marked as loaded from
    the database: each request merges it into its own session without a query."""
    copy = User(**_columns(user))
    roles = [Membership(**_columns(membership)) for membership in user.memberships]
    for obj in (copy, *roles):
        make_transient_to_detached(obj)
    set_committed_value(copy, "memberships", roles)
    return copy


@event.listens_for(Session, "after_flush")
def _note_credential_changes(session: Session, _context) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, (User, Membership, ApiToken)) for obj in changed):
        session.info["credentials_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_after_change(session: Session) -> None:
    if session.info.pop("credentials_changed", False) and has_app_context():
        recent_credentials().forget_all()
