"""Administration of the central store from the command line: schema, users, enrollment codes, devices."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from auditapp.central import auth, enrollment
from auditapp.central.database import Database, migrate
from auditapp.central.enrollment import IssuedCode
from auditapp.central.errors import ApiError
from auditapp.central.tables import Device, User
from auditapp.domain.errors import AuditAppError


class AdminError(AuditAppError):
    """A refused administration request, with the reason."""


@dataclass(frozen=True)
class DeviceInfo:
    """A device as listed for an administrator."""

    id: str
    name: str
    username: str
    status: str


def open_database(url: str) -> Database:
    """Connect and migrate the schema to the newest version."""
    database = Database(url)
    migrate(database.engine)
    return database


def create_user(database: Database, username: str, password: str, role: str, display_name: str = "") -> str:
    """Add a user; returns its id."""
    try:
        role_value = auth.Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in auth.Role)
        raise AdminError(f"role: {role!r} is not one of {choices}") from None
    try:
        with database.transaction() as session:
            return auth.create_user(session, username, password, role_value, display_name).id
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def issue_enrollment_code(database: Database, username: str, issued_by: str = "") -> IssuedCode:
    """A one-time code (valid 15 minutes) that enrolls one device for the user."""
    try:
        with database.transaction() as session:
            return enrollment.issue_code(session, username, issued_by)
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def list_devices(database: Database) -> list[DeviceInfo]:
    """Every device with its user and status."""
    with database.transaction() as session:
        rows = session.execute(select(Device, User.username).join(User, User.id == Device.user_id))
        return [DeviceInfo(d.id, d.name, username, d.status) for d, username in rows]


def revoke_device(database: Database, device_id: str) -> None:
    """Refuse everything the device sends from now on."""
    with database.transaction() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise AdminError(f"device: no device with id {device_id!r}")
        device.status = "revoked"
        device.revoked_at = auth.now()
