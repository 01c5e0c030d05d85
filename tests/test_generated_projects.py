"""Every rendered project passes its own checks on the first run: the heart of the template.

Each variant is rendered and installed once per worker; its checks are separate tests, grouped on
one xdist worker so they share that install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from conftest import new_postgres_database
from scripted_engineer import JOB_SKILL, JobName, Names, follow
from support import (
    ENFORCED_RULES,
    PROFILE_EXPECTATIONS,
    PROFILE_TRAITS,
    PROFILES,
    RESOURCE_RECIPES,
    SQL_JOBS_PROFILES,
    SQL_PROFILES,
    CloudFormationLoader,
    Variant,
    describe,
    fresh_copy,
    on_one_worker,
    option_variants,
    project_env,
    python_for,
    quick_if_default,
    run,
    shared_mypy_cache,
    warm_mypy_cache,
)

VARIANTS = [variant for profile in PROFILES for variant in option_variants(profile)]
CHECKS = {
    "ruff-check": ["uv", "run", "ruff", "check"],
    "ruff-format": ["uv", "run", "ruff", "format", "--check"],
    "mypy-strict": ["uv", "run", "mypy"],
    "lint-imports": ["uv", "run", "lint-imports"],
}

_installed: dict[str, Path] = {}

pytestmark = pytest.mark.slow


def env_for(variant: Variant, **extra: str) -> dict[str, str]:
    return project_env(python_for(variant.answers.get("python_version", "3.11")), **extra)


def installed_project(variant: Variant, factory: pytest.TempPathFactory) -> Path:
    """The variant (a copy of its shared render) `uv sync`ed, once per worker."""
    if variant.id not in _installed:
        project = fresh_copy(factory.mktemp(variant.id) / "project", **variant.answers)
        sync = run(["uv", "sync"], project, env_for(variant))
        assert sync.returncode == 0, describe(sync)
        _installed[variant.id] = project
    return _installed[variant.id]


@contextmanager
def checked_with_shared_caches(
    variant: Variant, command: list[str] | tuple[str, ...]
) -> Iterator[dict[str, str]]:
    """The environment for one check: mypy with the cache the variant's profile shares this run
    (support.shared_mypy_cache), any other check as it is."""
    if "mypy" not in command:
        yield {}
        return
    with shared_mypy_cache(variant.answers["profile"]) as extra:
        yield extra


def grouped(variants: list[Variant], *, quick: bool = False) -> list[pytest.ParameterSet]:
    """Each variant's tests on one worker, sharing its install; with `quick`, a profile's defaults
    are also part of the quick check (`-m quick`)."""
    return [
        pytest.param(
            variant,
            id=variant.id,
            marks=[
                pytest.mark.xdist_group(variant.id),
                *(quick_if_default(variant) if quick else []),
            ],
        )
        for variant in variants
    ]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("variant", grouped(VARIANTS, quick=True))
def test_static_check_passes(
    variant: Variant, check: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)

    with checked_with_shared_caches(variant, CHECKS[check]) as extra:
        result = run(CHECKS[check], project, env_for(variant, **extra))

    assert result.returncode == 0, describe(result)


@pytest.mark.parametrize("variant", grouped(VARIANTS, quick=True))
def test_generated_test_suite_passes(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    project = installed_project(variant, tmp_path_factory)
    extra = {}
    if variant.postgres:
        # The postgresql variants run against the real server, in a database of their own.
        extra["TEST_DATABASE_URL"] = request.getfixturevalue("postgres_database")

    result = run(
        ["uv", "run", "pytest", "-p", "no:cacheprovider"], project, env_for(variant, **extra)
    )

    assert result.returncode == 0, describe(result)
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), summary
    assert not re.search(r"\d+ (skipped|xfailed|deselected)", summary), summary


OPENAPI_RECORDED = Path(__file__).parent / "openapi"
# Each profile's API without accounts and with them; the other options do not touch it.
OPENAPI_VARIANTS = [
    v
    for v in VARIANTS
    if v.id.removeprefix(f"{v.answers['profile']}-").startswith(("defaults", "jwt"))
]
DUMP_OPENAPI = (
    "import json; from my_service.main import create_app; "
    "print(json.dumps(create_app().openapi(), indent=1, sort_keys=True))"
)


@pytest.mark.parametrize("variant", grouped(OPENAPI_VARIANTS))
def test_the_openapi_document_is_the_one_recorded(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The API a client sees does not change by accident (speed work, refactors): the document is
    recorded in tests/openapi/; `RECORD_OPENAPI=1` rewrites the record when a change means to."""
    project = installed_project(variant, tmp_path_factory)
    recorded = (
        OPENAPI_RECORDED
        / f"{variant.answers['profile']}-{variant.answers.get('auth', 'defaults')}.json"
    )

    result = run(
        ["uv", "run", "python", "-c", DUMP_OPENAPI],
        project,
        env_for(variant),
    )

    assert result.returncode == 0, describe(result)
    if os.environ.get("RECORD_OPENAPI") == "1":
        recorded.write_text(result.stdout)
    assert json.loads(result.stdout) == json.loads(recorded.read_text())


@pytest.mark.parametrize(
    "variant", grouped([v for v in VARIANTS if v.answers["profile"] not in SQL_PROFILES])
)
def test_the_sam_template_passes_cfn_lint(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)

    result = run(["uv", "run", "cfn-lint", "template.yaml"], project, env_for(variant))

    assert result.returncode == 0, describe(result)


# Second opinions from tools the template was not written against, on each profile's defaults, its
# variants with jobs (the fullest among them) and serverless's accounts: pyright in strict mode,
# and deptry for imports that no dependency declares.
SECOND_OPINIONS = [
    variant
    for variant in VARIANTS
    if variant.id.endswith("-defaults")
    or variant.answers.get("jobs")
    or (variant.answers["profile"] not in SQL_PROFILES and variant.answers.get("auth") == "jwt")
]
PYRIGHT = ["uv", "run", "--with", "pyright==1.1.414", "pyright"]
DEPTRY = ["uv", "run", "--with", "deptry==0.25.1", "deptry"]
# Declared but never imported by `src/`, on purpose: the server and the migration tool run from
# the command line, SQLAlchemy loads the database driver the URL names, Pydantic's EmailStr
# imports email-validator itself, limits loads redis-py for a redis:// storage, and procrastinate
# connects through psycopg (jobs).
USED_WITHOUT_AN_IMPORT = "uvicorn|alembic|asyncpg|aiosqlite|email-validator|redis|psycopg"


@pytest.mark.parametrize("variant", grouped(SECOND_OPINIONS))
def test_pyright_strict_finds_no_error_in_the_source(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    project = installed_project(variant, tmp_path_factory)
    config = tmp_path / "pyrightconfig.json"
    source = str(project / "src")
    # The source is named on the command line: pyright ignores an absolute path in `include`,
    # and would then check no file at all.
    config.write_text(json.dumps({"typeCheckingMode": "strict", "extraPaths": [source]}))
    python = str(project / ".venv" / "bin" / "python")
    command = [*PYRIGHT, "--pythonpath", python, "-p", str(config), "--outputjson", source]

    result = run(command, project, env_for(variant))

    assert result.returncode == 0, describe(result)
    summary = json.loads(result.stdout)["summary"]
    assert summary["filesAnalyzed"] > 0, summary
    assert summary["errorCount"] == 0, summary


@pytest.mark.parametrize("variant", grouped(SECOND_OPINIONS))
def test_deptry_finds_every_import_declared(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    ignores = ["--per-rule-ignores", f"DEP002={USED_WITHOUT_AN_IMPORT}"]

    result = run([*DEPTRY, "src", *ignores], project, env_for(variant))

    assert result.returncode == 0, describe(result)


ALL_ASSISTANTS = [variant for variant in VARIANTS if variant.answers.get("copilot_agents")]
AI_FILES_CHECK = [
    "uv",
    "run",
    "pytest",
    "tests/test_ai_files.py",
    "--no-cov",
    "-p",
    "no:cacheprovider",
]


@pytest.mark.parametrize("variant", grouped(ALL_ASSISTANTS))
def test_the_projects_ai_files_check_fails_when_a_cited_folder_is_renamed(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    assert run(AI_FILES_CHECK, project, env_for(variant)).returncode == 0
    cited, renamed = project / "tests" / "integration", project / "tests" / "integration_tests"

    cited.rename(renamed)
    try:
        result = run(AI_FILES_CHECK, project, env_for(variant))
    finally:
        renamed.rename(cited)

    assert result.returncode == 1, describe(result)
    assert "cites paths that do not exist: ['tests/integration/']" in result.stdout


@pytest.mark.parametrize("variant", grouped(ALL_ASSISTANTS))
def test_the_projects_ai_files_check_fails_when_the_coverage_threshold_changes(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    pyproject = project / "pyproject.toml"
    original = pyproject.read_text()

    pyproject.write_text(original.replace("fail_under = 90", "fail_under = 95"))
    try:
        result = run(AI_FILES_CHECK, project, env_for(variant))
    finally:
        pyproject.write_text(original)

    assert result.returncode == 1, describe(result)
    assert "coverage {90} stated, 95 enforced" in result.stdout


def run_edit_hooks(
    project: Path, edited: Path, env: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    """Each PostToolUse hook `.claude/settings.json` holds for an Edit, run as Claude Code runs it:
    exec form, `${CLAUDE_PROJECT_DIR}` put in, the event as JSON on standard input."""
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    event = {
        "hook_event_name": "PostToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": str(edited), "old_string": "", "new_string": ""},
        "cwd": str(project),
    }
    results = []
    for group in settings["hooks"]["PostToolUse"]:
        if "Edit" not in group["matcher"].split("|"):
            continue
        for handler in group["hooks"]:
            command = [handler["command"], *handler.get("args", [])]
            command = [word.replace("${CLAUDE_PROJECT_DIR}", str(project)) for word in command]
            hook_env = env | {"CLAUDE_PROJECT_DIR": str(project)}
            ran = subprocess.run(
                command, cwd=project, input=json.dumps(event), capture_output=True, text=True,
                env=hook_env, timeout=300, check=False,
            )  # fmt: skip
            results.append(ran)
    assert results, "no PostToolUse hook runs after an Edit"
    return results


UNFORMATTED = (
    'import sys, os\nVALUE = {  "a":1, "sep":os.sep, "argv":sys.argv }\n'
    "def double( x: int )->int:\n    return x*2\n"
)
# An import added one edit before its use, and a variable whose reader the next edit brings.
NOT_USED_YET = (
    '"""An agent\'s new module."""\n\nimport json\n\n\ndef unfinished() -> None:\n'
    '    separator = "/"\n'
)


@contextmanager
def file_claude_wrote(project: Path, text: str) -> Iterator[Path]:
    """A Python file in the project as an agent's edit left it, removed afterwards."""
    path = project / "src" / "edited_by_claude.py"
    path.write_text(text)
    try:
        yield path
    finally:
        path.unlink()


@pytest.mark.parametrize("variant", grouped(ALL_ASSISTANTS))
def test_claudes_edit_hook_formats_and_lint_fixes_the_edited_file(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    env = env_for(variant)
    with file_claude_wrote(project, f'"""An agent\'s new module."""\n\n{UNFORMATTED}') as edited:
        results = run_edit_hooks(project, edited, env)
        after = edited.read_text()
        check = run(["uv", "run", "ruff", "check", str(edited)], project, env)
        form = run(["uv", "run", "ruff", "format", "--check", str(edited)], project, env)

    assert [result.returncode for result in results] == [0], describe(results[0])
    assert after.index("import os") < after.index("import sys"), after
    assert check.returncode == 0, describe(check)
    assert form.returncode == 0, describe(form)


@pytest.mark.parametrize("variant", grouped(ALL_ASSISTANTS))
def test_claudes_edit_hook_leaves_a_clean_file_as_it_was(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    clean = next((project / "src").rglob("main.py"))
    before = clean.read_bytes(), clean.stat().st_mtime_ns

    results = run_edit_hooks(project, clean, env_for(variant))

    assert [result.returncode for result in results] == [0], describe(results[0])
    assert (clean.read_bytes(), clean.stat().st_mtime_ns) == before


@pytest.mark.parametrize("variant", grouped(ALL_ASSISTANTS))
def test_claudes_edit_hook_keeps_what_the_agent_has_not_used_yet(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    with file_claude_wrote(project, NOT_USED_YET) as edited:
        results = run_edit_hooks(project, edited, env_for(variant))
        after = edited.read_text()

    assert after == NOT_USED_YET
    assert [result.returncode for result in results] == [2], describe(results[0])
    assert "F401" in results[0].stderr
    assert "F841" in results[0].stderr


@pytest.mark.parametrize("variant", grouped(ALL_ASSISTANTS))
def test_claudes_edit_hook_tells_claude_what_ruff_cannot_fix(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    # No module docstring: a finding only the file's writer can settle.
    with file_claude_wrote(project, UNFORMATTED) as edited:
        results = run_edit_hooks(project, edited, env_for(variant))

    assert [result.returncode for result in results] == [2], describe(results[0])
    assert "D100" in results[0].stderr


DEFAULTS = [variant for variant in VARIANTS if variant.id.endswith("-defaults")]


@pytest.mark.parametrize("rule", ENFORCED_RULES)
@pytest.mark.parametrize("variant", grouped(DEFAULTS))
def test_a_module_that_breaks_a_checked_standard_fails_the_projects_checks(
    variant: Variant, rule: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    enforced = ENFORCED_RULES[rule]
    with (
        file_claude_wrote(project, enforced.breaking) as broken,
        checked_with_shared_caches(variant, enforced.check) as extra,
    ):
        result = run([*enforced.check, str(broken)], project, env_for(variant, **extra))

    assert result.returncode != 0, describe(result)
    assert enforced.finding in result.stdout, describe(result)


@pytest.mark.parametrize(
    "variant", grouped([v for v in DEFAULTS if v.answers["profile"] in SQL_PROFILES])
)
def test_the_settings_tests_pass_with_a_database_url_exported_in_the_shell(
    variant: Variant, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = installed_project(variant, tmp_path_factory)
    # Another database than the development default, as a developer's shell may name.
    env = env_for(variant, DATABASE_URL="sqlite+aiosqlite:///./theirs.db")

    settings_tests = ["uv", "run", "pytest", "tests/unit/test_settings.py", "--no-cov"]
    result = run([*settings_tests, "-p", "no:cacheprovider"], project, env)

    assert result.returncode == 0, describe(result)


# The profiles with a recipe for the add-resource skill (includes/recipes.yml).
RESOURCE_PROFILES = [name for name in PROFILES if RESOURCE_RECIPES.get(name, {}).get("steps")]


_followed: dict[str, tuple[Path, list[subprocess.CompletedProcess[str]]]] = {}
RECIPE_NAMES = Names(plural="widgets", singular="widget")


def project_after_the_skill(
    profile: str, factory: pytest.TempPathFactory
) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    """The profile rendered for Claude with the add-resource skill followed, once per worker:
    the project and the commands the skill ran."""
    if profile not in _followed:
        destination = factory.mktemp(f"recipe-{profile}") / "project"
        project = fresh_copy(destination, profile=profile, assistants=["claude"])
        env = project_env(python_for("3.11"))
        assert run(["uv", "sync"], project, env).returncode == 0
        warm_mypy_cache(project, profile)
        _followed[profile] = (project, follow(project, RECIPE_NAMES, env))
    return _followed[profile]


def recipe_profiles() -> list[pytest.ParameterSet]:
    return on_one_worker("recipe", RESOURCE_PROFILES)


@pytest.mark.parametrize("profile", recipe_profiles())
def test_following_the_add_resource_skill_step_by_step_keeps_the_project_green(
    profile: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project, ran = project_after_the_skill(profile, tmp_path_factory)

    assert [describe(result) for result in ran if result.returncode != 0] == []
    assert any("pytest" in str(result.args) for result in ran)
    assert list((project / "tests").rglob("test_widget*.py")), "the skill added no tests"


# With jobs, the example's create defers a job, so a copied create does too: the recipe copies
# the job and its tests as well (the steps marked `when: jobs` in includes/recipes.yml). With
# telemetry, so that the copied trace of the job is followed and tested too. In ddd a new
# aggregate's events stay in its context until event_translation.py publishes them, so the skill
# copies no job there, and must leave the catalog's announcements working.
JOB_RECIPE_PROFILES = [profile for profile in RESOURCE_PROFILES if profile in SQL_JOBS_PROFILES]


def copies_a_job(profile: str) -> bool:
    """Whether the profile's recipe gives a new resource a job of its own."""
    return any(step.get("when") == "jobs" for step in RESOURCE_RECIPES[profile]["steps"])


@pytest.mark.postgres
@pytest.mark.parametrize("profile", on_one_worker("recipe-jobs", JOB_RECIPE_PROFILES))
def test_following_the_add_resource_skill_with_jobs_gives_the_resource_its_job_and_stays_green(
    profile: str, tmp_path: Path
) -> None:
    project = fresh_copy(
        tmp_path / "project",
        profile=profile,
        database="postgresql",
        jobs=True,
        telemetry="opentelemetry",
        assistants=["claude"],
    )
    with new_postgres_database() as development, new_postgres_database() as tests:
        env = project_env(python_for("3.11"), DATABASE_URL=development, TEST_DATABASE_URL=tests)
        assert run(["uv", "sync"], project, env).returncode == 0
        warm_mypy_cache(project, profile)
        ran = follow(project, RECIPE_NAMES, env)

    assert [describe(result) for result in ran if result.returncode != 0] == []
    job_files = [
        project / "src" / "my_service" / "jobs" / "widgets.py",
        project / "tests" / "integration" / "test_widget_jobs.py",
    ]
    assert [path.is_file() for path in job_files] == [copies_a_job(profile)] * 2


# Every profile with jobs has the add-job skill: a scheduled job copied from the project's example
# (the SQL profiles' purge of expired idempotency keys, serverless's replay of failed
# notifications) with its schedule and its tests. The SQL profiles on SQLite's development queue,
# which needs no Docker; the copied tests check the new job's work and its place on the schedule,
# so a copy that is not registered fails them.
@pytest.mark.parametrize("profile", on_one_worker("add-job", PROFILES))
def test_following_the_add_job_skill_gives_a_scheduled_job_and_stays_green(
    profile: str, tmp_path: Path
) -> None:
    development_queue = {"docker": False} if PROFILE_TRAITS[profile]["sql"] else {}
    project = fresh_copy(
        tmp_path / "project", profile=profile, jobs=True, assistants=["claude"], **development_queue
    )
    env = project_env(python_for("3.11"))
    assert run(["uv", "sync"], project, env).returncode == 0
    warm_mypy_cache(project, profile)

    ran = follow(project, JobName("send_reminders"), env, JOB_SKILL)

    assert [describe(result) for result in ran if result.returncode != 0] == []
    assert any("pytest" in str(result.args) for result in ran)
    collected = run(["uv", "run", "pytest", "--collect-only", "-q"], project, env)
    assert len(re.findall(r"^\S*send_reminders\S*$", collected.stdout, re.MULTILINE)) >= 2, (
        "the skill gave the new job no tests of its own"
    )


@pytest.mark.parametrize("profile", recipe_profiles())
def test_the_add_resource_skill_files_the_new_endpoints_under_their_own_openapi_tag(
    profile: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project, _ = project_after_the_skill(profile, tmp_path_factory)
    dumped = run(["uv", "run", "python", "-c", DUMP_OPENAPI], project,
                 project_env(python_for("3.11")))  # fmt: skip
    assert dumped.returncode == 0, describe(dumped)
    paths = json.loads(dumped.stdout)["paths"]

    tags = {
        (path, method): operation.get("tags")
        for path, operations in paths.items()
        if "/widgets" in path
        for method, operation in operations.items()
    }

    assert tags
    assert {key: value for key, value in tags.items() if value != ["widgets"]} == {}


@pytest.mark.parametrize("profile", recipe_profiles())
def test_the_add_resource_skill_gives_the_new_resource_an_optional_field(
    profile: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The example's optional field comes with the copy: a client may leave it out of a create and
    reads it back as null, so the recipe covers the fields teams add most."""
    project, _ = project_after_the_skill(profile, tmp_path_factory)
    dumped = run(["uv", "run", "python", "-c", DUMP_OPENAPI], project,
                 project_env(python_for("3.11")))  # fmt: skip
    assert dumped.returncode == 0, describe(dumped)
    schemas = json.loads(dumped.stdout)["components"]["schemas"]

    create, read = schemas["WidgetCreate"], schemas["WidgetRead"]
    optional = set(create["properties"]) - set(create.get("required", []))
    nullable = {
        name
        for name, field in read["properties"].items()
        if {"type": "null"} in field.get("anyOf", [])
    }

    assert optional & nullable


@pytest.mark.postgres
@pytest.mark.parametrize("profile", SQL_PROFILES)
def test_sqlite_project_suite_also_passes_on_postgresql(
    profile: str, tmp_path: Path, postgres_database: str
) -> None:
    project = fresh_copy(tmp_path / "project", profile=profile, auth="jwt")
    env = project_env(python_for("3.11"), TEST_DATABASE_URL=postgres_database)
    sync = run(["uv", "sync", "--extra", "postgresql"], project, env)
    assert sync.returncode == 0, describe(sync)

    result = run(["uv", "run", "pytest", "-p", "no:cacheprovider"], project, env)

    assert result.returncode == 0, describe(result)


# For each profile (its expectations in tests/profiles.yml): a module, the import it gains, and the
# contract that must then break.
WRONG_WAY_IMPORTS = {
    name: [
        (case["module"], case["line"], case["contract"]) for case in expected["wrong_way_imports"]
    ]
    for name, expected in PROFILE_EXPECTATIONS.items()
}


@pytest.mark.parametrize(
    ("variant", "module", "line", "contract"),
    [
        pytest.param(
            variant,
            *case,
            marks=pytest.mark.xdist_group(variant.id),
            id="-".join([variant.answers["profile"], *case]),
        )
        for variant in DEFAULTS
        for case in WRONG_WAY_IMPORTS[variant.answers["profile"]]
    ],
)
def test_a_wrong_way_import_breaks_a_contract(
    variant: Variant,
    module: str,
    line: str,
    contract: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On the profile's installed defaults (its static checks' install, on their worker), the
    module put back as it was after."""
    project = installed_project(variant, tmp_path_factory)
    env = env_for(variant)
    assert run(["uv", "run", "lint-imports"], project, env).returncode == 0
    target = project / "src" / "my_service" / module
    original = target.read_text()
    target.write_text(f"{line}  # noqa\n{original}")

    # Wide enough that import-linter prints each contract's name and verdict on one line.
    try:
        result = run(["uv", "run", "lint-imports"], project, env | {"COLUMNS": "400"})
    finally:
        target.write_text(original)

    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(contract in row for row in broken), result.stdout


# A second revision in the project's own style: the same id as the first (a duplicate), or a new
# id on the same revision as the template's newest (a fork).
TEAM_REVISION = """\"\"\"A team's revision.\"\"\"

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
"""


@pytest.mark.parametrize(
    ("case", "check"),
    [("duplicate", "declared_once"), ("fork", "one_head")],
)
def test_the_migration_check_fails_on_a_duplicated_revision_id_and_on_a_fork(
    tmp_path: Path, case: str, check: str
) -> None:
    project = fresh_copy(tmp_path / "project", profile="model-first")
    env = project_env(python_for("3.11"))
    assert run(["uv", "sync"], project, env).returncode == 0
    versions = project / "migrations" / "versions"
    checks = ["uv", "run", "pytest", "-p", "no:cacheprovider", "--no-cov", "-k", check]
    test = "tests/integration/test_migrations.py"
    assert run([*checks, test], project, env).returncode == 0
    (versions / "0001_team.py").write_text(
        TEAM_REVISION.format(revision="0001", down="template_0003")
    )
    other = "0001" if case == "duplicate" else "0002"
    (versions / "0002_team.py").write_text(
        TEAM_REVISION.format(revision=other, down="template_0003")
    )

    result = run([*checks, test], project, env)

    assert result.returncode != 0
    assert "0002_team.py" in result.stdout


def test_model_first_takes_a_services_layer_the_way_its_standards_say(tmp_path: Path) -> None:
    project = fresh_copy(tmp_path / "project", profile="model-first")
    env = project_env(python_for("3.11"))
    assert run(["uv", "sync"], project, env).returncode == 0
    package = project / "src" / "my_service"
    (package / "services").mkdir()
    (package / "services" / "__init__.py").write_text("")
    (package / "services" / "items.py").write_text("from ..repositories import items as items\n")
    routes = package / "api" / "items.py"
    routes.write_text(f"from ..services import items as _service  # noqa\n{routes.read_text()}")
    standards = (project / "docs" / "STANDARDS.md").read_text()
    contract = re.search(r"```toml\n(.*?)```", standards, re.DOTALL)
    assert contract is not None, "docs/STANDARDS.md shows the services contract"
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write(f"\n{contract.group(1)}")

    kept = run(["uv", "run", "lint-imports"], project, env)
    (package / "services" / "items.py").write_text("import fastapi  # noqa\n")
    broken = run(["uv", "run", "lint-imports"], project, env)

    assert kept.returncode == 0, describe(kept)
    assert "Services know nothing of HTTP BROKEN" in broken.stdout, describe(broken)


def test_ordering_leaves_the_ddd_app_the_way_its_standards_say(tmp_path: Path) -> None:
    project = fresh_copy(tmp_path / "project", profile="ddd")
    env = project_env(python_for("3.11"))
    package = project / "src" / "my_service"
    standards = (project / "docs" / "STANDARDS.md").read_text()
    recipe = standards.split("### Removing a bounded context", 1)[1].split("\n#", 1)[0]
    steps = ["contexts/<name>/", "migrations/versions/<name>/", "tests/**/*<name>*"]
    assert all(f"`{step}`" in recipe for step in steps), recipe
    assert all(place in recipe for place in ("`CONTEXTS`", "`version_locations`")), recipe

    shutil.rmtree(package / "contexts" / "ordering")
    shutil.rmtree(project / "migrations" / "versions" / "ordering")
    for test in project.glob("tests/**/*ordering*"):
        test.unlink()
    bootstrap = package / "bootstrap.py"
    text = bootstrap.read_text().replace("from .contexts.ordering import wiring as ordering\n", "")
    bootstrap.write_text(text.replace("catalog, ordering)", "catalog,)"))
    pyproject = project / "pyproject.toml"
    location = ', "%(here)s/migrations/versions/ordering"'
    pyproject.write_text(pyproject.read_text().replace(location, ""))

    assert "ordering" not in bootstrap.read_text()
    assert "versions/ordering" not in pyproject.read_text()
    for command in (
        ["uv", "sync"],
        *CHECKS.values(),
        ["uv", "run", "pytest", "-p", "no:cacheprovider"],
    ):
        with checked_with_shared_caches(Variant("ddd", {"profile": "ddd"}), command) as extra:
            result = run(command, project, env | extra)
        assert result.returncode == 0, describe(result)
    database = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    migrated = run(
        ["uv", "run", "alembic", "upgrade", "heads"], project, env | {"DATABASE_URL": database}
    )
    assert migrated.returncode == 0, describe(migrated)


def test_serverless_runs_locally_against_moto_the_way_its_readme_says(tmp_path: Path) -> None:
    project = fresh_copy(tmp_path / "project", profile="serverless")
    env = project_env(python_for("3.11"))
    assert run(["uv", "sync"], project, env).returncode == 0
    readme = (project / "README.md").read_text()
    section = readme.split("## Running locally, without AWS", 1)[1]
    commands = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert commands is not None, "the README shows how to run locally"
    # The README's commands as written; the server it starts last runs in the background here,
    # and everything it started is stopped when the script ends.
    steps = [
        "set -e",
        "trap 'kill $(jobs -p) 2>/dev/null' EXIT",
        commands.group(1).rstrip().replace("--port 8000", "--port 8000 &"),
        "for _ in $(seq 60); do curl -sf localhost:8000/health && break; sleep 0.5; done",
        "curl -sf -X POST localhost:8000/api/v1/items -H 'content-type: application/json'"
        ' -d \'{"name": "Lamp"}\'',
        "curl -sf localhost:8000/api/v1/items",
    ]
    script = "\n".join(steps)

    result = run(["bash", "-c", script], project, env, timeout=180)

    assert result.returncode == 0, describe(result)
    assert '"name":"Lamp"' in result.stdout


BUNDLE_SMOKE_TEST = """
import json, sys
sys.path.insert(0, sys.argv[1])
from my_service.handler import handler

class Context:
    function_name = "api"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:api"
    aws_request_id = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    def get_remaining_time_in_millis(self): return 9000

response = handler(json.load(open("events/health.json")), Context())
print(response["statusCode"], response["body"])
"""


def test_serverless_bundle_from_its_makefile_serves_an_event_on_its_own(tmp_path: Path) -> None:
    project = fresh_copy(tmp_path / "project", profile="serverless")
    env = project_env(python_for("3.11"))
    assert run(["uv", "sync"], project, env).returncode == 0
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    # What `sam build` runs, with wheels for this machine rather than Lambda's arm64.
    build = run(
        [
            "make",
            "build-ApiFunction",
            f"ARTIFACTS_DIR={bundle}",
            "PYTHON_PLATFORM=x86_64-manylinux2014",
        ],
        project,
        env,
    )
    assert build.returncode == 0, describe(build)

    # A bare interpreter that sees only the bundle, as the Lambda runtime does.
    python = python_for("3.11")
    assert python is not None
    # ... and the environment template.yaml gives the function.
    clean_env = {
        "PATH": "/usr/bin:/bin",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "my-service",
        "POWERTOOLS_METRICS_NAMESPACE": "my-service",
    }
    result = run([python, "-I", "-c", BUNDLE_SMOKE_TEST, str(bundle)], project, clean_env)

    assert result.returncode == 0, describe(result)
    assert result.stdout.strip().splitlines()[-1] == '200 {"status":"ok"}'


@pytest.mark.parametrize("python_version", ["3.11", "3.13"])
def test_serverless_jwt_bundle_builds_for_the_cpu_template_yaml_declares(
    tmp_path: Path, python_version: str
) -> None:
    project = fresh_copy(
        tmp_path / "project", profile="serverless", auth="jwt", python_version=python_version
    )
    env = project_env(python_for(python_version))
    assert run(["uv", "lock"], project, env).returncode == 0
    sam_template = (project / "template.yaml").read_text()
    template = yaml.load(sam_template, Loader=CloudFormationLoader)  # noqa: S506 (a SafeLoader)
    architectures = template["Resources"]["ApiFunction"]["Properties"]["Architectures"]
    bundle = tmp_path / "bundle"
    bundle.mkdir()

    # What `sam build` runs, as the Makefile has it: the argon2 bindings need a compiled wheel.
    build = run(["make", "build-ApiFunction", f"ARTIFACTS_DIR={bundle}"], project, env)

    assert build.returncode == 0, describe(build)
    assert architectures == ["arm64"]
    compiled = [
        line
        for wheel in bundle.glob("*.dist-info/WHEEL")
        for line in wheel.read_text().splitlines()
        if line.startswith("Tag:") and "linux" in line
    ]
    assert any("argon2" in str(path) for path in bundle.iterdir())
    assert compiled
    assert all(tag.endswith("_aarch64") for tag in compiled), compiled
