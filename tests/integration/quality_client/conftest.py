"""The real central store fixture (SQLite and PostgreSQL) for the quality app's API client tests."""

from tests.integration.central.conftest import central

__all__ = ["central"]
