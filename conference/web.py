"""The HTTP edge shared by every blueprint: who is acting, errors, languages, safety headers."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from conference.actors import Actor
from conference.dates import format_when
from conference.errors import ConferenceError, Conflict, RateLimited, ValidationFailed
from conference.extensions import compress, db, login_manager
from conference.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    format_size,
    page_locale,
    timezone_choices,
    timezone_label,
)
from conference.token_pages import install_log_filter
from conference.validation import MAX_ID

log = logging.getLogger(__name__)
bp = Blueprint("site", __name__)

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "frame-src {frames}")


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def actor() -> Actor:
    """The person behind this request, for the service functions."""
    if "actor" not in g:
        user = current_user._get_current_object() if current_user.is_authenticated else None
        g.actor = Actor(user, request.remote_addr or "", "web")
    return g.actor


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def wants_json() -> bool:
    """A page's script asks (a JSON body, or JSON preferred to HTML): answer it in JSON rather
    than with a page or a redirect, which its form without the script gets."""
    return request.is_json or request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json"


def safe_next(target: str | None, fallback: str) -> str:
    """Only follow redirects within this site, to stop open redirects.

    Browsers read a backslash as a slash ("/\\evil.example" goes off-site) and drop tabs and
    newlines, so a target with either, or any other control character, is refused too.
    """
    if not target:
        return fallback
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if is_api_request():
        error = {"code": code, "message": message}
        if fields:
            error["fields"] = fields
        return jsonify({"error": error}), status
    title = ERROR_TITLES.get(status, lambda: _("Something went wrong"))()
    return render_template("error.html", status=status, title=title, message=message), status


# The heading people read on an error page, instead of a bare status number.
ERROR_TITLES = {
    400: lambda: _("The request was not understood"),
    401: lambda: _("Please sign in"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Not found"),
    410: lambda: _("No longer valid"),
    413: lambda: _("File too large"),
    429: lambda: _("Too many attempts"),
}


HTTP_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please sign in."),
    403: lambda: _("You may not do this."),
    404: lambda: _("Nothing here: the address is wrong or the page was removed."),
    405: lambda: _("This address does not accept that method."),
    413: lambda: _("The upload is too large."),
    415: lambda: _("This content type is not accepted here."),
    409: lambda: _("This conflicts with the current state. Reload and try again."),
    410: lambda: _("This is no longer available."),
    422: lambda: _("Some values are not valid."),
    429: lambda: _("Too many attempts. Wait a minute and try again."),
    500: lambda: _("Something went wrong on our side. The error has been logged."),
    503: lambda: _("The service is busy. Try again in a moment."),
}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              409: "conflict", 410: "gone", 422: "validation_failed", 429: "rate_limited",
              500: "internal_error", 503: "unavailable"}


def _handle_domain_error(error: ConferenceError):
    response = make_response(error_response(error.status, error.code, error.message,
                                            error.fields))
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _handle_csrf_error(error: CSRFError):
    return error_response(400, "csrf_failed",
                          _("The form expired or came from elsewhere. Reload the page and try "
                            "again."))


def _handle_http_error(error: HTTPException):
    status = error.code or 500
    message = HTTP_MESSAGES.get(status, lambda: _("The request failed."))()
    response = make_response(error_response(status, HTTP_CODES.get(status, "error"), message))
    if status == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _handle_lost_race(error: Exception):
    """Someone else removed or changed the record between our read and our write."""
    log.info("conflicting write on %s %s: %s", request.method, request.path, error)
    return error_response(409, "conflict", _("Someone else changed or removed this meanwhile. "
                                             "Reload the page and try again."))


def _handle_database_down(error: Exception):
    """The database does not answer (restarting, unreachable): a 503 that says so, never a
    stack trace; the pool's pre-ping replaces the dead connections once it is back."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the next request gets a new one
        log.debug("rollback after a lost connection failed", exc_info=True)
    g._login_user = login_manager.anonymous_user()  # the page must not ask the database again
    response = make_response(error_response(
        503, "database_unavailable",
        _("The database does not answer at the moment. Try again in a few seconds.")))
    response.headers["Retry-After"] = "5"
    return response


def _handle_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error",
                          _("Something went wrong on our side. The error has been logged."))


def _compressed(response):
    """Compress what phones on the venue Wi-Fi load: static files and the pages of anyone not
    signed in (the badge portal, the public pages).

    Staff pages stay as they are: they hold the CSRF token beside what was typed into a search,
    the mix a BREACH attacker on the network measures compressed sizes of.
    """
    if request.endpoint == "static":
        if response.status_code == 200:  # a small file: read whole, compressed whole
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
    if not current_user.is_authenticated:
        return compress.after_request(response)
    return response


def allow_frames(app: Flask, *sources: str) -> None:
    """Let pages embed players from these origins (a feature registers its own, e.g. the
    livestreams' YouTube and Facebook); everything else stays refused."""
    app.extensions.setdefault("frame_sources", []).extend(sources)


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number past the database's keys names nothing, so 404.

    Raised here rather than refused as a non-match: werkzeug would then answer 405 for a path
    that another method's rule took, naming that method as allowed.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()
        return number


# NUL ends a C string (PostgreSQL refuses it, logs and CSV files break on it); a lone surrogate
# is not a character at all (JSON's "\ud800" makes one) and cannot be stored as UTF-8.
UNREADABLE = re.compile("[\x00\ud800-\udfff]")


def _unreadable(value) -> bool:
    if isinstance(value, str):
        return UNREADABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_unreadable(key) or _unreadable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unreadable(item) for item in value)
    return False


def _refuse_unreadable_input():
    """Refuse a NUL byte or a lone surrogate anywhere in the path, query, form fields or JSON,
    before any view reads them (uploaded files are bytes and may hold anything)."""
    try:
        texts = [request.path, *request.args.keys(), *request.args.values(),
                 *request.form.keys(), *request.form.values()]
        body = request.get_json(silent=True) if request.is_json else None
    except BadRequest:  # a form that cannot be parsed is the view's to refuse
        return None
    if any(_unreadable(text) for text in texts) or _unreadable(body):
        return error_response(400, "invalid_characters",
                              _("The request holds characters that are not allowed (a NUL "
                                "byte or broken Unicode)."))
    return None


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    frames = " ".join(current_app.extensions.get("frame_sources", [])) or "'none'"
    response.headers.setdefault("Content-Security-Policy",
                                CONTENT_SECURITY_POLICY.format(frames=frames))
    return response


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LANGUAGES:
        abort(404)
    response = redirect(safe_next(request.args.get("next"), url_for("congresses.index")))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_AGE, samesite="Lax",
                        httponly=True, secure=request.is_secure)
    return response


def _template_context():
    return {"languages": LANGUAGES, "current_locale": page_locale()}


def when(value, congress, style: str = "full") -> str:
    """Jinja filter: a stored instant in the congress's time zone and the page's language."""
    return format_when(value, congress.timezone, page_locale(), style)


def init_app(app: Flask) -> None:
    """Bind the edge to `app`; call before any blueprint is registered (the id converter)."""
    app.url_map.converters["int"] = RecordIdConverter
    app.session_interface = SessionInterface()
    app.register_error_handler(ConferenceError, _handle_domain_error)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    for race in (StaleDataError, ObjectDeletedError, IntegrityError):
        app.register_error_handler(race, _handle_lost_race)
    for lost in (OperationalError, InterfaceError, DisconnectionError):
        app.register_error_handler(lost, _handle_database_down)
    app.register_error_handler(Exception, _handle_unexpected)
    app.before_request(_refuse_unreadable_input)
    app.after_request(_security_headers)
    app.config.setdefault("COMPRESS_REGISTER", False)  # _compressed chooses what to compress
    app.config.setdefault("COMPRESS_STREAMS", False)  # document downloads stay as they are
    compress.init_app(app)
    app.after_request(_compressed)
    app.context_processor(_template_context)
    app.add_template_filter(when, "when")
    app.add_template_filter(format_size, "filesize")
    app.add_template_filter(timezone_label, "zone")
    app.add_template_global(timezone_choices)
    install_log_filter()
    app.register_blueprint(bp)


class WithoutWebSocketCompression:
    """WSGI middleware that drops the browser's offer to compress its WebSocket.

    Compression (permessage-deflate) is done once per socket: a push to a thousand phones
    compressed the same state a thousand times, which took most of the server's time per
    delivery (bench/live_fanout.py). Pushes are small; sending them as they are is cheaper.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.wsgi_app(environ, start_response)


def form_page(template: str, *, values: dict, fields, save: Callable[[dict], object],
              done: Callable[[object], str], message: str, booleans=(), **context):
    """Show a form; on POST save it through `save` and go to `done(result)`, or show it again
    with the service's message beside each wrong field (status 422), keeping what was typed."""
    errors: dict = {}
    if request.method == "POST":
        values = form_values(fields, booleans)
        try:
            result = save(values)
        except (ValidationFailed, Conflict) as exc:
            errors = exc.fields or {"_": exc.message}
        else:
            flash(message)
            return redirect(done(result))
    return render_template(template, values=values, errors=errors, **context), (
        422 if errors else 200)


def file_response(data: bytes, filename: str, mimetype: str, *, inline: bool = False,
                  cache: str | None = "no-store") -> Response:
    """Send generated bytes as a file; most hold personal data or badge tokens, so by default
    no cache keeps them."""
    filename = re.sub(r"[^A-Za-z0-9._-]", "-", filename)  # delegate codes may hold a slash
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{filename}"'}
    if cache:
        headers["Cache-Control"] = cache
    return Response(data, mimetype=mimetype, headers=headers)


def revalidated(tag: str, build: Callable[[], object]) -> Response:
    """An answer browsers keep and ask about again each time (`no-cache`): while they hold
    `tag` it is a 304 and `build` is not even called; otherwise `build()`'s answer, tagged."""
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = make_response(build())
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


def form_values(fields, booleans=()) -> dict:
    """The posted values of `fields`; an unticked checkbox is posted as nothing, so False."""
    values = {name: request.form.get(name, "") for name in fields if name not in booleans}
    values.update({name: bool(request.form.get(name)) for name in booleans})
    return values
