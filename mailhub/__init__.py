"""mailhub: e-mail ingestion and dispatch for an Education and Training Office."""

__version__ = "0.1.0"
