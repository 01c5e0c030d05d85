"""The login limit of a generated service run as production runs it: several server processes of
several workers each, behind a proxy or not, counting in the real Redis or failing to reach it.

The limit is one module shared by every profile (api/rate_limit.py), so one profile proves it.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from conftest import REDIS_URL
from production import API, free_port, installed_service, login_attempts, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.production,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.xdist_group("shared-limits"),
]

LIMIT = 10
# An address no test client connects from: a proxy trusted there is never the peer.
ELSEWHERE = "10.255.255.1"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed_service("model-first", tmp_path_factory.mktemp("limits") / "project")


@pytest.fixture
def shared_limit(redis_key_prefix: str) -> dict[str, str]:
    """Settings that count the attempts in the test's own part of the real Redis."""
    return {
        "AUTH_ATTEMPTS_PER_MINUTE": str(LIMIT),
        "RATE_LIMIT_STORAGE_URL": REDIS_URL,
        "RATE_LIMIT_KEY_PREFIX": redis_key_prefix,
    }


def allowed(statuses: dict[int, int]) -> int:
    return sum(count for status, count in statuses.items() if status != 429)


def test_two_servers_of_two_workers_each_let_one_limit_of_guesses_through(
    project: Path, postgres_database: str, shared_limit: dict[str, str], tmp_path: Path
) -> None:
    with ExitStack() as stack:
        services = [
            stack.enter_context(
                served(project, postgres_database, tmp_path / f"{n}.log", **shared_limit)
            )
            for n in range(2)
        ]

        async def guesses() -> list[int]:
            tallies = await asyncio.gather(*(login_attempts(s, 2 * LIMIT) for s in services))
            return [allowed(tally) for tally in tallies]

        per_server = asyncio.run(guesses())

    assert sum(per_server) == LIMIT, per_server


# How a proxy names the client it forwards for, in uvicorn's header and in the standard one.
NAMING = {
    "X-Forwarded-For": lambda client: {"X-Forwarded-For": client},
    "Forwarded": lambda client: {"Forwarded": f"for={client}"},
}


@pytest.mark.parametrize("header", NAMING)
def test_a_client_that_is_not_a_trusted_proxy_cannot_pick_its_identity(
    header: str, project: Path, postgres_database: str, shared_limit: dict[str, str], tmp_path: Path
) -> None:
    untrusted = shared_limit | {"FORWARDED_ALLOW_IPS": ELSEWHERE}
    claimed = [NAMING[header](f"192.0.2.{n}") for n in range(2 * LIMIT)]

    with served(project, postgres_database, tmp_path / "service.log", **untrusted) as service:
        statuses = asyncio.run(login_attempts(service, 2 * LIMIT, claimed))

    assert allowed(statuses) == LIMIT, statuses


@pytest.mark.parametrize("header", NAMING)
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    header: str, project: Path, postgres_database: str, shared_limit: dict[str, str], tmp_path: Path
) -> None:
    trusted = shared_limit | {"FORWARDED_ALLOW_IPS": "127.0.0.1"}
    one_client = [NAMING[header]("192.0.2.1")] * (2 * LIMIT)
    many_clients = [NAMING[header](f"192.0.2.{n}") for n in range(2, 2 + 2 * LIMIT)]

    with served(project, postgres_database, tmp_path / "service.log", **trusted) as service:
        from_one = asyncio.run(login_attempts(service, 2 * LIMIT, one_client))
        from_many = asyncio.run(login_attempts(service, 2 * LIMIT, many_clients))

    assert allowed(from_one) == LIMIT, from_one
    assert allowed(from_many) == 2 * LIMIT, from_many


def unreachable_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def test_with_redis_unreachable_logins_are_refused_with_a_503_and_the_log_says_why(
    project: Path, postgres_database: str, tmp_path: Path
) -> None:
    settings = {"RATE_LIMIT_STORAGE_URL": unreachable_redis()}

    with served(project, postgres_database, tmp_path / "service.log", **settings) as service:
        response = httpx.post(f"{service.base_url}{API}/auth/token", json={}, timeout=60)
        log = service.log_text()

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert "rate limit storage unreachable" in log


def test_with_redis_unreachable_logins_can_be_let_through_uncounted(
    project: Path, postgres_database: str, tmp_path: Path
) -> None:
    settings = {
        "AUTH_ATTEMPTS_PER_MINUTE": "1",
        "RATE_LIMIT_STORAGE_URL": unreachable_redis(),
        "RATE_LIMIT_WHEN_STORAGE_FAILS": "allow",
    }

    with served(project, postgres_database, tmp_path / "service.log", **settings) as service:
        statuses = asyncio.run(login_attempts(service, 3))
        log = service.log_text()

    assert statuses == {401: 3}, statuses
    assert "rate limit storage unreachable" in log
