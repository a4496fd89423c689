"""Pages opened by a secret token in their address: a badge's portal (/b/<token>) and a screen's
kiosk page (/k/<token>). The token is a credential, so it must not leak: such pages are never
cached, never send a Referer, and the logs show only its first four characters. Guessing is held
off by a limit on misses per address: past it a miss answers 429, while a valid token still opens
its page (a whole hall of delegates shares the venue's address).
"""

from __future__ import annotations

import logging
import re
from functools import wraps

from flask import current_app
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound as HTTPNotFound

from conference.errors import NotFound
from conference.failures import FailureGuard

DEFAULT_MISS_LIMIT = "30 per minute"  # app.config["PORTAL_MISS_LIMIT"] overrides it
# "/b/<token>" (badges) and "/k/<token>" (kiosk screens) as written in a path, and URL-encoded
# as in "/lang/en?next=%2Fb%2F<token>".
TOKEN_PATH = re.compile(r"(/[bk]/|%2F[bk]%2F)([A-Za-z0-9_-]{0,4})[^\s/?#&\"']*", re.IGNORECASE)
# Loggers that write request paths: the dev server, gunicorn, and our own error log.
PATH_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "conference.web")


def mask_token_paths(text: str) -> str:
    """Cut every badge or kiosk token in `text` to its first four characters."""
    return TOKEN_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)


class TokenFilter(logging.Filter):
    """Mask tokens in log lines, which would otherwise open a delegate's portal or a screen."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken log call: leave it to the handler
            return True
        if TOKEN_PATH.search(message):
            record.msg, record.args = mask_token_paths(message), ()
        return True


def install_log_filter() -> None:
    for name in PATH_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, TokenFilter) for existing in logger.filters):
            logger.addFilter(TokenFilter())


def _miss_limit() -> str:
    return current_app.config.get("PORTAL_MISS_LIMIT", DEFAULT_MISS_LIMIT)


# A token has no part worth counting on its own (a guess is random throughout; 128 bits make
# guessing hopeless anyway): misses count per address only, and only misses are refused.
TOKEN_PAGE_MISSES = FailureGuard(
    "portal-miss", None, _miss_limit,
    lambda seconds: _("Too many unknown badge or screen addresses from your network. Wait "
                      "%(n)d seconds and scan the code again.", n=seconds))


def miss_limit(view):
    """Count the view's 404s (an unknown token) towards the address's misses; past the limit
    they are answered 429 with Retry-After instead."""

    @wraps(view)
    def counted(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (NotFound, HTTPNotFound):
            TOKEN_PAGE_MISSES.failed()
            raise

    return counted


def private(response):
    """A page opened by a secret token: never cached, never sent as a Referer, not indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
