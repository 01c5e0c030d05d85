"""`copier update` across this template's real history, as a team lives it.

The template is cloned with its whole history, and the working tree is committed on top as its
newest commit. Each case generates a service at an older commit that the test finds in that
history, makes a team's month of edits, stores rows through the service's API in a real PostgreSQL
database, updates to the newest commit with the README's command, does exactly what the update
printed, and then requires every row read back through the API, every mapped table present, the
team's work still routed, every check green, and no more conflicts than the case's ceiling:

- its current shape (every profile): the first commit whose add-resource skill the scripted
  engineer can follow. The team adds a `tags` resource with the skill and numbers its migration
  in the project's style, after the template's own;
- midway (SQL profiles): the last commit before the template's revisions got ids of their own,
  when the team's next migration is `0003`, the number the template then gave its idempotency keys.
  Updating there once skipped the template's revision without a word.
"""

from __future__ import annotations

import ast
import re
import secrets
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml
from conftest import new_postgres_database
from production import API, CREDENTIALS, Service, free_port, running, sync_url
from scripted_engineer import Names, follow
from support import (
    PROFILE_TRAITS,
    REPO,
    SQL_PROFILES,
    copy_of_the_template,
    describe,
    git,
    load_hook,
    project_env,
    python_for,
    render,
    run,
    warm_mypy_cache,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CONFLICT = re.compile(
    r"<<<<<<< before updating\n(?P<ours>.*?)(?:\|\|\|\|\|\|\| [^\n]*\n.*?)?"
    r"=======\n(?P<theirs>.*?)>>>>>>> after updating\n",
    re.S,
)
NEXT = "Next, in this order:"
TAGS = Names(plural="tags", singular="tag")
MERGING_IMPORTS = load_hook("merge_import_conflicts")
# What the API was sent, by resource and the id it answered with.
Rows = dict[str, dict[str, dict[str, str]]]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository with all its history, the working tree committed on top."""
    if git(REPO, "rev-parse", "--is-shallow-repository").strip() == "true":
        deepened = run(["git", "fetch", "--quiet", "--unshallow"], REPO)
        assert deepened.returncode == 0, (
            f"{REPO} is a shallow clone, and `git fetch --unshallow` failed: the real-history "
            f"test needs the template's history.\n{describe(deepened)}"
        )
    clone = tmp_path_factory.mktemp("history") / "archetype"
    git(REPO, "clone", "--quiet", str(REPO), str(clone))
    for name in filter(None, git(clone, "ls-files", "-z").split("\0")):
        (clone / name).unlink()
    copy_of_the_template(clone)
    git(clone, "add", "-A")
    git(clone, "commit", "--quiet", "--allow-empty", "-m", "The working tree")
    return clone


def shown(history: Path, commit: str, path: str) -> str | None:
    result = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=history, capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else None


def current_shape(history: Path, profile: str) -> str:
    """The first commit whose add-resource skill for `profile` the scripted engineer can follow."""
    skill, registry = "includes/ai/skills/add-resource.md.jinja", "includes/profiles.yml"
    # The recipes were in the registry's entries until they got a file of their own.
    recipes = "includes/recipes.yml"
    log = git(history, "log", "--reverse", "--format=%H", "--", skill, registry, recipes)
    for commit in log.split():
        skill_text, registry_text = shown(history, commit, skill), shown(history, commit, registry)
        if skill_text is None or registry_text is None or "Keep as they are" not in skill_text:
            continue
        recipes_text = shown(history, commit, recipes)
        if recipes_text is not None:
            if (yaml.safe_load(recipes_text) or {}).get(profile, {}).get("steps"):
                return commit
            continue
        entries = {entry["name"]: entry for entry in yaml.safe_load(registry_text)}
        if entries.get(profile, {}).get("resource_recipe"):
            return commit
    pytest.fail(f"no commit in the history has an add-resource skill for {profile}")


def before_own_revision_ids(history: Path) -> str:
    """The last commit before the template numbered a revision 0003 (its idempotency keys)."""
    added = git(
        history,
        "log",
        "--reverse",
        "--diff-filter=A",
        "--format=%H",
        "--",
        "template/*/versions/0003_create_idempotency_keys.py.jinja",
    ).split()
    assert added, "the history has no template revision numbered 0003"
    return git(history, "rev-parse", f"{added[0]}^").strip()


# --- The team's month -----------------------------------------------------------------------


@dataclass(frozen=True)
class TeamEdit:
    """A change the team makes to a file the template also writes. Resolving a conflict in that
    file the way a person does: the template's side, then the team's change made again."""

    path: str
    change: Callable[[str], str]
    # What the team does instead when the template's side has no place for the change any more.
    redo: Callable[[Path], None] | None = None
    # Where the conflict is the team's own lines beside lines the template rewrote: the lines that
    # begin so are taken from the template's side, everything else from the team's.
    rewritten: tuple[str, ...] = ()
    # Where the conflict is the team's own definitions copied beside the example's, which the
    # template rewrote: the template's side, then each definition of the team's whose name has
    # this word (its resource's name).
    own_definitions: str = ""

    def apply(self, project: Path) -> None:
        path = project / self.path
        before = path.read_text()
        after = self.change(before)
        assert after != before, f"the team's edit no longer applies to {self.path}"
        path.write_text(after)


def replacing(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


def importing_too(name: str) -> Callable[[str], str]:
    """Adds a module to a package's `from . import ...` line and to its `__all__`."""

    def change(text: str) -> str:
        line = re.search(r"^from \. import (.+)$", text, re.MULTILINE)
        assert line is not None
        names = sorted({*line.group(1).split(", "), name})
        text = text.replace(line.group(0), f"from . import {', '.join(names)}", 1)
        listed = re.search(r"^__all__ = \[(.*?)\]", text, re.MULTILINE | re.DOTALL)
        assert listed is not None
        exported = sorted({*re.findall(r'"([^"]+)"', listed.group(1)), name})
        if "\n" in listed.group(1):
            body = "".join(f'    "{item}",\n' for item in exported)
            return text.replace(listed.group(0), f"__all__ = [\n{body}]", 1)
        return text.replace(listed.group(0), f"__all__ = {exported!r}".replace("'", '"'), 1)

    return change


# Every case: a setting's default, a dependency, a CI tweak. The team note and the migration
# are files of the team's own.
SHARED_EDITS = [
    TeamEdit(
        "src/my_service/core/config.py",
        replacing(
            "database_pool_timeout_seconds: float = Field(default=10.0,",
            "database_pool_timeout_seconds: float = Field(default=5.0,",
        ),
    ),
    TeamEdit(
        "pyproject.toml", replacing("dependencies = [\n", 'dependencies = [\n    "anyio>=4",\n')
    ),
    TeamEdit(
        ".github/workflows/ci.yml",
        replacing(
            "    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    timeout-minutes: 30\n"
        ),
    ),
]
TEAM_NOTE = "- Tags are lowercase; the API refuses others.\n"

TAGS_TABLE = """

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(50), nullable=False, unique=True),
)
"""
# Midway, the team declares a table by hand where the profile's tables are, as it did then.
TAGS_DECLARED = {
    "model-first": [TeamEdit("src/my_service/tables.py", lambda text: text + TAGS_TABLE)],
    "layered": [TeamEdit("src/my_service/models/__init__.py", importing_too("tags"))],
    "ddd": [
        TeamEdit(
            "src/my_service/schema.py",
            lambda text: text.replace(
                "from .contexts.catalog.infrastructure import orm as catalog_orm\n",
                "from .contexts.catalog.infrastructure import orm as catalog_orm\n"
                "from .contexts.catalog.infrastructure import tags as catalog_tags\n",
                1,
            ).replace(
                "MAPPED_CONTEXTS = (catalog_orm, ",
                "MAPPED_CONTEXTS = (catalog_orm, catalog_tags, ",
                1,
            ),
            # schema.py now takes each context's tables from its wiring: the catalog's are in its
            # orm.py, so the team's table moves there.
            redo=lambda project: tags_moved_into_the_catalogs_mapping(project),
        ),
    ],
}


def tags_moved_into_the_catalogs_mapping(project: Path) -> None:
    infrastructure = project / "src/my_service/contexts/catalog/infrastructure"
    (infrastructure / "tags.py").unlink()
    mapping = infrastructure / "orm.py"
    mapping.write_text(mapping.read_text() + TAGS_TABLE)


TAGS_MODULES = {
    "layered": (
        "src/my_service/models/tags.py",
        '"""The tags table, on the models\' metadata."""\n\n'
        "from sqlalchemy import Column, Integer, String, Table\n\n"
        "from .base import Base\n\nmetadata = Base.metadata" + TAGS_TABLE,
    ),
    "ddd": (
        "src/my_service/contexts/catalog/infrastructure/tags.py",
        '"""The tags table, on the shared metadata."""\n\n'
        "from sqlalchemy import Column, Integer, String, Table\n\n"
        "from my_service.persistence import metadata" + TAGS_TABLE,
    ),
}
TAGS_MIGRATION = '''"""Create the tags table.

Revision ID: {revision}
Revises: {down}
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | None = "{down}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("label", name=op.f("uq_tags_label")),
    )


def downgrade() -> None:
    op.drop_table("tags")
'''


def committed(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", message)


def numbered_in_the_projects_style(project: Path) -> str:
    """The team's newest migration, renamed to the next number after the template's own."""
    versions = project / "migrations" / "versions"
    numbered = sorted(path.name[:4] for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    generated = [path for path in versions.glob("*.py") if not re.match(r"\d{4}_", path.name)]
    assert len(generated) == 1, f"expected one generated migration, found {generated}"
    old_id = re.search(r'^revision: str = "([^"]+)"', generated[0].read_text(), re.M)
    assert old_id is not None
    number = f"{int(numbered[-1]) + 1:04d}"
    text = generated[0].read_text().replace(old_id.group(1), number)
    (versions / f"{number}_{generated[0].name.split('_', 1)[1]}").write_text(text)
    generated[0].unlink()
    return number


# --- Serving it, and what the API holds -------------------------------------------------------


@contextmanager
def serving(project: Path, env: dict[str, str], log: Path) -> Iterator[Service]:
    """The service under uvicorn, after `alembic upgrade heads`, as the README runs it."""
    migrated = run(["uv", "run", "alembic", "upgrade", "heads"], project, env)
    assert migrated.returncode == 0, describe(migrated)
    port = free_port()
    command = ["uv", "run", "uvicorn", "my_service.main:app", "--port", str(port)]
    with running(command, project, env, port, log) as service:
        yield service


@contextmanager
def client_for(service: Service, *, register: bool) -> Iterator[httpx.Client]:
    """A client of the API that logs in first (registering the user before the update)."""
    with httpx.Client(base_url=service.base_url + API, timeout=60) as client:
        if register:
            client.post("/auth/register", json=CREDENTIALS).raise_for_status()
        token = client.post("/auth/token", json=CREDENTIALS).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def store_rows(client: httpx.Client, resources: list[str]) -> Rows:
    """Three rows in each resource, made through the API: their ids and what was sent."""
    stored: Rows = {}
    for resource in resources:
        stored[resource] = {}
        for n in range(3):
            body = {"name": f"{resource} {n}", "description": f"kept across the update ({n})"}
            created = client.post(f"/{resource}", json=body)
            assert created.status_code == 201, created.text
            stored[resource][str(created.json()["id"])] = body
    return stored


def assert_rows_read_back(client: httpx.Client, stored: Rows) -> None:
    for resource, rows in stored.items():
        for row_id, body in rows.items():
            read = client.get(f"/{resource}/{row_id}")
            assert read.status_code == 200, f"{resource}/{row_id}: {read.status_code} {read.text}"
            assert read.json()["name"] == body["name"]


def tables_in(database_url: str) -> set[str]:
    with psycopg.connect(sync_url(database_url)) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {str(row[0]) for row in rows}


def mapped_tables(project: Path, profile: str, env: dict[str, str]) -> set[str]:
    module = f"my_service.{PROFILE_TRAITS[profile]['metadata_module']}"
    script = f"import {module} as m; print('\\n'.join(m.metadata.tables))"
    listed = run(["uv", "run", "python", "-c", script], project, env)
    assert listed.returncode == 0, describe(listed)
    return set(listed.stdout.split())


# --- The update, and what it printed -----------------------------------------------------------


def update(project: Path, env: dict[str, str]) -> str:
    """The README's update command, as a team runs it; what it printed."""
    updated = run(
        ["uvx", "--from", "copier==9.19.1", "copier", "update", "--trust", "--defaults"],
        project,
        env,
    )
    assert updated.returncode == 0, describe(updated)
    return updated.stderr


def printed_commands(output: str) -> list[str]:
    assert NEXT in output, output
    lines = output.split(NEXT, 1)[1].splitlines()[1:]
    return [line.strip() for line in lines if line.startswith("  ")]


def conflicted(project: Path) -> list[str]:
    return sorted(git(project, "diff", "--name-only", "--diff-filter=U").split())


def resolve_as_the_team(project: Path, files: list[str], edits: list[TeamEdit]) -> None:
    """Each conflict: the template's side, then the team's own change made again."""
    for name in files:
        path = project / name
        rewritten = tuple(
            prefix for edit in edits if edit.path == name for prefix in edit.rewritten
        )
        own = next((edit.own_definitions for edit in edits if edit.path == name), "")
        if own:
            module = MERGING_IMPORTS.Module(project, "my_service", path)
            resolved = partial(theirs_and_own, word=own, module=module)
            path.write_text(CONFLICT.sub(resolved, path.read_text()))
            git(project, "add", "-A")
            continue
        if rewritten:
            path.write_text(CONFLICT.sub(partial(ours_but, rewritten=rewritten), path.read_text()))
            git(project, "add", "-A")
            continue
        path.write_text(CONFLICT.sub(lambda match: match["theirs"], path.read_text()))
        for edit in edits:
            if edit.path == name and edit.redo is not None:
                edit.redo(project)
            elif edit.path == name:
                text = path.read_text()
                changed = edit.change(text)
                assert changed != text, f"the team's edit of {name} no longer applies: say how"
                path.write_text(changed)
        git(project, "add", "-A")


def theirs_and_own(conflict: re.Match[str], word: str, module: object) -> str:
    """A conflict where the team copied definitions beside the example's, resolved as a person
    does: imports merged as the update's own hook merges them (both sides' names); otherwise the
    team's definitions named for `word`, where they were around the template's side, and the
    example's old ones dropped."""
    merged = MERGING_IMPORTS.settled(module, conflict["ours"], conflict["theirs"])
    if merged is not None:
        return str(merged)
    parts = [own_part(block, word) for block in re.split(r"\n\n+(?=[^\s)])", conflict["ours"])]
    first_example = next((n for n, part in enumerate(parts) if part is None), len(parts))
    before = [part for part in parts[:first_example] if part]
    after = [part for part in parts[first_example:] if part]
    return (
        "".join(f"{part}\n\n\n" for part in before)
        + conflict["theirs"]
        + "".join(f"\n\n{part}\n" for part in after)
    )


def own_part(block: str, word: str) -> str | None:
    """What of a top-level block is the team's: its imports of names with `word`, or the whole
    definition if its name has it; None for the example's."""
    block = block.strip("\n")
    if not block:
        return ""
    try:
        nodes = ast.parse(block).body
    except SyntaxError:
        nodes = []
    if nodes and all(isinstance(node, ast.ImportFrom) for node in nodes):
        lines = [
            f"from {'.' * node.level}{node.module or ''} import {', '.join(names)}"
            for node in nodes
            if isinstance(node, ast.ImportFrom)
            if (names := [a.name for a in node.names if word.lower() in a.name.lower()])
        ]
        return "\n".join(lines) or None
    header = next(line for line in block.splitlines() if not line.startswith("@"))
    name = re.match(r"(?:async def |def |class )?(\w*)", header)
    return block if name and word.lower() in name.group(1).lower() else None


def ours_but(conflict: re.Match[str], rewritten: tuple[str, ...]) -> str:
    """The team's side of a conflict, with the template's version of each line it rewrote."""
    theirs = conflict["theirs"].splitlines(keepends=True)
    return "".join(
        next((line for line in theirs if line.startswith(prefix)), own)
        if (prefix := next((p for p in rewritten if own.startswith(p)), None))
        else own
        for own in conflict["ours"].splitlines(keepends=True)
    )


def follow_what_it_printed(project: Path, output: str, env: dict[str, str]) -> None:
    for command in printed_commands(output):
        result = run(["bash", "-c", command], project, env, timeout=900)
        assert result.returncode == 0, describe(result)


def update_as_the_team(case: Case, ceiling: int) -> None:
    """The README's update; its conflicts, within `ceiling` and only in files the team edited,
    resolved as the team would; then exactly the commands it printed."""
    output = update(case.project, case.env)
    conflicts = conflicted(case.project)
    assert set(conflicts) <= {edit.path for edit in case.edits}, output
    assert len(conflicts) <= ceiling, output
    resolve_as_the_team(case.project, conflicts, case.edits)
    follow_what_it_printed(case.project, output, case.env)


# --- The cases ------------------------------------------------------------------------------


@dataclass
class Case:
    profile: str
    project: Path
    env: dict[str, str]
    service_database: str
    edits: list[TeamEdit]


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """A database for the service's rows, and one for the project's own test suite."""
    with new_postgres_database() as service, new_postgres_database() as tests:
        yield service, tests


def generated(
    history: Path, commit: str, profile: str, tmp_path: Path, databases: tuple[str, str]
) -> Case:
    project = render(
        tmp_path / "service",
        template=history,
        vcs_ref=commit,
        profile=profile,
        **({"database": "postgresql"} if profile in SQL_PROFILES else {}),
        auth="jwt",
    )
    git(project, "init", "--quiet", "-b", "main")
    committed(project, f"Generated from Archetype {commit[:7]}")
    service, tests = databases
    # The service's settings in `.env`, as a team keeps them; the project's tests read their own.
    (project / ".env").write_text(
        f"DATABASE_URL={service}\nJWT_SECRET={secrets.token_urlsafe(48)}\nARGON2_COST=minimal\n"
    )
    env = project_env(python_for("3.11"), TEST_DATABASE_URL=tests)
    synced = run(["uv", "sync", "--all-extras"], project, env)
    assert synced.returncode == 0, describe(synced)
    warm_mypy_cache(project, profile)
    return Case(profile, project, env, service, list(SHARED_EDITS))


def the_month(case: Case) -> None:
    for edit in case.edits:
        edit.apply(case.project)
    with (case.project / "docs" / "team-notes.md").open("a") as notes:
        notes.write(f"\n{TEAM_NOTE}")
    locked = run(["uv", "sync", "--all-extras"], case.project, case.env)
    assert locked.returncode == 0, describe(locked)
    committed(case.project, "The team's month")


def rows_stored_before_the_update(case: Case, resources: list[str], log: Path) -> Rows:
    """The service served once before the update: a user registers and stores rows."""
    with (
        serving(case.project, case.env, log) as service,
        client_for(service, register=True) as client,
    ):
        return store_rows(client, resources)


def assert_green_and_whole(case: Case, stored: Rows, log: Path) -> None:
    assert not (case.project / ".copier-update-in-progress").exists()
    assert mapped_tables(case.project, case.profile, case.env) <= tables_in(case.service_database)
    with (
        serving(case.project, case.env, log) as service,
        client_for(service, register=False) as client,
    ):
        assert_rows_read_back(client, stored)
    assert TEAM_NOTE in (case.project / "docs" / "team-notes.md").read_text()


@pytest.mark.parametrize("profile", SQL_PROFILES)
def test_a_service_in_its_current_shape_updates_with_its_resource_rows_and_checks(
    profile: str, history: Path, tmp_path: Path, databases: tuple[str, str]
) -> None:
    case = generated(history, current_shape(history, profile), profile, tmp_path, databases)
    ran = follow(case.project, TAGS, case.env)
    assert [describe(result) for result in ran if result.returncode != 0] == []
    numbered_in_the_projects_style(case.project)
    the_month(case)
    case.edits += copied_lines_the_example_rewrote(case.project)
    stored = rows_stored_before_the_update(case, ["items", "tags"], tmp_path / "before.log")

    update_as_the_team(case, CURRENT_SHAPE_CONFLICT_CEILING)

    assert_green_and_whole(case, stored, tmp_path / "after.log")


@pytest.mark.parametrize("profile", SQL_PROFILES)
def test_a_team_migration_numbered_like_the_templates_survives_the_update(
    profile: str, history: Path, tmp_path: Path, databases: tuple[str, str]
) -> None:
    case = generated(history, before_own_revision_ids(history), profile, tmp_path, databases)
    case.edits += TAGS_DECLARED[profile]
    if profile in TAGS_MODULES:
        path, text = TAGS_MODULES[profile]
        (case.project / path).write_text(text)
    versions = case.project / "migrations" / "versions"
    assert sorted(path.name[:4] for path in versions.glob("*.py")) == ["0001", "0002"]
    (versions / "0003_create_tags.py").write_text(
        TAGS_MIGRATION.format(revision="0003", down="0002")
    )
    the_month(case)
    stored = rows_stored_before_the_update(case, ["items"], tmp_path / "before.log")
    with psycopg.connect(sync_url(case.service_database), autocommit=True) as connection:
        connection.execute("INSERT INTO tags (label) VALUES ('red'), ('green')")

    update_as_the_team(case, MIDWAY_CONFLICT_CEILING)

    assert {"idempotency_keys", "tags"} <= tables_in(case.service_database)
    with psycopg.connect(sync_url(case.service_database)) as connection:
        labels = connection.execute("SELECT label FROM tags ORDER BY id").fetchall()
    assert [row[0] for row in labels] == ["red", "green"]
    assert_green_and_whole(case, stored, tmp_path / "after.log")


# One-line definitions of the example resource that the skill copied and the template has rewritten
# since: the copy sits on the line below, so the update leaves them in one conflict with the team's
# lines around them, and the team keeps its own side with the template's line (ddd's read columns
# gained items' origin, 2026-12-06).
REWRITTEN_COPIED_LINES = {
    "src/my_service/contexts/catalog/infrastructure/queries.py": ("_ITEM_COLUMNS = ",),
}


# Definitions of the example resource that the skill copied beside, and the template has
# rewritten since (ddd's commands carry domain intent only and creates answer with ids,
# 2026-12-07): the update leaves the example's and the team's in one conflict, and the team keeps
# its own beside the template's.
REWRITTEN_COPIED_DEFINITIONS = (
    "src/my_service/contexts/catalog/application/commands.py",
    "src/my_service/contexts/catalog/application/handlers.py",
)


def copied_lines_the_example_rewrote(project: Path) -> list[TeamEdit]:
    return [
        TeamEdit(path, lambda text: text, rewritten=prefixes)
        for path, prefixes in REWRITTEN_COPIED_LINES.items()
        if (project / path).is_file()
    ] + [
        TeamEdit(path, lambda text: text, own_definitions=TAGS.singular)
        for path in REWRITTEN_COPIED_DEFINITIONS
        if (project / path).is_file()
    ]


# Conflicts are only ever in shared files the team edited, where the template rewrote the same or
# neighbouring lines since: the CI job's first lines (pinned actions and permissions, 2026-12-06),
# the settings beside the one whose default the team changed in core/config.py (the database's
# bounded waits, 2026-12-06), and midway also the file that declares tables (layered's models
# package, ddd's schema.py); in the current shape, also the copied lines and definitions above.
MIDWAY_CONFLICT_CEILING = 3
CURRENT_SHAPE_CONFLICT_CEILING = 5


def since_keys_are_their_callers_own(history: Path) -> str:
    """The first commit that kept each signed-in caller's idempotency keys apart: a retry that spans
    an update from before it is a new request (its template-changes entry says so)."""
    scoped = git(
        history,
        "log",
        "--reverse",
        "--format=%H",
        "-S",
        "is its caller's own",
        "--",
        "template/docs/template-changes.md.jinja",
    ).split()
    assert scoped, "the history never made idempotency keys their caller's own"
    return scoped[0]


KEYED = {"Idempotency-Key": "sent-before-the-update"}


@pytest.mark.parametrize("profile", SQL_PROFILES)
def test_a_create_sent_before_the_update_is_answered_by_its_key_after_it(
    profile: str, history: Path, tmp_path: Path, databases: tuple[str, str]
) -> None:
    case = generated(
        history, since_keys_are_their_callers_own(history), profile, tmp_path, databases
    )
    body = {"name": "Lamp", "description": "created once"}
    with (
        serving(case.project, case.env, tmp_path / "before.log") as service,
        client_for(service, register=True) as client,
    ):
        first = client.post("/items", json=body, headers=KEYED)
    assert first.status_code == 201, first.text
    committed(case.project, "Locked, as a team commits its lock file")

    output = update(case.project, case.env)
    assert conflicted(case.project) == [], output
    follow_what_it_printed(case.project, output, case.env)

    with (
        serving(case.project, case.env, tmp_path / "after.log") as service,
        client_for(service, register=False) as client,
    ):
        retried = client.post("/items", json=body, headers=KEYED)
        listed = client.get("/items")
    assert retried.status_code == 201, retried.text
    assert retried.json()["id"] == first.json()["id"]
    assert listed.json()["total"] == 1


def test_a_serverless_service_in_its_current_shape_updates_with_its_table_and_checks(
    history: Path, tmp_path: Path, databases: tuple[str, str]
) -> None:
    case = generated(
        history, current_shape(history, "serverless"), "serverless", tmp_path, databases
    )
    case.edits = [edit for edit in case.edits if edit.path != "src/my_service/core/config.py"]
    ran = follow(case.project, TAGS, case.env)
    assert [describe(result) for result in ran if result.returncode != 0] == []
    the_month(case)

    update_as_the_team(case, CURRENT_SHAPE_CONFLICT_CEILING)

    assert "TagsTable:" in (case.project / "template.yaml").read_text()
    assert (case.project / "src" / "my_service" / "api" / "tags.py").is_file()
    assert TEAM_NOTE in (case.project / "docs" / "team-notes.md").read_text()


# --- The next update: a template commit that adds a revision and moves a module ----------------

MODEL_FIRST = "template/src/{{ package_name if profile == 'model-first' else '' }}"
VERSIONS = "template/{{ 'migrations' if traits.sql else '' }}/versions"
AUDIT_REVISION = TAGS_MIGRATION.replace("tags", "audit_events").replace("label", "event")
AUDIT_TABLE = TAGS_TABLE.replace("tags", "audit_events").replace("label", "event")


def template_commit_that_adds_a_revision_and_moves_a_module(history: Path) -> None:
    """model-first's idempotency repository moves, recorded where the update looks for moves,
    and a new revision of the template's builds on its newest."""
    moved = Path(MODEL_FIRST) / "repositories"
    git(
        history, "mv", str(moved / "idempotency.py.jinja"), str(moved / "idempotency_keys.py.jinja")
    )
    deps = history / MODEL_FIRST / "api" / "deps.py.jinja"
    deps.write_text(
        deps.read_text().replace(
            "repositories.idempotency import", "repositories.idempotency_keys import"
        )
    )
    # Every other file that names the module asks the registry where it is.
    registry = history / "includes" / "profiles.yml"
    registry.write_text(
        registry.read_text().replace(
            "idempotency_module: repositories.idempotency\n",
            "idempotency_module: repositories.idempotency_keys\n",
            1,
        )
    )
    hook = history / "hooks" / "migrate_imports.py"
    text = hook.read_text()
    hook.write_text(
        text.replace(
            "MOVES: dict[str, tuple[str, ...]] = {\n",
            "MOVES: dict[str, tuple[str, ...]] = {\n"
            '    "repositories.idempotency": ("repositories.idempotency_keys",),\n',
        )
    )
    tables = history / MODEL_FIRST / "tables.py.jinja"
    text = tables.read_text()
    anchor = "metadata = MetaData(naming_convention=NAMING_CONVENTION)\n"
    tables.write_text(text.replace(anchor, anchor + AUDIT_TABLE.rstrip("\n") + "\n", 1))
    revision = (
        history
        / VERSIONS
        / "{{ 'template_0008_create_audit_events.py' if profile == 'model-first' else '' }}"
    )
    revision.write_text(AUDIT_REVISION.format(revision="template_0008", down="template_0006"))
    git(history, "add", "-A")
    git(history, "commit", "--quiet", "-m", "Scratch: a new revision, and a module moved")


TEAM_MODULE = '''"""The team's audit of keyed creates."""

from my_service.repositories.idempotency import SqlIdempotencyStore

__all__ = ["SqlIdempotencyStore"]
'''


def test_the_next_update_carries_a_new_template_revision_and_a_moved_module(
    history: Path, tmp_path: Path, databases: tuple[str, str]
) -> None:
    case = generated(
        history, git(history, "rev-parse", "HEAD").strip(), "model-first", tmp_path, databases
    )
    case.edits.append(TeamEdit("src/my_service/tables.py", lambda text: text + TAGS_TABLE))
    (case.project / "src" / "my_service" / "audit.py").write_text(TEAM_MODULE)
    versions = case.project / "migrations" / "versions"
    (versions / "0004_create_tags.py").write_text(
        TAGS_MIGRATION.format(revision="0004", down="template_0006")
    )
    the_month(case)
    stored = rows_stored_before_the_update(case, ["items"], tmp_path / "before.log")
    scratch = tmp_path / "next"
    git(history, "clone", "--quiet", str(history), str(scratch))
    template_commit_that_adds_a_revision_and_moves_a_module(scratch)
    answers = case.project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(history), str(scratch)))
    committed(case.project, "The template's next home")

    update_as_the_team(case, ceiling=0)

    assert (
        "repositories.idempotency_keys import"
        in (case.project / "src/my_service/audit.py").read_text()
    )
    assert len(list(versions.glob("*_merge_the_template_update.py"))) == 1
    assert {"audit_events", "tags", "idempotency_keys"} <= tables_in(case.service_database)
    assert_green_and_whole(case, stored, tmp_path / "after.log")
