"""A scripted engineer who follows the add-resource skill of a rendered project, step by step.

It reads `.claude/skills/add-resource/SKILL.md`, does what each numbered step says, exactly as
written (copy a file, copy one definition, copy a YAML block, copy the lines that name a word; run
a command), with the renaming rule the skill states and the names it says to keep, and nothing the
skill does not say. A skill whose
steps stop being true of the tree fails here: a path it names is gone, a definition is not found,
or the project it leaves fails its own checks.
"""

from __future__ import annotations

import ast
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from ai_files import listed_commands

SKILL = Path(".claude") / "skills" / "add-resource" / "SKILL.md"

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
QUOTED = re.compile(r"`([^`]+)`")


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


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def steps(project: Path) -> list[str]:
    """The skill's numbered steps, in order."""
    return [text for _, text in STEP.findall((project / SKILL).read_text(encoding="utf-8"))]


def kept(project: Path) -> tuple[str, ...]:
    """The names the skill says to keep as they are."""
    found = KEEP.search((project / SKILL).read_text(encoding="utf-8"))
    assert found is not None, "the skill says which names to keep as they are"
    return tuple(QUOTED.findall(found[1]))


def copy_definition(path: Path, name: str, names: Names) -> None:
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


def copy_block(path: Path, name: str, names: Names) -> None:
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


def copy_lines(path: Path, word: str, names: Names) -> None:
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
    project: Path, names: Names, env: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    """Does every step of the skill in the project; returns the commands it ran, in order."""
    ran: list[subprocess.CompletedProcess[str]] = []
    names = replace(names, kept=kept(project))
    for text in steps(project):
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
