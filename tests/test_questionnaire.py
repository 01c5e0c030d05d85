"""The questionnaire: defaults that always work, and bad answers refused with a useful message;
neither a refused nor a crashed copy leaves anything behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import _main as copier_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import REPO, render

RESERVED = set(yaml.safe_load((REPO / "includes" / "reserved-module-names.yml").read_text()))


def copier_copy(destination: Path, *data: str) -> subprocess.CompletedProcess[str]:
    """`copier copy` as a user types it, with --defaults and the given `-d key=value` answers."""
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--skip-tasks"]
    command += ["--vcs-ref", "HEAD", "--quiet"]
    for answer in data:
        command += ["--data", answer]
    return subprocess.run(
        [*command, str(REPO), str(destination)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def answers_of(project: Path) -> dict[str, object]:
    answers: dict[str, object] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return answers


BAD_ANSWERS = [
    ("project_name", "   ", "must not be empty"),
    ("project_name", "x" * 81, "keep it to 80 or fewer"),
    ("project_name", "Billing\x07Service", "one printable line"),
    ("project_name", "</title><script>alert(1)</script>", "leave out < and >"),
    ("project_slug", "Billing Service", "is not kebab-case"),
    ("project_slug", "-billing", "is not kebab-case"),
    ("project_slug", "billing--service", "is not kebab-case"),
    ("project_slug", "9lives", "is not kebab-case"),
    ("package_name", "Billing", "is not a lowercase Python identifier"),
    ("package_name", "billing-service", "is not a lowercase Python identifier"),
    ("package_name", "class", 'try "class_service"'),
    ("package_name", "json", "standard-library or dependency module"),
    ("package_name", "fastapi", "standard-library or dependency module"),
    ("description", "", "must not be empty"),
    ("description", "two\nlines", "one printable line"),
    ("author_name", "tab\there", "one printable line"),
    ("author_email", "not-an-email", "is not an email address"),
    ("author_email", "a@b", "is not an email address"),
    ("profile", "hexagonal", "is not in ['model-first', 'layered', 'ddd', 'serverless']"),
    ("database", "mysql", "'mysql' is not in ['sqlite', 'postgresql']"),
    ("auth", "oauth", "'oauth' is not in ['none', 'jwt']"),
    ("python_version", "3.9", "'3.9' is not in ['3.11', '3.12', '3.13']"),
    ("ci", "jenkins", "'jenkins' is not in ['github', 'gitlab', 'none']"),
    ("license", "GPL-3.0", "'GPL-3.0' is not in"),
]


@pytest.mark.parametrize(
    ("question", "answer", "hint"), BAD_ANSWERS, ids=[f"{q}={a[:12]!r}" for q, a, _ in BAD_ANSWERS]
)
def test_bad_answer_is_refused_naming_the_question_and_leaves_nothing(
    tmp_path: Path, question: str, answer: str, hint: str
) -> None:
    destination = tmp_path / "service"

    result = copier_copy(destination, f"{question}={answer}")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert f"'{question}'" in last_line
    assert hint in last_line
    assert not destination.exists()


IMPOSSIBLE_COMBINATIONS = [
    (["profile=serverless", "database=postgresql"], "database", "keeps its data in DynamoDB"),
    (["profile=serverless", "docker=true"], "docker", "not a Docker image"),
    (["profile=layered", "database=dynamodb"], "database", "dynamodb is the serverless profile's"),
    (["profile=ddd", "tracer=true"], "tracer", "tracer is for the serverless profile"),
    (["assistants=[claude]", "copilot_agents=true"], "copilot_agents", "add copilot to assistants"),
]


@pytest.mark.parametrize(("answers", "question", "hint"), IMPOSSIBLE_COMBINATIONS)
def test_a_combination_that_makes_no_sense_is_refused(
    tmp_path: Path, answers: list[str], question: str, hint: str
) -> None:
    destination = tmp_path / "service"

    result = copier_copy(destination, *answers)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert f"'{question}'" in last_line
    assert hint in last_line
    assert not destination.exists()


def test_serverless_is_not_asked_about_a_database_or_docker(tmp_path: Path) -> None:
    project = render(tmp_path / "p", profile="serverless")

    answers = answers_of(project)
    assert "database" not in answers
    assert "docker" not in answers
    assert answers["tracer"] is False


def test_refused_copy_into_an_existing_directory_leaves_it_as_it_was(tmp_path: Path) -> None:
    destination = tmp_path / "service"
    destination.mkdir()
    (destination / "notes.txt").write_text("mine\n")

    result = copier_copy(destination, "package_name=json")

    assert result.returncode != 0
    assert sorted(p.name for p in destination.iterdir()) == ["notes.txt"]
    assert (destination / "notes.txt").read_text() == "mine\n"


def test_a_copy_that_crashes_part_way_leaves_no_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stands in for a full disk or a killed process: the 20th file cannot be written.
    render_file = copier_main.Worker._render_file
    rendered: list[object] = []

    def render_until_the_disk_is_full(
        worker: copier_main.Worker, *args: Any, **kwargs: Any
    ) -> None:
        rendered.append(args)
        if len(rendered) == 20:
            raise OSError(28, "No space left on device")
        render_file(worker, *args, **kwargs)

    monkeypatch.setattr(copier_main.Worker, "_render_file", render_until_the_disk_is_full)
    destination = tmp_path / "service"

    with pytest.raises(OSError, match="No space left"):
        render(destination)

    assert len(rendered) == 20
    assert not destination.exists()


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        ("Billing Service", "billing-service", "billing_service"),
        ("JSON", "json", "json_service"),
        ("42 Things!", "service-42-things", "service_42_things"),
        ("Café Ünïcode", "caf-n-code", "caf_n_code"),
        ("!!!", "service", "service"),
    ],
)
def test_slug_and_package_are_derived_from_the_name(
    tmp_path: Path, project_name: str, slug: str, package: str
) -> None:
    project = render(tmp_path / "p", project_name=project_name)

    answers = answers_of(project)
    assert (answers["project_slug"], answers["package_name"]) == (slug, package)
    assert (project / "src" / package / "main.py").is_file()


PROJECT_NAMES = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
    min_size=1,
    max_size=80,
).filter(lambda name: name.strip() and name.isprintable() and not {"<", ">"} & set(name))


# `--defaults` does not run validators on derived defaults, so they must be valid by construction.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(project_name=PROJECT_NAMES)
def test_any_name_derives_a_slug_and_package_the_validators_accept(
    tmp_path_factory: pytest.TempPathFactory, project_name: str
) -> None:
    project = render(tmp_path_factory.mktemp("p") / "p", project_name=project_name)

    answers = answers_of(project)
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", str(answers["project_slug"]))
    assert re.fullmatch(r"[a-z][a-z0-9_]*", str(answers["package_name"]))
    assert answers["package_name"] not in RESERVED


def test_reserved_names_cover_this_interpreters_standard_library() -> None:
    public_stdlib = {name for name in sys.stdlib_module_names if not name.startswith("_")}

    assert public_stdlib <= RESERVED
