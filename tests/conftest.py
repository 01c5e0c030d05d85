"""Fixtures for the template's own tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis
import support

# The PostgreSQL server the generated postgresql variants are tested against.
POSTGRES_ADMIN_URL = os.environ.get(
    "ARCHETYPE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# The Redis server the generated services share their rate limits through.
REDIS_URL = os.environ.get("ARCHETYPE_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """A database created on the server and dropped when the block ends, as an asyncpg URL."""
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


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A database created for one test and dropped after it, as an asyncpg URL."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture
def redis_key_prefix() -> Iterator[str]:
    """A key prefix of one test's own in the shared Redis; its keys are deleted after the test."""
    prefix = f"archetype-{uuid.uuid4().hex[:16]}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({error}); start it, or set "
            "ARCHETYPE_REDIS_URL to a Redis this test may write keys to."
        )
    with client:
        try:
            yield prefix
        finally:
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)


@pytest.fixture(scope="session", autouse=True)
def shared_renders(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`support.rendered` renders into the run's own temporary folder, the one all xdist workers
    share (pytest removes it with the runs it keeps no longer)."""
    base = tmp_path_factory.getbasetemp()
    worker = hasattr(request.config, "workerinput")
    support.SHARED_RENDERS = (base.parent if worker else base) / "shared-renders"
