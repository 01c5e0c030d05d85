"""The profile registry (includes/profiles.yml): the one place that says how profiles differ.

Shared files ask about a profile's traits, never its name, so a new profile is an entry in the
registry plus the few files README.md's recipe lists; a test follows that recipe with a toy profile.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from support import (
    PROFILE_TRAITS,
    PROFILES,
    REPO,
    copy_of_the_template,
    describe,
    project_env,
    python_for,
    render,
    run,
    unreadable_files,
)

# A profile-name test in a file's text; the gated directories of each profile's own tree are
# named for it in their paths, which this does not read.
NAME_TEST = re.compile(r"profile\s*(==|!=)|profile\s+(not\s+)?in\s*\[")


def questionnaire() -> dict[str, object]:
    config: dict[str, object] = yaml.safe_load(
        (REPO / "copier.yml").read_text().replace("!include", "")
    )
    return config


def test_the_questionnaire_offers_exactly_the_registered_profiles() -> None:
    profile = questionnaire()["profile"]
    assert isinstance(profile, dict)

    assert list(profile["choices"].values()) == PROFILES


def test_every_profile_defines_every_trait() -> None:
    keys = {name: set(traits) for name, traits in PROFILE_TRAITS.items()}

    assert all(names == keys[PROFILES[0]] for names in keys.values()), keys


def test_no_shared_file_tests_a_profile_by_name() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for folder in ("template", "includes")
        for path in sorted((REPO / folder).rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if NAME_TEST.search(line)
    ]

    assert found == [], "ask about a trait in includes/profiles.yml instead:\n" + "\n".join(found)


def add_toy_profile_as_the_readme_says(repo: Path) -> None:
    """The recipe of README.md ("Adding a profile"), for a profile shaped like layered."""
    registry = repo / "includes" / "profiles.yml"
    entries = yaml.safe_load(registry.read_text())
    toy = {**next(e for e in entries if e["name"] == "layered"), "name": "toy"}
    registry.write_text(registry.read_text() + "\n" + yaml.safe_dump([toy], sort_keys=False))
    for listed in (repo / "includes" / "recipes.yml", repo / "tests" / "profiles.yml"):
        toy_entry = {"toy": yaml.safe_load(listed.read_text())["layered"]}
        listed.write_text(listed.read_text() + "\n" + yaml.safe_dump(toy_entry, sort_keys=False))
    copier_yml = repo / "copier.yml"
    serverless_choice = re.search(r"\n    \"serverless: [^\n]*\n", copier_yml.read_text())
    assert serverless_choice is not None
    toy_choice = '    "toy: a layered twin for the registry test": toy\n'
    copier_yml.write_text(
        copier_yml.read_text().replace(
            serverless_choice.group(), serverless_choice.group() + toy_choice
        )
    )
    for folder, suffix in (("importlinter", ".toml.jinja"), ("architecture", ".md.jinja")):
        shutil.copy(
            repo / "includes" / folder / f"layered{suffix}",
            repo / "includes" / folder / f"toy{suffix}",
        )
    for gated in (
        "src/{{ package_name if profile == '%s' else '' }}",
        "{{ 'tests' if profile == '%s' else '' }}",
    ):
        shutil.copytree(
            repo / "template" / (gated % "layered"), repo / "template" / (gated % "toy")
        )


@pytest.mark.slow
def test_a_toy_profile_added_by_the_readme_recipe_renders_a_green_project(tmp_path: Path) -> None:
    template = tmp_path / "archetype"
    copy_of_the_template(template)
    add_toy_profile_as_the_readme_says(template)

    project = render(tmp_path / "project", template=template, profile="toy")
    unreadable = unreadable_files(project)
    env = project_env(python_for("3.11"))
    synced = run(["uv", "sync"], project, env)
    checks = [
        run(["uv", "run", *check], project, env)
        for check in (["mypy"], ["lint-imports"], ["pytest", "-q", "-p", "no:cacheprovider"])
    ]

    assert synced.returncode == 0, describe(synced)
    assert unreadable == []
    assert (project / "src" / "my_service" / "services" / "items.py").is_file()
    assert [describe(check) for check in checks if check.returncode != 0] == []
    registered = [
        entry["name"]
        for entry in yaml.safe_load((template / "includes" / "profiles.yml").read_text())
    ]
    assert "toy" in registered  # tests/support.py reads this list: the whole matrix takes it up
