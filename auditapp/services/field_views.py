"""What the field app's screens show: plain values, ready to render, computed by the services."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompetingValue:
    """One of the values a field was given on tablets that had not seen each other's (SYN-207): as the
    screen shows it (an answer's code, a plan field's text), and the tablet that gave it."""

    value: str
    device_id: str

    @property
    def tablet(self) -> str:
        """The tablet that gave it, as its short id (the first 8 characters of its device id)."""
        return f"tablet {self.device_id[:8]}"


@dataclass(frozen=True)
class AuditSummary:
    """One line of the audit list."""

    audit_id: str
    title: str
    site: str
    audit_type: str
    answered: int
    total: int
    closed: bool = False

    @property
    def progress(self) -> float:
        """Share of items answered, 0..1."""
        return self.answered / self.total if self.total else 0.0


@dataclass(frozen=True)
class ItemView:
    """One checklist item in a walkthrough, with its current answer."""

    item_id: str
    clause: str
    clause_title: str
    text: str
    guidance: str
    answer: str | None


@dataclass(frozen=True)
class WalkthroughView:
    """An audit opened for capture."""

    audit_id: str
    title: str
    site: str
    items: tuple[ItemView, ...]

    @property
    def answered(self) -> int:
        """How many items have an answer."""
        return sum(1 for item in self.items if item.answer is not None)


@dataclass(frozen=True)
class SyncView:
    """The sync panel: where the data is, in plain words."""

    configured: bool
    online: bool
    waiting_events: int
    last_success: str | None
    last_error: str | None
    waiting_bytes: int = 0
    """Bytes of photos (encrypted blobs) not yet received by the central store."""
    sending: bool = False
    """A sync round is running right now."""
    sent_events: int = 0
    sent_bytes: int = 0
    """What the running (or last) round has sent so far: progress while sending."""
    refused_checklists: tuple[tuple[str, str, str], ...] = ()
    """Checklist updates from the store this device refused and that no later version made good:
    (when, checklist id, why), oldest first."""
    journal_damage: str | None = None
    """The first damaged record of the workspace's journal found at unlock (STO-016), None when whole."""

    @property
    def waiting(self) -> str:
        """What waits, in words: changes, and photo megabytes when there are any."""
        text = f"{self.waiting_events} changes"
        if self.waiting_bytes:
            text += f" and {megabytes(self.waiting_bytes)} of photos"
        return text

    @property
    def headline(self) -> str:
        """One line a user reads at a glance."""
        if not self.configured:
            return f"Offline only: {self.waiting_events} changes kept on this device"
        if self.last_error:
            return f"Not sent: {self.last_error} ({self.waiting_events} waiting)"
        if self.sending and (self.waiting_events or self.waiting_bytes):
            done = f"{self.sent_events} changes and {megabytes(self.sent_bytes)} sent"
            return f"Sending: {done}, {self.waiting} left"
        if self.waiting_events or self.waiting_bytes:
            return f"{self.waiting} waiting to sync"
        when = f", last sync {self.last_success}" if self.last_success else ""
        return f"All changes synced{when}"


def megabytes(count: int) -> str:
    """A byte count as people read it: '3.4 MB' (at least 0.1 MB when there is anything)."""
    if count <= 0:
        return "0 MB"
    return f"{max(count / 1_000_000, 0.1):.1f} MB"
