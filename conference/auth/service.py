"""Accounts, roles, sign-in and API tokens: the rules, callable from pages, API and CLI alike."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from conference.actors import Actor
from conference.audit.service import record
from conference.auth.models import ApiToken, Membership, Role, User
from conference.auth.recent import recent_credentials
from conference.dates import utcnow
from conference.errors import Conflict, Forbidden, NotFound, ValidationFailed
from conference.extensions import db
from conference.validation import optional_id

PASSWORD_METHOD = "scrypt"  # noqa: S105 (a hash name, not a password)
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
TOKEN_USE_PRECISION = timedelta(minutes=1)  # how often last_used_at is written
TOKEN_PREFIX = "cft_"  # noqa: S105 (marks our tokens in logs and secret scanners)
TOKEN_PREFIX_LENGTH = 12  # stored beside the hash and shown, so the owner tells tokens apart
# A hash to check against when the username is unknown, so timing does not reveal which exist.
_DUMMY_HASH = generate_password_hash("not a real password", method=PASSWORD_METHOD)


class Capability(StrEnum):
    VIEW_CONGRESS = "view_congress"
    EDIT_CONGRESS = "edit_congress"
    EDIT_AGENDA = "edit_agenda"
    DRIVE_AGENDA = "drive_agenda"
    EDIT_DELEGATES = "edit_delegates"  # register, import, edit, reissue badges, print in bulk
    VIEW_DELEGATES = "view_delegates"  # the list, one delegate, one badge at the desk
    CHECK_IN = "check_in"
    VIEW_ATTENDANCE = "view_attendance"
    RUN_PROCEEDINGS = "run_proceedings"  # the speakers' lists and their timer, votes
    RUN_ELECTIONS = "run_elections"  # set up elections, candidates, print ballots
    COUNT_BALLOTS = "count_ballots"  # enter returned paper ballots
    HEAD_COUNT = "head_count"  # settle mismatched entries, publish an election's result


ROLE_CAPABILITIES: dict[Role, set[Capability]] = {
    Role.ORGANIZER: set(Capability),
    Role.OPERATOR: {Capability.VIEW_CONGRESS, Capability.DRIVE_AGENDA,
                    Capability.VIEW_ATTENDANCE, Capability.RUN_PROCEEDINGS},
    Role.CHECKIN: {Capability.VIEW_CONGRESS, Capability.VIEW_DELEGATES, Capability.CHECK_IN,
                   Capability.VIEW_ATTENDANCE},
    Role.COUNTING: {Capability.VIEW_CONGRESS, Capability.COUNT_BALLOTS},
    Role.COUNTING_HEAD: {Capability.VIEW_CONGRESS, Capability.COUNT_BALLOTS,
                         Capability.HEAD_COUNT},
}


def authorize(actor: Actor, congress, capability: Capability) -> None:
    """Raise unless the actor may do `capability` in `congress`.

    A user with no role at all in the congress gets NotFound, so other congresses stay invisible.
    """
    if _allowed(actor, congress, capability) or (
            _read_again(actor) and _allowed(actor, congress, capability)):
        return
    if actor.user is None or actor.user.role_in(congress.id) is None:
        raise NotFound(_("Congress not found."))
    raise Forbidden(_("Your role in this congress does not allow this."))


def _allowed(actor: Actor, congress, capability: Capability) -> bool:
    if actor.is_admin:
        return True
    role = actor.user.role_in(congress.id) if actor.user else None
    return role is not None and capability in ROLE_CAPABILITIES[role]


def _read_again(actor: Actor) -> bool:
    """Read the account again before refusing it, once a request: the copy a process remembered
    (recent.py) may predate a role or right granted a moment ago in another process."""
    orm = db.session()
    done = orm.info.setdefault("accounts_read_again", set())
    if actor.user is None or actor.user.id in done or object_session(actor.user) is not orm:
        return False  # no account, read already, or not one this request's session holds
    done.add(actor.user.id)
    orm.refresh(actor.user)
    return True


def can(actor: Actor, congress, capability: Capability) -> bool:
    try:
        authorize(actor, congress, capability)
    except (NotFound, Forbidden):
        return False
    return True


def require_admin(actor: Actor) -> None:
    if not actor.is_admin and not (_read_again(actor) and actor.is_admin):
        raise Forbidden(_("Only an administrator may do this."))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            fields={field: _("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)},
        )


def create_user(actor: Actor | None, username: str, password: str, *, display_name: str = "",
                is_admin: bool = False, can_create_congresses: bool = False) -> User:
    """Create an account. `actor` None means the command line of the server itself."""

    if actor is not None:
        require_admin(actor)
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed(
            _("A username has 2 to 80 letters, digits, dots, dashes or underscores."),
            fields={"username": _("Letters, digits, dots, dashes or underscores.")},
        )
    _check_password(password)
    if db.session.scalar(select(User).where(User.username == username)):
        raise Conflict(_("The username %(name)s is taken.", name=username), code="username_taken")
    user = User(username=username, display_name=display_name.strip()[:200],
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                is_admin=is_admin, can_create_congresses=can_create_congresses or is_admin)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", target=f"user:{username}",
           details={"is_admin": is_admin, "can_create_congresses": user.can_create_congresses})
    db.session.commit()
    return user


def update_user(actor: Actor, user: User, *, display_name: str | None = None,
                is_admin: bool | None = None, can_create_congresses: bool | None = None,
                active: bool | None = None, password: str | None = None) -> User:
    """Change an account; deactivating it or changing its password ends its sessions."""

    require_admin(actor)
    changes: dict = {}
    if display_name is not None:
        user.display_name = display_name.strip()[:200]
        changes["display_name"] = user.display_name
    if is_admin is not None and is_admin != user.is_admin:
        if user.id == actor.user.id and not is_admin:
            raise Conflict(_("You cannot remove your own administrator right."))
        user.is_admin = is_admin
        changes["is_admin"] = is_admin
    if can_create_congresses is not None:
        user.can_create_congresses = can_create_congresses
        changes["can_create_congresses"] = can_create_congresses
    if active is not None and active != user.active:
        if user.id == actor.user.id and not active:
            raise Conflict(_("You cannot deactivate your own account."))
        user.active = active
        user.session_version += 1
        changes["active"] = active
    if password:
        _check_password(password)
        user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        user.session_version += 1
        changes["password"] = "changed"  # noqa: S105 (the log says that, never the value)
    record(actor, "user.update", target=f"user:{user.username}", details=changes)
    db.session.commit()
    return user


def change_own_password(actor: Actor, current: str, new: str) -> None:

    user = actor.user
    if not check_password_hash(user.password_hash, current):
        raise ValidationFailed(_("The current password is wrong."),
                               fields={"current_password": _("Wrong password.")})
    _check_password(new, "new_password")
    user.password_hash = generate_password_hash(new, method=PASSWORD_METHOD)
    user.session_version += 1
    record(actor, "user.password", target=f"user:{user.username}")
    db.session.commit()


def authenticate(username: str, password: str, address: str = "") -> User | None:
    """Return the active user with these credentials, or None; both outcomes are audited."""

    user = db.session.scalar(select(User).where(User.username == username.strip()))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = bool(user and valid and user.active)
    record(Actor(user if ok else None, address, "web"),
           "auth.sign_in" if ok else "auth.sign_in_failed",
           target=f"user:{username.strip()[:80]}")
    db.session.commit()
    return user if ok else None


def sign_out_everywhere(user: User) -> None:
    """End every session of `user`: their cookies name the old session version."""
    user.session_version += 1
    db.session.commit()


def load_user_from_session_id(session_id: str) -> User | None:
    """The active account a session cookie names, unless it was signed out everywhere since."""
    user_id, _sep, version = session_id.partition(":")
    user_key = optional_id(user_id)
    if user_key is None or not (version.isascii() and version.isdigit()):
        return None
    return recent_credentials().user(f"session:{session_id}",
                                     lambda: _session_user(user_key, int(version)))


def _session_user(user_key: int, version: int) -> User | None:
    user = db.session.get(User, user_key)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def grant_role(actor: Actor | None, user: User, congress, role: Role | str) -> Membership:
    """Give `user` a role in `congress`, replacing the role they had there."""

    if actor is not None:
        require_admin(actor)
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(_("Unknown role."), fields={"role": _("Unknown role.")}) from None
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id,
                                 Membership.congress_id == congress.id))
    if membership is None:
        membership = Membership(user=user, congress_id=congress.id, role=role)
        db.session.add(membership)
    membership.role = role
    record(actor, "role.grant", congress_id=congress.id, target=f"user:{user.username}",
           details={"role": role.value})
    db.session.commit()
    return membership


def revoke_role(actor: Actor, user: User, congress) -> None:

    require_admin(actor)
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id,
                                 Membership.congress_id == congress.id))
    if membership is None:
        raise NotFound(_("This user has no role in this congress."))
    db.session.delete(membership)
    record(actor, "role.revoke", congress_id=congress.id, target=f"user:{user.username}")
    db.session.commit()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(actor: Actor | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for `user`; the plain token is returned once and never stored."""

    if actor is not None and not actor.is_admin and actor.user.id != user.id:
        raise Forbidden(_("You may only make tokens for your own account."))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip()[:100], token_hash=_hash_token(plain),
                     prefix=plain[:TOKEN_PREFIX_LENGTH])
    db.session.add(token)
    record(actor, "token.create", target=f"user:{user.username}", details={"name": token.name})
    db.session.commit()
    return token, plain


def get_api_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("Token not found."))
    return token


def list_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too: the account page shows them)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id.desc())))


def revoke_api_token(actor: Actor, token: ApiToken) -> None:

    if not actor.is_admin and actor.user.id != token.user_id:
        raise NotFound(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(actor, "token.revoke", target=f"user:{token.user.username}",
               details={"prefix": token.prefix})
        db.session.commit()


def user_for_token(plain: str) -> User | None:
    """Return the active user a bearer token belongs to, or None if unknown or revoked."""
    digest = _hash_token(plain)
    return recent_credentials().user(f"token:{digest}", lambda: _token_user(digest))


def _token_user(digest: str) -> User | None:
    # One query for the token, its user and their roles: every API request starts here.
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == digest)
        .options(joinedload(ApiToken.user).joinedload(User.memberships))).unique().first()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    # Write at most once a minute (the account page shows minutes): a write on every request
    # would queue every API call, 500 scans a second at the doors, behind the database's lock.
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return token.user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("User not found."))
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))
