"""The quality app's remembered settings: a small JSON file in the user's config folder.

It holds the central store URL and the last username, never a password or a token. The folder is
`AUDITAPP_CONFIG_DIR` when set, else the platform's config folder (`$XDG_CONFIG_HOME/auditapp` or
`~/.config/auditapp` on Linux, `%APPDATA%\\auditapp` on Windows, `~/Library/Application Support/auditapp`
on macOS).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from auditapp.config import env
from auditapp.services.quality.session import Prefs

FILE_NAME = "quality-app.json"


def config_dir() -> Path:
    """The folder for the user's auditapp settings on this platform."""
    configured = env("CONFIG_DIR", "")
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", str(Path.home() / "AppData" / "Roaming"))) / "auditapp"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "auditapp"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "auditapp"


class PrefsFile:
    """Preferences kept as JSON; a missing or unreadable file means "nothing remembered yet"."""

    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / FILE_NAME

    def load(self) -> Prefs:
        """The saved preferences, or empty ones."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return Prefs()
        if not isinstance(raw, dict):
            return Prefs()
        return Prefs(server_url=str(raw.get("server_url") or ""), username=str(raw.get("username") or ""))

    def save(self, prefs: Prefs) -> None:
        """Write the preferences atomically; failing to remember is not worth failing a sign-in for."""
        body = json.dumps({"server_url": prefs.server_url, "username": prefs.username}, indent=2)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(body + "\n", encoding="utf-8")
            os.replace(partial, self.path)
        except OSError:
            pass
