"""JSON API v1 under /api/v1: bearer tokens, the same services and role rules as the pages.

Every answer is JSON; errors are {"error": {"code": ..., "message": ...}} (see web.py).
"""

from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _

from conference.auth.service import Actor, user_for_token
from conference.config import TRUE_WORDS
from conference.errors import (
    ConferenceError,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from conference.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}
FALSE_WORDS = {"0", "false", "no", "off"}
# Against token guessing: each 401 counts against the client's address, one count for the whole
# API; past the limit every API request from that address gets 429 until the minute is over.
AUTH_FAILURE_LIMIT = "20 per minute"
limiter.shared_limit(AUTH_FAILURE_LIMIT, scope="api-token",
                     deduct_when=lambda response: response.status_code == 401,
                     exempt_when=lambda: request.endpoint in PUBLIC_ENDPOINTS)(bp)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        raise Unauthorized(_("Send a valid API token: Authorization: Bearer <token>."))
    g.api_actor = Actor(user, request.remote_addr or "", "api")


@bp.after_request
def _challenge(response):
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="conference"'
    response.headers["Cache-Control"] = "no-store"
    return response


def api_actor() -> Actor:
    return g.api_actor


def json_body(allow_null: bool = False) -> dict:
    """The request's JSON object; 415 for another content type, 400 for broken JSON."""
    if not request.is_json:
        raise UnsupportedMediaType(_("Send JSON with Content-Type: application/json."))
    body = request.get_json(silent=True)
    if body is None and request.get_data().strip() not in (b"", b"null"):
        raise ConferenceError(_("The body is not valid JSON."), code="invalid_json")
    if not isinstance(body, dict) and not (allow_null and body is None):
        raise ConferenceError(_("Send a JSON object."), code="invalid_json")
    return body or {}


def query_flag(name: str) -> bool | None:
    """A yes/no query parameter (true/false, 1/0, yes/no, on/off); None when absent."""
    value = request.args.get(name, "").strip().lower()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    message = _("Write true or false.")
    raise ValidationFailed(message, fields={name: message})


def query_number(name: str, default: int) -> int:
    """A positive whole-number query parameter, or `default` when absent."""
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        message = _("Enter a whole number.")
        raise ValidationFailed(message, fields={name: message})
    return int(value)


# The route modules, imported last: they add their routes to `bp`.
from conference.api import (  # noqa: E402, F401
    agenda,
    attendance,
    badges,
    checkin,
    congresses,
    delegates,
    displays,
    documents,
    jobs,
    openapi,
    streams,
)
