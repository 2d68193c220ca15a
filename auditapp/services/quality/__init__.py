"""Use cases and view-models of the quality desktop app, written against the central store's API port."""
