"""Keeps a project's Alembic history whole across a `copier update`.

Copier runs this script in the project after every update (stage "after"). It does two things a
three-way merge cannot, and says what it did:

1. The template's revisions were numbered "0001" to "0004" until they took ids of their own
   ("template_0001", ...), which no revision of a team's takes. A team revision built on one of the
   old numbers names it as its `down_revision` (or in `depends_on`); once no file declares that
   number any more, the reference is rewritten to the template's new id. A number that a team
   revision still declares is the team's own and is left alone. (The databases follow in
   `migrations/env.py`, which renames the recorded numbers the same way on the next migration.)
2. A revision the update brings that builds on a revision the team has built on too leaves the
   history with two heads, and `alembic revision` refuses to choose between them. The script
   joins each such pair in a merge revision in `migrations/versions/`, which changes no table.
   Two heads that were both there before the update are the team's own: they are reported, never
   merged.

It changes nothing when there is nothing to do, and running it twice is the same as once.
"""

from __future__ import annotations

import ast
import datetime
import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

VERSIONS = Path("migrations") / "versions"
LEGACY_NUMBERS = ("0001", "0002", "0003", "0004")
REFERENCES = ("down_revision", "depends_on")


@dataclass
class Revision:
    path: Path
    id: str
    down: tuple[str, ...]
    source: str
    tree: ast.Module


def _assigned(tree: ast.Module, name: str) -> ast.expr | None:
    for node in tree.body:
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Assign):
            targets = node.targets
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            return node.value
    return None


def _strings(node: ast.expr | None) -> list[ast.Constant]:
    if node is None:
        return []
    return [
        child
        for child in ast.walk(node)
        if isinstance(child, ast.Constant) and isinstance(child.value, str)
    ]


def read_revisions(project: Path) -> list[Revision]:
    """Every revision file under migrations/versions/, with its id and what it builds on."""
    revisions = []
    for path in sorted((project / VERSIONS).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        ids = _strings(_assigned(tree, "revision"))
        if len(ids) != 1:
            continue
        down = tuple(node.value for node in _strings(_assigned(tree, "down_revision")))
        revisions.append(Revision(path, ids[0].value, down, source, tree))
    return revisions


def rename_legacy_references(revisions: list[Revision]) -> list[Path]:
    """Point references to the template's old numbers at its new ids; the files changed."""
    declared = {revision.id for revision in revisions}
    renames = {
        number: f"template_{number}"
        for number in LEGACY_NUMBERS
        if number not in declared and f"template_{number}" in declared
    }
    changed = []
    for revision in revisions:
        constants = [
            node
            for name in REFERENCES
            for node in _strings(_assigned(revision.tree, name))
            if node.value in renames
        ]
        if not constants:
            continue
        lines = revision.source.splitlines(keepends=True)
        # Last first, so that earlier offsets on the same line stay true.
        for node in sorted(constants, key=lambda n: (n.lineno, n.col_offset), reverse=True):
            line = lines[node.lineno - 1]
            literal = line[node.col_offset : node.end_col_offset]
            quote = literal[0]
            new = f"{quote}{renames[node.value]}{quote}"
            lines[node.lineno - 1] = line[: node.col_offset] + new + line[node.end_col_offset :]
        text = "".join(lines)
        # The docstring's "Revises:" line says the same, for people.
        text = re.sub(
            r"^(Revises: )(.*)$",
            lambda match: (
                match.group(1)
                + ", ".join(renames.get(part, part) for part in match.group(2).split(", "))
            ),
            text,
            count=1,
            flags=re.MULTILINE,
        )
        revision.path.write_text(text, encoding="utf-8")
        changed.append(revision.path)
    return changed


def heads_by_base(revisions: list[Revision]) -> list[list[Revision]]:
    """The heads of each line of history: heads that share a base revision are one line."""
    by_id = {revision.id: revision for revision in revisions}
    built_on = {down for revision in revisions for down in revision.down}
    heads = [revision for revision in revisions if revision.id not in built_on]

    def bases(revision: Revision) -> frozenset[str]:
        seen, found, stack = set(), set(), [revision.id]
        while stack:
            current = stack.pop()
            if current in seen or current not in by_id:
                continue
            seen.add(current)
            parents = by_id[current].down
            if not parents:
                found.add(current)
            stack.extend(parents)
        return frozenset(found)

    lines: list[list[Revision]] = []
    for head in heads:
        head_bases = bases(head)
        for line in lines:
            if head_bases & bases(line[0]):
                line.append(head)
                break
        else:
            lines.append([head])
    return lines


def untracked(project: Path) -> set[Path]:
    """Files the update wrote that the project's last commit does not have."""
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z", "--", str(VERSIONS)],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {(project / name).resolve() for name in listed.split("\0") if name}


MERGE = '''"""Join the template's new revisions to this project's own.

Written by `copier update`: the update brought {theirs}, which builds on a revision that
{ours} builds on too, so the history had two heads. This revision joins them, so that
`alembic revision` has one head to build on again. It changes no table.

Revision ID: {id}
Revises: {ours}, {theirs}
Create Date: {date}
"""

from collections.abc import Sequence

revision: str = "{id}"
down_revision: str | Sequence[str] | None = ("{ours}", "{theirs}")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def merge_forks_the_update_made(project: Path, revisions: list[Revision]) -> list[str]:
    """Merge each pair of heads of which the update brought one; report any other fork."""
    new = untracked(project)
    said = []
    for heads in heads_by_base(revisions):
        if len(heads) < 2:
            continue
        theirs = [head for head in heads if head.path.resolve() in new]
        ours = [head for head in heads if head.path.resolve() not in new]
        if len(theirs) == 1 and len(ours) == 1:
            pair = f"{ours[0].id}|{theirs[0].id}"
            merge_id = hashlib.sha256(pair.encode()).hexdigest()[:12]
            path = project / VERSIONS / f"{merge_id}_merge_the_template_update.py"
            path.write_text(
                MERGE.format(
                    id=merge_id,
                    ours=ours[0].id,
                    theirs=theirs[0].id,
                    date=datetime.date.today().isoformat(),
                ),
                encoding="utf-8",
            )
            said.append(
                f"Joined the template's revision {theirs[0].id} and your {ours[0].id} in "
                f"{path.relative_to(project)}: the history has one head again."
            )
        else:
            names = ", ".join(str(head.path.relative_to(project)) for head in heads)
            said.append(
                f"Your migrations have {len(heads)} heads on one line ({names}); join them "
                'with `uv run alembic merge heads -m "merge"` before the next migration.'
            )
    return said


def main() -> int:
    project = Path.cwd()
    if not (project / VERSIONS).is_dir():
        return 0
    revisions = read_revisions(project)
    said = [
        f"Pointed {path.relative_to(project)} at the template's renamed revisions."
        for path in rename_legacy_references(revisions)
    ]
    said += merge_forks_the_update_made(project, read_revisions(project))
    for line in said:
        print(f"migrations: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
