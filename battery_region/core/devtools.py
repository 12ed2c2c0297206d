"""Developer and CI helpers run by the Makefile (`python -m battery_region.core.devtools …`)."""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist yet."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")  # noqa: T201


def check_openapi() -> None:
    """Generate the OpenAPI document and validate it against the OpenAPI 3.1 specification."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from openapi_spec_validator import validate

    from config.api import api

    schema = api.get_openapi_schema()
    validate(json.loads(json.dumps(schema)))
    print(f"OpenAPI document valid: {len(schema['paths'])} paths")  # noqa: T201


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "ensure-database":
        ensure_database(argv[1])
        return 0
    if argv[:1] == ["check-openapi"]:
        check_openapi()
        return 0
    print("usage: devtools ensure-database URL | check-openapi", file=sys.stderr)  # noqa: T201
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
