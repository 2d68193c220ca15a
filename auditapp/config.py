"""Configuration: every option is a command-line flag with an AUDITAPP_* environment variable behind it."""

from __future__ import annotations

import os
from dataclasses import dataclass
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
