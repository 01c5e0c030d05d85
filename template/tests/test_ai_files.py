"""docs/STANDARDS.md and the AI-assistant files stay true of this tree.

They cite paths, commands, agents and STANDARDS.md headings, and state the coverage threshold and
the lowest Python version. These tests fail when a citation no longer resolves or a stated number
disagrees with pyproject.toml: update the files with the code. Pre-commit runs them on every commit.
"""

import json
import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE = ROOT / "src" / PYPROJECT["tool"]["uv"]["build-backend"]["module-name"]
STANDARDS = ROOT / "docs" / "STANDARDS.md"

INSTRUCTION_FILES = sorted(
    path
    for pattern in (
        "AGENTS.md",
        "CLAUDE.md",
        "docs/STANDARDS.md",
        "docs/team-notes.md",
        ".github/copilot-instructions.md",
        ".claude/agents/*.md",
        ".claude/skills/*/SKILL.md",
        ".github/agents/*.agent.md",
        ".cursor/rules/*.mdc",
    )
    for path in ROOT.glob(pattern)
)
AGENT_NAMES = {path.stem for path in ROOT.glob(".claude/agents/*.md")} | {
    path.name.removesuffix(".agent.md") for path in ROOT.glob(".github/agents/*.agent.md")
}

# Claude Code's project settings, when the project has them: the commands they let run and the
# scripts their hooks start must be real, as the instruction files' citations must.
CLAUDE_SETTINGS = [path for path in [ROOT / ".claude" / "settings.json"] if path.exists()]
PROJECT_DIR = "${CLAUDE_PROJECT_DIR}"

FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
# A cited path: no spaces or placeholders, and a folder separator or a known file extension.
PATH = re.compile(r"[\w.*-]+(/[\w.*-]+)*/?(#[\w-]+)?")
FILE_EXTENSIONS = (".py", ".md", ".mdc", ".toml", ".yaml", ".yml", ".json", ".mako")
UV_RUN = re.compile(r"\buv run ([\w.-]+)")
# Agents are named in backticks, by their role, or next to a hand-off arrow.
AGENT = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)*-(?:engineer|designer|architect|reviewer))`")
AT_IMPORT = re.compile(r"(?<![\w`])@([\w./-]+)")
COVERAGE = re.compile(r"(\d+)%")
PYTHON_VERSION = re.compile(r"\bPython (\d+\.\d+)")


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _prose(text: str) -> str:
    """The text outside fenced code blocks, where citations are meant literally."""
    return FENCED_BLOCK.sub("", text)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(markdown: Path) -> set[str]:
    return {
        _slug(line.lstrip("#"))
        for line in _prose(markdown.read_text(encoding="utf-8")).splitlines()
        if line.startswith("#")
    }


def _cited_paths(text: str) -> list[str]:
    spans = (span.strip() for span in CODE_SPAN.findall(_prose(text)))
    return [
        span
        for span in spans
        if PATH.fullmatch(span)
        and ("/" in span or span.partition("#")[0].endswith(FILE_EXTENSIONS))
        and not span.startswith(("http", "/"))
    ]


def _resolves(target: str, *bases: Path) -> bool:
    file_part = target.partition("#")[0]
    if not file_part:
        return True
    if "*" in file_part:
        return any(any(base.glob(file_part.rstrip("/"))) for base in bases)
    return any((base / file_part).exists() for base in bases)


def _anchor_missing(target: str, source: Path) -> bool:
    """True when `target` points at a heading of a Markdown file that does not have it."""
    file_part, _, anchor = target.partition("#")
    if not anchor:
        return False
    markdown = (
        source if not file_part else STANDARDS if file_part.endswith("STANDARDS.md") else None
    )
    return markdown is not None and markdown.exists() and anchor not in _anchors(markdown)


@pytest.fixture(params=INSTRUCTION_FILES, ids=_relative)
def instruction_file(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


def test_the_standards_exist() -> None:
    assert STANDARDS.exists()


def test_every_cited_path_exists(instruction_file: Path) -> None:
    text = instruction_file.read_text(encoding="utf-8")

    missing = [path for path in _cited_paths(text) if not _resolves(path, ROOT, PACKAGE)]
    missing += [
        target
        for target in LINK_TARGET.findall(_prose(text))
        if not target.startswith(("http", "mailto:"))
        and not _resolves(target, instruction_file.parent)
    ]

    assert missing == [], f"{_relative(instruction_file)} cites paths that do not exist: {missing}"


def test_every_cited_standards_heading_exists(instruction_file: Path) -> None:
    text = _prose(instruction_file.read_text(encoding="utf-8"))
    targets = [*_cited_paths(text), *LINK_TARGET.findall(text)]

    missing = [target for target in targets if _anchor_missing(target, instruction_file)]

    assert missing == [], (
        f"{_relative(instruction_file)} links to headings that do not exist: {missing}"
    )


def test_every_uv_run_command_is_installed(instruction_file: Path) -> None:
    scripts = str(Path(sys.executable).parent)
    commands = set(UV_RUN.findall(instruction_file.read_text(encoding="utf-8")))

    missing = sorted(command for command in commands if shutil.which(command, path=scripts) is None)

    assert missing == [], (
        f"{_relative(instruction_file)} runs commands this project lacks: {missing}"
    )


def test_every_named_agent_exists(instruction_file: Path) -> None:
    named = set(AGENT.findall(instruction_file.read_text(encoding="utf-8")))

    assert named <= AGENT_NAMES, (
        f"{_relative(instruction_file)} names missing agents: {named - AGENT_NAMES}"
    )


def test_every_at_import_resolves(instruction_file: Path) -> None:
    prose = CODE_SPAN.sub("", _prose(instruction_file.read_text(encoding="utf-8")))
    imports = AT_IMPORT.findall(prose)
    # Claude Code follows @ imports in its memory files (CLAUDE.md, AGENTS.md) only.
    memory_file = instruction_file.parent == ROOT and instruction_file.suffix == ".md"

    broken = [target for target in imports if not memory_file or not (ROOT / target).exists()]

    assert broken == [], (
        f"{_relative(instruction_file)} has @ imports that do not resolve: {broken}"
    )


def test_stated_coverage_threshold_is_the_enforced_one(instruction_file: Path) -> None:
    threshold = PYPROJECT["tool"]["coverage"]["report"]["fail_under"]
    lines = instruction_file.read_text(encoding="utf-8").splitlines()

    stated = {
        int(number)
        for line in lines
        if "coverage" in line.lower()
        for number in COVERAGE.findall(line)
    }

    assert stated <= {threshold}, (
        f"{_relative(instruction_file)}: coverage {stated} stated, {threshold} enforced"
    )


def test_stated_python_version_is_the_lowest_supported(instruction_file: Path) -> None:
    lowest = PYPROJECT["project"]["requires-python"].removeprefix(">=")

    stated = set(PYTHON_VERSION.findall(instruction_file.read_text(encoding="utf-8")))

    assert stated <= {lowest}, (
        f"{_relative(instruction_file)}: Python {stated} stated, requires-python >={lowest}"
    )


def _listed_commands() -> list[str]:
    """The commands in AGENTS.md's Commands block, without their comments."""
    agents_md = (ROOT / "AGENTS.md").read_text(encoding="utf-8")
    block = re.search(r"## Commands\s+```sh\n(.*?)```", agents_md, re.DOTALL)
    lines = block.group(1).splitlines() if block else []
    return [line.split("#")[0].strip() for line in lines if line.strip()]


@pytest.mark.parametrize("settings_file", CLAUDE_SETTINGS, ids=_relative)
def test_claude_may_run_only_commands_agents_md_lists(settings_file: Path) -> None:
    allowed = json.loads(settings_file.read_text(encoding="utf-8"))["permissions"]["allow"]
    listed = _listed_commands()

    prefixes = [rule[len("Bash(") : -1].removesuffix(" *") for rule in allowed]
    unlisted = [
        prefix
        for prefix in prefixes
        if not any(command == prefix or command.startswith(prefix + " ") for command in listed)
    ]

    assert unlisted == [], f"{_relative(settings_file)} allows commands AGENTS.md lacks: {unlisted}"


@pytest.mark.parametrize("settings_file", CLAUDE_SETTINGS, ids=_relative)
def test_every_hook_script_exists(settings_file: Path) -> None:
    hooks = json.loads(settings_file.read_text(encoding="utf-8")).get("hooks", {})
    words = [
        word
        for groups in hooks.values()
        for group in groups
        for handler in group["hooks"]
        for word in [handler["command"], *handler.get("args", [])]
    ]

    missing = [
        word
        for word in words
        if word.startswith(PROJECT_DIR + "/") and not (ROOT / word.split("/", 1)[1]).exists()
    ]

    assert missing == [], f"{_relative(settings_file)} runs hook scripts that are gone: {missing}"


SKILLS = {path.parent.name for path in ROOT.glob(".claude/skills/*/SKILL.md")}
PRELOADED = re.compile(r"^skills: \[(.*)\]$", re.MULTILINE)


@pytest.mark.parametrize("agent", sorted(ROOT.glob(".claude/agents/*.md")), ids=_relative)
def test_every_skill_an_agent_starts_with_exists(agent: Path) -> None:
    lists = PRELOADED.findall(agent.read_text(encoding="utf-8"))
    named = {name.strip() for names in lists for name in names.split(",")}

    assert named <= SKILLS, f"{_relative(agent)} preloads missing skills: {named - SKILLS}"
