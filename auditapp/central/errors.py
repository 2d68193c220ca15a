"""Errors the central store returns, each with an HTTP status and a stable code."""

from __future__ import annotations


class ApiError(Exception):
    """A refusal the caller can act on: the code is stable, the message says what to do."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def as_json(self) -> dict[str, dict[str, str]]:
        """The error body: {"error": {"code", "message"}}."""
        return {"error": {"code": self.code, "message": self.message}}
