"""What the sync panel says: connection, what waits, the last sync and errors, as plain sentences.

Built from the workspace's SyncView (changes and photo bytes waiting, whether a round is sending and what
it has sent so far) so the panel itself only lays out text and a progress bar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from auditapp.domain.errors import AuditAppError
from auditapp.services.field_views import SyncView

Tone = Literal["offline_only", "synced", "waiting", "problem"]


@dataclass(frozen=True)
class SyncPanel:
    """The sync panel's lines, ready to render."""

    tone: Tone
    connection: str
    waiting: str
    last_sync: str
    problem: str | None
    sending: bool
    events_waiting: int
    bytes_waiting: int
    progress: float | None = None
    """Share sent by the running round (0..1), None when unknown (the bar then just moves)."""
    notice: str | None = None
    """What needs the user's attention and what to do about it: the workspace journal's damage, or something
    received from the store that this device refused."""

    @property
    def summary(self) -> str:
        """Everything on one line (the panel's accessible name)."""
        parts = [self.connection, self.waiting, self.last_sync]
        if self.problem:
            parts.append(self.problem.rstrip("."))
        if self.notice:
            parts.append(self.notice.rstrip("."))
        return ". ".join(parts) + "."


def human_bytes(count: int) -> str:
    """A byte count as people read it: 0 bytes, 512 bytes, 1.5 KB, 3.2 MB, 1.1 GB."""
    if count < 1024:
        return f"{count} byte" if count == 1 else f"{count} bytes"
    value = float(count)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def when(iso: str, now: dt.datetime) -> str:
    """An ISO-8601 time as local 'today 14:03', 'yesterday 09:10' or '2 Mar 2026 14:03'."""
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local, today = moment.astimezone(now.tzinfo), now.date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"today {clock}"
    if local.date() == today - dt.timedelta(days=1):
        return f"yesterday {clock}"
    return f"{local.day} {local.strftime('%b %Y')} {clock}"


def _waiting(events: int, byte_count: int) -> str:
    if events == 0 and not byte_count:
        return "Nothing waiting to be sent"
    changes = f"{events} change{'s' if events != 1 else ''}"
    if byte_count:
        return f"{changes} and {human_bytes(byte_count)} of photos waiting to be sent"
    return f"{changes} waiting to be sent"


def round_failure(exc: BaseException) -> str:
    """What the panel says when a sync round failed on this tablet rather than on the network or at the
    central store: a full disk while keeping what was sent or pulled, a queued photo that cannot be read.
    The app's own errors have words for a screen; the device's file paths stay in the log."""
    if isinstance(exc, AuditAppError):
        what = exc.for_screen
    elif isinstance(exc, OSError):
        what = f"this tablet could not read or write its files ({exc.strerror or type(exc).__name__})"
    else:
        what = f"an unexpected error ({type(exc).__name__})"
    what = what.rstrip(".")
    return f"Sync stopped on this tablet: {what}. Nothing captured is lost; sync tries again shortly."


def damage_notice(damage: str | None, *, syncs: bool) -> str | None:
    """The workspace journal's damage, in words, with what to do (None when the journal is whole)."""
    if not damage:
        return None
    keep = (
        "sync now so that the central store holds everything"
        if syncs
        else "export its audit reports to keep a copy off this tablet"
    )
    return (
        f"This workspace's journal on this tablet is damaged ({damage}). Its audits are intact; {keep}, "
        "and tell IT before relying on this tablet alone."
    )


def notices(view: SyncView, now: dt.datetime) -> str | None:
    """Every notice of the panel, the journal's damage first (None when there is none)."""
    damage = damage_notice(view.journal_damage, syncs=view.configured)
    found = [n for n in (damage, refusal_notice(view.refused_checklists, now)) if n]
    return " ".join(found) or None


def refusal_notice(refused: tuple[tuple[str, str, str], ...], now: dt.datetime) -> str | None:
    """The latest checklist update this device refused, in words (None when none waits for attention)."""
    if not refused:
        return None
    at, checklist_id, why = refused[-1]
    what = f"checklist {checklist_id}" if checklist_id else "a checklist"
    more = f" ({len(refused)} checklist updates refused in all)" if len(refused) > 1 else ""
    return (
        f"An update of {what} from the central store was refused {when(at, now)}: {why}{more}. "
        "Audits on this tablet are not affected; tell your quality manager."
    )


def sync_panel(view: SyncView, *, sending: bool = False, now: dt.datetime | None = None) -> SyncPanel:
    """The panel for a sync state; `sending` is True while a sync the user started is running."""
    now = now or dt.datetime.now().astimezone()
    byte_count = view.waiting_bytes
    sending = sending or view.sending
    waiting = _waiting(view.waiting_events, byte_count)
    last = f"Last sync {when(view.last_success, now)}" if view.last_success else "Not synced yet"
    if not view.configured:
        return SyncPanel(
            "offline_only",
            "Offline only: this workspace has no central store",
            waiting.replace("waiting to be sent", "kept on this device")
            if view.waiting_events
            else "Nothing captured yet",
            "Nothing is sent anywhere",
            None,
            False,
            view.waiting_events,
            byte_count,
            notice=damage_notice(view.journal_damage, syncs=False),
        )
    if view.last_error:
        tone: Tone = "problem"
    elif view.waiting_events or byte_count:
        tone = "waiting"
    else:
        tone = "synced"
    connection = "Online" if view.online else "Offline"
    progress = None
    if sending:  # photo bytes are most of the time a round takes when there are any; else changes
        done, left = (
            (view.sent_bytes, view.waiting_bytes)
            if view.sent_bytes or view.waiting_bytes
            else (view.sent_events, view.waiting_events)
        )
        progress = done / (done + left) if done else None
    return SyncPanel(
        tone,
        connection,
        waiting,
        last,
        view.last_error,
        sending,
        view.waiting_events,
        byte_count,
        progress,
        notices(view, now),
    )
