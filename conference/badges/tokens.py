"""Badge tokens: unguessable, stable across reprints, revocable, useless from a database copy.

token = base64url(HMAC-SHA256(secret key, "badge:<delegate nonce>:<serial>"))[:22] carries
132 bits. The database keeps only the SHA-256 of the token, so without the secret key a copy
of it yields no working badge. Reissuing bumps the serial, which makes a new token. The nonce
is random per delegate, so a token can be computed before the row has an id (bulk imports).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_LENGTH = 22  # base64url characters: 132 bits


def derive_token(secret_key: str, nonce: str, serial: int, purpose: str = "badge") -> str:
    """The token of one record; `purpose` keeps badge and kiosk tokens apart (e.g. "kiosk")."""
    digest = hmac.new(secret_key.encode(), f"{purpose}:{nonce}:{serial}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(text: str) -> bool:
    return len(text) == TOKEN_LENGTH and all(
        ch.isascii() and (ch.isalnum() or ch in "-_") for ch in text)
