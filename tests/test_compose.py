"""compose.yaml: valid against the Compose specification, and true of the project it starts.

Docker does not run on these machines, so the file is checked as Compose would read it and against
the project: the Dockerfile it builds, the settings the service reads, the endpoints it probes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from deployment import (
    dockerfile_line,
    exposed_port,
    grace_seconds,
    image_commands,
    probe_paths,
    unread_by_the_service,
    worker_command,
    worker_grace_seconds,
    worker_liveness_command,
)
from support import SQL_JOBS_PROFILES, SQL_PROFILES, rendered

STACKS = [
    pytest.param((profile, database, auth), id=f"{profile}-{database}-{auth}")
    for profile in SQL_PROFILES
    for database, auth in (("postgresql", "jwt"), ("sqlite", "none"))
]
# The SQL profiles that offer jobs, on PostgreSQL (their queue) with them, and without.
JOBS_STACKS = [
    pytest.param((profile, jobs), id=f"{profile}-{'jobs' if jobs else 'no-jobs'}")
    for profile in SQL_JOBS_PROFILES
    for jobs in (True, False)
]
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?P<rule>:[?-])?")


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> tuple[Path, str, str]:
    """A project rendered with one of STACKS (shared by the tests, which only read it), with its
    database and auth answers."""
    profile, database, auth = request.param
    project = rendered(profile=profile, database=database, auth=auth)
    return project, database, auth


def compose(project: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project / "compose.yaml").read_text())
    return loaded


def checked_against_the_compose_specification(project: Path) -> subprocess.CompletedProcess[str]:
    check = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(check), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_the_compose_file_matches_the_compose_specification(stack: tuple[Path, str, str]) -> None:
    result = checked_against_the_compose_specification(stack[0])

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_and_volume_the_file_names_is_declared(stack: tuple[Path, str, str]) -> None:
    project, database, auth = stack
    stack = compose(project)
    services = stack["services"]

    for service in services.values():
        assert set(service.get("depends_on", {})) <= set(services)
        named = {volume.split(":")[0] for volume in service.get("volumes", [])}
        assert named <= set(stack.get("volumes", {}))
        if "build" in service:
            assert (project / service["build"] / "Dockerfile").is_file()
    assert ("db" in services) is (database == "postgresql")
    assert ("redis" in services) is (auth == "jwt")


def test_the_app_runs_the_images_migration_then_its_server_on_its_port(
    stack: tuple[Path, str, str],
) -> None:
    project = stack[0]
    services = compose(project)["services"]
    migration, server = image_commands(project)

    assert services["migrate"]["command"] == migration
    assert services["app"]["command"] == server
    assert services["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert [port.rsplit(":", 1)[1] for port in services["app"]["ports"]] == [
        str(exposed_port(project))
    ]


def test_every_variable_it_gives_the_service_is_one_the_service_reads(
    stack: tuple[Path, str, str],
) -> None:
    project, _, auth = stack
    services = compose(project)["services"]

    for name in ("migrate", "app"):
        assert unread_by_the_service(set(services[name].get("environment", {})), project) == set()
    if auth == "jwt":
        assert services["app"]["environment"]["RATE_LIMIT_STORAGE_URL"].startswith("redis://redis:")


def test_no_secret_is_written_in_it_and_each_it_requires_is_in_the_env_example(
    stack: tuple[Path, str, str],
) -> None:
    project = stack[0]
    text = (project / "compose.yaml").read_text()
    env_example = (project / ".env.example").read_text()
    required = {m["name"] for m in INTERPOLATION.finditer(text) if m["rule"] == ":?"}

    secrets = {
        name: value
        for service in compose(project)["services"].values()
        for name, value in service.get("environment", {}).items()
        if "SECRET" in name or "PASSWORD" in name
    }
    assert all(value.startswith("${") for value in secrets.values()), secrets
    # A variable used bare must be required somewhere, or Compose would pass it on empty.
    assert {m["name"] for m in INTERPOLATION.finditer(text) if not m["rule"]} <= required
    assert all(re.search(rf"^#? ?{name}=", env_example, re.MULTILINE) for name in required)


def test_health_checks_probe_the_apps_own_endpoints_and_stops_allow_its_grace_period(
    stack: tuple[Path, str, str],
) -> None:
    project = stack[0]
    app = compose(project)["services"]["app"]

    probed = re.findall(r"http://127\.0\.0\.1:8000(/\w+)", " ".join(app["healthcheck"]["test"]))
    assert probed
    assert set(probed) <= probe_paths(project)
    assert int(app["stop_grace_period"].removesuffix("s")) > grace_seconds(project)


@pytest.fixture(params=JOBS_STACKS)
def jobs_stack(request: pytest.FixtureRequest) -> tuple[Path, bool]:
    """A PostgreSQL project with jobs or without (shared, read only), and whether it has them."""
    profile, jobs = request.param
    return rendered(
        profile=profile, database="postgresql", **({"jobs": True} if jobs else {})
    ), jobs


@pytest.fixture(params=SQL_JOBS_PROFILES)
def worker_project(request: pytest.FixtureRequest) -> Path:
    """A PostgreSQL project with jobs (shared, read only)."""
    return rendered(profile=request.param, database="postgresql", jobs=True)


def test_a_worker_service_runs_exactly_where_the_project_has_jobs(
    jobs_stack: tuple[Path, bool],
) -> None:
    project, jobs = jobs_stack

    result = checked_against_the_compose_specification(project)

    assert result.returncode == 0, result.stdout + result.stderr
    assert ("worker" in compose(project)["services"]) is jobs


def test_the_worker_runs_the_apps_image_and_settings_once_migrated(worker_project: Path) -> None:
    services = compose(worker_project)["services"]
    worker = services["worker"]

    assert worker["build"] == services["app"]["build"]
    assert worker["command"] == worker_command(worker_project)
    assert worker["environment"] == services["app"]["environment"]
    assert worker["depends_on"] == services["app"]["depends_on"]
    assert "ports" not in worker
    # A worker that lost its database stops; compose starts another.
    assert worker["restart"] == "unless-stopped"


def test_the_workers_health_check_is_its_liveness_check_and_its_stop_outlasts_its_grace(
    worker_project: Path,
) -> None:
    worker = compose(worker_project)["services"]["worker"]

    assert worker["healthcheck"]["test"] == ["CMD", *worker_liveness_command(worker_project)]
    assert int(worker["stop_grace_period"].removesuffix("s")) > worker_grace_seconds(worker_project)


def test_the_dockerfile_says_how_its_image_runs_the_worker_and_checks_it(
    worker_project: Path,
) -> None:
    command = dockerfile_line(worker_project, r"^#.* my-service (python -m \S+)$")
    health = dockerfile_line(worker_project, r'^#.* --health-cmd "([^"]+)"')

    assert command.split() == worker_command(worker_project)
    assert health.split() == worker_liveness_command(worker_project)
