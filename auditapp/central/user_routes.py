"""Users and devices for administrators: list users, create a user with a role, change a role, deactivate
and reactivate; list devices and revoke one. Every change is recorded in the audit trail under the signed-in
admin.
"""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import auth, devices, mail
from auditapp.central.auth import Role
from auditapp.central.deps import Db, DeviceAdmin, EmailReader, Reader, UserAdmin
from auditapp.central.devices import DeviceInfo
from auditapp.central.errors import ApiError
from auditapp.central.mail import EMAIL_PATTERN, UserEmail
from auditapp.central.paging import Page, PageQuery, SortKey, keyset_page
from auditapp.central.tables import Device, User
from auditapp.central.timestamps import UtcDateTime

router = APIRouter(tags=["users and devices"])

IdPath = Annotated[str, Path(min_length=1, max_length=64)]


class UserOut(BaseModel):
    """A user as an administrator sees it (never the password hash)."""

    id: str
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: UtcDateTime
    email_reminders: bool = Field(
        description="whether reminders are also e-mailed; false: no address, reminders in the app only"
    )


class NewUser(BaseModel):
    """A user to create: username, printed name, role and an initial password."""

    username: str = Field(pattern=auth.USERNAME_PATTERN, description="letters, digits, . _ @ -; up to 80")
    display_name: str = Field(
        default="", max_length=auth.DISPLAY_NAME_MAX, description="printed name, shown on signatures"
    )
    role: Role
    password: str = Field(min_length=auth.PASSWORD_MIN, max_length=auth.PASSWORD_MAX)
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=254, description="reminders")


class EmailChange(BaseModel):
    """A user's address for reminder mail; null removes it."""

    email: str | None = Field(pattern=EMAIL_PATTERN, max_length=254)


class EmailOut(BaseModel):
    """Where a user's reminder mail goes."""

    user_id: str
    email: str | None


class RoleChange(BaseModel):
    """The new role of a user."""

    role: Role


class DeviceOut(BaseModel):
    """A field device, whom it belongs to and whether it may still sync."""

    id: str
    name: str
    username: str
    status: str
    created_at: UtcDateTime | None
    revoked_at: UtcDateTime | None


def _user_out(user: User, has_email: bool) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        active=user.active,
        created_at=user.created_at,
        email_reminders=has_email,
    )


def _user_out_of(session: Session, user: User) -> UserOut:
    return _user_out(user, mail.email_of(session, user.id) is not None)


def _device_out(info: DeviceInfo) -> DeviceOut:
    return DeviceOut.model_validate(info, from_attributes=True)


def _user(session: Db, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise ApiError(404, "unknown_user", f"user_id: no user with id {user_id!r}")
    return user


@router.get("/api/me")
def me(s: Db, caller: Reader) -> UserOut:
    """The signed-in user: name and role, for the app to show what it may offer."""
    return _user_out_of(s, caller)


@router.get("/api/users")
def list_users(s: Db, _admin: UserAdmin, page: PageQuery, active: bool | None = None) -> Page[UserOut]:
    """Every user, by username; `active` filters active or deactivated users. `email_reminders` false marks
    users without an address, who see their reminders in the app only."""
    query = select(User, UserEmail.user_id).outerjoin(UserEmail, UserEmail.user_id == User.id)
    if active is not None:
        query = query.where(User.active.is_(active))
    keys = [SortKey(User.username), SortKey(User.id)]
    return keyset_page(
        s,
        query,
        keys,
        page,
        lambda row: (row[0].username, row[0].id),
        lambda row: _user_out(row[0], row[1] is not None),
    )


@router.post("/api/users", status_code=201)
def create_user(body: NewUser, s: Db, admin: UserAdmin) -> UserOut:
    """Create a user with a role and an initial password (409 `user_exists` if the username is taken)."""
    user = auth.create_user(s, body.username, body.password, body.role, body.display_name, admin.username)
    if body.email:
        mail.change_email(s, user.id, body.email, admin.username)
    return _user_out(user, bool(body.email))


@router.get("/api/users/{user_id}/email")
def get_email(user_id: IdPath, s: Db, _reader: EmailReader) -> EmailOut:
    """Where a user's reminder mail goes (null: reminders in the app only)."""
    return EmailOut(user_id=_user(s, user_id).id, email=mail.email_of(s, user_id))


@router.put("/api/users/{user_id}/email")
def change_email(user_id: IdPath, body: EmailChange, s: Db, admin: UserAdmin) -> EmailOut:
    """Set or remove a user's address for reminder mail."""
    user = _user(s, user_id)
    mail.change_email(s, user.id, body.email, admin.username)
    return EmailOut(user_id=user.id, email=body.email)


@router.put("/api/users/{user_id}/role")
def change_role(user_id: IdPath, body: RoleChange, s: Db, admin: UserAdmin) -> UserOut:
    """Give a user another role (409 `last_admin` when it would leave no active administrator)."""
    user = _user(s, user_id)
    auth.set_role(s, user, body.role, admin.username)
    return _user_out_of(s, user)


@router.post("/api/users/{user_id}/deactivate")
def deactivate(user_id: IdPath, s: Db, admin: UserAdmin) -> UserOut:
    """Switch a user off: they cannot sign in and their sessions end at once (kept for the record)."""
    user = _user(s, user_id)
    auth.deactivate(s, user, admin.username)
    return _user_out_of(s, user)


@router.post("/api/users/{user_id}/reactivate")
def reactivate(user_id: IdPath, s: Db, admin: UserAdmin) -> UserOut:
    """Switch a deactivated user on again: they sign in again with their password; their old sessions and
    revoked devices stay ended (409 `user_active` when the user is active)."""
    user = _user(s, user_id)
    auth.reactivate(s, user, admin.username)
    return _user_out_of(s, user)


@router.get("/api/devices")
def list_devices(s: Db, _admin: DeviceAdmin, page: PageQuery, status: str | None = None) -> Page[DeviceOut]:
    """Every enrolled device with its user and status, oldest first; `status` is active or revoked."""
    query = select(Device, User.username).join(User, User.id == Device.user_id)
    if status is not None:
        if status not in ("active", "revoked"):
            raise ApiError(422, "invalid_request", "status: use active or revoked")
        query = query.where(Device.status == status)
    keys = [SortKey(Device.created_at), SortKey(Device.id)]
    return keyset_page(
        s,
        query,
        keys,
        page,
        lambda row: (row[0].created_at, row[0].id),
        lambda row: _device_out(devices.info(row[0], row[1])),
    )


@router.post("/api/devices/{device_id}/revoke")
def revoke_device(device_id: IdPath, s: Db, admin: DeviceAdmin) -> DeviceOut:
    """Revoke a device: everything it sends from now on is refused; revoking twice changes nothing."""
    return _device_out(devices.revoke(s, device_id, admin.username))
