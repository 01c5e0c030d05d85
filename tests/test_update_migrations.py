"""The scripts `_migrations` runs during `copier update`, each on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, load_hook, snapshot

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


# --- migrate_revisions.py: the Alembic history across an update -------------------------------

revisions = load_hook("migrate_revisions")


def revision_file(revision: str, down: str | tuple[str, ...] | None) -> str:
    return (
        f'"""A revision.\n\nRevision ID: {revision}\nRevises: {down}\n"""\n\n'
        f"revision: str = {revision!r}\n"
        f"down_revision: str | None = {down!r}\n"
        "branch_labels = None\ndepends_on = None\n"
    )


def git_repository(project: Path) -> Path:
    for command in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=Team", "-c", "user.email=t@example.com", "commit", "-q", "-m", "Team"],
    ):
        subprocess.run(["git", *command], cwd=project, check=True, capture_output=True)
    return project


def versions(project: Path, files: dict[str, str]) -> Path:
    folder = project / "migrations" / "versions"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_a_team_revision_built_on_an_old_template_number_is_pointed_at_its_new_id(
    tmp_path: Path,
) -> None:
    folder = versions(
        tmp_path,
        {
            "template_0001_items.py": revision_file("template_0001", None),
            "template_0002_users.py": revision_file("template_0002", "template_0001"),
            "0005_tags.py": revision_file("0005", "0002"),
        },
    )

    changed = revisions.rename_legacy_references(revisions.read_revisions(tmp_path))

    assert changed == [folder / "0005_tags.py"]
    text = (folder / "0005_tags.py").read_text()
    assert "down_revision: str | None = 'template_0002'" in text
    assert "Revises: template_0002" in text


def test_a_number_a_team_revision_still_declares_stays_the_teams(tmp_path: Path) -> None:
    team_files = {
        "0003_tags.py": revision_file("0003", "template_0002"),
        "0004_labels.py": revision_file("0004", "0003"),
    }
    versions(
        tmp_path,
        {
            "template_0002_users.py": revision_file("template_0002", None),
            "template_0003_keys.py": revision_file("template_0003", "template_0002"),
            **team_files,
        },
    )

    changed = revisions.rename_legacy_references(revisions.read_revisions(tmp_path))

    assert changed == []
    for name, text in team_files.items():
        assert (tmp_path / "migrations" / "versions" / name).read_text() == text


def test_a_fork_the_update_made_is_joined_by_one_merge_revision(tmp_path: Path) -> None:
    folder = versions(
        tmp_path,
        {
            "template_0002_users.py": revision_file("template_0002", None),
            "0003_tags.py": revision_file("0003", "template_0002"),
        },
    )
    git_repository(tmp_path)
    versions(tmp_path, {"template_0003_keys.py": revision_file("template_0003", "template_0002")})

    said = revisions.merge_forks_the_update_made(tmp_path, revisions.read_revisions(tmp_path))
    again = revisions.merge_forks_the_update_made(tmp_path, revisions.read_revisions(tmp_path))

    merges = list(folder.glob("*_merge_*.py"))
    assert len(merges) == 1
    assert 'down_revision: str | Sequence[str] | None = ("0003", "template_0003")' in (
        merges[0].read_text()
    )
    assert len(said) == 1
    assert again == []
    assert [
        len(heads) for heads in revisions.heads_by_base(revisions.read_revisions(tmp_path))
    ] == [1]


def test_two_heads_the_team_made_are_reported_and_left_alone(tmp_path: Path) -> None:
    folder = versions(
        tmp_path,
        {
            "template_0001_items.py": revision_file("template_0001", None),
            "aaaa_tags.py": revision_file("aaaa", "template_0001"),
            "bbbb_labels.py": revision_file("bbbb", "template_0001"),
        },
    )
    git_repository(tmp_path)

    said = revisions.merge_forks_the_update_made(tmp_path, revisions.read_revisions(tmp_path))

    assert list(folder.glob("*_merge_*.py")) == []
    assert len(said) == 1
    assert "alembic merge heads" in said[0]
    assert "aaaa_tags.py" in said[0]
    assert "bbbb_labels.py" in said[0]


def test_branches_with_bases_of_their_own_are_not_forks(tmp_path: Path) -> None:
    versions(
        tmp_path,
        {
            "template_0001_catalog.py": revision_file("template_0001", None),
            "ordering_0001.py": revision_file("ordering_0001", None),
        },
    )

    lines = revisions.heads_by_base(revisions.read_revisions(tmp_path))

    assert sorted(len(heads) for heads in lines) == [1, 1]


# --- migrate_imports.py: team imports of modules the template moved ----------------------------

imports = load_hook("migrate_imports")


def package(project: Path, modules: dict[str, str]) -> Path:
    root = project / "src" / "shop"
    for name, text in modules.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_imports_of_a_moved_module_follow_it_written_as_they_were(tmp_path: Path) -> None:
    root = package(
        tmp_path,
        {
            "__init__.py": "",
            "schemas/__init__.py": "",
            "schemas/page.py": "class Page: ...\n",
            "schemas/items.py": "class ItemRead: ...\n",
            "api/__init__.py": "",
            "api/tags.py": (
                "from shop.models.item import ItemRead\nfrom ..models.page import Page\n"
            ),
        },
    )

    rewritten, unresolved = imports.migrate(tmp_path, "shop")

    assert (root / "api" / "tags.py").read_text() == (
        "from shop.schemas.items import ItemRead\nfrom ..schemas.page import Page\n"
    )
    assert len(rewritten) == 2
    assert unresolved == []


def test_an_import_of_a_module_nobody_moved_is_named_with_its_line(tmp_path: Path) -> None:
    package(
        tmp_path,
        {
            "__init__.py": "",
            "api/__init__.py": "",
            "api/tags.py": '"""Tags."""\n\nfrom shop.legacy.helpers import slug\n',
        },
    )

    rewritten, unresolved = imports.migrate(tmp_path, "shop")

    assert rewritten == []
    assert unresolved == ["src/shop/api/tags.py:3 imports shop.legacy.helpers, which is gone"]


def test_a_team_file_left_in_a_moved_folder_is_named(tmp_path: Path) -> None:
    package(
        tmp_path,
        {
            "__init__.py": "",
            "schemas/__init__.py": "",
            "schemas/page.py": "class Page: ...\n",
            "models/tag.py": "from ..schemas.page import Page\n",
        },
    )

    _, unresolved = imports.migrate(tmp_path, "shop")

    assert unresolved == [
        "src/shop/models/tag.py is in models/, which moved to schemas/: move it there"
    ]


def test_moving_imports_twice_is_moving_them_once(tmp_path: Path) -> None:
    package(
        tmp_path,
        {
            "__init__.py": "",
            "schemas/__init__.py": "",
            "schemas/page.py": "class Page: ...\n",
            "tags.py": "from shop.models.page import Page\n",
        },
    )
    imports.migrate(tmp_path, "shop")
    once = snapshot(tmp_path)

    rewritten, _ = imports.migrate(tmp_path, "shop")

    assert rewritten == []
    assert snapshot(tmp_path) == once


# --- report_update.py: what an update says at its end ------------------------------------------

report = load_hook("report_update")

RECORD_BEFORE = """# Changes from the template

## 2026-12-04

- **Older change.** Kept.
"""
RECORD_AFTER = """# Changes from the template

## 2026-12-06

- **Newer change.** With a step.
  Run: `uv run python scripts/once.py`

## 2026-12-04

- **Older change.** Kept.
"""


def project_with_record(tmp_path: Path, before: str | None) -> Path:
    (tmp_path / "docs").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    if before is not None:
        (tmp_path / "docs" / "template-changes.md").write_text(before)
    git_repository(tmp_path)
    (tmp_path / "docs" / "template-changes.md").write_text(RECORD_AFTER)
    return tmp_path


def test_the_report_lists_the_records_entries_the_project_did_not_have(tmp_path: Path) -> None:
    project = project_with_record(tmp_path, RECORD_BEFORE)

    news, _ = report.new_entries(project, tmp_path / "no-template", "abc1234")

    assert [entry.title for entry in news] == ["Newer change"]


def test_without_a_record_the_entries_since_the_template_commits_day_are_new(
    tmp_path: Path,
) -> None:
    template = tmp_path / "template"
    template.mkdir()
    (template / "copier.yml").write_text("{}\n")
    git_repository(template)
    day = subprocess.run(
        ["git", "log", "-1", "--format=%cs"], cwd=template, capture_output=True, text=True
    ).stdout.strip()
    project = project_with_record(tmp_path / "project", None)
    (project / "docs" / "template-changes.md").write_text(
        RECORD_AFTER.replace("2026-12-06", day).replace("2026-12-04", "2000-01-01")
    )

    news, chosen = report.new_entries(project, template, "HEAD")

    assert [entry.title for entry in news] == ["Newer change"]
    assert day in chosen


def test_the_next_commands_follow_what_changed_and_end_with_the_checks(tmp_path: Path) -> None:
    project = project_with_record(tmp_path, RECORD_BEFORE)
    news, _ = report.new_entries(project, tmp_path, "HEAD")

    unchanged = report.next_commands(project, news, ["uv run pytest"])
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    changed = report.next_commands(project, news, ["uv run pytest"])

    assert unchanged[:2] == ["uv run python scripts/once.py", "uv run pytest"]
    assert changed[:3] == ["uv sync", "uv run python scripts/once.py", "uv run pytest"]
    assert changed[-1].startswith("git add -A && git commit")


def test_the_report_names_each_file_left_in_conflict(tmp_path: Path) -> None:
    project = project_with_record(tmp_path, RECORD_BEFORE)
    (project / "pyproject.toml.rej").write_text("rejected hunk\n")

    text = report.report(project, tmp_path, "abc1234", "def5678", ["uv run pytest"])

    assert "1 file(s) in conflict" in text
    assert "\n  pyproject.toml\n" in text


# --- merge_import_conflicts.py: conflicts between import lines ---------------------------------

merging = load_hook("merge_import_conflicts")

BASE = (
    '"""The model."""\n\nfrom shop.shared_kernel.domain import Root\n\n'
    "from .events import ItemCreated\n\n\nclass Item(Root): ...\n"
)
TEMPLATE = (
    '"""The model."""\n\nfrom ....shared_kernel.domain import Root\n'
    "from .events import ItemCreated\n\n\nclass Item(Root): ...\n"
)
TEAM = (
    '"""The model."""\n\nfrom shop.shared_kernel.domain import Root\n\n'
    "from .events import ItemCreated, TagCreated\n\n\nclass Item(Root): ...\n"
)
SETTLED = (
    '"""The model."""\n\nfrom ....shared_kernel.domain import Root\n'
    "from .events import ItemCreated, TagCreated\n\n\nclass Item(Root): ...\n"
)
MODEL = "src/shop/contexts/catalog/domain/model.py"


def in_conflict(project: Path, team: str, template: str) -> Path:
    """A project whose model.py an update left in conflict, as Copier leaves it."""
    path = project / MODEL
    path.parent.mkdir(parents=True)
    path.write_text(team)
    git_repository(project)
    (project / "base.py").write_text(BASE)
    (project / "new.py").write_text(template)
    labels = ["-L", "before updating", "-L", "last update", "-L", "after updating"]
    subprocess.run(["git", "merge-file", *labels, MODEL, "base.py", "new.py"], cwd=project)
    (project / "base.py").unlink()
    (project / "new.py").unlink()
    blob = subprocess.run(
        ["git", "hash-object", "-w", MODEL], cwd=project, capture_output=True, text=True
    ).stdout.strip()
    index = f"0 {'0' * 40}\t{MODEL}\n100644 {blob} 2\t{MODEL}\n100644 {blob} 3\t{MODEL}\n"
    subprocess.run(["git", "update-index", "--index-info"], cwd=project, input=index, text=True)
    return path


def unmerged(project: Path) -> list[str]:
    return subprocess.run(
        ["git", "diff", "--name-only", "--diff-filter=U"],
        cwd=project, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip


def test_a_team_import_beside_the_templates_rewritten_ones_is_settled(tmp_path: Path) -> None:
    path = in_conflict(tmp_path, TEAM, TEMPLATE)
    assert "<<<<<<< before updating" in path.read_text()
    assert unmerged(tmp_path) == [MODEL]

    merging.main(tmp_path, "shop")

    assert path.read_text() == SETTLED
    assert unmerged(tmp_path) == []


def test_settling_twice_is_settling_once(tmp_path: Path) -> None:
    path = in_conflict(tmp_path, TEAM, TEMPLATE)
    merging.main(tmp_path, "shop")
    once = snapshot(tmp_path)

    merging.main(tmp_path, "shop")

    assert snapshot(tmp_path) == once
    assert path.read_text() == SETTLED


def test_names_the_template_imports_and_the_team_lacks_are_imported_too(tmp_path: Path) -> None:
    template = TEMPLATE.replace("import ItemCreated", "import ItemCreated, ItemRenamed")
    path = in_conflict(tmp_path, TEAM, template)

    merging.main(tmp_path, "shop")

    assert path.read_text() == SETTLED.replace(
        "TagCreated\n", "TagCreated\nfrom .events import ItemRenamed\n"
    )
    assert unmerged(tmp_path) == []


def test_a_conflict_beyond_imports_is_left_to_the_team(tmp_path: Path) -> None:
    team = TEAM.replace("\n\nfrom .events", "\nLIMIT = 3\n\nfrom .events")
    path = in_conflict(tmp_path, team, TEMPLATE)
    before = path.read_text()

    merging.main(tmp_path, "shop")

    assert path.read_text() == before
    assert unmerged(tmp_path) == [MODEL]
