"""The device's local store: crash-safe, encrypted at rest, and the only place that imports TinyDB."""

from auditapp.store.errors import (
    StoreCorruptError,
    StoreError,
    StoreExistsError,
    StoreLockedError,
    StoreMissingError,
    WrongPassphraseError,
)
from auditapp.store.field_store import FieldStore

__all__ = [
    "FieldStore",
    "StoreCorruptError",
    "StoreError",
    "StoreExistsError",
    "StoreLockedError",
    "StoreMissingError",
    "WrongPassphraseError",
]
