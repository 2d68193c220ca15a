"""The real central store fixture of the central tests, shared by the report tests."""

from tests.integration.central.conftest import central

__all__ = ["central"]
