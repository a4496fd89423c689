"""Sign-in, sign-out, the account page and the administrator's account management."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user

from conference.auth import service
from conference.auth.cli import COMMANDS
from conference.auth.models import ROLE_LABELS, ROLE_NOTES, Role
from conference.congresses.service import get_congress, list_congresses
from conference.errors import Conflict, RateLimited, ValidationFailed
from conference.extensions import login_manager
from conference.failures import FailureGuard
from conference.validation import record_id
from conference.web import actor, safe_next

bp = Blueprint("auth", __name__, cli_group=None)  # `flask create-user`, not `flask auth ...`
for _command in COMMANDS:
    bp.cli.add_command(_command)


@login_manager.user_loader
def _load_user(session_id: str):
    """The account a session cookie names, unless it was signed out everywhere since."""
    return service.load_user_from_session_id(session_id)


@bp.record_once
def _sign_in_page(_state) -> None:
    """Where Flask-Login sends someone who must sign in first, and what it tells them."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@bp.app_template_global()
def role_label(role: str) -> str:
    """A role's name in the page's language."""
    return ROLE_LABELS.get(role, role)


@bp.app_template_global()
def role_notes() -> list[tuple[str, str]]:
    """Each role's name and what it may do, for the table on the accounts pages."""
    return [(ROLE_LABELS[role], ROLE_NOTES[role]) for role in Role]


def _login_limit() -> str:
    return current_app.config["CONFERENCE"]["LOGIN_RATE_LIMIT"]


def _login_address_limit() -> str:
    return current_app.config["CONFERENCE"]["LOGIN_ADDRESS_LIMIT"]


SIGN_IN_FAILURES = FailureGuard(
    "sign-in", _login_limit, _login_address_limit,
    lambda seconds: _("Too many failed sign-ins for this account. Wait %(n)d seconds and try "
                      "again.", n=seconds))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("congresses.manage_list"))
    if request.method == "GET":
        return render_template("auth/login.html", error=None)
    username = request.form.get("username", "").strip()[:200]
    try:
        SIGN_IN_FAILURES.check(username)
        user = service.authenticate(username, request.form.get("password", ""),
                                    request.remote_addr or "")
        if user is None:
            SIGN_IN_FAILURES.failed(username)
    except RateLimited as refusal:
        response = make_response(render_template("auth/login.html", error=refusal.message), 429)
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    if user is None:
        return render_template("auth/login.html", error=_("Wrong username or password.")), 401
    session.clear()  # a fresh session at sign-in: nothing carried over from before
    login_user(user)
    return redirect(safe_next(request.args.get("next"), url_for("congresses.manage_list")))


@bp.post("/logout")
@login_required
def logout():
    service.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("congresses.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    errors: dict = {}
    new_token = None
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "password":
                service.change_own_password(actor(), request.form.get("current_password", ""),
                                            request.form.get("new_password", ""))
                flash(_("Password changed. Please sign in again."))
                return redirect(url_for("auth.login"))
            if action == "create_token":
                _token, new_token = service.create_api_token(
                    actor(), current_user._get_current_object(), request.form.get("name", ""))
            elif action == "revoke_token":
                token = service.get_api_token(request.form.get("token_id", 0, type=record_id))
                service.revoke_api_token(actor(), token)
                flash(_("The token is revoked."))
                return redirect(url_for("auth.account"))
        except ValidationFailed as exc:
            errors = exc.fields
    tokens = service.list_api_tokens(current_user._get_current_object())
    return render_template("auth/account.html", tokens=tokens, new_token=new_token,
                           errors=errors), (422 if errors else 200)


@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def users():
    service.require_admin(actor())
    errors: dict = {}
    created_password = None
    if request.method == "POST":
        password = request.form.get("password") or service.generate_password()
        try:
            user = service.create_user(
                actor(), request.form.get("username", ""), password,
                display_name=request.form.get("display_name", ""),
                is_admin=bool(request.form.get("is_admin")),
                can_create_congresses=bool(request.form.get("can_create_congresses")))
        except (ValidationFailed, Conflict) as exc:
            errors = exc.fields or {"username": exc.message}
        else:
            if not request.form.get("password"):
                created_password = password
            flash(_("Account %(name)s created.", name=user.username))
    return render_template("auth/users.html", users=service.list_users(), errors=errors,
                           created_password=created_password,
                           form=request.form if errors else {}), (422 if errors else 200)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_detail(user_id: int):
    service.require_admin(actor())
    user = service.get_user(user_id)
    errors: dict = {}
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "grant":
                congress = get_congress(actor(), request.form.get("congress_id", 0, type=record_id))
                service.grant_role(actor(), user, congress, request.form.get("role", ""))
                flash(_("Role granted."))
            elif action == "revoke":
                congress = get_congress(actor(), request.form.get("congress_id", 0, type=record_id))
                service.revoke_role(actor(), user, congress)
                flash(_("Role removed."))
            elif action == "update":
                service.update_user(
                    actor(), user, display_name=request.form.get("display_name", ""),
                    is_admin=bool(request.form.get("is_admin")),
                    can_create_congresses=bool(request.form.get("can_create_congresses")),
                    active=bool(request.form.get("active")),
                    password=request.form.get("password") or None)
                flash(_("Account saved."))
            return redirect(url_for("auth.user_detail", user_id=user.id))
        except (ValidationFailed, Conflict) as exc:
            errors = exc.fields or {"_": exc.message}
    return render_template("auth/user_detail.html", user=user, roles=list(Role),
                           congresses=list_congresses(actor()), errors=errors), (
        422 if errors else 200)
