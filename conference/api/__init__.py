"""JSON API v1 under /api/v1: bearer tokens, the same services and role rules as the pages.

Routes are declared with `operation` (see conference/api/spec.py): pydantic models check each
request and answer and make the document at /api/v1/openapi.json. Every answer is JSON; errors
are {"error": {"code": ..., "message": ..., "fields": ...}} (see web.py).
"""

from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _
from spectree import Tag

from conference.api.spec import OpenAPIDocument, Routes, build_document
from conference.auth.service import Actor, user_for_token
from conference.errors import Unauthorized
from conference.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
operation = Routes(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}
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


@operation.get("/openapi.json", ok=OpenAPIDocument, tag=Tag(
    name="meta", description="About the API itself."), public=True)
def openapi():
    """This document."""
    return build_document()


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
    mailings,
    streams,
)
