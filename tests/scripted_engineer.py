"""A scripted engineer who follows a skill of a rendered project that builds from an example, step
by step: add-resource (a resource from items) or add-job (a scheduled job from the example one).

It reads the skill's SKILL.md under `.claude/skills/`, does what each numbered step says, exactly as
written (copy a file, copy one definition, copy a YAML block, copy the lines that name a word; run
a command), with the renaming rule the skill states (add-resource's items to the new names, or
add-job's "Rename as you copy" pairs) and the names it says to keep, and nothing the skill does
not say. A skill whose steps stop being true of the tree fails here: a path it names is gone, a
definition is not found, or the project it leaves fails its own checks.
"""

from __future__ import annotations

import ast
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ai_files import listed_commands

SKILL = Path(".claude") / "skills" / "add-resource" / "SKILL.md"
JOB_SKILL = Path(".claude") / "skills" / "add-job" / "SKILL.md"

STEP = re.compile(r"^(\d+)\. (.*)$", re.MULTILINE)
COPY_FILE = re.compile(r"Copy `(?P<source>[^`]+)` to `(?P<target>[^`]+)`")
COPY_DEFINITION = re.compile(
    r"In `(?P<file>[^`]+)`, copy the definition of `(?P<name>[^`]+)` below it"
)
COPY_BLOCK = re.compile(
    r"In `(?P<file>[^`]+)`, copy the block that `(?P<name>[^`]+):` begins below it"
)
COPY_LINES = re.compile(
    r"In `(?P<file>[^`]+)`, copy each line that names `(?P<word>[^`]+)` below it"
)
COMMAND = re.compile(r"`(uv run [^`]+)`")
KEEP = re.compile(r"^Keep as they are: (.*)$", re.MULTILINE)
RENAMES = re.compile(r"^Rename as you copy: (.*)$", re.MULTILINE)
PAIR = re.compile(r"`([^`]+)` to `([^`]+)`")
QUOTED = re.compile(r"`([^`]+)`")


class Renaming(Protocol):
    """How a skill's copies are renamed, and its placeholders filled."""

    def told_by(self, skill: str) -> Renaming:
        """The renaming with what the skill's text adds to it (names to keep, pairs)."""
        ...

    def rename(self, text: str) -> str: ...

    def placeholders(self, text: str) -> str: ...


@dataclass(frozen=True)
class Names:
    """The new resource's names, plural and singular, in snake_case."""

    plural: str
    singular: str
    # What the skill says to leave as it is, though it names items.
    kept: tuple[str, ...] = ()

    def rename(self, text: str) -> str:
        """`text` with items renamed as the skill says: items, then item, in every case."""
        kept = {phrase: f"\0{n}\0" for n, phrase in enumerate(self.kept)}
        for phrase, marker in kept.items():
            text = text.replace(phrase, marker)
        for old, new in (("items", self.plural), ("item", self.singular)):
            text = text.replace(old.upper(), new.upper())
            text = text.replace(old.capitalize(), _camel(new))
            text = text.replace(old, new)
        for phrase, marker in kept.items():
            text = text.replace(marker, phrase)
        return text

    def placeholders(self, text: str) -> str:
        return text.replace("<resources>", self.plural).replace("<resource>", self.singular)

    def told_by(self, skill: str) -> Names:
        found = KEEP.search(skill)
        assert found is not None, "the skill says which names to keep as they are"
        return replace(self, kept=tuple(QUOTED.findall(found[1])))


@dataclass(frozen=True)
class JobName:
    """A new job's name in snake_case, and the pairs the skill renames in its copies."""

    name: str
    renames: tuple[tuple[str, str], ...] = ()

    def placeholders(self, text: str) -> str:
        return (
            text.replace("<job>", self.name)
            .replace("<Job>", _camel(self.name))
            .replace("<JOB>", self.name.upper())
        )

    def rename(self, text: str) -> str:
        """`text` with each pair's old text replaced by its new, in the skill's order."""
        for old, new in self.renames:
            text = text.replace(old, new)
        return text

    def told_by(self, skill: str) -> JobName:
        found = RENAMES.search(skill)
        assert found is not None, "the skill says what to rename as you copy"
        pairs = tuple((old, self.placeholders(new)) for old, new in PAIR.findall(found[1]))
        assert pairs, "the skill names no pair to rename"
        return replace(self, renames=pairs)


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def steps(project: Path, skill: Path = SKILL) -> list[str]:
    """The skill's numbered steps, in order."""
    return [text for _, text in STEP.findall((project / skill).read_text(encoding="utf-8"))]


def copy_definition(path: Path, name: str, names: Renaming) -> None:
    """The definition (class, function or assignment) of `name`, top-level or a `Class.member`,
    copied renamed below the original with a blank line between."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    body = ast.parse(source).body
    *classes, member = name.split(".")
    for class_name in classes:
        owner = next((node for node in body if _defines(node, class_name)), None)
        body = owner.body if isinstance(owner, ast.ClassDef) else []
    node = next((node for node in body if _defines(node, member)), None)
    if node is None or node.end_lineno is None:
        msg = f"{path}: no definition of {name!r}"
        raise AssertionError(msg)
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
    copied = names.rename("".join(lines[start : node.end_lineno]))
    lines.insert(node.end_lineno, "\n\n" + copied)
    path.write_text("".join(lines), encoding="utf-8")


def _defines(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name == name
    targets = node.targets if isinstance(node, ast.Assign) else []
    if isinstance(node, ast.AnnAssign):
        targets = [node.target]
    return any(isinstance(target, ast.Name) and target.id == name for target in targets)


def copy_block(path: Path, name: str, names: Renaming) -> None:
    """The YAML block that `name:` begins (the line and every line indented deeper below it),
    copied renamed below the original with a blank line between."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(
        (n for n, line in enumerate(lines) if line.strip() == f"{name}:"),
        None,
    )
    if start is None:
        msg = f"{path}: no block begins {name + ':'!r}"
        raise AssertionError(msg)
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    while not lines[end - 1].strip():
        end -= 1
    lines.insert(end, "\n" + names.rename("".join(lines[start:end])))
    path.write_text("".join(lines), encoding="utf-8")


def copy_lines(path: Path, word: str, names: Renaming) -> None:
    """Each line naming `word`, copied renamed right below itself."""
    out: list[str] = []
    found = False
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        out.append(line)
        if word in line:
            out.append(names.rename(line))
            found = True
    if not found:
        msg = f"{path}: no line names {word!r}"
        raise AssertionError(msg)
    path.write_text("".join(out), encoding="utf-8")


def follow(
    project: Path, names: Renaming, env: dict[str, str], skill: Path = SKILL
) -> list[subprocess.CompletedProcess[str]]:
    """Does every step of the skill in the project; returns the commands it ran, in order."""
    ran: list[subprocess.CompletedProcess[str]] = []
    names = names.told_by((project / skill).read_text(encoding="utf-8"))
    for text in steps(project, skill):
        if match := COPY_FILE.match(text):
            source = project / match["source"]
            target = project / names.placeholders(match["target"])
            assert source.is_file(), f"step {text!r}: {match['source']} does not exist"
            target.write_text(names.rename(source.read_text(encoding="utf-8")), encoding="utf-8")
        elif match := COPY_DEFINITION.match(text):
            copy_definition(project / match["file"], match["name"], names)
        elif match := COPY_BLOCK.match(text):
            copy_block(project / match["file"], match["name"], names)
        elif match := COPY_LINES.match(text):
            copy_lines(project / match["file"], match["word"], names)
        elif text.startswith("Run "):
            commands = [names.placeholders(command) for command in COMMAND.findall(text)]
            if "AGENTS.md Commands block" in text:
                commands += [
                    command for command in listed_commands(project) if command != "uv sync"
                ]
            for command in commands:
                result = subprocess.run(
                    ["bash", "-c", command], cwd=project, env=env,
                    capture_output=True, text=True, timeout=900, check=False,
                )  # fmt: skip
                ran.append(result)
        else:
            msg = f"a step the scripted engineer cannot follow: {text!r}"
            raise AssertionError(msg)
    return ran
