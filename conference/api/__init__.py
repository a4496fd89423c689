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
from conference.auth.service import TOKEN_PREFIX_LENGTH, Actor, user_for_token
from conference.errors import Unauthorized
from conference.failures import FailureGuard

bp = Blueprint("api", __name__, url_prefix="/api/v1")
operation = Routes(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}
# A token is 43 random characters: nobody guesses one, so a valid token always passes, whatever
# others behind the same address (a venue's NAT) sent. Each 401 counts against the token's prefix
# (its first 12 characters, as stored and shown on the account page) and the client's address;
# past either limit a wrong token is answered 429 with Retry-After, to make a broken script wait.
TOKEN_FAILURES = FailureGuard(
    "api-token", "20 per minute", "200 per minute",
    lambda seconds: _("Too many requests with a wrong API token. Wait %(n)d seconds and check "
                      "the token.", n=seconds))


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    bearer = scheme.lower() == "bearer" and bool(token)
    user = user_for_token(token) if bearer else None
    if user is None:
        TOKEN_FAILURES.failed(token[:TOKEN_PREFIX_LENGTH] if bearer else None)
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
    elections,
    jobs,
    mailings,
    speakers,
    streams,
    votes,
)
