"""One error shape. Typed errors inside; one place turns them into an ack or problem+json."""
from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error a client is meant to see: stable `code`, human `message`, HTTP `status`."""

    def __init__(self, code: str, message: str, *, status: int = 400,
                 retry_after: float | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.details = details or {}

    def as_error(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.retry_after is not None:
            err["retry_after"] = round(self.retry_after, 3)
        if self.details:
            err["details"] = self.details
        return err


class BadRequest(AppError):
    def __init__(self, message: str, *, code: str = "bad_request", details: dict | None = None):
        super().__init__(code, message, status=400, details=details)


class NotFound(AppError):
    def __init__(self, message: str = "Not found", *, code: str = "not_found"):
        super().__init__(code, message, status=404)


class Unauthorized(AppError):
    def __init__(self, message: str = "Authentication required", *, code: str = "unauthorized"):
        super().__init__(code, message, status=401)


class Forbidden(AppError):
    def __init__(self, message: str = "Not allowed", *, code: str = "forbidden"):
        super().__init__(code, message, status=403)


class Conflict(AppError):
    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(code, message, status=409)


class RateLimited(AppError):
    def __init__(self, retry_after: float, message: str = "Too many requests"):
        super().__init__("rate_limited", message, status=429, retry_after=retry_after)


INTERNAL = {"code": "internal", "message": "Something went wrong on our side; it was logged."}


def ok(data: Any = None) -> dict:
    """The success ack."""
    return {"ok": True, "data": data}


def error_ack(err: AppError | None) -> dict:
    """The failure ack; None means an unexpected error (answered `internal`)."""
    return {"ok": False, "error": err.as_error() if err else dict(INTERNAL)}
