"""Every profile's API, served as its README says and fuzzed by schemathesis from its own OpenAPI
document: no response is a 5xx, and every response has a documented status, media type and schema.

Each profile is fuzzed with `auth=jwt` (so the auth endpoints are fuzzed too, and the item writes
with a valid token) and, where it has SQL, on PostgreSQL: SQLite forgives what PostgreSQL refuses
(NUL characters in text, integers beyond 32 bits).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import PROFILES, SQL_PROFILES, describe, project_env, python_for, render, run

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("st")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
# Per API operation and phase; the fixed seed makes a failure in CI reproducible on a laptop.
EXAMPLES = 100
SEED = 20261124
APP = "my_service.main:app"  # the package the default project name gives
CREDENTIALS = {"email": "fuzzer@example.com", "password": "correct horse battery staple"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (a local http URL)
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within 90 s:\n{log.read_text()[-4000:]}")


@contextmanager
def background(
    command: list[str], project: Path, env: dict[str, str], log: Path, ready_url: str
) -> Iterator[None]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=project, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_until_answering(ready_url, process, log)
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


def post_json(url: str, body: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 (a local http URL)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, object] = json.load(response)
        return answer


@contextmanager
def served(profile: str, project: Path, env: dict[str, str], logs: Path) -> Iterator[str]:
    """The app under uvicorn, on a database of its own, as the README runs it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = ["uv", "run", "uvicorn", APP, "--port", str(port), "--no-access-log"]
    if profile in SQL_PROFILES:
        migrated = run(["uv", "run", "alembic", "upgrade", "heads"], project, env)
        assert migrated.returncode == 0, describe(migrated)
        with background(serve, project, env, logs / "app.log", f"{base}/health"):
            yield base
        return
    # Serverless: moto's server plays DynamoDB, with the tables the README's script creates.
    moto_port = free_port()
    env = env | {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }
    moto = ["uv", "run", "moto_server", "-p", str(moto_port)]
    with background(moto, project, env, logs / "moto.log", env["AWS_ENDPOINT_URL"]):
        tables = run(["uv", "run", "python", "scripts/dynamodb_tables.py"], project, env)
        assert tables.returncode == 0, describe(tables)
        with background(serve, project, env, logs / "app.log", f"{base}/health"):
            yield base


def access_log(log: Path) -> list[dict[str, object]]:
    """The requests the app itself logged (one JSON line each, from its access middleware)."""
    entries = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "access":
                entries.append(entry)
    return entries


@pytest.mark.parametrize("profile", PROFILES)
def test_schemathesis_finds_no_server_error_and_no_undocumented_response(
    profile: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    answers = {"profile": profile, "auth": "jwt"}
    if profile in SQL_PROFILES:
        answers["database"] = "postgresql"
    project = render(tmp_path / "project", **answers)
    env = project_env(python_for("3.11"))
    # The limit on login attempts would answer most fuzzed auth requests with 429 (tested apart).
    env["AUTH_ATTEMPTS_PER_MINUTE"] = "1000000"
    if profile in SQL_PROFILES:
        env["DATABASE_URL"] = request.getfixturevalue("postgres_database")
    synced = run(["uv", "sync"], project, env)
    assert synced.returncode == 0, describe(synced)

    with served(profile, project, env, tmp_path) as base:
        post_json(f"{base}/api/v1/auth/register", CREDENTIALS)
        token = post_json(f"{base}/api/v1/auth/token", CREDENTIALS)["access_token"]
        fuzz = [
            str(SCHEMATHESIS),
            "run",
            f"{base}/openapi.json",
            f"--checks={','.join(CHECKS)}",
            f"--max-examples={EXAMPLES}",
            f"--seed={SEED}",
            f"--header=Authorization: Bearer {token}",
            "--generation-database=none",
            "--no-color",
        ]
        result = run(fuzz, tmp_path, timeout=900)

    requests = access_log(tmp_path / "app.log")
    statuses = Counter(int(str(entry["status"])) for entry in requests)
    print(f"{profile}: {len(requests)} requests, statuses {sorted(statuses.items())}")
    assert result.returncode == 0, describe(result)
    assert len(requests) > 500, "schemathesis sent too few requests to mean anything"
    assert not [status for status in statuses if status >= 500], statuses
