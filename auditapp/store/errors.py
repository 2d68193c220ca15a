"""Errors the field store reports to the user.

Each names the store folder it concerns (for the command line and the log) and has words for a screen
(`for_screen`), which names the workspace itself and has no use for the device's paths.
"""

from __future__ import annotations

import errno
from pathlib import Path

from auditapp.domain.errors import AuditAppError, NotFoundError


class StoreError(AuditAppError):
    """Something is wrong with the field store on this device."""

    def __init__(self, message: str, *, on_screen: str | None = None, may_be_saved: bool = False):
        super().__init__(message)
        self._on_screen = on_screen
        # A write that failed and could not be undone: what it wrote may be read back at the next unlock.
        self.may_be_saved = may_be_saved

    @property
    def for_screen(self) -> str:
        return self._on_screen or str(self)


class StoreLockedError(StoreError):
    """Another process (a second app window, a stuck app) already has this store open."""

    def __init__(self, folder: Path):
        close = "close the other app window first"
        super().__init__(
            f"the field store in {folder} is already open in another process; {close}",
            on_screen=f"this workspace is already open in another app window; {close}",
        )
        self.folder = folder


class WrongPassphraseError(StoreError):
    """The passphrase does not unlock the store's data key; nothing was read or changed."""

    def __init__(self, folder: Path):
        super().__init__(
            f"wrong passphrase for the field store in {folder}; nothing was changed",
            # The hint belongs to this error only: a missing or damaged file is not a typing slip.
            on_screen=(
                "wrong passphrase; nothing was changed. Passphrases are case-sensitive: "
                "check Caps Lock and try again"
            ),
        )
        self.folder = folder


class WrongRecoveryKeyError(StoreError):
    """The recovery key does not unlock the store's data key; nothing was read or changed."""

    def __init__(self, folder: Path):
        check = "check it against the paper (letters and digits, dashes optional); nothing was changed"
        super().__init__(
            f"this recovery key does not open the field store in {folder}; {check}",
            on_screen=f"this recovery key does not open this workspace; {check}",
        )
        self.folder = folder


class NoRecoveryKeyError(StoreError):
    """The store has no recovery key (set up before recovery keys, or none was made yet)."""

    def __init__(self, folder: Path):
        only = "only its passphrase opens it; nothing was changed"
        super().__init__(
            f"the field store in {folder} has no recovery key; {only}",
            on_screen=f"this workspace has no recovery key; {only}",
        )
        self.folder = folder


class StoreExistsError(StoreError):
    """`FieldStore.create` was pointed at a folder that already holds a store."""

    def __init__(self, folder: Path):
        super().__init__(
            f"a field store already exists in {folder}; open it instead of creating a new one",
            on_screen="this workspace's folder already holds a workspace; "
            "open it instead of setting up a new one",
        )
        self.folder = folder


class StoreMissingError(StoreError, NotFoundError):
    """`FieldStore.open` was pointed at a folder without a store."""

    def __init__(self, folder: Path):
        super().__init__(
            f"no field store in {folder}; create one first",
            on_screen="this workspace holds no data on this device; set it up first",
        )
        self.folder = folder


class StoreCorruptError(StoreError):
    """A file of the store fails its integrity check somewhere other than a torn last write."""

    def __init__(self, path: Path, detail: str):
        super().__init__(
            f"the field store file {path} is damaged: {detail}; keep a copy of the folder",
            on_screen=f"the workspace's file {path.name} is damaged: {detail}; "
            "keep a copy of the workspace folder",
        )
        self.path = path


FULL_DEVICE = (errno.ENOSPC, errno.EDQUOT)
"""What the operating system answers when a device (or the user's quota on it) is full."""


def photo_not_saved(doing: str, exc: OSError) -> StoreError:
    """The error for a photo that could not be kept (`doing`: what failed, where, for the log); a full device
    says so in words an auditor acts on, and either way that nothing was saved."""
    why = exc.strerror or str(exc)
    if exc.errno in FULL_DEVICE:
        return StoreError(
            f"{doing}: the device is full ({why}); nothing was saved",
            on_screen="the tablet is full: free some space on it, then try again; nothing was saved",
        )
    return StoreError(
        f"{doing}: {why}; nothing was saved",
        on_screen=f"could not save the photo on this device ({why}); nothing was saved: try again",
    )
