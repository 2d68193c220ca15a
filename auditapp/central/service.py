"""Administration of the central store from the command line: schema, users, enrollment codes, devices."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from auditapp.central import auth, devices, enrollment, locks, mail, metric_counts, trail
from auditapp.central.database import (
    EXAMPLE_FILE_URL,
    URL_OPTION,
    Database,
    DatabaseUrlError,
    check_connection,
    is_in_memory,
    migrate,
    parse_url,
)
from auditapp.central.devices import DeviceInfo
from auditapp.central.enrollment import IssuedCode
from auditapp.central.errors import ApiError
from auditapp.central.mail import EMAIL_PATTERN
from auditapp.central.tables import User
from auditapp.domain.errors import AuditAppError
from sync.keys import b64encode

__all__ = [
    "AdminError",
    "DatabaseUrlError",
    "DeviceInfo",
    "InitResult",
    "check_name",
    "create_user",
    "deactivate_user",
    "init_store",
    "issue_enrollment_code",
    "list_devices",
    "open_database",
    "open_existing_database",
    "reactivate_user",
    "rebuild_metrics",
    "revoke_device",
    "set_role",
    "verify_trail",
]


class AdminError(AuditAppError):
    """A refused administration request, with the reason."""


@dataclass(frozen=True)
class InitResult:
    """What `admin init` set up: the first administrator and the store's key file."""

    user_id: str
    key_path: Path
    signing_public: str


def open_database(url: str) -> Database:
    """Connect and migrate the schema to the newest version.

    The URL comes from the command line (--database-url or AUDITAPP_DATABASE_URL): DatabaseUrlError says
    what is wrong with it. An in-memory SQLite database is refused, as nothing written to it would persist.
    """
    if is_in_memory(parse_url(url)):
        raise DatabaseUrlError(f"sqlite needs a file path, e.g. {EXAMPLE_FILE_URL}")
    database = Database(url)
    try:
        check_connection(database.engine)
        migrate(database.engine)
    except BaseException:
        database.dispose()
        raise
    return database


def open_existing_database(url: str) -> Database:
    """Connect to a central store that exists and migrate it, for commands that work on one (listing
    devices, verifying the trail, codes, roles): a SQLite file that is not there is refused and never made,
    nor is a database without the store's tables set up, so a mistyped URL creates nothing."""
    parsed = parse_url(url)
    if is_in_memory(parsed):
        raise DatabaseUrlError(f"sqlite needs a file path, e.g. {EXAMPLE_FILE_URL}")
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database).expanduser().absolute()
        if not path.is_file():
            raise AdminError(
                f"no central store database at {path}; check {URL_OPTION} "
                "(`auditapp admin init` sets up a new store)"
            )
    database = Database(url)
    try:
        check_connection(database.engine)
        if not inspect(database.engine).has_table("alembic_version"):
            where = database.engine.url.render_as_string(hide_password=True)
            raise AdminError(
                f"no central store in the database {where} (it has none of the store's tables); check "
                f"{URL_OPTION} (`auditapp admin init` sets up a new store)"
            )
        migrate(database.engine)
    except BaseException:
        database.dispose()
        raise
    return database


def check_name(value: str, option: str, what: str) -> None:
    """Refuse a printed or device name with control characters, naming the option (before any prompt)."""
    try:
        auth.check_printable(value, option, what)
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def _role(role: str) -> auth.Role:
    try:
        return auth.Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in auth.Role)
        raise AdminError(f"role: {role!r} is not one of {choices}") from None


def create_user(
    database: Database,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    actor: str = trail.SYSTEM_ACTOR,
    email: str | None = None,
) -> str:
    """Add a user (recorded in the audit trail), optionally with an address for reminders; returns its id."""
    role_value = _role(role)
    if email is not None and not re.fullmatch(EMAIL_PATTERN, email):
        raise AdminError(f"email: {email!r} is not an e-mail address")
    try:
        with database.transaction() as session:
            user = auth.create_user(session, username, password, role_value, display_name, actor)
            if email:
                mail.change_email(session, user.id, email, actor)
            return user.id
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AdminError(f"user: no user named {username!r}")
    return user


def set_role(database: Database, username: str, role: str, actor: str) -> None:
    """Give a user another role (recorded in the audit trail)."""
    role_value = _role(role)
    try:
        with database.transaction() as session:
            auth.set_role(session, _user(session, username), role_value, actor)
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def deactivate_user(database: Database, username: str, actor: str) -> None:
    """Switch a user off (recorded in the audit trail); they can no longer sign in."""
    try:
        with database.transaction() as session:
            auth.deactivate(session, _user(session, username), actor)
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def reactivate_user(database: Database, username: str, actor: str) -> str:
    """Switch a deactivated user on again (recorded in the audit trail); they sign in with their password,
    and their devices stay revoked until enrolled again. Returns the user's role."""
    try:
        with database.transaction() as session:
            user = _user(session, username)
            auth.reactivate(session, user, actor)
            return user.role
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def init_store(
    database: Database,
    key_path: Path,
    username: str,
    password: str,
    display_name: str = "",
    actor: str = trail.SYSTEM_ACTOR,
) -> InitResult:
    """Create the first administrator and the store's key pair; refused once any administrator exists."""
    try:
        auth.check_new_user(username, password, display_name)  # before any key file is written
    except ApiError as exc:
        raise AdminError(exc.message) from exc
    with database.transaction() as session:
        admin = session.scalar(select(User.username).where(User.role == auth.Role.ADMIN.value).limit(1))
    if admin is not None:
        raise AdminError(
            f"the store is already set up: administrator {admin!r} exists (use `auditapp admin create-user`)"
        )
    keys = enrollment.load_store_keys(key_path)
    try:
        with database.transaction() as session:
            enrollment.pin_store_keys(session, keys, key_path)
            user = auth.create_user(session, username, password, auth.Role.ADMIN, display_name, actor)
            return InitResult(user.id, key_path, b64encode(keys.public.signing))
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
        return devices.list_all(session)


def revoke_device(database: Database, device_id: str, actor: str = trail.SYSTEM_ACTOR) -> None:
    """Refuse everything the device sends from now on (recorded in the audit trail)."""
    try:
        with database.transaction() as session:
            devices.revoke(session, device_id, actor)
    except ApiError as exc:
        raise AdminError(exc.message) from exc


def replace_store_keys(database: Database, key_path: Path, actor: str = trail.SYSTEM_ACTOR) -> list[str]:
    """New store keys in place of a lost or exposed key file; returns the devices revoked by it, which must
    be enrolled again (their unsent data waits on them). The new file is written first under another name,
    put in place only once the database has pinned its keys; running servers refuse to sync until they are
    restarted with it."""
    keys, staged = enrollment.stage_key_file(key_path)
    try:
        with database.transaction() as session:
            locks.write_lock(session)
            revoked = enrollment.pin_replacement(session, keys, actor)
    except BaseException:
        staged.unlink(missing_ok=True)  # nothing was pinned: the old key file stays the one in use
        raise
    enrollment.install_key_file(staged, key_path)
    return revoked


def rebuild_metrics(database: Database) -> int:
    """Recount the dashboard counters from the tables (ADR 0075); returns how many were wrong or missing."""
    with database.transaction() as session:
        return metric_counts.rebuild(session)


def verify_trail(database: Database) -> trail.Verification:
    """Recompute the audit trail's hash chain."""
    with database.transaction() as session:
        return trail.verify(session)
