"""Users and devices for administrators, and enrollment codes with their QR code."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import segno

from auditapp.domain.errors import ValidationError
from auditapp.services.quality import timefmt
from auditapp.services.quality.port import Json, QualityApi
from auditapp.services.quality.roles import ROLE_LABEL, ROLES, abilities

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class UserRow:
    """One user in the users list."""

    user_id: str
    username: str
    display_name: str
    role: str
    active: bool

    @property
    def role_label(self) -> str:
        """The role in plain words."""
        return ROLE_LABEL.get(self.role, self.role)


@dataclass(frozen=True)
class DeviceRow:
    """One enrolled device."""

    device_id: str
    name: str
    username: str
    status: str
    enrolled: str
    revoked: str

    @property
    def active(self) -> bool:
        """Whether the device may still sync."""
        return self.status == "active"


@dataclass(frozen=True)
class EnrollmentCode:
    """A one-time code to type (or scan) on a tablet, with its QR code as PNG bytes."""

    code: str
    username: str
    expires: str
    qr_png: bytes


def users_from(items: Sequence[Json]) -> list[UserRow]:
    """Rows from the store's user objects."""
    return [
        UserRow(
            str(u["id"]),
            str(u["username"]),
            str(u.get("display_name") or u["username"]),
            str(u.get("role") or ""),
            bool(u.get("active", True)),
        )
        for u in items
    ]


def devices_from(items: Sequence[Json]) -> list[DeviceRow]:
    """Rows from the store's device objects."""
    return [
        DeviceRow(
            str(d["id"]),
            str(d.get("name") or "unnamed device"),
            str(d.get("username") or ""),
            str(d.get("status") or ""),
            timefmt.local(d.get("created_at")),
            timefmt.local(d.get("revoked_at")),
        )
        for d in items
    ]


def new_user(username: str, display_name: str, role: str, password: str) -> Json:
    """The request body for a new user; ValidationError names the first field to fix."""
    name = username.strip()
    if not USERNAME.match(name):
        raise ValidationError("use letters, digits and . _ @ - only (up to 80 characters)", "Username")
    if role not in ROLES:
        raise ValidationError(f"choose one of: {', '.join(ROLE_LABEL.values())}", "Role")
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"use at least {MIN_PASSWORD} characters", "Initial password")
    return {
        "username": name,
        "display_name": display_name.strip() or name,
        "role": role,
        "password": password,
    }


def qr_png(text: str) -> bytes:
    """A QR code of the text as PNG bytes, large enough to scan from a screen: a full QR code (a camera app
    does not read the smaller Micro QR codes), with the four-module quiet zone scanners expect."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def load_users(api: QualityApi) -> list[UserRow]:
    """Every user."""
    return users_from(api.users())


def load_devices(api: QualityApi) -> list[DeviceRow]:
    """Every device."""
    return devices_from(api.devices())


def create_user(api: QualityApi, username: str, display_name: str, role: str, password: str) -> UserRow:
    """Create a user after checking the form; the store's refusals come back as CentralApiError."""
    return users_from([api.create_user(new_user(username, display_name, role, password))])[0]


def set_role(api: QualityApi, user_id: str, role: str) -> UserRow:
    """Give a user another role."""
    if role not in ROLES:
        raise ValidationError(f"choose one of: {', '.join(ROLE_LABEL.values())}", "Role")
    return users_from([api.set_role(user_id, role)])[0]


def deactivate(api: QualityApi, user_id: str) -> UserRow:
    """Switch a user off."""
    return users_from([api.deactivate_user(user_id)])[0]


def reactivate(api: QualityApi, user_id: str) -> UserRow:
    """Switch a deactivated user on again: they sign in with their password, their devices stay revoked."""
    return users_from([api.reactivate_user(user_id)])[0]


def reactivated_message(row: UserRow) -> str:
    """What the administrator is told once a user is active again; a new enrollment code is mentioned only
    for a role that may have a tablet."""
    said = f"{row.username} can sign in again with their password."
    if abilities(row.role).audits_in_field:
        said += " Their devices stay revoked: issue a new enrollment code for a tablet."
    return said


def revoke(api: QualityApi, device_id: str) -> DeviceRow:
    """Revoke a device."""
    return devices_from([api.revoke_device(device_id)])[0]


def issue_code(api: QualityApi, username: str) -> EnrollmentCode:
    """A fresh enrollment code for a user's device, with its QR code."""
    if not username.strip():
        raise ValidationError("enter the username of the person who will use the device", "Username")
    reply = api.issue_code(username.strip())
    code = str(reply["code"])
    return EnrollmentCode(
        code, str(reply.get("username") or username), timefmt.local(reply.get("expires_at")), qr_png(code)
    )
