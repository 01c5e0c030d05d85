"""The template's plain Python: files that need no Jinja are ordinary `.py`, and ruff reads them in
place with the generated projects' rules (template/ruff.toml, kept equal to
template/pyproject.toml.jinja's `[tool.ruff]` here). mypy cannot: a plain module's imports reach
Jinja files and the gated twin of its package, which exist as Python only once rendered, so the
rendered projects' own mypy (tests/test_generated_projects.py) checks them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from support import PROFILE_TRAITS, PROFILES, REPO, describe, rendered, run

TEMPLATE = REPO / "template"
RUFF = ["uv", "run", "ruff"]
# Jinja's delimiters: a `.jinja` file without any has no reason to be one.
JINJA = re.compile(r"\{\{|\{%|\{#")
# A module of the generated package importing that package by name, rather than relatively.
IMPORT_BY_NAME = re.compile(r"^\s*(from|import)\s+\{\{\s*package_name\s*\}\}", re.MULTILINE)
PYTHON_NAME = re.compile(r"\.py('|$)")


def python_files(*, jinja: bool) -> list[Path]:
    """The files under template/ that render to Python, plain or Jinja."""
    return sorted(
        path
        for path in TEMPLATE.rglob("*")
        if path.is_file()
        and path.name.endswith(".jinja") == jinja
        and PYTHON_NAME.search(path.name.removesuffix(".jinja"))
    )


def test_ruff_checks_every_plain_python_file_in_place() -> None:
    listed = run([*RUFF, "check", "--show-files", "template"], REPO)
    seen = {Path(line) for line in listed.stdout.splitlines() if line.startswith(str(TEMPLATE))}
    assert seen >= set(python_files(jinja=False)), describe(listed)

    check = run([*RUFF, "check", "template"], REPO)
    assert check.returncode == 0, describe(check)
    form = run([*RUFF, "format", "--check", "template"], REPO)
    assert form.returncode == 0, describe(form)


def test_ruff_finds_what_the_generated_project_would(tmp_path: Path) -> None:
    """A plain file breaking a rule only the generated projects select (a print) fails in place."""
    scratch = tmp_path / "template"
    (scratch / "src").mkdir(parents=True)
    (scratch / "ruff.toml").write_bytes((TEMPLATE / "ruff.toml").read_bytes())
    (scratch / "src" / "module.py").write_text('"""A module."""\n\nprint("hello")\n')

    check = run([*RUFF, "check", "--no-cache", "--output-format", "concise", "src"], scratch)

    assert check.returncode == 1, describe(check)
    assert "T201" in check.stdout, describe(check)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_in_place_rules_are_the_generated_projects(profile: str) -> None:
    generated = tomllib.loads((rendered(profile=profile) / "pyproject.toml").read_text())["tool"]
    in_place = tomllib.loads((TEMPLATE / "ruff.toml").read_text())
    lint, ours = generated["ruff"]["lint"], in_place["lint"]

    assert in_place["line-length"] == generated["ruff"]["line-length"]
    assert in_place["target-version"] == "py311"  # the lowest `python_version` offers
    for key in ("select", "extend-select", "ignore"):
        assert ours[key] == lint[key], key
    for pattern, codes in lint["per-file-ignores"].items():
        assert ours["per-file-ignores"][pattern] == codes, pattern
    helpers = {name for traits in PROFILE_TRAITS.values() for name in traits["test_helper_modules"]}
    # The receiver the job tests share, in a project with jobs.
    assert set(ours["isort"]["known-local-folder"]) == helpers | {"webhook_receiver"}


def test_the_package_imports_itself_relatively() -> None:
    found = [
        f"{path.relative_to(TEMPLATE)}: {match.group(0).strip()}"
        for path in sorted((TEMPLATE / "src").rglob("*"))
        if path.is_file()
        for match in IMPORT_BY_NAME.finditer(path.read_text(encoding="utf-8"))
    ]

    assert found == [], "import the package relatively (from .x, from ..x):\n" + "\n".join(found)


def test_a_jinja_python_file_needs_jinja() -> None:
    needless = [
        str(path.relative_to(TEMPLATE))
        for path in python_files(jinja=True)
        if not JINJA.search(path.read_text(encoding="utf-8"))
    ]

    assert needless == [], "drop .jinja (git mv): " + ", ".join(needless)
