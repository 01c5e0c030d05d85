"""A new user's first hour, word for word: what Copier prints after a copy is all they follow."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import POSTGRES_ADMIN_URL
from production import free_port, running
from support import (
    REPO,
    describe,
    project_env,
    python_for,
    run,
    sh_block_after,
    sh_blocks_after,
)

pytestmark = pytest.mark.slow


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


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
def test_following_the_next_steps_gives_a_service_ready_once_migrated_that_creates_an_item(
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
    *setup, migrate, serve = steps[1:]
    assert migrate.startswith("uv run alembic upgrade"), steps
    assert serve.startswith("uv run uvicorn "), steps
    env = project_env(python_for("3.11"))
    package = name.lower().replace(" ", "_")
    try:
        for step in setup:
            done = run(["bash", "-c", step], destination, env)
            assert done.returncode == 0, describe(done)
        port = free_port()
        # Stopped as every served test stops its server: the whole process group at once.
        command = ["bash", "-c", f"exec {serve} --port {port}"]
        with running(command, destination, env, port, tmp_path / "service.log") as service:
            before_migration = http_status(f"{service.base_url}/ready")
            migrated = run(["bash", "-c", migrate], destination, env)
            assert migrated.returncode == 0, describe(migrated)
            after_migration = http_status(f"{service.base_url}/ready")
            body = ["-H", "content-type: application/json", "-d", '{"name": "Lamp"}']
            created = run(
                ["curl", "-s", "-X", "POST", f"{service.base_url}/api/v1/items", *body], tmp_path
            )
        assert before_migration == 503, service.log_text()
        assert after_migration == 200, service.log_text()
        assert json.loads(created.stdout)["name"] == "Lamp", created.stdout
    finally:
        if database == "postgresql":
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                for database_name in (package, f"{package}_test"):
                    admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def test_the_readme_quick_start_gives_a_project_that_takes_a_newer_commit(tmp_path: Path) -> None:
    """Word for word, as a newcomer runs it: a fresh clone (no release tags), its own home."""
    clone = tmp_path / "archetype"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    readme = (REPO / "README.md").read_text()
    install_and_copy, first_steps = sh_blocks_after(readme, "## Quick start")
    # Everything but the server, which would run until stopped.
    first_steps = "\n".join(
        line for line in first_steps.splitlines() if not line.startswith("uv run uvicorn")
    )
    update = sh_block_after(readme, "## Updating a generated service")
    home = tmp_path / "home"
    home.mkdir()
    env = project_env() | {
        "HOME": str(home),
        # The machine's caches: the quick start downloads what a newcomer's would, only faster.
        "UV_CACHE_DIR": run(["uv", "cache", "dir"], tmp_path).stdout.strip(),
        "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
        "GIT_AUTHOR_NAME": "Newcomer",
        "GIT_AUTHOR_EMAIL": "newcomer@example.com",
        "GIT_COMMITTER_NAME": "Newcomer",
        "GIT_COMMITTER_EMAIL": "newcomer@example.com",
    }
    env.pop("UV_PYTHON", None)
    project = tmp_path / "my-service"

    copied = run(["bash", "-e", "-c", f"{install_and_copy}\n{first_steps}"], clone, env)
    assert copied.returncode == 0, describe(copied)
    done = run(["bash", "-e", "-c", "git add -A && git commit -q -m 'First commit'"], project, env)
    assert done.returncode == 0, describe(done)
    readme_template = clone / "template" / "README.md.jinja"
    readme_template.write_text(readme_template.read_text() + "\nA line from a newer commit.\n")
    newer = "git add -A && git commit -q -m 'A newer commit'"
    assert run(["bash", "-e", "-c", newer], clone, env).returncode == 0
    # A later shell, set up as the quick start says: its PATH line, from ~/.profile.
    path_line = next(line for line in install_and_copy.splitlines() if "PATH=" in line)
    updated = run(["bash", "-e", "-c", f"{path_line}\n{update}"], project, env)

    assert updated.returncode == 0, describe(updated)
    assert "A line from a newer commit." in (project / "README.md").read_text()
    # uv keeps to the project's .venv: no quick-start environment left active to warn about.
    assert "VIRTUAL_ENV" not in copied.stderr + updated.stderr, describe(copied)
