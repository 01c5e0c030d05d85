"""Fixtures for the template's own tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

# The PostgreSQL server the generated postgresql variants are tested against.
POSTGRES_ADMIN_URL = os.environ.get(
    "ARCHETYPE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A database created for one test and dropped after it, as an asyncpg URL."""
    name = f"archetype_{uuid.uuid4().hex[:16]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}); start it, or set "
            "ARCHETYPE_POSTGRES_URL to a server where this user may create databases."
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            host = admin.info.host
            port = admin.info.port
            user = admin.info.user
            yield f"postgresql+asyncpg://{user}@{host}:{port}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
