"""Settings: defaults, then `CONFERENCE_*` environment variables, then the mapping a test passes."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> (default, converter, description). The README's settings table mirrors this.
SETTINGS: dict[str, tuple[object, type, str]] = {
    "INSTANCE_PATH": (str(PROJECT_ROOT / "instance"), str,
                      "Folder for everything the app writes: database, uploads, secret key."),
    "DATABASE_URL": (None, str,
                     "SQLAlchemy URL; default SQLite `conference.db` in the instance folder."),
    "SECRET_KEY": (None, str,
                   "Signs sessions (rotating it signs everyone out); default a random key kept "
                   "in the instance."),
    "TOKEN_KEY": (None, str,
                  "Derives badge and kiosk tokens; default a random key kept in the instance "
                  "(see below)."),
    "PUBLIC_URL": (None, str,
                   "Base URL printed in QR codes, e.g. https://daihoi.example.vn; when set, it "
                   "wins over the address an administrator sets on the Site page."),
    "REDIS_URL": (None, str,
                  "Redis for the job queue (else SQLite in the instance folder); also the default "
                  "of MESSAGE_QUEUE and RATELIMIT_STORAGE_URL."),
    "REDIS_PREFIX": ("conference", str,
                     "Names (letters and digits) this instance's job queue, live channel and "
                     "rate-limit counters in Redis, so several instances may share one Redis."),
    "MESSAGE_QUEUE": (None, str,
                      "Redis URL shared by several server processes for live updates; default "
                      "REDIS_URL."),
    "RATELIMIT_STORAGE_URL": ("memory://", str,
                              "Where rate-limit counters live (use Redis with several processes); "
                              "REDIS_URL when that is set."),
    "LOGIN_RATE_LIMIT": ("5 per minute", str,
                         "Failed sign-ins allowed per account name; past it that name waits."),
    "LOGIN_ADDRESS_LIMIT": ("50 per minute", str,
                            "Failed sign-ins allowed per address (a venue behind NAT is one); "
                            "past it only names that have not failed there are tried."),
    "DEFAULT_LOCALE": ("vi", str, "Language of the pages until a user picks one (vi or en)."),
    "DEFAULT_TIMEZONE": ("Asia/Ho_Chi_Minh", str, "Time zone of new congresses."),
    "MAX_UPLOAD_MB": (50, int, "Largest request body, in megabytes."),
    "MAX_DOCUMENT_MB": (30, int, "Largest congress document (PDF, DOCX, ...) one may upload, in "
                                 "megabytes."),
    "SESSION_COOKIE_SECURE": (False, bool,
                              "Always mark the session cookie Secure (it is over HTTPS anyway)."),
    "PROXY_FIX": (False, bool, "Trust X-Forwarded-* from one reverse proxy (nginx)."),
    "METRICS_TOKEN": (None, str,
                      "Bearer token a monitor sends to read /metrics from another computer; "
                      "unset: only requests from this computer may."),
    "ASYNC_MODE": ("threading", str, "Flask-SocketIO async mode: threading or gevent."),
    "MAX_JOBS": (2, int,
                 "Long jobs (badge runs, imports, PDFs) one consumer runs at once; others wait."),
    "JOB_RETENTION_DAYS": (7, int,
                           "Days finished jobs and their files (badge PDFs, reports) are kept."),
    "WEBSOCKET_COMPRESSION": (False, bool,
                              "Compress live updates per WebSocket: fewer bytes, more server CPU."),
    "SMTP_HOST": (None, str,
                  "SMTP server that e-mails delegates their portal link; unset: e-mail is off "
                  "(letters still print)."),
    "SMTP_PORT": (587, int, "Port of the SMTP server (587 with starttls, 465 with ssl)."),
    "SMTP_USER": (None, str, "User name to sign in to the SMTP server; unset: no sign-in."),
    "SMTP_PASSWORD": (None, str, "Password for SMTP_USER."),
    "SMTP_SECURITY": ("starttls", str,
                      "starttls (upgrade a plain connection), ssl (TLS from the start) or none "
                      "(a relay on the same machine)."),
    "MAIL_SENDER": (None, str,
                    "From address of delegates' e-mails, e.g. Ban Tổ chức <daihoi@example.vn>."),
    "MAIL_PER_MINUTE": (60, int,
                        "Most e-mails sent a minute (providers refuse bursts); 0: no limit."),
    "STREAM_PLATFORMS": ("baohatinh.vn=Báo Hà Tĩnh, laodong.vn=Báo Lao Động, "
                         "nhandan.vn=Báo Nhân Dân, vtv.vn=VTV, vov.vn=VOV", str,
                         "Livestream sites recognised by their address and named on the pages, "
                         "as `domain=Name` pairs separated by commas (a subdomain matches too)."),
}

# Settings that take REDIS_URL when it is set and they are not given themselves.
REDIS_DEFAULTED = ("MESSAGE_QUEUE", "RATELIMIT_STORAGE_URL")
TRUE_WORDS = {"1", "true", "yes", "on"}


def _convert(value: str, kind: type):
    if kind is bool:
        return value.strip().lower() in TRUE_WORDS
    return kind(value)


def load_settings(overrides: Mapping[str, object] | None = None) -> dict:
    """Merge defaults, the environment and `overrides` into one settings mapping."""
    settings = {name: default for name, (default, _, _) in SETTINGS.items()}
    given = set(overrides or {})
    for name, (_, kind, _) in SETTINGS.items():
        value = os.environ.get(f"CONFERENCE_{name}")
        if value not in (None, ""):
            settings[name] = _convert(value, kind)
            given.add(name)
    settings.update(overrides or {})
    for name in REDIS_DEFAULTED:  # one Redis for everything unless told otherwise
        if settings["REDIS_URL"] and name not in given:
            settings[name] = settings["REDIS_URL"]
    settings["INSTANCE_PATH"] = str(Path(settings["INSTANCE_PATH"]).resolve())
    return settings


def flask_config(settings: dict) -> dict:
    """Translate our settings into the configuration keys Flask and its extensions read."""
    instance = Path(settings["INSTANCE_PATH"])
    database_url = settings["DATABASE_URL"] or f"sqlite:///{instance / 'conference.db'}"
    config = {
        "SECRET_KEY": settings["SECRET_KEY"] or instance_secret(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAX_CONTENT_LENGTH": int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings["SESSION_COOKIE_SECURE"],
        "RATELIMIT_STORAGE_URI": settings["RATELIMIT_STORAGE_URL"],
        "RATELIMIT_KEY_PREFIX": settings["REDIS_PREFIX"],
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: the limits count in memory for a while rather than fail the request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "BABEL_DEFAULT_LOCALE": settings["DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": settings["DEFAULT_TIMEZONE"],
        "WTF_CSRF_TIME_LIMIT": None,
    }
    if database_url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    # A server database's connections are checked when they rested (database.py).
    # Any extra upper-case key a test passes (TESTING, WTF_CSRF_ENABLED...) goes through as is.
    config.update({k: v for k, v in settings.items() if k not in SETTINGS and k.isupper()})
    return config


def instance_secret(instance: Path, name: str = "secret_key", value: str | None = None) -> str:
    """Return the secret kept in the instance folder as `name`, making it on first use from
    `value` (default: a new random one)."""
    path = instance / name
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(value or secrets.token_urlsafe(48))
    return path.read_text().strip()
