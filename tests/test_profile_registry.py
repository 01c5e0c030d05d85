"""The profile registry (includes/profiles.yml): the one place that says how profiles differ.

Shared files ask about a profile's traits, never its name nor a trait that is its name by another
name, so a new profile is an entry in the registry plus the few files README.md's recipe lists; a
test follows that recipe with a toy profile.
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


# Jinja in a file's text or path, and in it the traits a condition or a comparison tests.
JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
CONDITION = re.compile(r"\b(?:el)?if\b(.*?)(?=\belse\b|$)", re.DOTALL)
COMPARED = re.compile(r"traits\.(\w+)\s*(?:==|!=|\bin\b|\bnot\s+in\b)|(?:==|!=)\s*traits\.(\w+)")
TRAIT = re.compile(r"traits\.(\w+)")


def traits_tested_in(text: str) -> set[tuple[str, bool]]:
    """The traits that `text`'s Jinja tests, each with whether it is compared with a value (True)
    or only asked whether it is there (in an `if` or `elif` of its own)."""
    found: set[tuple[str, bool]] = set()
    for block in JINJA.findall(text):
        compared = {name for pair in COMPARED.findall(block) for name in pair if name}
        found.update((name, True) for name in compared)
        for condition in CONDITION.findall(block):
            found.update((name, False) for name in TRAIT.findall(condition) if name not in compared)
    return found


def profile_names_by_another_name(
    used: set[tuple[str, bool]], registry: dict[str, dict[str, object]]
) -> list[str]:
    """The tested traits that name a profile under another name: one value per profile (with
    more than two profiles, so a yes or no never counts), or a value that is a profile's name. A
    trait only asked whether it is there counts as the yes or no it gives."""
    profiles = list(registry)
    found = []
    for trait, compared in sorted(used):
        values = [
            registry[profile].get(trait) for profile in profiles if trait in registry[profile]
        ]
        if len(values) != len(profiles):
            continue  # computed in copier.yml from stored traits, or not a trait
        seen = values if compared else [bool(value) for value in values]
        one_per_profile = len(profiles) > 2 and len({repr(value) for value in seen}) == len(seen)
        if one_per_profile or any(value in profiles for value in values if isinstance(value, str)):
            found.append(f"{trait}: {dict(zip(profiles, values, strict=True))}")
    return found


def test_no_file_tests_a_trait_that_is_a_profile_by_another_name() -> None:
    used = {
        trait
        for folder in ("template", "includes")
        for path in sorted((REPO / folder).rglob("*"))
        if path.is_file()
        for text in (str(path.relative_to(REPO)), path.read_text())
        for trait in traits_tested_in(text)
    } | traits_tested_in((REPO / "copier.yml").read_text())

    assert profile_names_by_another_name(used, PROFILE_TRAITS) == [], (
        "a trait with one value per profile is the profile's name: test what the files differ "
        "by, a trait of its own for each distinction"
    )


def test_the_guard_catches_a_profile_name_under_another_name() -> None:
    registry: dict[str, dict[str, object]] = {
        "model-first": {"sql": True, "data_access": "connection", "style": "plain"},
        "layered": {"sql": True, "data_access": "session", "style": "plain"},
        "ddd": {"sql": True, "data_access": "unit_of_work", "style": "ddd"},
        "serverless": {"sql": False, "data_access": "dynamodb", "style": "plain"},
    }
    text = (
        "{%- if traits.sql and traits.data_access == 'connection' %}\n"
        "{{ 'a' if traits.style else 'b' }} {{ traits.metadata_module }}"
    )

    assert traits_tested_in(text) == {("sql", False), ("data_access", True), ("style", False)}
    assert [
        line.split(":")[0]
        for line in profile_names_by_another_name(traits_tested_in(text), registry)
    ] == ["data_access", "style"]
    # A yes or no is a distinction of its own, compared or not.
    assert profile_names_by_another_name({("sql", False), ("sql", True)}, registry) == []


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
    for folder, suffix in (
        ("importlinter", ".toml.jinja"),
        ("architecture", ".md.jinja"),
        ("prose", ".md.jinja"),
    ):
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
