"""Rendering the template and running commands in what it renders."""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from copier import run_copy

REPO = Path(__file__).resolve().parents[1]

# Every profile and its traits, from the profile registry that copier.yml gives the templates: a
# profile added there joins the whole matrix.
PROFILE_TRAITS = {
    entry["name"]: entry
    for entry in yaml.safe_load((REPO / "includes" / "profiles.yml").read_text(encoding="utf-8"))
}
PROFILES = list(PROFILE_TRAITS)
# Each profile's add-resource recipe (its steps and the names it keeps), which only the files that
# render the skill read, and what the template's tests expect of its tree (tests/profiles.yml).
RESOURCE_RECIPES: dict[str, dict[str, Any]] = (
    yaml.safe_load((REPO / "includes" / "recipes.yml").read_text(encoding="utf-8")) or {}
)
PROFILE_EXPECTATIONS: dict[str, dict[str, Any]] = yaml.safe_load(
    (REPO / "tests" / "profiles.yml").read_text(encoding="utf-8")
)
# Profiles that keep their data in SQL (SQLite or PostgreSQL), rather than DynamoDB.
SQL_PROFILES = [profile for profile, traits in PROFILE_TRAITS.items() if traits["sql"]]


# Answers that make one variation of the default project. `id` names the test case.
@dataclass(frozen=True)
class Variant:
    id: str
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def postgres(self) -> bool:
        return self.answers.get("database") == "postgresql"


# The quick check (`uv run pytest -m quick`): each profile's default render, read for leftovers and
# unreadable files, installed, and passing its own static checks and its own tests.
QUICK_VARIANTS = {f"{profile}-defaults" for profile in PROFILES}


def quick_if_default(variant: Variant) -> list[pytest.MarkDecorator]:
    """The `quick` mark for a profile's defaults, none for the other variants."""
    return [pytest.mark.quick] if variant.id in QUICK_VARIANTS else []


def on_one_worker(group: str, profiles: list[str]) -> list[pytest.ParameterSet]:
    """The profiles as parameters, each profile's tests on one xdist worker (group
    `<group>-<profile>`), so they share what the worker builds for that profile once."""
    return [
        pytest.param(profile, id=profile, marks=pytest.mark.xdist_group(f"{group}-{profile}"))
        for profile in profiles
    ]


def jobs_offered(profile: str) -> bool:
    """Whether the questionnaire offers `jobs` to the SQL profile on PostgreSQL (copier.yml says
    the same): every SQL profile does (docs/jobs.md). serverless has jobs of its own shape (its
    variants)."""
    return bool(PROFILE_TRAITS[profile]["sql"])


# The SQL profiles that offer jobs: their projects with jobs run a worker on the job queue.
SQL_JOBS_PROFILES = [profile for profile in SQL_PROFILES if jobs_offered(profile)]


def option_variants(profile: str) -> list[Variant]:
    """The profile's defaults, then variants that together give every value of every option
    (cookiecutter-django checks each value changed from the defaults; here each is checked in a
    whole project once, and variants change several options at once to need fewer installs).
    Options that write files of their own and no code (the license, the CI system, the
    assistants) and the newer Pythons ride on variants that change code; the fullest variant is
    what a production deployment turns on, together."""
    base = {"profile": profile}
    everything_assisted = {
        "assistants": ["claude", "agents", "copilot", "cursor"],
        "copilot_agents": True,
    }
    unassisted = {"assistants": [], "tdd": False, "license": "Proprietary"}
    variants = [Variant(f"{profile}-defaults", base)]
    if profile in SQL_PROFILES:
        variants += [
            on_python(
                "3.13",
                Variant(
                    f"{profile}-postgresql-no-ci-bsd",
                    {**base, "database": "postgresql", "ci": "none", "license": "BSD-3-Clause"},
                ),
            ),
            # Without the image, SQLite may take jobs: development's in-memory queue, run by the
            # web process itself (docs/jobs.md).
            Variant(
                f"{profile}-no-docker-jobs-gitlab-apache",
                {**base, "docker": False, "jobs": True, "ci": "gitlab", "license": "Apache-2.0"},
            ),
            on_python(
                "3.12",
                Variant(
                    f"{profile}-jwt-no-assistants-no-tdd-proprietary",
                    {**base, "auth": "jwt", **unassisted},
                ),
            ),
            # Everything a production deployment turns on, together (PostgreSQL with accounts).
            Variant(
                f"{profile}-production-all-assistants",
                {
                    **base,
                    "database": "postgresql",
                    "auth": "jwt",
                    "deploy": "kubernetes",
                    "telemetry": "opentelemetry",
                    **({"jobs": True} if jobs_offered(profile) else {}),
                    **everything_assisted,
                },
            ),
        ]
    else:
        variants += [
            on_python(
                "3.12",
                Variant(
                    f"{profile}-tracer-gitlab-no-assistants-no-tdd-proprietary",
                    {**base, "tracer": True, "ci": "gitlab", **unassisted},
                ),
            ),
            Variant(
                f"{profile}-jobs-all-assistants-apache",
                {**base, "jobs": True, "license": "Apache-2.0", **everything_assisted},
            ),
            on_python(
                "3.13",
                Variant(
                    f"{profile}-jwt-no-ci-bsd",
                    {**base, "auth": "jwt", "ci": "none", "license": "BSD-3-Clause"},
                ),
            ),
        ]
    return variants


def on_python(version: str, variant: Variant) -> Variant:
    """The variant on that Python (`python_version`), where this machine has one; as it is
    otherwise."""
    if python_for(version) is None:
        return variant
    return Variant(f"{variant.id}-py{version}", {**variant.answers, "python_version": version})


def render(
    destination: Path, *, template: Path = REPO, vcs_ref: str = "HEAD", **answers: Any
) -> Path:
    """Render the template with default answers: this one's working tree (committed or not), or
    another copy of it at a tag."""
    run_copy(
        str(template),
        destination,
        data=answers,
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        vcs_ref=vcs_ref,
        quiet=True,
    )
    return destination


# Where `rendered` keeps its renders: set by conftest.py to a folder every xdist worker of this run
# shares, so that each set of answers renders once per session; a folder of this process's own when
# support.py is used outside pytest.
SHARED_RENDERS: Path | None = None
_shared: dict[str, Path] = {}


def rendered(**answers: Any) -> Path:
    """The template rendered with these answers, once per test session, shared by every test that
    asks for the same answers: read it, never write to it (take `fresh_copy` to change a project).

    Workers share the renders: each renders into a folder of its own and renames it into place; a
    worker that lost the race to the same answers uses the winner's render and drops its own."""
    key = json.dumps(answers, sort_keys=True, default=str)
    if key in _shared:
        return _shared[key]
    global SHARED_RENDERS  # set here only where pytest is not there to set it
    if SHARED_RENDERS is None:
        SHARED_RENDERS = Path(tempfile.mkdtemp(prefix="archetype-renders-"))
        atexit.register(shutil.rmtree, SHARED_RENDERS, ignore_errors=True)
    SHARED_RENDERS.mkdir(parents=True, exist_ok=True)
    home = SHARED_RENDERS / hashlib.sha256(key.encode()).hexdigest()[:20]
    if not (home / "project").is_dir():
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=SHARED_RENDERS))
        render(partial / "project", **answers)
        try:
            partial.rename(home)
        except OSError:  # another worker renamed its render of these answers there first
            shutil.rmtree(partial, ignore_errors=True)
    _shared[key] = home / "project"
    return _shared[key]


# Where the static checks keep mypy's caches, one per profile, from run to run (mypy's own
# incremental cache, as a developer's `.mypy_cache` is): `ARCHETYPE_MYPY_CACHE` moves them.
MYPY_CACHES = Path(
    os.environ.get("ARCHETYPE_MYPY_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "archetype-tests" / "mypy"
)


@contextmanager
def shared_mypy_cache(profile: str) -> Iterator[dict[str, str]]:
    """The environment that points mypy at the cache the profile's projects share, held for the
    block: one mypy at a time writes a cache (mypy does not share one between concurrent runs,
    whether xdist workers or other sessions), and the next project of the profile rechecks only
    what differs.

    mypy keys its cache by its own version and the Python version, and takes a module from it only
    when the module's source has the same hash; so a variant's own modules and dependencies, and
    whatever a change touched, are checked anew, and what they share (FastAPI, Pydantic,
    SQLAlchemy, the profile's unchanged modules) is not checked again."""
    cache = MYPY_CACHES / profile
    cache.mkdir(parents=True, exist_ok=True)
    with (MYPY_CACHES / f"{profile}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield {"MYPY_CACHE_DIR": str(cache)}
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def warm_mypy_cache(project: Path, profile: str) -> None:
    """Seeds the project's own mypy cache (`.mypy_cache`, where the project's `uv run mypy` keeps
    it) with a copy of the profile's shared cache, as a developer's is warm from earlier runs: a
    test that runs the project's commands checks anew only the modules whose source differs."""
    with shared_mypy_cache(profile) as extra:
        shutil.copytree(extra["MYPY_CACHE_DIR"], project / ".mypy_cache", dirs_exist_ok=True)


def fresh_copy(destination: Path, **answers: Any) -> Path:
    """A project of the test's own, to change as it likes: a copy of the shared render of these
    answers (copying is a hundred times faster than Copier), at `destination`."""
    return Path(shutil.copytree(rendered(**answers), destination, symlinks=True))


def copy_of_the_template(destination: Path) -> Path:
    """This template's tracked files, as they are in the working tree, copied to `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    return destination


def python_for(version: str) -> str | None:
    """An interpreter of that minor version: pyenv's, or one on PATH."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for candidate in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}")):
        return str(candidate)
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "-V"], capture_output=True, check=False).returncode == 0:
        return found
    return None


# Where a generated project's own pytest keeps its temporary directories: apart from this suite's.
# Sharing /tmp/pytest-of-<user>, a nested run would clean up directories a parallel worker still
# uses, and fail on the warning.
NESTED_PYTEST_TEMPROOT = tempfile.mkdtemp(prefix="archetype-nested-pytest-")
atexit.register(shutil.rmtree, NESTED_PYTEST_TEMPROOT, ignore_errors=True)


def project_env(project_python: str | None = None, **extra: str) -> dict[str, str]:
    """The environment a developer's shell would give the generated project."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env |= {
        "UV_NO_PROGRESS": "1",
        "NO_COLOR": "1",
        "PYTEST_DEBUG_TEMPROOT": NESTED_PYTEST_TEMPROOT,
    }
    if project_python:
        env["UV_PYTHON"] = project_python
    return env | extra


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=env or project_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def git(repo: Path, *args: str) -> str:
    """A git command in `repo`, as the team's user; what it printed. Fails the test if git does."""
    result = subprocess.run(
        ["git", "-c", "user.name=Team", "-c", "user.email=team@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, describe(result)
    return result.stdout


def describe(result: subprocess.CompletedProcess[str]) -> str:
    command = " ".join(map(str, result.args))
    return (
        f"`{command}` exited {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )


def sh_blocks_after(markdown: str, heading: str) -> list[str]:
    """The ```sh blocks of a section (up to the next heading of its level), as written."""
    level = heading.split(" ", 1)[0]
    section = markdown.split(heading + "\n", 1)[1].split(f"\n{level} ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert blocks, f"no sh block after {heading!r}"
    return blocks


def sh_block_after(markdown: str, heading: str) -> str:
    """The first ```sh block after a heading, as written."""
    return sh_blocks_after(markdown, heading)[0]


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (`!Ref`, `!Sub`) read as plain values."""


CloudFormationLoader.add_multi_constructor("!", lambda loader, _tag, node: node.value)

# Parse with the project's own Python: newer versions get newer syntax (PEP 695 generics).
_COMPILE = "import sys\nfor p in sys.argv[1:]: compile(open(p, encoding='utf-8').read(), p, 'exec')"


def project_files(project: Path) -> list[Path]:
    """The files a render or an update wrote or kept: everything but git's and uv's own."""
    return [
        path
        for path in sorted(project.rglob("*"))
        if path.is_file() and not {".git", ".venv"} & set(path.relative_to(project).parts)
    ]


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file's bytes by its path: equal snapshots mean nothing was written."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes() for path in project_files(project)
    }


def unreadable_files(project: Path, python: str = sys.executable) -> list[str]:
    """Every TOML, YAML or JSON file that does not parse, and Python file that does not compile."""
    files = project_files(project)
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix == ".toml":
                tomllib.loads(text)
            elif path.suffix in {".yml", ".yaml"}:
                yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 (a SafeLoader)
            elif path.suffix == ".json":
                json.loads(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as error:
            problems.append(f"{path.relative_to(project)}: {error}")
    sources = [str(path) for path in files if path.suffix == ".py"]
    compiled = subprocess.run(
        [python, "-c", _COMPILE, *sources], capture_output=True, text=True, check=False
    )
    if compiled.returncode != 0:
        problems.append(compiled.stderr)
    return problems


# The rules of docs/STANDARDS.md that a tool checks: each with the words of the rule, a module that
# breaks it, the project's check that refuses that module and the finding it names. A rule that is
# not here is prose by design: review keeps it.
@dataclass(frozen=True)
class EnforcedRule:
    standard: str
    breaking: str
    check: tuple[str, ...]
    finding: str


ENFORCED_RULES = {
    "uncoded-type-ignore-mypy": EnforcedRule(
        standard="`# type: ignore` or `# noqa` without the error code",
        breaking='"""Broken on purpose."""\n\nVALUE: int = "text"  # type: ignore\n',
        check=("uv", "run", "mypy"),
        finding="ignore-without-code",
    ),
    "uncoded-type-ignore-ruff": EnforcedRule(
        standard="`# type: ignore` or `# noqa` without the error code",
        breaking='"""Broken on purpose."""\n\nVALUE: int = "text"  # type: ignore\n',
        check=("uv", "run", "ruff", "check"),
        finding="PGH003",
    ),
    "uncoded-noqa": EnforcedRule(
        standard="`# type: ignore` or `# noqa` without the error code",
        breaking='"""Broken on purpose."""\n\nimport os  # noqa\n',
        check=("uv", "run", "ruff", "check"),
        finding="PGH004",
    ),
}


def load_hook(name: str) -> ModuleType:
    """One of the scripts in hooks/, imported as a module."""
    spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up while they are made.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
