"""The questionnaire as a person answers it: in a terminal, with arrow keys and a typo."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
import yaml
from support import REPO

UP = "\x1b[A"
DOWN = "\x1b[B"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: drop the pre-filled default


def test_questionnaire_in_a_terminal_reasks_a_bad_answer_and_renders(tmp_path: Path) -> None:
    destination = tmp_path / "billing"
    command = [
        "-m",
        "copier",
        "copy",
        "--trust",
        "--skip-tasks",
        "--vcs-ref",
        "HEAD",
        str(REPO),
        str(destination),
    ]
    child = pexpect.spawn(
        sys.executable, command, encoding="utf-8", timeout=60, dimensions=(50, 80)
    )

    def answer(help_text: str, keys: str) -> None:
        """Wait for the question (shown by its help text), then type."""
        child.expect_exact(help_text)
        child.send(keys)

    answer("Project name, as people read it", CLEAR_LINE + "Billing Service" + ENTER)
    answer("Distribution and directory name", CLEAR_LINE + "Billing Service" + ENTER)
    # Refused with its fix, whole on an 80-column terminal, and asked again.
    child.expect_exact("Validation error for question 'project_slug': try \"billing-service\"")
    child.send(CLEAR_LINE + "billing-api" + ENTER)
    answer("Python package name under src/", ENTER)  # default derived from the slug: billing_api
    answer("One-line description", CLEAR_LINE + "Bills customers." + ENTER)
    answer("Author or team name", ENTER)
    answer("Contact email", ENTER)
    answer("Architecture profile", UP + ENTER)  # model-first, above the default
    answer("Database:", ENTER)
    answer("Authentication:", DOWN + ENTER)  # jwt
    answer("test-first", ENTER)
    answer("AI assistants to write", ENTER)
    answer("Lowest Python version", ENTER)
    answer("Continuous integration", DOWN + ENTER)  # gitlab
    answer("non-root Dockerfile", ENTER)
    answer("Telemetry: OpenTelemetry", ENTER)  # none
    answer("License of the generated project", DOWN + ENTER)  # Apache-2.0
    child.expect(pexpect.EOF, timeout=120)
    child.close()

    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert {
        key: answers[key]
        for key in ("project_slug", "package_name", "profile", "auth", "ci", "license")
    } == {
        "project_slug": "billing-api",
        "package_name": "billing_api",
        "profile": "model-first",
        "auth": "jwt",
        "ci": "gitlab",
        "license": "Apache-2.0",
    }
    assert (destination / "src" / "billing_api" / "tables.py").is_file()
    assert (destination / "src" / "billing_api" / "api" / "auth.py").is_file()
    assert (destination / ".gitlab-ci.yml").is_file()
