"""The scripts `_migrations` runs during `copier update`, each on its own."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from support import REPO, snapshot


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


team_notes = load_hook("migrate_team_notes")

AGENTS_0_1 = """# AGENTS.md

## Boundaries

- Never commit `.env` or a secret.

## Team notes

Add your team's own notes below this line.
"""
NOTES = "- Prices are cents everywhere.\n- Deploys freeze on Fridays.\n"


def project_with(tmp_path: Path, agents: str) -> Path:
    (tmp_path / "AGENTS.md").write_text(agents)
    return tmp_path


def test_notes_below_the_placeholder_move_to_the_team_notes_file(tmp_path: Path) -> None:
    project = project_with(tmp_path, AGENTS_0_1 + "\n" + NOTES)

    moved = team_notes.move_team_notes(project)

    assert moved
    assert (project / "AGENTS.md").read_text() == AGENTS_0_1
    text = (project / "docs" / "team-notes.md").read_text()
    assert text.startswith("# Team notes\n")
    assert text.endswith("\n\n" + NOTES)


def test_running_the_migration_twice_is_running_it_once(tmp_path: Path) -> None:
    project = project_with(tmp_path, AGENTS_0_1 + NOTES)
    team_notes.move_team_notes(project)
    once = snapshot(project)

    moved_again = team_notes.move_team_notes(project)

    assert not moved_again
    assert snapshot(project) == once


def test_without_notes_nothing_changes(tmp_path: Path) -> None:
    project = project_with(tmp_path, AGENTS_0_1)

    assert not team_notes.move_team_notes(project)
    assert snapshot(project) == {"AGENTS.md": AGENTS_0_1.encode()}


def test_a_rewritten_section_is_left_for_the_update_to_merge(tmp_path: Path) -> None:
    rewritten = AGENTS_0_1.replace("Add your team's own notes below this line.", NOTES)
    project = project_with(tmp_path, rewritten)

    assert not team_notes.move_team_notes(project)
    assert snapshot(project) == {"AGENTS.md": rewritten.encode()}


def test_a_project_without_agents_md_is_left_alone(tmp_path: Path) -> None:
    assert not team_notes.move_team_notes(tmp_path)
    assert snapshot(tmp_path) == {}


def test_notes_already_in_the_team_notes_file_are_not_added_twice(tmp_path: Path) -> None:
    project = project_with(tmp_path, AGENTS_0_1 + NOTES)
    (project / "docs").mkdir()
    existing = "# Team notes\n\n" + NOTES
    (project / "docs" / "team-notes.md").write_text(existing)

    team_notes.move_team_notes(project)

    assert (project / "docs" / "team-notes.md").read_text() == existing
    assert (project / "AGENTS.md").read_text() == AGENTS_0_1


def test_the_script_stages_what_it_moved_for_copier_to_see(tmp_path: Path) -> None:
    project = project_with(tmp_path, AGENTS_0_1 + NOTES)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)

    subprocess.run(
        [sys.executable, str(REPO / "hooks" / "migrate_team_notes.py")], cwd=project, check=True
    )

    staged = subprocess.run(
        ["git", "diff", "--cached", "--name-only"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert staged == ["AGENTS.md", "docs/team-notes.md"]


mark_update = load_hook("mark_update")
MARK = ".copier-update-in-progress"


def test_an_update_begun_leaves_a_mark_that_says_how_to_abandon_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert mark_update.main("begin", MARK) == 0

    assert "git reset --hard && git clean -fd" in (tmp_path / MARK).read_text()


def test_an_update_ended_clears_its_mark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    mark_update.main("begin", MARK)

    assert mark_update.main("end", MARK) == 0

    assert not (tmp_path / MARK).exists()
    assert mark_update.main("end", MARK) == 0  # again, with no mark: nothing to do


def test_an_unknown_stage_is_refused_and_marks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert mark_update.main("middle", MARK) != 0

    assert list(tmp_path.iterdir()) == []
