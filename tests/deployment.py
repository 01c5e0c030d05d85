"""What the files that deploy a generated service must agree with: its Dockerfile (the image's
commands, port, user and grace period), the settings it reads and the probes it answers.

Shared by tests/test_compose.py and tests/test_kubernetes.py.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

# Variables the service reads that are not its own settings: uvicorn's, and OpenTelemetry's.
SERVER_VARIABLES = {"WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"}
OPENTELEMETRY_PREFIX = "OTEL_"
_SETTING = re.compile(r"^    (\w+): ", re.MULTILINE)


def dockerfile_line(project: Path, pattern: str) -> str:
    """The first group of `pattern`, matched against a line of the project's Dockerfile."""
    found = re.search(pattern, (project / "Dockerfile").read_text(), re.MULTILINE)
    assert found is not None, f"the Dockerfile has no line matching {pattern!r}"
    return found.group(1)


def image_commands(project: Path) -> tuple[list[str], list[str]]:
    """The two steps of the image's CMD: the migration, then the server."""
    shell = json.loads(dockerfile_line(project, r"^CMD (\[.*\])$"))[2]
    migration, server = shell.split(" && exec ")
    return shlex.split(migration), shlex.split(server)


def exposed_port(project: Path) -> int:
    return int(dockerfile_line(project, r"^EXPOSE (\d+)$"))


def grace_seconds(project: Path) -> int:
    """How long a stopping server lets requests in flight finish (uvicorn's setting)."""
    return int(dockerfile_line(project, r"UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN=(\d+)"))


def unread_by_the_service(variables: set[str], project: Path) -> set[str]:
    """Those of `variables` that neither the service's settings nor its server read."""
    config = (project / "src/my_service/core/config.py").read_text()
    settings = {name.upper() for name in _SETTING.findall(config.split("class Settings", 1)[1])}
    return {
        name
        for name in variables
        if name not in settings | SERVER_VARIABLES and not name.startswith(OPENTELEMETRY_PREFIX)
    }


def probe_paths(project: Path) -> set[str]:
    """The paths the app answers its health probes on."""
    health = (project / "src/my_service/api/health.py").read_text()
    return set(re.findall(r'@router\.get\("([^"]+)"', health))


def module_command(project: Path, module: str) -> list[str]:
    """`python -m <module>`: the command that runs one of the project's modules as a program,
    which it must be."""
    source = (project / "src" / f"{module.replace('.', '/')}.py").read_text()
    assert 'if __name__ == "__main__":' in source, f"{module} does not run as a program"
    return ["python", "-m", module]


def worker_command(project: Path) -> list[str]:
    """The job worker's command (jobs)."""
    return module_command(project, "my_service.worker")


def worker_liveness_command(project: Path) -> list[str]:
    """The command that exits 0 while the job worker is alive (jobs)."""
    return module_command(project, "my_service.jobs.liveness")


def worker_grace_seconds(project: Path) -> float:
    """How long a stopping job worker lets its jobs finish: WORKER_SHUTDOWN_GRACE_SECONDS's
    default, as the settings declare it."""
    config = (project / "src/my_service/core/config.py").read_text()
    found = re.search(
        r"^    worker_shutdown_grace_seconds: float = Field\(default=([\d.]+)", config, re.M
    )
    assert found is not None, "the settings declare no WORKER_SHUTDOWN_GRACE_SECONDS"
    return float(found.group(1))
