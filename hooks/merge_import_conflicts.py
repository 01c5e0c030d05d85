"""Settles the conflicts an update leaves in a file's imports when the team's side already has them.

Copier runs this script in the project after every update (stage "after"), with the package's
name, before the report. A conflict between import lines is the commonest an update makes: the
template rewrote its imports (2026-12-06: the package imports itself relatively, and ruff's
isort then joins the two groups with no blank line between) next to an import the team added (a
resource's names on the line below the template's). In each Python file left in conflict, a
conflict whose two sides are only imports is settled as the team's side in the template's form
(the package's own modules imported relatively, the import block without blank lines between the
relative groups), followed by the template's imports of the names the team's side lacks (the same
modules count, written absolutely or relatively): the template added `ItemChanges` to a line the
team had copied for its own resource (2026-12-06). A file whose conflicts are all settled leaves the
list of conflicts (its changes stay unstaged, like every other file the update changed); any
other conflict is left for the team. `ruff check --fix`, which the report lists next, sorts what
the team's side added.

Running it twice is the same as once; it changes nothing without such a conflict.
"""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
import sys
from pathlib import Path

CONFLICT = re.compile(
    r"^<<<<<<< before updating\n(?P<ours>.*?)"
    r"(?:^\|\|\|\|\|\|\| [^\n]*\n.*?)?"
    r"^=======\n(?P<theirs>.*?)^>>>>>>> after updating\n",
    re.DOTALL | re.MULTILINE,
)


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout


Node = ast.Import | ast.ImportFrom


def imports_only(text: str) -> list[Node] | None:
    """The statements of `text` if it parses and holds nothing but imports."""
    try:
        body = ast.parse(text).body
    except SyntaxError:
        return None
    if not all(isinstance(node, ast.Import | ast.ImportFrom) for node in body):
        return None
    return [node for node in body if isinstance(node, ast.Import | ast.ImportFrom)]


class Module:
    """A file of the project and the package its relative imports start from."""

    def __init__(self, project: Path, name: str, path: Path) -> None:
        self.package_name = name
        try:
            parts = path.relative_to(project / "src").with_suffix("").parts
        except ValueError:
            parts = ()
        # The package the file is in, as dotted parts from the top: ("my_service", "contexts", ...).
        self.package = parts[:-1] if parts and parts[0] == name else ()

    def absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = self.package[: len(self.package) - node.level + 1]
        return ".".join([*base, *([node.module] if node.module else [])])

    def names(self, nodes: list[ast.Import | ast.ImportFrom]) -> set[tuple[str, str, str | None]]:
        found: set[tuple[str, str, str | None]] = set()
        for node in nodes:
            module = self.absolute(node) if isinstance(node, ast.ImportFrom) else ""
            found |= {(module, alias.name, alias.asname) for alias in node.names}
        return found

    def relative(self, module: str) -> str | None:
        """`module` (absolute) as a relative import from this file, if it is the package's own."""
        parts = module.split(".")
        if not self.package or parts[0] != self.package_name:
            return None
        common = 0
        while common < min(len(parts), len(self.package)) and parts[common] == self.package[common]:
            common += 1
        if common == len(parts):  # the file's own package or one above it: keep it as written
            return None
        return "." * (len(self.package) - common + 1) + ".".join(parts[common:])


def missing_lines(module: Module, ours: list[Node], theirs: list[Node]) -> list[str]:
    """The template's imports of names the team's side lacks, one statement per module, as the
    template writes them."""
    have = module.names(ours)
    lines = []
    for node in theirs:
        module_name = module.absolute(node) if isinstance(node, ast.ImportFrom) else ""
        aliases = [
            alias for alias in node.names if (module_name, alias.name, alias.asname) not in have
        ]
        if not aliases:
            continue
        names = ", ".join(
            alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
            for alias in aliases
        )
        if isinstance(node, ast.ImportFrom):
            lines.append(f"from {'.' * node.level}{node.module or ''} import {names}\n")
        else:
            lines.append(f"import {names}\n")
    return lines


def settled(module: Module, ours: str, theirs: str) -> str | None:
    """The team's side in the template's form, with the template's imports it lacks, when both
    sides are only imports."""
    our_nodes, their_nodes = imports_only(ours), imports_only(theirs)
    if not our_nodes or their_nodes is None:
        return None
    lines = ours.splitlines(keepends=True)
    for node in our_nodes:
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            relative = module.relative(node.module)
            line = lines[node.lineno - 1]
            prefix = f"from {node.module} import"
            if relative is not None and line.startswith(prefix):
                lines[node.lineno - 1] = f"from {relative} import" + line[len(prefix) :]
    relative_groups = all(
        isinstance(node, ast.ImportFrom)
        and (node.level or lines[node.lineno - 1].startswith("from ."))
        for node in our_nodes
    )
    if relative_groups:  # one isort section: no blank line between its statements
        between = {
            number
            for before, after in itertools.pairwise(our_nodes)
            for number in range(before.end_lineno or before.lineno, after.lineno - 1)
        }
        lines = [line for number, line in enumerate(lines) if number not in between or line.strip()]
    return "".join(lines + missing_lines(module, our_nodes, their_nodes))


def settle(project: Path, name: str, relpath: str) -> bool:
    path = project / relpath
    text = path.read_text(encoding="utf-8")
    module = Module(project, name, path)
    left = False

    def replace(match: re.Match[str]) -> str:
        nonlocal left
        result = settled(module, match["ours"], match["theirs"])
        if result is None:
            left = True
            return match[0]
        return result

    merged = CONFLICT.sub(replace, text)
    if left or merged == text or "<<<<<<< before updating" in merged:
        return False
    path.write_text(merged, encoding="utf-8")
    git(project, "add", "--", relpath)
    git(project, "reset", "--quiet", "--", relpath)
    return True


def main(project: Path, name: str) -> None:
    unmerged = git(project, "diff", "--name-only", "--diff-filter=U").split()
    for relpath in sorted(set(unmerged)):
        if relpath.endswith(".py") and settle(project, name, relpath):
            print(f"imports: merged {relpath}: your imports, in the template's form.")


if __name__ == "__main__":
    main(Path.cwd(), sys.argv[1])
