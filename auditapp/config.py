"""Configuration from AUDITAPP_* environment variables: the defaults of the command-line options that name
one in their help, and the settings that are variables only. A bad value is a ConfigError naming the
variable."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from auditapp.domain.errors import ValidationError

MIN_PORT = 1
MAX_PORT = 65535


class ConfigError(ValidationError):
    """A setting that cannot be used; the message names the variable or option and what is wrong with it."""


def env(name: str, default: str) -> str:
    """The value of AUDITAPP_<name>, or default."""
    return os.environ.get(f"AUDITAPP_{name}", default)


def parse_int(text: str, where: str | None, minimum: int | None = None, maximum: int | None = None) -> int:
    """`text` as a whole number within [minimum, maximum]; ConfigError naming `where` otherwise."""
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigError(f"{text!r} is not a whole number", where) from None
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        raise ConfigError(f"{value} is not between {minimum} and {maximum}", where)
    if minimum is not None and value < minimum:
        raise ConfigError(f"{value} is less than {minimum}", where)
    if maximum is not None and value > maximum:
        raise ConfigError(f"{value} is more than {maximum}", where)
    return value


def parse_float(text: str, where: str | None, minimum: float | None = None, *, above: bool = False) -> float:
    """`text` as a finite number at least `minimum` (more than it when `above`); ConfigError otherwise."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ConfigError(f"{text!r} is not a number", where) from None
    if not math.isfinite(value):
        raise ConfigError(f"{text!r} is not a finite number", where)
    if minimum is not None and (value <= minimum if above else value < minimum):
        raise ConfigError(f"{text.strip()} is {'not more' if above else 'less'} than {minimum:g}", where)
    return value


def parse_port(text: str, where: str | None) -> int:
    """A TCP port number, 1 to 65535."""
    value = parse_int(text, where)
    if not MIN_PORT <= value <= MAX_PORT:
        raise ConfigError(f"{value} is not a port number ({MIN_PORT} to {MAX_PORT})", where)
    return value


def parse_chunk_size(text: str, where: str | None) -> int:
    """Bytes per photo upload request, within what the sync protocol allows."""
    from sync.blobs import MAX_CHUNK_SIZE, MIN_CHUNK_SIZE  # only when set: sync is slow to import

    value = parse_int(text, where)
    if not MIN_CHUNK_SIZE <= value <= MAX_CHUNK_SIZE:
        limits = f"between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} (16 MiB)"
        raise ConfigError(f"{value} is not a chunk size in bytes {limits}", where)
    return value


def env_int(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    """AUDITAPP_<name> as a whole number (default when unset or empty); ConfigError naming the variable."""
    text = env(name, "")
    return default if not text.strip() else parse_int(text, f"AUDITAPP_{name}", minimum, maximum)


def env_float(name: str, default: float, minimum: float | None = None, *, above: bool = False) -> float:
    """AUDITAPP_<name> as a number (default when unset or empty); ConfigError naming the variable."""
    text = env(name, "")
    return default if not text.strip() else parse_float(text, f"AUDITAPP_{name}", minimum, above=above)


def env_port(name: str, default: int) -> int:
    """AUDITAPP_<name> as a port number, 1 to 65535 (default when unset or empty)."""
    text = env(name, "")
    return default if not text.strip() else parse_port(text, f"AUDITAPP_{name}")


def env_chunk_size() -> int | None:
    """AUDITAPP_SYNC_CHUNK_SIZE in bytes, or None (sync's default) when unset."""
    text = env("SYNC_CHUNK_SIZE", "")
    return parse_chunk_size(text, "AUDITAPP_SYNC_CHUNK_SIZE") if text.strip() else None


def metrics_cache_seconds() -> float:
    """AUDITAPP_METRICS_CACHE_SECONDS: how long the dashboard's figures are reused (default 10, 0: never);
    the server reads it at start, so a bad value stops it there (ConfigError naming the variable)."""
    return env_float("METRICS_CACHE_SECONDS", 10.0, 0)


def data_home() -> Path:
    """Where the app keeps its files unless told otherwise (AUDITAPP_HOME)."""
    return Path(env("HOME", str(Path.home() / ".auditapp"))).expanduser()


@dataclass(frozen=True)
class ServerConfig:
    """How the central store runs."""

    database_url: str
    blob_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token_minutes: int = 30

    @classmethod
    def from_env(cls) -> ServerConfig:
        """Defaults: SQLite and blobs under AUDITAPP_HOME/central."""
        central = data_home() / "central"
        return cls(
            database_url=env("DATABASE_URL", f"sqlite:///{central / 'central.db'}"),
            blob_dir=Path(env("BLOB_DIR", str(central / "blobs"))),
            host=env("SERVER_HOST", "127.0.0.1"),
            port=env_port("SERVER_PORT", 8765),
            token_minutes=env_int("TOKEN_MINUTES", 30, minimum=1),
        )


@dataclass(frozen=True)
class FieldConfig:
    """How the field app runs on this device."""

    workspace: Path
    host: str = "127.0.0.1"
    port: int = 8550
    server_url: str | None = None
    sync_interval_s: float = 5.0
    workspaces: Path | None = None
    """Folder of the workspace list and of new workspaces; None means the folder holding `workspace`."""
    reopen_last: bool = False
    """Start on the workspace opened last instead of `workspace` (when no workspace was named)."""
    sync_chunk_size: int | None = None
    """Bytes per photo upload request; None means sync's DEFAULT_CHUNK_SIZE (2 MiB)."""

    @classmethod
    def from_env(cls) -> FieldConfig:
        """Defaults: the workspace under AUDITAPP_HOME/field, no central store."""
        workspaces = env("WORKSPACES", "")
        return cls(
            workspace=Path(env("WORKSPACE", str(data_home() / "field" / "default"))),
            host=env("FIELD_HOST", "127.0.0.1"),
            port=env_port("FIELD_PORT", 8550),
            server_url=env("SERVER_URL", "") or None,
            sync_interval_s=env_float("SYNC_INTERVAL", 5.0, 0, above=True),
            sync_chunk_size=env_chunk_size(),
            workspaces=Path(workspaces) if workspaces else None,
            reopen_last=not env("WORKSPACE", ""),
        )

    @property
    def workspace_list_folder(self) -> Path:
        """Where the list of workspaces lives and new workspaces are created."""
        return self.workspaces or self.workspace.parent


@dataclass(frozen=True)
class SmtpConfig:
    """Where reminder e-mail goes (AUDITAPP_SMTP_*); mail is off while no host is set."""

    host: str = ""
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = "auditapp@localhost"
    tls: str = "starttls"
    """starttls (upgrade a plain connection), ssl (TLS from the start, usually port 465) or none."""
    timeout_s: float = 30.0
    retry_s: float = 60.0
    """Wait before the first retry of a failed send; doubles each time, at most an hour."""
    max_attempts: int = 10
    reminder_interval_s: float = 3600.0
    """How often the store looks for actions and effectiveness windows coming due."""
    reminder_days: int = 7
    """How many days ahead a due date counts as coming due."""

    @property
    def enabled(self) -> bool:
        """Whether e-mail is configured at all."""
        return bool(self.host)

    @classmethod
    def from_env(cls) -> SmtpConfig:
        """AUDITAPP_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _TLS, _RETRY_SECONDS; AUDITAPP_REMINDER_*."""
        tls = env("SMTP_TLS", "starttls").strip().lower()
        if tls not in ("starttls", "ssl", "none"):
            raise ConfigError(f"{tls!r} is not starttls, ssl or none", "AUDITAPP_SMTP_TLS")
        return cls(
            host=env("SMTP_HOST", ""),
            port=env_port("SMTP_PORT", 465 if tls == "ssl" else 587),
            user=env("SMTP_USER", ""),
            password=env("SMTP_PASSWORD", ""),
            sender=env("SMTP_FROM", "auditapp@localhost"),
            tls=tls,
            timeout_s=env_float("SMTP_TIMEOUT_SECONDS", 30.0, 0, above=True),
            retry_s=env_float("SMTP_RETRY_SECONDS", 60.0, 0, above=True),
            max_attempts=env_int("SMTP_MAX_ATTEMPTS", 10, minimum=1),
            reminder_interval_s=60 * env_float("REMINDER_INTERVAL_MINUTES", 60.0, 0, above=True),
            reminder_days=env_int("REMINDER_DAYS", 7, minimum=0),
        )
