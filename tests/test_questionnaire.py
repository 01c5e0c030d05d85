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
from support import REPO, render, rendered

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


# Answers our validators refuse, each with (a part of) the fix the message offers.
BAD_ANSWERS = [
    ("project_name", "   ", 'give a name: "Billing Service"'),
    ("project_name", "x" * 81, "80 characters at most (it has 81)"),
    ("project_name", "Billing\x07Service", "no tabs, newlines or control chars"),
    ("project_name", "</title><script>alert(1)</script>", "leave out < and >"),
    ("project_slug", "Billing Service", 'try "billing-service"'),
    ("project_slug", "-billing", 'try "billing"'),
    ("project_slug", "billing--service", 'try "billing-service"'),
    ("project_slug", "9lives", 'try "service-9lives"'),
    ("project_slug", "A Very Long Name For A Billing Service", 'try "a-very-long-name-for"'),
    ("package_name", "A Very Long Name For A Billing Service", 'try "a_very_long_name_for"'),
    ("package_name", "Billing", 'try "billing"'),
    ("package_name", "billing-service", 'try "billing_service"'),
    ("package_name", "class", 'try "class_service"'),
    ("package_name", "json", 'try "json_service"'),
    ("package_name", "fastapi", 'try "fastapi_service"'),
    ("description", "", "say what the service does"),
    ("description", "two\nlines", "no tabs, newlines or control chars"),
    ("author_name", "tab\there", "no tabs, newlines or control chars"),
    ("author_email", "not-an-email", "like team@example.com, or empty"),
    ("author_email", "a@b", "like team@example.com, or empty"),
]
# Answers outside a question's choices: Copier's own message, which lists the choices.
OFF_THE_LIST = [
    ("profile", "hexagonal", "is not in ['model-first', 'layered', 'ddd', 'serverless']"),
    ("database", "mysql", "'mysql' is not in ['sqlite', 'postgresql']"),
    ("auth", "oauth", "'oauth' is not in ['none', 'jwt']"),
    ("python_version", "3.9", "'3.9' is not in ['3.11', '3.12', '3.13']"),
    ("ci", "jenkins", "'jenkins' is not in ['github', 'gitlab', 'none']"),
    ("license", "GPL-3.0", "'GPL-3.0' is not in"),
]


def refusal(result: subprocess.CompletedProcess[str], question: str) -> str:
    """The validator's message, from the line in which Copier names the question it refused."""
    last_line = result.stderr.strip().splitlines()[-1]
    named = re.search(
        rf"(?:Validation error for question|Invalid choice for) '{question}': (.*)$", last_line
    )
    assert named is not None, last_line
    return named.group(1)


@pytest.mark.parametrize(
    ("question", "answer", "hint"),
    BAD_ANSWERS + OFF_THE_LIST,
    ids=[f"{q}={a[:12]!r}" for q, a, _ in BAD_ANSWERS + OFF_THE_LIST],
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
    (["profile=serverless", "database=postgresql"], "database", "leave it out, or give dynamodb"),
    (["profile=serverless", "docker=true"], "docker", "leave it out (serverless uses SAM)"),
    (["profile=layered", "database=dynamodb"], "database", "choose sqlite or postgresql"),
    (["profile=ddd", "tracer=true"], "tracer", "leave it out"),
    (["deploy=kubernetes"], "deploy", "needs docker and database=postgresql"),
    (["profile=serverless", "telemetry=opentelemetry"], "telemetry", "leave it out"),
    (["database=postgresql", "docker=false", "deploy=kubernetes"], "deploy", "needs docker"),
    (["assistants=[claude]", "copilot_agents=true"], "copilot_agents", "add copilot to assistants"),
    # jobs (issue 34) keeps its queue in PostgreSQL; SQLite takes it only for development, without
    # the image (which runs production, where jobs on SQLite are refused).
    (["profile=ddd", "jobs=true"], "jobs", "needs database=postgresql"),
    (["profile=model-first", "jobs=true"], "jobs", "needs database=postgresql"),
    (["profile=layered", "jobs=true"], "jobs", "needs database=postgresql"),
]


@pytest.mark.parametrize(
    ("question", "answer", "hint"), BAD_ANSWERS, ids=[f"{q}={a[:12]!r}" for q, a, _ in BAD_ANSWERS]
)
def test_a_refusal_fits_one_80_column_line_with_the_fix_first(
    tmp_path: Path, question: str, answer: str, hint: str
) -> None:
    message = refusal(copier_copy(tmp_path / "service", f"{question}={answer}"), question)

    # What a terminal shows when the answer is typed: Copier names the question, then the message.
    shown = f"Validation error for question '{question}': {message}"
    assert len(shown) <= 80, shown
    assert message.startswith(hint)


class _CopierYamlLoader(yaml.SafeLoader):
    """copier.yml as YAML, its `!include`s left unread."""


_CopierYamlLoader.add_constructor("!include", lambda loader, node: None)
# Copier writes its mark ("🎤", two columns, and a space) before a question's help.
QUESTION_MARK_COLUMNS = 3


def test_every_help_text_wraps_within_an_80_column_terminal() -> None:
    questions = yaml.load((REPO / "copier.yml").read_text(), Loader=_CopierYamlLoader)  # noqa: S506

    too_wide = [
        f"{name}: {line}"
        for name, question in questions.items()
        if isinstance(question, dict) and "help" in question
        for line in str(question["help"]).splitlines()
        if QUESTION_MARK_COLUMNS + len(line) > 80
    ]

    assert too_wide == []


def test_the_readmes_sample_refusal_is_the_one_copier_prints(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    sample = re.compile(r"for example for\s+`--data (\w+=\w+)`.*?```\n(.*?)\n```", re.DOTALL)
    example = sample.search(readme)
    assert example is not None, "README.md shows no sample refusal"

    result = copier_copy(tmp_path / "service", example[1])

    assert result.stderr.strip().splitlines()[-1] == example[2]


@pytest.mark.parametrize(("answers", "question", "hint"), IMPOSSIBLE_COMBINATIONS)
def test_a_combination_that_makes_no_sense_is_refused(
    tmp_path: Path, answers: list[str], question: str, hint: str
) -> None:
    destination = tmp_path / "service"

    result = copier_copy(destination, *answers)

    assert result.returncode != 0
    message = refusal(result, question)
    assert message.startswith(hint)
    assert len(f"Validation error for question '{question}': {message}") <= 80, message
    assert not destination.exists()


def test_serverless_is_not_asked_about_a_database_or_docker() -> None:
    project = rendered(profile="serverless")

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
