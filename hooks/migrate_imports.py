"""Moves a team's imports along with the modules the template moved, and names what it cannot.

Copier runs this script in the project after every update (stage "after"), with the package's
name. A module the template renamed or moved leaves the team's code importing a name that is
gone, and nothing at update time says so. For each Python file under src/, tests/ and migrations/:

1. an import of a module in MOVES that the project no longer has is rewritten to the first of its
   new homes that the project has (absolute or relative, as it was written);
2. any other import of the package that names a module the project does not have is reported with
   its file and line, so that the team fixes it before the checks fail on it.

Running it twice is the same as once; it changes nothing when every import resolves.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

# Modules the template moved: old dotted path (under the package) -> where it went, in the order
# to try (a profile has one of them). Add a line whenever a module that team code imports moves.
MOVES: dict[str, tuple[str, ...]] = {
    # 2026-12-04: Pydantic models are schemas/, resource modules take the plural name.
    "models": ("schemas",),
    "models.item": ("models.items", "schemas.items"),
    "models.user": ("models.users", "schemas.users"),
    "models.page": ("schemas.page",),
    "schemas.item": ("schemas.items",),
    "schemas.user": ("schemas.users",),
    "repositories.item": ("repositories.items",),
    "repositories.user": ("repositories.users",),
    "services.item": ("services.items",),
    # 2026-12-02 and 2026-12-04: ddd's catalog named its modules for what they do.
    "contexts.catalog.infrastructure.publisher": (
        "contexts.catalog.infrastructure.event_translation",
    ),
    "contexts.catalog.api.router": ("contexts.catalog.api.items",),
}
SOURCES = ("src", "tests", "migrations")


class Package:
    def __init__(self, project: Path, name: str) -> None:
        self.name = name
        self.root = project / "src" / name

    def has(self, dotted: str) -> bool:
        """True when the package has this module or subpackage (dotted, under the package)."""
        path = self.root.joinpath(*dotted.split(".")) if dotted else self.root
        return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()

    def module_of(self, path: Path) -> str | None:
        """The dotted name of a file of the package, under the package."""
        try:
            parts = path.relative_to(self.root).with_suffix("").parts
        except ValueError:
            return None
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def anchor(self, node: ast.ImportFrom, path: Path) -> list[str] | None:
        """The package a relative import starts from, as dotted parts under the package."""
        here = self.module_of(path)
        if here is None:
            return None
        parts = here.split(".") if here else []
        if path.name != "__init__.py":
            parts = parts[:-1]
        return parts[: len(parts) - (node.level - 1)]

    def resolve(self, node: ast.ImportFrom, path: Path) -> str | None:
        """What a `from ... import` names, under the package; None outside it."""
        if node.level == 0:
            module = node.module or ""
            if module == self.name:
                return ""
            if module.startswith(f"{self.name}."):
                return module.removeprefix(f"{self.name}.")
            return None
        anchor = self.anchor(node, path)
        if anchor is None:
            return None
        return ".".join([*anchor, *([node.module] if node.module else [])])


def new_home(package: Package, module: str) -> str | None:
    """Where a moved module went: the longest moved prefix, rewritten to a home that exists."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        old = ".".join(parts[:length])
        if old not in MOVES or package.has(old):
            continue
        rest = parts[length:]
        for candidate in MOVES[old]:
            target = ".".join([candidate, *rest])
            if package.has(target):
                return target
    return None


def spelled(package: Package, node: ast.ImportFrom, path: Path, target: str) -> str:
    """The module part of a `from` import naming `target`, written as the import was."""
    anchor = package.anchor(node, path) if node.level else None
    if anchor is None:
        return f"{package.name}.{target}"
    prefix = ".".join(anchor)
    if not prefix:
        return "." * node.level + target
    if target.startswith(prefix + "."):
        return "." * node.level + target.removeprefix(prefix + ".")
    return f"{package.name}.{target}"


def migrate(project: Path, package_name: str) -> tuple[list[str], list[str]]:
    """Rewrite moved imports; return what was rewritten and what is still unresolved."""
    package = Package(project, package_name)
    rewritten, unresolved = [], []
    for source in SOURCES:
        for path in sorted((project / source).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            lines = text.splitlines(keepends=True)
            edits = []
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom):
                    continue
                module = package.resolve(node, path)
                if module is None or package.has(module):
                    continue
                where = f"{path.relative_to(project)}:{node.lineno}"
                target = new_home(package, module)
                if target is None:
                    unresolved.append(f"{where} imports {package.name}.{module}, which is gone")
                    continue
                edits.append((node, spelled(package, node, path, target)))
                rewritten.append(f"{where}: {package.name}.{module} -> {package.name}.{target}")
            for node, module_text in sorted(edits, key=lambda e: e[0].lineno, reverse=True):
                line = lines[node.lineno - 1]
                start = line.index("from ") + len("from ")
                end = line.index(" import", start)
                lines[node.lineno - 1] = line[:start] + module_text + line[end:]
            if edits:
                path.write_text("".join(lines), encoding="utf-8")
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        name = alias.name
                        if name.startswith(f"{package.name}.") and not package.has(
                            name.removeprefix(f"{package.name}.")
                        ):
                            unresolved.append(
                                f"{path.relative_to(project)}:{node.lineno} imports {name}, "
                                "which is gone"
                            )
    for old, homes in MOVES.items():
        folder = package.root.joinpath(*old.split("."))
        left = sorted(folder.glob("*.py")) if folder.is_dir() and not package.has(old) else []
        unresolved += [
            f"{path.relative_to(project)} is in {old}/, which moved to {homes[0]}/: move it there"
            for path in left
        ]
    return rewritten, unresolved


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: migrate_imports.py <package name>", file=sys.stderr)
        return 2
    project = Path.cwd()
    if not (project / "src" / argv[0]).is_dir():
        return 0
    rewritten, unresolved = migrate(project, argv[0])
    for line in rewritten:
        print(f"imports: moved {line}", file=sys.stderr)
    if unresolved:
        print(
            "imports: these name modules the project no longer has; see docs/template-changes.md "
            "for where they went, and change each before running the checks:",
            file=sys.stderr,
        )
        for line in unresolved:
            print(f"  {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
