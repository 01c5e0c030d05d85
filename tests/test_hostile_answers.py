"""Hostile answers: every free-text answer is written faithfully and safely into every file it
reaches (TOML, YAML, JSON, Python, Markdown, Dockerfile, CI files), or refused with a message that
names the question, leaving no directory behind."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import describe, render, run, unreadable_files

# Every question a user answers by typing; the others are choices Copier checks itself.
FREE_TEXT = [
    "project_name",
    "description",
    "author_name",
    "author_email",
    "project_slug",
    "package_name",
]

HOSTILE = {
    "double quotes": 'The "Billing" Service',
    "single quotes": "O'Reilly's service",
    "backslashes": "C:\\new\\table \\u0041 \\",
    "trailing backslash": "ends in \\",
    "newline": "two\nlines",
    "carriage return": "one\rline",
    "tab": "a\tb",
    "NUL": "a\x00b",
    "escape sequence": "\x1b[31mred",
    "Jinja expression": "{{ 7*7 }}",
    "Jinja raw block": "{% raw %}",
    "Jinja comment": "{# not closed",
    "shell metacharacters": "$(rm -rf ~); `id` | cat && echo $HOME > /tmp/x",
    "path traversal": "../../etc/passwd",
    "path separators": "a/b\\c",
    "leading dashes": "--help",
    "YAML syntax": "key: [value] & *anchor !tag %",
    "TOML syntax": '"] = 1\n[tool]',
    "HTML": "<script>alert(1)</script>",
    "Markdown link": "[click](https://example.com) `code`",
    "very long": "x" * 5000,
    "empty": "",
    "whitespace only": "   ",
    "non-ASCII": "Café Ünïcode 日本語 ß",
    "right-to-left": "שירות החיובים",
    "bidirectional override": "abc\u202edcba",
    "emoji": "Billing 🚀",
    "Python keyword": "class",
    "standard-library module": "json",
    "dependency module": "fastapi",
}


def written(project: Path, question: str) -> str:
    """Where the answer to `question` lands, read back the way its file format reads it."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    if question == "project_name":
        package = next((project / "src").iterdir())
        tree = ast.parse((package / "core" / "config.py").read_text(encoding="utf-8"))
        settings_class = next(
            node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Settings"
        )
        app_name = next(
            node.value
            for node in settings_class.body
            if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "app_name"
        )
        assert app_name is not None
        value: str = ast.literal_eval(app_name)
        heading = (project / "README.md").read_text(encoding="utf-8").splitlines()[0]
        assert heading == f"# {value}"
        return value
    if question == "description":
        return str(pyproject["project"]["description"])
    if question in {"author_name", "author_email"}:
        # Left empty, an author field is left out of pyproject.toml.
        [author] = pyproject["project"].get("authors", [{}])
        return str(author.get(question.removeprefix("author_"), ""))
    if question == "project_slug":
        return str(pyproject["project"]["name"])
    return next((project / "src").iterdir()).name


def written_safely_or_refused(destination: Path, question: str, answer: str) -> str:
    """Render with one hostile answer; check what happened and say which it was."""
    try:
        project = render(destination, **{question: answer})
    except ValueError as error:
        refusal = str(error)
    else:
        assert unreadable_files(project) == []
        assert written(project, question) == answer
        return "written"
    assert f"question '{question}'" in refusal
    assert not destination.exists(), "a refused copy left a directory behind"
    return "refused"


@pytest.mark.parametrize("question", FREE_TEXT)
@pytest.mark.parametrize("answer", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_answer_is_written_faithfully_or_refused(
    tmp_path: Path, question: str, answer: str
) -> None:
    written_safely_or_refused(tmp_path / "service", question, answer)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("project_name", HOSTILE["double quotes"]),
        ("project_name", HOSTILE["Jinja expression"]),
        ("project_name", HOSTILE["Markdown link"]),
        ("description", HOSTILE["shell metacharacters"]),
        ("project_name", HOSTILE["right-to-left"]),
        ("description", HOSTILE["backslashes"]),
        ("description", HOSTILE["YAML syntax"]),
        ("description", HOSTILE["Jinja raw block"]),
        ("author_name", HOSTILE["leading dashes"]),
        ("author_name", HOSTILE["empty"]),
    ],
)
def test_text_that_people_may_mean_is_written_not_refused(
    tmp_path: Path, question: str, answer: str
) -> None:
    assert written_safely_or_refused(tmp_path / "service", question, answer) == "written"


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (question, HOSTILE[case])
        for question in ("project_name", "description", "author_name")
        for case in ("newline", "tab", "NUL", "bidirectional override", "very long")
    ]
    + [("project_name", HOSTILE["HTML"])]
    + [
        ("package_name", HOSTILE[case])
        for case in (
            "Python keyword",
            "standard-library module",
            "dependency module",
            "path traversal",
            "leading dashes",
            "empty",
        )
    ]
    + [
        ("project_slug", HOSTILE[case])
        for case in ("path traversal", "leading dashes", "shell metacharacters", "empty")
    ],
)
def test_text_that_would_break_a_file_or_a_name_is_refused(
    tmp_path: Path, question: str, answer: str
) -> None:
    assert written_safely_or_refused(tmp_path / "service", question, answer) == "refused"


ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=120) | st.sampled_from(
    list(HOSTILE.values())
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=st.sampled_from(FREE_TEXT), answer=ANY_TEXT)
def test_any_text_in_any_free_text_answer_is_written_faithfully_or_refused(
    tmp_path_factory: pytest.TempPathFactory, question: str, answer: str
) -> None:
    written_safely_or_refused(tmp_path_factory.mktemp("hostile") / "service", question, answer)


# Reads like a coverage figure, a Python version, a link, a cited path and an `@` import.
CITATION_LIKE = "100% [Python 3.9](../x.md) `src/missing.py` @AGENT.md"


def test_a_name_that_reads_like_a_citation_keeps_the_drift_check_green(tmp_path: Path) -> None:
    project = render(
        tmp_path / "service",
        project_name=CITATION_LIKE,
        description=CITATION_LIKE,
        assistants=["claude", "agents", "copilot", "cursor"],
        copilot_agents=True,
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")

    # The project's own drift check, run by this suite's pytest without the project's conftest
    # (its app is not installed here) and without the check of `uv run` commands (nor its tools).
    result = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_ai_files.py",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(project),
            "--noconftest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-k",
            "not uv_run_command",
            "-q",
        ],
        project,
    )

    assert result.returncode == 0, describe(result)
