"""What a render writes: clean output, the files each answer asks for, and valid file formats."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import (
    ENFORCED_RULES,
    PROFILE_EXPECTATIONS,
    PROFILE_TRAITS,
    PROFILES,
    SQL_PROFILES,
    CloudFormationLoader,
    Variant,
    jobs_offered,
    option_variants,
    project_files,
    python_for,
    quick_if_default,
    render,
    rendered,
    sh_blocks_after,
    snapshot,
    unreadable_files,
)

VARIANTS = [
    pytest.param(variant, id=variant.id, marks=quick_if_default(variant))
    for profile in PROFILES
    for variant in option_variants(profile)
]
# `{{resolve:...}}` is CloudFormation's own syntax for a dynamic reference, not Jinja.
UNRENDERED = re.compile(r"\{\{(?!resolve:)|\{%|\{#|\.jinja\b")


@pytest.mark.parametrize("variant", VARIANTS)
def test_output_has_no_template_leftovers(variant: Variant) -> None:
    project = rendered(**variant.answers)

    leftovers = [
        str(path.relative_to(project))
        for path in project_files(project)
        if UNRENDERED.search(path.read_text(encoding="utf-8")) or path.suffix == ".jinja"
    ]
    assert leftovers == []
    assert not {path.name for path in project.rglob("*")} & {".git", "__pycache__"}
    # The template's own machinery, which would land at the top (.claude/hooks/ is the project's).
    assert not {path.name for path in project.iterdir()} & {
        "copier.yml",
        "includes",
        "hooks",
        "template",
    }


@pytest.mark.parametrize("profile", PROFILES)
def test_rendering_twice_gives_byte_identical_trees(tmp_path: Path, profile: str) -> None:
    first = rendered(profile=profile, auth="jwt")
    second = render(tmp_path / "second", profile=profile, auth="jwt")

    assert snapshot(first) == snapshot(second)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_data_file_parses_and_every_python_file_compiles(variant: Variant) -> None:
    project = rendered(**variant.answers)
    python = python_for(variant.answers.get("python_version", "3.11")) or sys.executable

    assert unreadable_files(project, python) == []


def test_answers_file_records_every_answer_for_copier_update() -> None:
    project = rendered(auth="jwt", database="postgresql")

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())

    assert answers["_src_path"]
    assert answers["_commit"]
    assert (answers["auth"], answers["database"], answers["profile"]) == (
        "jwt",
        "postgresql",
        "layered",
    )
    assert "reserved_module_names" not in answers


def test_docker_false_renders_no_docker_files() -> None:
    project = rendered(docker=False)

    assert not (project / "Dockerfile").exists()
    assert not (project / ".dockerignore").exists()
    assert not (project / "compose.yaml").exists()
    assert "docker build" not in (project / "README.md").read_text()


CI_FILES = {".github/workflows/ci.yml", ".gitlab-ci.yml"}


@pytest.mark.parametrize(
    ("ci", "expected"),
    [("github", {".github/workflows/ci.yml"}), ("gitlab", {".gitlab-ci.yml"}), ("none", set())],
)
def test_ci_answer_decides_the_ci_file(ci: str, expected: set[str]) -> None:
    project = rendered(ci=ci)

    assert {path for path in CI_FILES if (project / path).exists()} == expected
    assert (project / ".github").exists() is (ci == "github")


# Paths only one profile has, where the trees differ as their architectures do, and the modules
# `jwt` adds: each profile's expectations (tests/profiles.yml) list them.
CHARACTERISTIC_PATHS = {name: PROFILE_EXPECTATIONS[name]["own_paths"] for name in PROFILES}
JWT_MODULES = {name: PROFILE_EXPECTATIONS[name]["jwt_modules"] for name in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_a_profile_has_its_own_modules_and_none_of_another_profiles(profile: str) -> None:
    project = rendered(profile=profile)

    for owner, paths in CHARACTERISTIC_PATHS.items():
        for path in paths:
            assert (project / path).is_file() is (owner == profile), path


def test_model_first_has_no_service_layer_until_one_is_added() -> None:
    project = rendered(profile="model-first")

    assert not (project / "src" / "my_service" / "services").exists()
    contracts = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in contracts["contracts"] if c["id"] == "layers")["layers"]
    assert "(my_service.services)" in layers


@pytest.mark.parametrize("auth", ["none", "jwt"])
def test_every_ddd_context_has_the_same_four_layers(auth: str) -> None:
    project = rendered(profile="ddd", auth=auth)

    contexts = project / "src" / "my_service" / "contexts"
    names = {path.name for path in contexts.iterdir() if path.is_dir()}
    assert names == (
        {"catalog", "ordering", "identity"} if auth == "jwt" else {"catalog", "ordering"}
    )
    for context in names:
        layers = {path.name for path in (contexts / context).iterdir() if path.is_dir()}
        assert layers == {"domain", "application", "infrastructure", "api"}, context


@pytest.mark.parametrize("profile", PROFILES)
def test_auth_none_renders_no_user_code(profile: str) -> None:
    project = rendered(profile=profile, auth="none")

    names = [path.name for path in project_files(project)]
    assert not {"security.py", "user.py", "users.py", "auth.py", "test_auth_api.py"} & set(names)
    assert not (project / "src" / "my_service" / "contexts" / "identity").exists()
    assert not (project / "src" / "my_service" / "contracts" / "identity.py").exists()
    assert not list((project / "migrations" / "versions").glob("*users*"))
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    assert not [d for d in dependencies if d.startswith(("pyjwt", "argon2"))]


@pytest.mark.parametrize("profile", PROFILES)
def test_auth_jwt_adds_users_tokens_and_their_migration(profile: str) -> None:
    project = rendered(profile=profile, auth="jwt")
    package = project / "src" / "my_service"

    for module in JWT_MODULES[profile]:
        assert (package / module).is_file(), module
    if profile in SQL_PROFILES:
        assert (project / "migrations" / "versions" / "template_0002_create_users.py").is_file()
    else:
        assert "UsersTable:" in (project / "template.yaml").read_text()


JOB_FILES = {
    "src/my_service/jobs/queue.py",
    "src/my_service/jobs/webhooks.py",
    "src/my_service/core/webhook_protocol.py",
    "src/my_service/jobs/retries.py",
    "src/my_service/worker.py",
    "migrations/versions/template_0005_create_job_queue.py",
    "tests/integration/test_jobs.py",
    "tests/unit/test_webhooks.py",
    "tests/unit/test_webhook_protocol.py",
}
# Where an item's job comes from: the items' jobs module, or, with bounded contexts, the outbox
# relay, whose jobs the catalog's announcements turn into webhook calls.
ITEM_JOB_FILES = {"src/my_service/jobs/items.py"}
EVENT_JOB_FILES = {
    "src/my_service/contexts/catalog/application/announcements.py",
    "src/my_service/contexts/catalog/infrastructure/webhook.py",
}
JOB_DEPENDENCIES = ("procrastinate", "psycopg", "httpx")


def dependencies_of(project: Path) -> list[str]:
    return tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]


@pytest.mark.parametrize("profile", PROFILES)
def test_without_jobs_no_job_code_or_dependency_renders(profile: str) -> None:
    project = rendered(profile=profile)

    assert not (project / "src" / "my_service" / "jobs").exists()
    assert not (project / "src" / "my_service" / "core" / "webhook_protocol.py").exists()
    assert not list(project.glob("migrations/versions/*job_queue*"))
    assert not [d for d in dependencies_of(project) if d.startswith(JOB_DEPENDENCIES)]
    assert "ITEM_WEBHOOK_URL" not in (project / "README.md").read_text()


@pytest.mark.parametrize("profile", [profile for profile in PROFILES if jobs_offered(profile)])
def test_jobs_adds_the_worker_the_queue_its_migration_and_its_tests(profile: str) -> None:
    project = rendered(profile=profile, database="postgresql", jobs=True)

    files = {path.relative_to(project).as_posix() for path in project_files(project)}
    expected = JOB_FILES | (
        EVENT_JOB_FILES if PROFILE_TRAITS[profile]["bounded_contexts"] else ITEM_JOB_FILES
    )
    assert files >= expected, sorted(expected - files)
    assert {d.split(">")[0].split("[")[0] for d in dependencies_of(project)} >= set(
        JOB_DEPENDENCIES
    )
    for setting in ("ITEM_WEBHOOK_URL", "ITEM_WEBHOOK_SECRET", "WORKER_CONCURRENCY"):
        assert setting in (project / ".env.example").read_text(), setting
        assert f"`{setting}`" in (project / "README.md").read_text(), setting
    assert "## Jobs" in (project / "docs" / "STANDARDS.md").read_text()


def test_serverless_has_no_sql_migrations_or_docker() -> None:
    project = rendered(profile="serverless")

    assert not (project / "migrations").exists()
    assert not (project / "Dockerfile").exists()
    assert not (project / "src" / "my_service" / "db.py").exists()
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    assert not [d for d in dependencies if d.startswith(("sqlalchemy", "alembic", "uvicorn"))]


@pytest.mark.parametrize("tracer", [False, True])
def test_the_tracer_is_imported_only_when_asked_for(tracer: bool) -> None:
    project = rendered(profile="serverless", tracer=tracer)

    observability = (project / "src" / "my_service" / "observability.py").read_text()
    assert ("Tracer()" in observability) is tracer
    assert ("Tracing: Active" in (project / "template.yaml").read_text()) is tracer


@pytest.mark.parametrize(
    ("license_id", "first_line"),
    [
        ("MIT", "MIT License"),
        ("Apache-2.0", "Apache License"),
        ("BSD-3-Clause", "BSD 3-Clause License"),
        ("Proprietary", "All rights reserved."),
    ],
)
def test_license_answer_writes_that_license(license_id: str, first_line: str) -> None:
    project = rendered(license=license_id, author_name='Zoë "Z" Example')

    text = (project / "LICENSE").read_text()
    assert first_line in text[:200]
    assert 'Zoë "Z" Example' in text
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata.get("license") == (None if license_id == "Proprietary" else license_id)
    assert metadata["authors"] == [{"name": 'Zoë "Z" Example'}]


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_python_version_sets_every_minimum(version: str) -> None:
    project = rendered(python_version=version)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={version}"
    assert pyproject["tool"]["mypy"]["python_version"] == version
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{version.replace('.', '')}"
    assert f"FROM python:{version}-slim AS build" in (project / "Dockerfile").read_text()
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    setup = next(
        s for s in workflow["jobs"]["checks"]["steps"] if "setup-python" in s.get("uses", "")
    )
    assert setup["with"]["python-version"] == version


def test_every_pinned_dev_tool_is_an_exact_version() -> None:
    project = rendered()

    dev = tomllib.loads((project / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    assert dev
    assert all("==" in requirement for requirement in dev)


def test_pre_commit_hooks_are_local_and_run_the_pinned_tools() -> None:
    project = rendered()

    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    # The one hook that runs no tool: it refuses a tree an interrupted update left (test_update).
    assert hooks.pop("no-unfinished-update")["always_run"] is True
    assert {name: hook["entry"] for name, hook in hooks.items()} == {
        "ruff-check": "uv run ruff check --fix",
        "ruff-format": "uv run ruff format",
        "mypy": "uv run mypy",
        "lint-imports": "uv run lint-imports",
        "ai-files": "uv run pytest tests/test_ai_files.py --no-cov -q",
    }


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_dockerfile_passes_hadolint(database: str) -> None:
    project = rendered(database=database, auth="jwt")

    result = subprocess.run(
        [_tool("hadolint"), "--failure-threshold", "info", "Dockerfile"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (project / "Dockerfile").read_text()
    assert "USER 10001" in text
    assert text.count("FROM ") == 2


@pytest.mark.parametrize(
    ("ci", "path", "schema"),
    [
        ("github", ".github/workflows/ci.yml", "vendor.github-workflows"),
        ("github", ".github/dependabot.yml", "vendor.dependabot"),
        ("gitlab", ".gitlab-ci.yml", "vendor.gitlab-ci"),
    ],
)
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_ci_file_matches_its_schema(ci: str, path: str, schema: str, database: str) -> None:
    project = rendered(ci=ci, database=database)

    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, path],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_serverless_api_is_throttled_by_api_gateway_with_parameters_a_stack_can_change() -> (
    None
):
    project = rendered(profile="serverless")

    sam = yaml.load((project / "template.yaml").read_text(), Loader=CloudFormationLoader)  # noqa: S506 (a SafeLoader)

    routes = sam["Resources"]["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert {routes["ThrottlingRateLimit"], routes["ThrottlingBurstLimit"]} <= set(sam["Parameters"])
    events = sam["Resources"]["ApiFunction"]["Properties"]["Events"].values()
    assert all(event["Properties"]["ApiId"] == "HttpApi" for event in events)


COPILOT_SETUP_STEPS = ".github/workflows/copilot-setup-steps.yml"


@pytest.mark.parametrize("ci", ["github", "none"])
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_copilot_setup_steps_match_the_workflow_schema_and_name_the_job_copilot_runs(
    ci: str, database: str
) -> None:
    project = rendered(ci=ci, database=database, assistants=["copilot"], copilot_agents=True)

    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         COPILOT_SETUP_STEPS],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    workflow = yaml.safe_load((project / COPILOT_SETUP_STEPS).read_text())
    # GitHub's cloud agent runs the job of this one name, and rejects keys beyond these.
    assert list(workflow["jobs"]) == ["copilot-setup-steps"]
    job = workflow["jobs"]["copilot-setup-steps"]
    assert set(job) <= {"runs-on", "permissions", "services", "steps", "timeout-minutes"}
    assert {"run": "uv sync", "name": "Install the project"} in job["steps"]
    assert ("services" in job) is (database == "postgresql")


def test_copilot_setup_steps_render_only_for_copilots_agents() -> None:
    project = rendered(assistants=["copilot"], copilot_agents=False)

    assert not (project / COPILOT_SETUP_STEPS).exists()


def _gitlab_job_runs(job: dict[str, Any], pipeline_source: str) -> bool:
    """Whether a GitLab job's `rules` let it run in a pipeline of that source (the rules the
    template writes compare `$CI_PIPELINE_SOURCE` with one value)."""
    rules = job.get("rules")
    if rules is None:
        return True
    for rule in rules:
        match = re.fullmatch(r'\$CI_PIPELINE_SOURCE (==|!=) "(\w+)"', rule["if"])
        assert match is not None, f"a rule this test cannot read: {rule}"
        if (match.group(2) == pipeline_source) is (match.group(1) == "=="):
            return True
    return False


@pytest.mark.parametrize(
    ("source", "jobs"), [("schedule", {"template-update"}), ("push", {"checks"})]
)
def test_a_scheduled_gitlab_pipeline_only_checks_for_a_template_update(
    source: str, jobs: set[str]
) -> None:
    project = rendered(ci="gitlab")
    config = yaml.safe_load((project / ".gitlab-ci.yml").read_text())

    running = {
        name
        for name, job in config.items()
        if isinstance(job, dict) and "script" in job and _gitlab_job_runs(job, source)
    }

    assert running == jobs


@pytest.mark.parametrize("tdd", [True, False])
def test_tdd_answer_decides_the_test_first_rule(tdd: bool) -> None:
    project = rendered(tdd=tdd)

    assert ("Test first:" in (project / "AGENTS.md").read_text()) is tdd


@pytest.mark.parametrize("profile", PROFILES)
def test_every_checked_rule_is_a_rule_of_the_projects_standards(profile: str) -> None:
    """The rules tests/support.py's ENFORCED_RULES checks (test_generated_projects.py breaks each)
    are the words docs/STANDARDS.md says, so a reworded rule keeps its check."""
    standards = (rendered(profile=profile) / "docs" / "STANDARDS.md").read_text()

    assert [r for r, rule in ENFORCED_RULES.items() if rule.standard not in standards] == []


def test_the_readme_says_which_tests_the_pre_commit_hooks_run() -> None:
    project = rendered()
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    checks = (project / "README.md").read_text().split("## Checks\n", 1)[1].split("```", 1)[0]

    run_by_hooks = [hook["entry"].split()[3] for hook in hooks if "pytest" in hook["entry"]]

    assert run_by_hooks == ["tests/test_ai_files.py"]
    assert "and in the pre-commit hooks" not in checks
    assert "only `tests/test_ai_files.py`" in checks


def test_every_createdb_in_the_readme_names_the_host_and_role() -> None:
    readme = (rendered(database="postgresql") / "README.md").read_text()

    createdbs = re.findall(r"createdb [^`\n]*", readme)

    assert createdbs
    assert [line for line in createdbs if "-h 127.0.0.1 -U postgres" not in line] == []


@pytest.mark.parametrize(
    "answers",
    [{}, {"database": "postgresql"}, {"auth": "jwt"}, {"database": "postgresql", "auth": "jwt"}],
    ids=["sqlite", "postgresql", "jwt", "postgresql-jwt"],
)
def test_the_readme_says_what_docker_compose_starts(answers: dict[str, Any]) -> None:
    readme = (rendered(**answers) / "README.md").read_text()

    started = re.search(r"`docker compose up --build` starts the service (.*?) instead", readme)

    assert started is not None
    assert started[1] in ("in a container", "with its PostgreSQL", "with its Redis",
                          "with its PostgreSQL and Redis")  # fmt: skip


@pytest.mark.parametrize("profile", PROFILES)
def test_the_readmes_first_request_calls_an_endpoint_the_api_has(profile: str) -> None:
    readme = (rendered(profile=profile) / "README.md").read_text()
    recorded = Path(__file__).parent / "openapi" / f"{profile}-defaults.json"
    paths = json.loads(recorded.read_text())["paths"]

    requests = re.findall(r"^curl .*?http://127\.0\.0\.1:8000(\S+)", readme, re.MULTILINE)

    assert requests
    assert [path for path in requests if path not in paths] == []


@pytest.mark.parametrize("profile", PROFILES)
def test_the_readme_quick_start_makes_the_first_commit_copier_update_needs(profile: str) -> None:
    readme = (rendered(profile=profile) / "README.md").read_text()

    quick_start = "".join(sh_blocks_after(readme, "## Quick start"))

    assert "git add -A && git commit" in quick_start
