"""The generated project's security gates: ruff's security rules (bandit's) refuse insecure code in
every commit and CI run, and CI's dependency audit fails on a dependency with a known advisory.

No vulnerability database is reachable from here, so the audit runs against a local service that
speaks OSV's API, the one `uv audit` queries: once with an advisory for a locked package, once with
none.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from support import describe, project_env, python_for, render, run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("security-checks")]

ADVISORY = "GHSA-test-0000-0001"
INSECURE_CODE = {
    "S602": "import subprocess\n\n\ndef run(command: str) -> None:\n"
    "    subprocess.run(command, shell=True, check=True)\n",
    "S307": "def evaluate(text: str) -> object:\n    return eval(text)\n",
    "S324": "import hashlib\n\n\ndef digest(data: bytes) -> str:\n"
    "    return hashlib.md5(data).hexdigest()\n",
    "S608": "def query(name: str) -> str:\n"
    "    return f\"SELECT * FROM items WHERE name = '{name}'\"\n",
    "S105": 'JWT_SECRET = "a-secret-in-the-source"\n',
    "S301": "import pickle\n\n\ndef load(data: bytes) -> object:\n    return pickle.loads(data)\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, installed (which also writes the lock file the audit reads)."""
    project = render(tmp_path_factory.mktemp("security") / "project")
    synced = run(["uv", "sync"], project, project_env(python_for("3.11")))
    assert synced.returncode == 0, describe(synced)
    return project


def audit_command(project: Path) -> list[str]:
    """The audit step of the generated GitHub workflow, as written."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    [step] = [
        s for s in workflow["jobs"]["checks"]["steps"] if s.get("name", "").startswith("Known")
    ]
    command: str = step["run"]
    return command.split()


class Advisories(BaseHTTPRequestHandler):
    """OSV's batch query and advisory endpoints, knowing one advisory for `vulnerable` packages."""

    vulnerable: frozenset[str] = frozenset()

    def do_POST(self) -> None:
        queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
        results = [
            {"vulns": [{"id": ADVISORY, "modified": "2026-11-01T00:00:00Z"}]}
            if query["package"]["name"] in self.vulnerable
            else {}
            for query in queries
        ]
        self._answer({"results": results})

    def do_GET(self) -> None:
        package = next(iter(self.vulnerable))
        self._answer(
            {
                "id": ADVISORY,
                "summary": "Requests can read any file on the server",
                "modified": "2026-11-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"name": package, "ecosystem": "PyPI"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "999"}]}
                        ],
                    }
                ],
            }
        )

    def _answer(self, body: dict[str, object]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def advisory_service(vulnerable: set[str]) -> Iterator[str]:
    handler = type("KnownAdvisories", (Advisories,), {"vulnerable": frozenset(vulnerable)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_ci_audit_passes_when_no_locked_package_has_an_advisory(project: Path) -> None:
    with advisory_service(vulnerable=set()) as service:
        result = run([*audit_command(project), "--service-url", service], project)

    assert result.returncode == 0, describe(result)
    assert "no known vulnerabilities" in result.stdout + result.stderr


def test_the_ci_audit_fails_naming_a_locked_package_with_an_advisory(project: Path) -> None:
    with advisory_service(vulnerable={"starlette"}) as service:
        result = run([*audit_command(project), "--service-url", service], project)

    assert result.returncode != 0, describe(result)
    assert re.search(r"starlette \S+ has 1 known vulnerability", result.stdout), describe(result)
    assert ADVISORY in result.stdout


def test_gitlab_ci_runs_the_same_audit(tmp_path: Path) -> None:
    github = render(tmp_path / "github")
    gitlab = render(tmp_path / "gitlab", ci="gitlab")

    script = yaml.safe_load((gitlab / ".gitlab-ci.yml").read_text())["checks"]["script"]

    assert " ".join(audit_command(github)) in script


def test_the_generated_code_has_no_security_finding(project: Path) -> None:
    result = run(["uv", "run", "ruff", "check", "--select", "S", "."], project)

    assert result.returncode == 0, describe(result)


@pytest.mark.parametrize("rule", INSECURE_CODE)
def test_ruff_refuses_insecure_code_in_the_service(project: Path, rule: str) -> None:
    module = project / "src" / "my_service" / "insecure.py"
    module.write_text(INSECURE_CODE[rule])
    try:
        result = run(["uv", "run", "ruff", "check", "--output-format", "concise", "src"], project)
    finally:
        module.unlink()

    assert result.returncode != 0
    assert "insecure.py" in result.stdout
    assert rule in result.stdout, describe(result)
