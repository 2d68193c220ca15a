"""Devices as administrators see them: who they belong to, their status, and revocation (recorded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import trail
from auditapp.central.auth import now
from auditapp.central.errors import ApiError
from auditapp.central.tables import Device, User


@dataclass(frozen=True)
class DeviceInfo:
    """A device as listed for an administrator."""

    id: str
    name: str
    username: str
    status: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None


def info(device: Device, username: str) -> DeviceInfo:
    """The listed form of a device row."""
    return DeviceInfo(device.id, device.name, username, device.status, device.created_at, device.revoked_at)


def list_all(session: Session) -> list[DeviceInfo]:
    """Every device with its user and status, oldest first."""
    rows = session.execute(
        select(Device, User.username)
        .join(User, User.id == Device.user_id)
        .order_by(Device.created_at, Device.id)
    )
    return [info(device, username) for device, username in rows]


def revoke_active(session: Session, actor: str, user_id: str | None = None) -> list[str]:
    """Revoke every device not yet revoked (only the user's, when given), each recorded; their ids."""
    query = select(Device).where(Device.status != "revoked").order_by(Device.id)
    if user_id is not None:
        query = query.where(Device.user_id == user_id)
    revoked = []
    for device in session.scalars(query):
        _revoke(session, device, actor)
        revoked.append(device.id)
    return revoked


def _revoke(session: Session, device: Device, actor: str) -> None:
    if device.status != "revoked":
        old = device.status
        device.status = "revoked"
        device.revoked_at = now()
        trail.record(session, actor, "device", device.id, "revoke", {"status": (old, "revoked")})


def revoke(session: Session, device_id: str, actor: str) -> DeviceInfo:
    """Refuse everything the device sends from now on (recorded); revoking twice changes nothing."""
    device = session.get(Device, device_id)
    if device is None:
        raise ApiError(404, "unknown_device", f"device: no device with id {device_id!r}")
    _revoke(session, device, actor)
    owner = session.get(User, device.user_id)
    return info(device, owner.username if owner else "")
