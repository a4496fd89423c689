"""Failed attempts (a wrong password, an unknown API token, a badge or kiosk address that does
not exist), counted per account or token prefix and per address, in the rate limiter's storage
(memory, or Redis when configured, so every server process shares the counts).

A whole congress hall often reaches the server through one address (the venue's NAT), so one
client's failures must not refuse everybody else: only failures are counted, and a correct
password or a valid token is never refused because of the address's count. Guessing a password
stays slow: an account under attack is refused before its password is even checked once its own
failures reach their limit (`check`), and past the address's (much higher) limit a name that
already failed there is refused before checking too, so spraying guesses over many accounts from
one address gets one guess per account and window. Tokens are long random strings that nobody
guesses: they are checked first, and only a wrong one is counted and, past a limit, answered 429.

While Redis does not answer, the counts go to this process's memory: an outage never turns a
sign-in or a scan into an error page.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage

from conference.errors import RateLimited
from conference.extensions import limiter

log = logging.getLogger(__name__)
Limit = str | Callable[[], str]
_in_memory = {}  # the strategy class of the limiter -> the same strategy on this process's memory


def _counts(method: str, *args):
    """`limiter.limiter.<method>(*args)` on the shared storage, or in this process's memory
    while that storage fails."""
    shared = limiter.limiter
    try:
        return getattr(shared, method)(*args)
    except Exception:
        log.warning("the rate limits' storage failed; counting in this process", exc_info=True)
        kind = type(shared)
        local = _in_memory.setdefault(kind, kind(MemoryStorage()))
        return getattr(local, method)(*args)


def _item(limit: Limit) -> RateLimitItem:
    return parse(limit() if callable(limit) else limit)


@dataclass(frozen=True)
class FailureGuard:
    """The failure counts of one kind of attempt (`scope`): per key (an account name, a token
    prefix; None where there is none) under `key_limit`, per address under `address_limit`."""

    scope: str
    key_limit: Limit | None
    address_limit: Limit
    message: Callable[[int], str]  # the refusal, given the seconds to wait

    def _counters(self, key: str | None) -> list[tuple[RateLimitItem, str]]:
        """(limit, identifier) pairs of the counters one failure with `key` adds to."""
        address = request.remote_addr or "unknown"
        counters = [(_item(self.address_limit), f"address:{address}")]
        if key is not None and self.key_limit is not None:
            # Hashed: a name or prefix of any length and content makes a short, safe storage key.
            digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
            counters.append((_item(self.key_limit), f"key:{digest}"))
        return counters

    def _wait(self, item: RateLimitItem, identifier: str) -> int:
        reset_at = _counts("get_window_stats", item, self.scope, identifier).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def check(self, key: str | None) -> None:
        """Raise RateLimited before the secret is checked if `key` failed too often itself, or
        failed at all from an address past its limit. Never refuses for the address alone."""
        if key is None or self.key_limit is None:
            return
        (address_item, address_id), (key_item, key_id) = self._counters(key)
        if not _counts("test", key_item, self.scope, key_id):
            raise self._refusal(self._wait(key_item, key_id))
        failed_before = _counts("get_window_stats", key_item, self.scope,
                                key_id).remaining < key_item.amount
        if failed_before and not _counts("test", address_item, self.scope, address_id):
            raise self._refusal(self._wait(address_item, address_id))

    def failed(self, key: str | None = None) -> None:
        """Count one failure; raise RateLimited (instead of the caller's 401 or 404) when `key`
        or the address was already past its limit, so the client is told to wait."""
        refusal = None
        for item, identifier in self._counters(key):
            if not _counts("hit", item, self.scope, identifier) and refusal is None:
                refusal = self._refusal(self._wait(item, identifier))
        if refusal is not None:
            raise refusal

    def _refusal(self, seconds: int) -> RateLimited:
        return RateLimited(self.message(seconds), retry_after=seconds)
