"""`copier update` brings a newer template into a generated service and keeps the team's work.

The template is copied into a scratch git repository and tagged twice: `v1.0.0` as it is, and
`v1.1.0` after a typical template change (new README text, a changed rule in AGENTS.md, a reworded
module). Each profile is rendered at v1.0.0, committed, changed the way a team changes it (a route,
a new module with its test, a dependency, README and AGENTS.md notes), committed, and updated.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from copier import run_update
from copier.errors import TaskError, UserMessageError
from support import (
    PROFILE_TRAITS,
    PROFILES,
    REPO,
    copy_of_the_template,
    describe,
    git,
    on_one_worker,
    project_env,
    python_for,
    render,
    run,
    sh_block_after,
    snapshot,
    warm_mypy_cache,
)

pytestmark = pytest.mark.slow

# The template's change between the two tags: (file under template/, old text, new text).
TEMPLATE_CHANGES = [
    (
        "README.md.jinja",
        "## Architecture and standards\n",
        "## Architecture and standards\n\nAsk the platform team before changing a layer rule.\n",
    ),
    (
        "src/{{ package_name }}/api/health.py.jinja",
        '"""Liveness and readiness probes, outside the versioned API."""',
        '"""Liveness and readiness probes, outside the versioned API; load balancers poll them."""',
    ),
    (
        "{{ 'AGENTS.md' if assistants else '' }}.jinja",
        "All of them must pass before a change is done.",
        "All of them must pass before a change is done, and again after every merge.",
    ),
    # The team owns this file once it exists: this change reaches new projects only.
    (
        "docs/team-notes.md.jinja",
        "known gotchas.",
        "known gotchas and their workarounds.",
    ),
]
# Each profile's example routes: the file the team edits.
ROUTES = {
    profile: f"src/my_service/{traits['item_routes']}" for profile, traits in PROFILE_TRAITS.items()
}
TEAM_MODULE = '''"""Prices in cents, as the billing team formats them."""


def format_cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
'''
TEAM_TEST = '''"""Prices as the billing team reads them."""

from my_service.pricing import format_cents


def test_cents_are_formatted_with_two_decimals() -> None:
    assert format_cents(1205) == "12.05"
'''
# How a stopped or failed update is abandoned, as its mark and the READMEs say.
ABANDON = "git reset --hard && git clean -fd"
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)
TEAM_NOTE = "- Deploys freeze on Fridays.\n"


def copy_tracked_files(repo: Path) -> None:
    """This template's files, as they are in the working tree, into a new repository."""
    copy_of_the_template(repo)
    git(repo, "init", "-q", "-b", "main")


def commit_and_tag(repo: Path, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", tag)
    git(repo, "tag", tag)


def template_at_two_versions(repo: Path) -> Path:
    """The template at `v1.0.0`, and at `v1.1.0` with TEMPLATE_CHANGES, in a repository."""
    copy_tracked_files(repo)
    commit_and_tag(repo, "v1.0.0")
    for name, old, new in TEMPLATE_CHANGES:
        path = repo / "template" / name
        text = path.read_text()
        assert old in text, f"{old!r} is no longer in template/{name}"
        path.write_text(text.replace(old, new, 1))
    commit_and_tag(repo, "v1.1.0")
    return repo


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_at_two_versions(tmp_path_factory.mktemp("template") / "archetype")


# The last `_migrations` entry clears the in-progress mark at the end of an update.
MARK_CLEARED = """  - when: "{{ _stage == 'after' }}"\n"""
STALL = """  - when: "{{ _stage == 'after' }}"
    command: ["{{ _copier_python }}", "-c", "import time; time.sleep(600)"]
"""


@pytest.fixture(scope="module")
def template_repo_that_stalls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As `template_repo`, but v1.1.0 stalls once the update has written everything and before it
    clears its mark: a moment to stop an update part-way, every time."""
    repo = template_at_two_versions(tmp_path_factory.mktemp("template-stalls") / "archetype")
    edit(repo / "copier.yml", MARK_CLEARED, STALL + MARK_CLEARED)
    git(repo, "tag", "-d", "v1.1.0")
    commit_and_tag(repo, "v1.1.0")
    return repo


def generated(template: Path, destination: Path, version: str, **answers: str) -> Path:
    """The template rendered at a tagged version, and committed as a team's first commit."""
    render(destination, template=template, vcs_ref=version, **answers)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", f"Generated from Archetype {version}")
    return destination


def generated_at_v1_0(template: Path, destination: Path, profile: str) -> Path:
    return generated(template, destination, "v1.0.0", profile=profile)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def make_team_changes(project: Path, profile: str) -> None:
    routes = project / ROUTES[profile]
    routes.write_text(f"# Owned by the catalog squad.\n{routes.read_text()}")
    (project / "src" / "my_service" / "pricing.py").write_text(TEAM_MODULE)
    (project / "tests" / "unit" / "test_pricing.py").write_text(TEAM_TEST)
    edit(project / "pyproject.toml", "dependencies = [\n", 'dependencies = [\n    "anyio>=4",\n')
    with (project / "README.md").open("a") as readme:
        readme.write("\n## Team runbook\n\nPage the catalog squad for item outages.\n")
    with (project / "AGENTS.md").open("a") as agents:
        agents.write("\n- Prices are cents everywhere (`src/my_service/pricing.py`).\n")
    with (project / "docs" / "team-notes.md").open("a") as notes:
        notes.write(f"\n{TEAM_NOTE}")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Team changes")


def update_to_v1_1(project: Path) -> None:
    run_update(
        project,
        vcs_ref="v1.1.0",
        defaults=True,
        overwrite=True,
        unsafe=True,
        skip_tasks=True,
        conflict="inline",
        quiet=True,
    )


def files_with_conflicts(project: Path) -> list[str]:
    return sorted(
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file()
        and ".git" not in path.parts
        and CONFLICT_MARKER.search(path.read_text(errors="replace"))
    )


_updated: dict[str, Path] = {}


def updated_after_the_teams_changes(
    profile: str, template: Path, factory: pytest.TempPathFactory
) -> Path:
    """The profile generated at v1.0.0, changed as a team changes it and updated to v1.1.0, once
    per worker: read it, never change it (a test that changes it works on a copy)."""
    if profile not in _updated:
        project = generated_at_v1_0(
            template, factory.mktemp(f"updated-{profile}") / "service", profile
        )
        make_team_changes(project, profile)
        update_to_v1_1(project)
        _updated[profile] = project
    return _updated[profile]


@pytest.mark.parametrize("profile", on_one_worker("updated", PROFILES))
def test_an_update_keeps_the_teams_changes_and_brings_the_templates(
    profile: str, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = updated_after_the_teams_changes(profile, template_repo, tmp_path_factory)

    assert "# Owned by the catalog squad." in (project / ROUTES[profile]).read_text()
    assert (project / "src" / "my_service" / "pricing.py").read_text() == TEAM_MODULE
    assert '"anyio>=4",' in (project / "pyproject.toml").read_text()
    readme, agents = (project / "README.md").read_text(), (project / "AGENTS.md").read_text()
    assert "Page the catalog squad for item outages." in readme
    assert "Prices are cents everywhere" in agents
    assert "Ask the platform team before changing a layer rule." in readme
    assert "and again after every merge." in agents
    assert "load balancers poll them" in (project / "src/my_service/api/health.py").read_text()
    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()
    team_notes = (project / "docs" / "team-notes.md").read_text()
    assert team_notes.endswith(f"\n\n{TEAM_NOTE}")
    assert "their workarounds" not in team_notes
    assert list(project.rglob("*.rej")) == []
    assert files_with_conflicts(project) == []


@pytest.mark.parametrize("profile", on_one_worker("updated", PROFILES))
def test_an_updated_project_passes_its_own_checks_and_tests(
    profile: str, template_repo: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    updated = updated_after_the_teams_changes(profile, template_repo, tmp_path_factory)
    project = Path(shutil.copytree(updated, tmp_path / "service", symlinks=True))
    env = project_env(python_for("3.11"))
    warm_mypy_cache(project, profile)

    for command in (
        ["uv", "sync"],
        ["uv", "run", "ruff", "check"],
        ["uv", "run", "ruff", "format", "--check"],
        ["uv", "run", "mypy"],
        ["uv", "run", "lint-imports"],
        ["uv", "run", "pytest", "-p", "no:cacheprovider"],
    ):
        result = run(command, project, env)
        assert result.returncode == 0, describe(result)


@pytest.mark.parametrize("profile", PROFILES)
def test_an_overlapping_change_shows_both_sides_inline(
    profile: str, template_repo: Path, tmp_path: Path
) -> None:
    project = generated_at_v1_0(template_repo, tmp_path / "service", profile)
    edit(
        project / "AGENTS.md",
        "All of them must pass before a change is done.",
        "All of them must pass before a change is done, and the PR template is filled in.",
    )
    git(project, "commit", "-q", "-am", "Team rule")

    update_to_v1_1(project)

    agents = (project / "AGENTS.md").read_text()
    assert files_with_conflicts(project) == ["AGENTS.md"]
    ours = agents.index("<<<<<<< before updating\n")
    theirs = agents.index(">>>>>>> after updating\n")
    assert ours < agents.index("and the PR template is filled in.") < theirs
    assert ours < agents.index("and again after every merge.") < theirs
    assert list(project.rglob("*.rej")) == []


def test_an_update_into_a_dirty_tree_is_refused_and_changes_nothing(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generated_at_v1_0(template_repo, tmp_path / "service", "layered")
    edit(project / "README.md", "## Quick start", "## Quick start (uncommitted)")
    before = snapshot(project)

    with pytest.raises(UserMessageError, match="dirty"):
        update_to_v1_1(project)

    assert snapshot(project) == before


def test_an_update_that_fails_on_a_bad_answer_changes_no_file_and_says_how_to_clear_its_mark(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generated_at_v1_0(template_repo, tmp_path / "service", "layered")
    before = snapshot(project)
    mark = project / ".copier-update-in-progress"

    with pytest.raises(ValueError, match="profile"):
        run_update(
            project,
            vcs_ref="v1.1.0",
            data={"profile": "hexagonal"},
            defaults=True,
            overwrite=True,
            unsafe=True,
            skip_tasks=True,
            quiet=True,
        )
    # Copier checks the new answers after the update has begun: its mark stays, and says how to
    # clear it, and the update may then be run again.
    after = snapshot(project)
    abandoned = run(["bash", "-c", ABANDON], project)

    assert after.pop(mark.name).decode().count(ABANDON) == 1
    assert after == before
    assert abandoned.returncode == 0, describe(abandoned)
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""


# --- The commands the docs and the generated CI give, run as written ------------------------


def run_as_written(script: str, project: Path) -> subprocess.CompletedProcess[str]:
    return run(["bash", "-e", "-c", script], project, project_env(python_for("3.11")))


def test_the_readme_update_guide_works_as_written(template_repo: Path, tmp_path: Path) -> None:
    project = generated_at_v1_0(template_repo, tmp_path / "service", "layered")
    make_team_changes(project, "layered")
    guide = sh_block_after((REPO / "README.md").read_text(), "## Updating a generated service")

    result = run_as_written(guide, project)

    assert result.returncode == 0, describe(result)
    assert "and again after every merge." in (project / "AGENTS.md").read_text()
    assert "Prices are cents everywhere" in (project / "AGENTS.md").read_text()
    assert " M AGENTS.md" in result.stdout  # the update's changes, listed for review


def test_the_generated_readme_update_command_works_as_written(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generated_at_v1_0(template_repo, tmp_path / "service", "ddd")
    guide = sh_block_after((project / "README.md").read_text(), "## Updating from the template")

    result = run_as_written(guide, project)

    assert result.returncode == 0, describe(result)
    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()


def test_the_readme_answer_switch_works_as_written(template_repo: Path, tmp_path: Path) -> None:
    project = generated_at_v1_0(template_repo, tmp_path / "service", "layered")
    guide = sh_block_after((REPO / "README.md").read_text(), "### Switching answers")

    result = run_as_written(guide, project)

    assert result.returncode == 0, describe(result)
    assert "auth: jwt" in (project / ".copier-answers.yml").read_text()
    assert (project / "src" / "my_service" / "api" / "auth.py").exists()
    git(project, "add", "-A")
    warm_mypy_cache(project, "layered")
    checks = run_as_written("uv sync -q && uv run mypy && uv run pytest -q", project)
    assert checks.returncode == 0, describe(checks)


def test_the_readme_onboarding_commands_work_as_written(
    template_repo: Path, tmp_path: Path
) -> None:
    project = generated_at_v1_0(template_repo, tmp_path / "service", "ddd")
    guide = sh_block_after((REPO / "README.md").read_text(), "### Onboarding a new team member")

    result = run_as_written(guide, project)

    assert result.returncode == 0, describe(result)
    assert (project / ".git" / "hooks" / "pre-commit").exists()
    assert "Contracts: 5 kept, 0 broken." in result.stdout


def check_update_commands(project: Path, ci: str) -> list[str]:
    if ci == "github":
        workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
        return str(workflow["jobs"]["template-update"]["steps"][-1]["run"]).splitlines()
    pipeline = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    return [str(line) for line in pipeline["template-update"]["script"]]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_scheduled_ci_job_fails_naming_a_newer_release(
    ci: str, template_repo: Path, tmp_path: Path
) -> None:
    project = generated(template_repo, tmp_path / "service", "v1.0.0", ci=ci)
    show, gate = check_update_commands(project, ci)

    shown, gated = run_as_written(show, project), run_as_written(gate, project)

    assert "Current version is 1.0.0, latest version is 1.1.0" in shown.stdout, describe(shown)
    assert gated.returncode == 2, describe(gated)
    update_to_v1_1(project)
    git(project, "commit", "-q", "-am", "Update")
    assert run_as_written(gate, project).returncode == 0


# --- The 0.2.0 migration, in a real update ----------------------------------------------------

TEAM_NOTES_SECTION_0_1 = "## Team notes\n\nAdd your team's own notes below this line."


def template_across_0_2(repo: Path, *, tagged: bool) -> Path:
    """The template as 0.1.0 shipped the team notes (in AGENTS.md), then as it is: two commits,
    tagged `v0.1.0` and `v0.2.0`, or untagged as a clone of this repository may have them."""

    def release(version: str) -> None:
        if tagged:
            commit_and_tag(repo, f"v{version}")
        else:
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"Release {version}")

    copy_tracked_files(repo)
    agents = repo / "template" / "{{ 'AGENTS.md' if assistants else '' }}.jinja"
    current_agents = agents.read_text()
    section = current_agents[current_agents.index("## Team notes") :]
    agents.write_text(current_agents.replace(section, f"{TEAM_NOTES_SECTION_0_1}\n"))
    team_notes = repo / "template" / "docs" / "team-notes.md.jinja"
    current_team_notes = team_notes.read_text()
    team_notes.unlink()
    claude = repo / "template" / "{{ 'CLAUDE.md' if 'claude' in assistants else '' }}.jinja"
    current_claude = claude.read_text()
    claude.write_text(current_claude.replace("@docs/team-notes.md\n", ""))
    release("0.1.0")
    agents.write_text(current_agents)
    team_notes.write_text(current_team_notes)
    claude.write_text(current_claude)
    release("0.2.0")
    return repo


@pytest.fixture(scope="module")
def template_repo_across_0_2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_across_0_2(tmp_path_factory.mktemp("template-0.2") / "archetype", tagged=True)


@pytest.mark.parametrize("profile", PROFILES)
def test_updating_to_0_2_moves_the_team_notes_out_of_agents_md(
    profile: str, template_repo_across_0_2: Path, tmp_path: Path
) -> None:
    project = generated(template_repo_across_0_2, tmp_path / "service", "v0.1.0", profile=profile)
    with (project / "AGENTS.md").open("a") as agents:
        agents.write(f"\n{TEAM_NOTE}")
    git(project, "commit", "-q", "-am", "A team note")

    run_update(project, vcs_ref="v0.2.0", defaults=True, overwrite=True, unsafe=True, quiet=True)

    agents_md = (project / "AGENTS.md").read_text()
    assert TEAM_NOTE not in agents_md
    assert "read [docs/team-notes.md](docs/team-notes.md)" in agents_md
    assert (project / "docs" / "team-notes.md").read_text().endswith(f"\n\n{TEAM_NOTE}")
    assert "@docs/team-notes.md" in (project / "CLAUDE.md").read_text()
    assert files_with_conflicts(project) == []
    assert list(project.rglob("*.rej")) == []


@pytest.fixture(scope="module")
def untagged_template_repo_across_0_2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("template-untagged") / "archetype"
    return template_across_0_2(repo, tagged=False)


def test_without_release_tags_an_update_still_moves_the_team_notes(
    untagged_template_repo_across_0_2: Path, tmp_path: Path
) -> None:
    repo = untagged_template_repo_across_0_2
    release = git(repo, "rev-list", "-n", "1", "--grep", "Release 0.1.0", "HEAD").strip()
    project = generated(repo, tmp_path / "service", release)
    with (project / "AGENTS.md").open("a") as agents:
        agents.write(f"\n{TEAM_NOTE}")
    git(project, "commit", "-q", "-am", "A team note")

    run_update(project, vcs_ref="HEAD", defaults=True, overwrite=True, unsafe=True, quiet=True)

    assert TEAM_NOTE not in (project / "AGENTS.md").read_text()
    assert (project / "docs" / "team-notes.md").read_text().endswith(f"\n\n{TEAM_NOTE}")
    assert files_with_conflicts(project) == []


def test_an_update_whose_migration_crashes_changes_nothing(
    template_repo_across_0_2: Path, tmp_path: Path
) -> None:
    project = generated(template_repo_across_0_2, tmp_path / "service", "v0.1.0")
    with (project / "AGENTS.md").open("a") as agents:
        agents.write(f"\n{TEAM_NOTE}")
    # A folder where the migration must write a file: it cannot, and stops.
    (project / "docs" / "team-notes.md").mkdir(parents=True)
    (project / "docs" / "team-notes.md" / "draft.txt").write_text("Not a file\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "A team note, and a folder in the migration's way")
    before = snapshot(project)

    with pytest.raises(TaskError, match=r"migrate_team_notes\.py"):
        run_update(
            project, vcs_ref="v0.2.0", defaults=True, overwrite=True, unsafe=True, quiet=True
        )

    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_a_stopped_update_leaves_a_mark_the_checks_refuse_until_it_is_abandoned(
    template_repo_that_stalls: Path, tmp_path: Path
) -> None:
    project = generated_at_v1_0(template_repo_that_stalls, tmp_path / "service", "layered")
    make_team_changes(project, "layered")
    env = project_env(python_for("3.11"))
    assert run(["uv", "sync", "-q"], project, env).returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Locked")
    last_commit = git(project, "rev-parse", "HEAD")
    mark = project / ".copier-update-in-progress"
    update = [sys.executable, "-m", "copier", "update", "--trust", "--defaults", "-r", "v1.1.0"]
    with (tmp_path / "update.log").open("wb") as log:
        updating = subprocess.Popen(
            update, cwd=project, stdout=log, stderr=log, start_new_session=True
        )
    agents = project / "AGENTS.md"
    try:
        written = poll_until(
            lambda: mark.is_file() and "again after every merge" in agents.read_text()
        )
    finally:
        os.killpg(updating.pid, signal.SIGKILL)
        updating.wait(timeout=30)
    assert written, (tmp_path / "update.log").read_text()

    tests = run(["uv", "run", "pytest", "-q"], project, env)
    hooks = run(["uv", "run", "pre-commit", "run", "--all-files"], project, env)
    abandoned = run(["bash", "-e", "-c", ABANDON], project, env)

    assert tests.returncode != 0
    assert ABANDON in tests.stdout + tests.stderr
    assert hooks.returncode != 0
    assert ABANDON in hooks.stdout
    assert abandoned.returncode == 0, describe(abandoned)
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == last_commit
    assert not mark.exists()


def poll_until(condition: Callable[[], bool], seconds: float = 300) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False
