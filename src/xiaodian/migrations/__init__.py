"""Alembic migrations (run with `xiaodian migrate`)."""
