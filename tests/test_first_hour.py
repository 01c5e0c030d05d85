"""A new user's first hour, word for word: what Copier prints after a copy is all they follow."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import POSTGRES_ADMIN_URL
from production import Service, free_port, wait_until_answering
from support import REPO, describe, project_env, python_for, run

pytestmark = pytest.mark.slow


def next_steps(copier_output: str) -> list[str]:
    """The commands under "Next steps:" in Copier's message after the copy."""
    lines = copier_output.split("Next steps:", 1)[1].strip("\n").splitlines()
    steps = []
    for line in lines:
        if not line.strip():
            break
        steps.append(line.strip())
    return steps


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_following_the_next_steps_gives_a_service_that_creates_an_item(
    tmp_path: Path, database: str
) -> None:
    # A name of its own: on PostgreSQL the steps create databases named after the package.
    name = f"First Hour {uuid.uuid4().hex[:8]}"
    destination = tmp_path / "service"
    answers = ["-d", f"project_name={name}", "-d", f"database={database}"]
    copy = subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--skip-tasks",
            "--vcs-ref",
            "HEAD",
            *answers,
            str(REPO),
            str(destination),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert copy.returncode == 0, copy.stderr
    steps = next_steps(copy.stdout + copy.stderr)
    assert steps[0] == f"cd {destination}"
    *setup, serve = steps[1:]
    assert serve.startswith("uv run uvicorn "), steps
    env = project_env(python_for("3.11"))
    package = name.lower().replace(" ", "_")
    try:
        for step in setup:
            done = run(["bash", "-c", step], destination, env)
            assert done.returncode == 0, describe(done)
        port = free_port()
        log = tmp_path / "service.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                ["bash", "-c", f"exec {serve} --port {port}"],
                cwd=destination,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            service = Service(f"http://127.0.0.1:{port}", process, log)
            wait_until_answering(service)
            body = ["-H", "content-type: application/json", "-d", '{"name": "Lamp"}']
            created = run(
                ["curl", "-s", "-X", "POST", f"{service.base_url}/api/v1/items", *body], tmp_path
            )
        finally:
            subprocess.run(["pkill", "-g", str(process.pid)], check=False)
            process.wait(timeout=30)
        assert json.loads(created.stdout)["name"] == "Lamp", created.stdout
    finally:
        if database == "postgresql":
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                for database_name in (package, f"{package}_test"):
                    admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
