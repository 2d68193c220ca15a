"""Field app and central store for ISO 13485 audits."""

__version__ = "0.1.0"
