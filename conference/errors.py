"""Domain errors with a machine code; the edges map them to HTTP, JSON and socket replies."""

from __future__ import annotations


class ConferenceError(Exception):
    """A rule of the domain refused the request; `code` is stable, `message` is for people."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def __reduce__(self):
        """Keep the code and fields when pickled (an error raised in a child process)."""
        return _rebuild, (type(self), self.message, self.code, self.fields)

    def to_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


def _rebuild(cls, message: str, code: str, fields: dict) -> ConferenceError:
    return cls(message, code=code, fields=fields)


class Unauthorized(ConferenceError):
    status = 401
    code = "unauthorized"


class NotFound(ConferenceError):
    status = 404
    code = "not_found"


class Forbidden(ConferenceError):
    status = 403
    code = "forbidden"


class Conflict(ConferenceError):
    status = 409
    code = "conflict"


class ValidationFailed(ConferenceError):
    status = 422
    code = "validation_failed"


class Gone(ConferenceError):
    status = 410
    code = "gone"


class UnsupportedMediaType(ConferenceError):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(ConferenceError):
    status = 413
    code = "too_large"


class RateLimited(ConferenceError):
    """Too many failed attempts; `retry_after` is the wait in seconds (the Retry-After header)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 60, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
