"""Tokens in addresses that open something: a badge's portal (/b/), a screen's kiosk page (/k/).

token = base64url(HMAC-SHA256(token key, "<purpose>:<nonce>:<serial>"))[:22] carries 132 bits:
unguessable, the same on every reprint, replaced by bumping the serial. The database keeps only
the SHA-256 of a token, so a copy of it yields no working badge. The nonce is random per record,
so a token can be computed before the row has an id (bulk imports).

The token key is a secret of its own (TOKEN_KEY, else `token_key` in the instance folder), not
the session key: rotating SECRET_KEY signs everyone out and changes no badge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from flask import Flask, current_app

from conference.config import instance_secret

TOKEN_LENGTH = 22  # base64url characters: 132 bits
KEY_FILE = "token_key"


def token_key() -> str:
    """TOKEN_KEY, else the key kept in the instance folder (made on first use)."""
    settings = current_app.config["CONFERENCE"]
    if not settings.get("TOKEN_KEY"):
        settings["TOKEN_KEY"] = instance_secret(Path(current_app.instance_path), KEY_FILE)
    return settings["TOKEN_KEY"]


def keep_session_key(app: Flask) -> bool:
    """Make the session key the token key of an install whose tokens were derived from it.

    Until the token key existed, tokens were derived from SECRET_KEY; the migration that
    introduced it calls this when badges or screens already exist, so reprints and portal links
    keep their tokens. Nothing happens when TOKEN_KEY is set or the key file exists already.
    Returns whether the key file was written.
    """
    instance = Path(app.instance_path)
    if app.config["CONFERENCE"].get("TOKEN_KEY") or (instance / KEY_FILE).exists():
        return False
    instance_secret(instance, KEY_FILE, app.secret_key)
    return True


def derive_token(nonce: str, serial: int, purpose: str = "badge") -> str:
    """The token of one record; `purpose` keeps badge and kiosk tokens apart (e.g. "kiosk")."""
    digest = hmac.new(token_key().encode(), f"{purpose}:{nonce}:{serial}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(text: str) -> bool:
    return isinstance(text, str) and len(text) == TOKEN_LENGTH and all(
        ch.isascii() and (ch.isalnum() or ch in "-_") for ch in text)
