"""Configuration: every option is a command-line flag with an AUDITAPP_* environment variable behind it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def env(name: str, default: str) -> str:
    """The value of AUDITAPP_<name>, or default."""
    return os.environ.get(f"AUDITAPP_{name}", default)


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
            port=int(env("SERVER_PORT", "8765")),
            token_minutes=int(env("TOKEN_MINUTES", "30")),
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

    @classmethod
    def from_env(cls) -> FieldConfig:
        """Defaults: the workspace under AUDITAPP_HOME/field, no central store."""
        workspaces = env("WORKSPACES", "")
        return cls(
            workspace=Path(env("WORKSPACE", str(data_home() / "field" / "default"))),
            host=env("FIELD_HOST", "127.0.0.1"),
            port=int(env("FIELD_PORT", "8550")),
            server_url=env("SERVER_URL", "") or None,
            sync_interval_s=float(env("SYNC_INTERVAL", "5")),
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
            raise ValueError(f"AUDITAPP_SMTP_TLS: {tls!r} is not starttls, ssl or none")
        return cls(
            host=env("SMTP_HOST", ""),
            port=int(env("SMTP_PORT", "465" if tls == "ssl" else "587")),
            user=env("SMTP_USER", ""),
            password=env("SMTP_PASSWORD", ""),
            sender=env("SMTP_FROM", "auditapp@localhost"),
            tls=tls,
            timeout_s=float(env("SMTP_TIMEOUT_SECONDS", "30")),
            retry_s=float(env("SMTP_RETRY_SECONDS", "60")),
            max_attempts=int(env("SMTP_MAX_ATTEMPTS", "10")),
            reminder_interval_s=60 * float(env("REMINDER_INTERVAL_MINUTES", "60")),
            reminder_days=int(env("REMINDER_DAYS", "7")),
        )
