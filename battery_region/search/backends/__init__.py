"""Search backends behind one interface, chosen by the database in use (`connection.vendor`)."""

from __future__ import annotations

from django.db import connection

from battery_region.search.backends.base import SearchBackend

_instances: dict[str, SearchBackend] = {}


def get_backend() -> SearchBackend:
    """SQLite FTS5 for the embedded default, PostgreSQL full-text search in production."""
    vendor = connection.vendor
    backend = _instances.get(vendor)
    if backend is None:
        if vendor == "sqlite":
            from battery_region.search.backends.sqlite_fts5 import SqliteFts5Backend

            backend = SqliteFts5Backend()
        elif vendor == "postgresql":
            from battery_region.search.backends.postgres import PostgresBackend

            backend = PostgresBackend()
        else:
            raise NotImplementedError(f"no search backend for the {vendor!r} database")
        _instances[vendor] = backend
    return backend
