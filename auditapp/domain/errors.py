"""Errors the user can cause, with messages that say what is wrong and where."""

from __future__ import annotations


class AuditAppError(Exception):
    """Base of every error the app reports to a user."""

    @property
    def for_screen(self) -> str:
        """The message for a screen, which names the workspace or record itself: without the device's
        file paths, which the message keeps for the command line and the log."""
        return str(self)


class ValidationError(AuditAppError):
    """Input that breaks a rule of the domain; the message names the field and the rule."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message if field is None else f"{field}: {message}")
        self.field = field


class NotFoundError(AuditAppError):
    """Something the user referred to does not exist."""


class AuditClosedError(ValidationError):
    """Capture on an audit that has been closed; closed audits are final."""

    def __init__(self, audit_id: str, title: str | None = None):
        name = f"'{title}'" if title else audit_id
        super().__init__(f"the audit {name} is closed: nothing more can be recorded in it", "audit_id")
        self.audit_id = audit_id
