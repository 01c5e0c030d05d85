"""The post-copy task: git init and a first `uv sync` where it can, a one-line reason where not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import REPO, render

pytestmark = pytest.mark.slow


def copy_with_tasks(
    destination: Path | str,
    path: str | None = None,
    source: Path | str = REPO,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            str(source),
            str(destination),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_copy_initialises_git_and_installs_the_project(tmp_path: Path) -> None:
    project = tmp_path / "service"

    result = copy_with_tasks(project)

    assert result.returncode == 0, result.stderr
    assert (project / ".git").is_dir()
    assert (project / ".venv" / "bin" / "python").exists()
    assert "installed the project and its dev tools" in result.stderr


def path_without_uv() -> str:
    """This machine's PATH less every directory that holds a `uv`."""
    kept = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "uv").exists()]
    assert shutil.which("git", path=os.pathsep.join(kept)) is not None
    return os.pathsep.join(kept)


def test_copy_without_uv_skips_the_install_with_a_reason(tmp_path: Path) -> None:
    project = tmp_path / "service"

    result = copy_with_tasks(project, path=path_without_uv())

    assert result.returncode == 0, result.stderr
    assert "uv not found; skipped `uv sync`" in result.stderr
    assert (project / ".git").is_dir()
    assert not (project / ".venv").exists()
    assert (project / "pyproject.toml").is_file()


def test_a_copy_from_a_relative_path_records_the_absolute_one_for_updates(tmp_path: Path) -> None:
    clone = tmp_path / "archetype"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)

    result = copy_with_tasks("../service", path=path_without_uv(), source=".", cwd=clone)

    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((tmp_path / "service" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(clone)
    assert "CI runners cannot reach" in result.stderr


def test_copy_into_an_existing_repository_does_not_nest_a_new_one(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    project = tmp_path / "services" / "billing"

    result = copy_with_tasks(project, path=path_without_uv())

    assert result.returncode == 0, result.stderr
    assert "already inside a git repository" in result.stderr
    assert not (project / ".git").exists()


def test_a_copy_whose_task_crashes_leaves_no_directory(tmp_path: Path) -> None:
    # A git that fails every command: the task's `git init` raises, and Copier stops.
    broken = tmp_path / "broken-bin"
    broken.mkdir()
    (broken / "git").write_text("#!/bin/sh\necho 'git: simulated failure' >&2\nexit 1\n")
    (broken / "git").chmod(0o755)
    destination = tmp_path / "service"

    result = copy_with_tasks(destination, path=f"{broken}{os.pathsep}{os.environ['PATH']}")

    assert result.returncode != 0
    assert "simulated failure" in result.stderr
    assert not destination.exists()


def test_the_answers_file_allows_the_one_edit_the_post_copy_advice_asks_for(
    tmp_path: Path,
) -> None:
    """The advice to set `_src_path` by hand does not contradict the file's "not by hand"."""
    answers = (render(tmp_path / "service") / ".copier-answers.yml").read_text()
    advice = (REPO / "hooks" / "post_copy.py").read_text()

    header = [line for line in answers.splitlines() if line.startswith("#")]

    assert "`_src_path` in" in advice
    assert [line for line in header if "edit by hand is `_src_path`" in line]
