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

# The tests that take longest, slowest first, as measured on a full run (docs/benchmarks.md). xdist
# deals out work in units (a test, or every test of an xdist group) in the order the tests were
# collected (`--no-loadscope-reorder`, pyproject.toml), and a run ends with its last unit: dealt
# out last, a four-minute update runs alone while the other worker has nothing left to do. Dealt
# out first, the long units run side by side and the short tests fill the gaps at the end.
SLOWEST_FIRST = (
    # 2-4 minutes a test: a full update of a project with a team's month of work.
    "tests/test_update_history.py::",
    # 2-4 minutes a group: the add-resource skill followed, then every check.
    "tests/test_generated_projects.py::test_following_the_add_resource_skill",
    "tests/test_generated_projects.py::test_the_add_resource_skill",
    # 1-2 minutes a test.
    "tests/test_fuzzing.py::",
    "tests/test_update.py::test_the_readme_answer_switch_works_as_written",
    "tests/test_update.py::test_an_updated_project_passes_its_own_checks_and_tests",
    "tests/test_first_hour.py::",
    # 1-4 minutes a group: a profile's production runs, a variant's install, checks and suite.
    "tests/test_production.py::",
    "tests/test_generated_projects.py::",
)


def slowness_rank(item: pytest.Item) -> int:
    """Where the test's unit is dealt out: the first of SLOWEST_FIRST it falls under, or after all
    of them (in the order collected: the sort is stable)."""
    return next(
        (rank for rank, prefix in enumerate(SLOWEST_FIRST) if item.nodeid.startswith(prefix)),
        len(SLOWEST_FIRST),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=slowness_rank)


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
