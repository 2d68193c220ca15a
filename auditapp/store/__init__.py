"""The device's local store: crash-safe, encrypted at rest, and the only place that imports TinyDB."""

from auditapp.store.errors import (
    NoRecoveryKeyError,
    StoreCorruptError,
    StoreError,
    StoreExistsError,
    StoreLockedError,
    StoreMissingError,
    WrongPassphraseError,
    WrongRecoveryKeyError,
)
from auditapp.store.field_store import FieldStore

__all__ = [
    "FieldStore",
    "NoRecoveryKeyError",
    "StoreCorruptError",
    "StoreError",
    "StoreExistsError",
    "StoreLockedError",
    "StoreMissingError",
    "WrongPassphraseError",
    "WrongRecoveryKeyError",
]
