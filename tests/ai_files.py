"""The checks of docs/ai-files.md, applied to a rendered project.

Each check takes the project's root and returns its findings, one line each; an empty list means
the check passes. `CHECKS` maps the rules' ids to them. H3 compares two renders, so it takes two
roots and lives apart in `determinism`.

This is an independent reading of the specification, not the generated project's own drift test
(tests/test_ai_files.py in every project): that one keeps a team's files true as the tree changes;
this one proves the template renders files that are valid in the first place.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pathspec
import yaml

# --- Which files are which -------------------------------------------------------------------

ALWAYS_ON = ("AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md")


def claude_agents(root: Path) -> list[Path]:
    return sorted((root / ".claude" / "agents").rglob("*.md"))


def claude_skills(root: Path) -> list[Path]:
    return sorted((root / ".claude" / "skills").glob("*/SKILL.md"))


def copilot_skills(root: Path) -> list[Path]:
    return sorted((root / ".github" / "skills").glob("*/SKILL.md"))


def copilot_agents(root: Path) -> list[Path]:
    return sorted((root / ".github" / "agents").glob("*.md"))


def cursor_rules(root: Path) -> list[Path]:
    folder = root / ".cursor" / "rules"
    return sorted(path for path in folder.rglob("*") if path.is_file())


def claude_rules(root: Path) -> list[Path]:
    return sorted((root / ".claude" / "rules").rglob("*.md"))


def copilot_path_instructions(root: Path) -> list[Path]:
    return sorted((root / ".github" / "instructions").rglob("*.instructions.md"))


def instruction_files(root: Path) -> list[Path]:
    """Every file an assistant reads as instructions, plus the standards they point at."""
    singles = [root / name for name in (*ALWAYS_ON, "docs/STANDARDS.md", "docs/team-notes.md")]
    return [path for path in singles if path.exists()] + [
        *claude_agents(root),
        *claude_skills(root),
        *copilot_skills(root),
        *copilot_agents(root),
        *cursor_rules(root),
        *claude_rules(root),
        *copilot_path_instructions(root),
    ]


def front_matter_files(root: Path) -> list[Path]:
    """The files whose format requires YAML front matter."""
    return [
        *claude_agents(root),
        *claude_skills(root),
        *copilot_skills(root),
        *copilot_agents(root),
        *cursor_rules(root),
        *copilot_path_instructions(root),
    ]


def answers(root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((root / ".copier-answers.yml").read_text())
    return loaded


def pyproject(root: Path) -> dict[str, Any]:
    return tomllib.loads((root / "pyproject.toml").read_text())


def package_root(root: Path) -> Path:
    return root / "src" / pyproject(root)["tool"]["uv"]["build-backend"]["module-name"]


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


# --- Front matter ----------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping with the same key twice (PyYAML keeps the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    keys = [loader.construct_object(key) for key, _ in node.value]
    duplicates = sorted({str(key) for key in keys if keys.count(key) > 1})
    if duplicates:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate keys {duplicates}", node.start_mark
        )
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


class FrontMatterError(ValueError):
    pass


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The front matter mapping and the body; FrontMatterError when either is malformed."""
    if not text.startswith("---\n"):
        raise FrontMatterError("does not start with a --- line")
    end = text.find("\n---\n", 3)
    if end == -1:
        raise FrontMatterError("has no closing --- line")
    try:
        data = yaml.load(text[4 : end + 1], Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        raise FrontMatterError(f"front matter is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise FrontMatterError("front matter is not a mapping")
    return data, text[end + 5 :]


def front_matter(path: Path) -> dict[str, Any]:
    """The front matter, or an empty mapping when it is malformed (F1 reports that)."""
    try:
        return split_front_matter(path.read_text())[0]
    except FrontMatterError:
        return {}


def body(path: Path) -> str:
    text = path.read_text()
    try:
        return split_front_matter(text)[1]
    except FrontMatterError:
        return text


# --- Markdown helpers ------------------------------------------------------------------------

FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
CITED_PATH = re.compile(r"[\w.*-]+(/[\w.*-]+)*/?(#[\w-]+)?")
FILE_EXTENSIONS = (".py", ".md", ".mdc", ".toml", ".yaml", ".yml", ".json", ".mako")


def prose(text: str) -> str:
    """Text outside fenced code blocks, where citations are meant literally."""
    return FENCED_BLOCK.sub("", text)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: Path) -> set[str]:
    lines = prose(markdown.read_text()).splitlines()
    return {slug(line.lstrip("#")) for line in lines if line.startswith("#")}


def cited_paths(text: str) -> list[str]:
    """Backticked repo paths in prose: a folder separator or a file extension, no placeholder."""
    spans = (span.strip() for span in CODE_SPAN.findall(prose(text)))
    return [
        span
        for span in spans
        if CITED_PATH.fullmatch(span)
        and ("/" in span or span.partition("#")[0].endswith(FILE_EXTENSIONS))
        and not span.startswith(("http", "/"))
    ]


def links(text: str) -> list[str]:
    return [
        target
        for target in LINK_TARGET.findall(prose(text))
        if not target.startswith(("http://", "https://", "mailto:"))
    ]


def exists(pattern: str, *bases: Path) -> bool:
    path = pattern.partition("#")[0].rstrip("/")
    if not path:
        return True
    if any(char in path for char in "*?["):
        return any(any(base.glob(path)) for base in bases)
    return any((base / path).exists() for base in bases)


# --- F: syntax and front matter --------------------------------------------------------------

CLAUDE_AGENT_KEYS = {
    "name", "description", "tools", "disallowedTools", "model", "permissionMode", "maxTurns",
    "skills", "mcpServers", "hooks", "memory", "background", "effort", "isolation", "color",
    "initialPrompt",
}  # fmt: skip
CLAUDE_MODELS = {"inherit", "sonnet", "opus", "haiku", "fable"}
CLAUDE_COLOURS = {"red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan"}
PERMISSION_MODES = {
    "default", "acceptEdits", "auto", "dontAsk", "bypassPermissions", "plan", "manual",
}  # fmt: skip
CLAUDE_TOOLS = {
    "Agent", "Bash", "Edit", "Write", "Read", "Glob", "Grep", "NotebookEdit", "WebFetch",
    "WebSearch", "Skill", "LSP", "TaskCreate", "TaskGet", "TaskList", "TaskUpdate", "TaskStop",
    "ListMcpResourcesTool", "ReadMcpResourceTool",
}  # fmt: skip
STALE_CLAUDE_TOOLS = {"LS", "MultiEdit", "NotebookRead"}
YAML11_BOOLEANS = {"yes", "no", "on", "off", "true", "false", "y", "n"}
AGENT_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
COPILOT_TOOL_ALIASES = {"execute", "read", "edit", "search", "agent", "web", "todo"}
COPILOT_AGENT_KEYS = {
    "name", "description", "target", "tools", "model", "disable-model-invocation",
    "user-invocable", "mcp-servers", "metadata", "argument-hint", "agents", "handoffs", "hooks",
}  # fmt: skip


CLAUDE_SKILL_KEYS = {
    "name", "description", "when_to_use", "argument-hint", "arguments", "disable-model-invocation",
    "user-invocable", "allowed-tools", "disallowed-tools", "model", "effort", "context", "agent",
    "background", "hooks", "paths", "shell",
}  # fmt: skip
EFFORTS = {"low", "medium", "high", "xhigh", "max"}


def f1_front_matter_parses(root: Path) -> list[str]:
    findings = []
    for path in front_matter_files(root):
        try:
            split_front_matter(path.read_text())
        except FrontMatterError as error:
            findings.append(f"{rel(root, path)}: {error}")
    for path in claude_rules(root):  # front matter is optional there, but must parse if present
        if path.read_text().startswith("---\n"):
            try:
                split_front_matter(path.read_text())
            except FrontMatterError as error:
                findings.append(f"{rel(root, path)}: {error}")
    return findings


def f2_claude_agent_identity(root: Path) -> list[str]:
    findings = []
    seen: dict[str, str] = {}
    for path in claude_agents(root):
        data, where = front_matter(path), rel(root, path)
        name, description = data.get("name"), data.get("description")
        if not isinstance(name, str) or not name.strip():
            findings.append(f"{where}: name is missing or not a string")
            continue
        if not isinstance(description, str) or not description.strip():
            findings.append(f"{where}: description is missing or not a string")
        if not AGENT_NAME.fullmatch(name) or name in YAML11_BOOLEANS:
            findings.append(f"{where}: name {name!r} is not lowercase words joined by hyphens")
        if name != path.stem:
            findings.append(f"{where}: name {name!r} differs from the file name")
        if name in seen:
            findings.append(f"{where}: name {name!r} is also declared by {seen[name]}")
        seen[name] = where
    return findings


def f3_claude_agent_keys(root: Path) -> list[str]:
    return [
        f"{rel(root, path)}: undocumented keys {sorted(unknown)}"
        for path in claude_agents(root)
        if (unknown := set(front_matter(path)) - CLAUDE_AGENT_KEYS)
    ]


def f4_claude_agent_values(root: Path) -> list[str]:
    findings = []
    for path in claude_agents(root):
        data, where = front_matter(path), rel(root, path)
        model = data.get("model", "inherit")
        if model not in CLAUDE_MODELS and not re.fullmatch(r"claude-[a-z0-9.-]+", str(model)):
            findings.append(f"{where}: model {model!r} is not a documented value")
        checks = {
            "color": lambda value: value in CLAUDE_COLOURS,
            "permissionMode": lambda value: value in PERMISSION_MODES,
            "memory": lambda value: value in {"user", "project", "local"},
            "effort": lambda value: value in {"low", "medium", "high", "xhigh", "max"},
            "isolation": lambda value: value == "worktree",
            "background": lambda value: isinstance(value, bool),
            "maxTurns": lambda value: type(value) is int and value > 0,
        }
        findings += [
            f"{where}: {key} {data[key]!r} is not a documented value"
            for key, valid in checks.items()
            if key in data and not valid(data[key])
        ]
    return findings


def _tool_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    if isinstance(value, list):
        return [str(name) for name in value]
    return [repr(value)]


def f5_claude_agent_tools(root: Path) -> list[str]:
    findings = []
    for path in claude_agents(root):
        data = front_matter(path)
        for key in ("tools", "disallowedTools"):
            for tool in _tool_names(data[key]) if key in data else []:
                known = (
                    tool in CLAUDE_TOOLS
                    or tool.startswith("mcp__")
                    or re.fullmatch(r"Agent\([\w\s,-]*\)", tool)
                )
                if tool in STALE_CLAUDE_TOOLS or not known:
                    findings.append(f"{rel(root, path)}: {key} names unknown tool {tool!r}")
    return findings


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{4,}", text.lower()))


def f6_claude_agent_descriptions(root: Path) -> list[str]:
    findings = []
    descriptions = {}
    for path in claude_agents(root):
        description = str(front_matter(path).get("description", ""))
        where = rel(root, path)
        if "\\n" in description or "<example>" in description:
            findings.append(f"{where}: description holds a literal \\n or an <example> block")
        if len(description) > 600:
            findings.append(f"{where}: description is {len(description)} characters (over 600)")
        descriptions[where] = _words(description)
    for (one, words_one), (other, words_other) in itertools.combinations(descriptions.items(), 2):
        overlap = len(words_one & words_other) / max(1, len(words_one | words_other))
        if overlap >= 0.5:
            findings.append(f"{one} and {other}: descriptions overlap {overlap:.0%}")
    return findings


def f11_claude_skills(root: Path) -> list[str]:
    agents = {str(front_matter(path).get("name")) for path in claude_agents(root)}
    findings = []
    for path in claude_skills(root):
        meta, where = front_matter(path), rel(root, path)
        findings += [
            f"{where}: undocumented key {key!r}" for key in sorted(meta.keys() - CLAUDE_SKILL_KEYS)
        ]
        name = meta.get("name", path.parent.name)
        if name != path.parent.name or not AGENT_NAME.fullmatch(str(name)) or len(str(name)) > 64:
            findings.append(f"{where}: name {name!r} is not its folder's, in lower-case words")
        description = meta.get("description")
        if not isinstance(description, str) or not description.strip():
            findings.append(f"{where}: no description, which is how Claude picks the skill")
        elif len(description + str(meta.get("when_to_use", ""))) > 1536:
            findings.append(f"{where}: description over the 1,536 characters the listing shows")
        if meta.get("context", "fork") != "fork":
            findings.append(f"{where}: context {meta['context']!r} (only fork is documented)")
        if "agent" in meta and (meta.get("context") != "fork" or meta["agent"] not in agents):
            findings.append(f"{where}: agent {meta['agent']!r} needs context: fork and an agent")
        if "effort" in meta and meta["effort"] not in EFFORTS:
            findings.append(f"{where}: effort {meta['effort']!r}")
        for key in ("disable-model-invocation", "user-invocable", "background"):
            if key in meta and not isinstance(meta[key], bool):
                findings.append(f"{where}: {key} is not a boolean")
    skills = {path.parent.name for path in claude_skills(root)}
    for path in claude_agents(root):
        preloaded = front_matter(path).get("skills") or []
        findings += [
            f"{rel(root, path)}: preloads skill {name!r}, which .claude/skills/ lacks"
            for name in preloaded
            if name not in skills
        ]
    return findings


# GitHub's "Creating agent skills" page: the front matter a Copilot skill may have.
COPILOT_SKILL_KEYS = {"name", "description", "license"}


def f12_copilot_skills(root: Path) -> list[str]:
    findings = []
    for path in copilot_skills(root):
        meta, where = front_matter(path), rel(root, path)
        findings += [
            f"{where}: key {key!r} is not one Copilot documents for skills"
            for key in sorted(meta.keys() - COPILOT_SKILL_KEYS)
        ]
        if meta.get("name") != path.parent.name or not AGENT_NAME.fullmatch(str(meta["name"])):
            findings.append(f"{where}: name {meta.get('name')!r} is not its folder's, hyphenated")
        description = meta.get("description")
        if not isinstance(description, str) or not description.strip():
            findings.append(f"{where}: no description, which is how Copilot picks the skill")
    if copilot_skills(root) and claude_skills(root):
        # Copilot reads .claude/skills too: a second copy would be loaded twice.
        findings.append(".github/skills and .claude/skills both hold skills; Copilot reads both")
    return findings


def f7_copilot_agents(root: Path) -> list[str]:
    findings = []
    names = {path.name.removesuffix(".agent.md") for path in copilot_agents(root)}
    for path in copilot_agents(root):
        data, where = front_matter(path), rel(root, path)
        if not re.fullmatch(r"[A-Za-z0-9._-]+\.agent\.md", path.name):
            findings.append(f"{where}: file name is not <name>.agent.md")
        if not isinstance(data.get("description"), str) or not data["description"].strip():
            findings.append(f"{where}: description is missing")
        if "target" in data and data["target"] not in {"vscode", "github-copilot"}:
            findings.append(f"{where}: target {data['target']!r} is not vscode or github-copilot")
        if unknown := set(data) - COPILOT_AGENT_KEYS:
            findings.append(f"{where}: unknown or retired keys {sorted(unknown)}")
        tools = _tool_names(data["tools"]) if "tools" in data else []
        if not isinstance(data.get("tools", []), list | str):
            findings.append(f"{where}: tools is neither a list nor a string")
        findings += [
            f"{where}: tools names {tool!r}, not a Copilot alias"
            for tool in tools
            if tool.lower() not in COPILOT_TOOL_ALIASES and "/" not in tool and tool != "*"
        ]
        if len(body(path)) > 30_000:
            findings.append(f"{where}: body is over 30,000 characters")
        if "agents" in data and "agent" not in [tool.lower() for tool in tools]:
            findings.append(f"{where}: agents: is set but the agent tool is not allowed")
        handoffs = data.get("handoffs") or []
        findings += [
            f"{where}: hands off to missing agent {handoff.get('agent')!r}"
            for handoff in handoffs
            if not isinstance(handoff, dict) or handoff.get("agent") not in names
        ]
    return findings


def _globs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [glob.strip() for glob in value.split(",") if glob.strip()]
    if isinstance(value, list):
        return [str(glob) for glob in value]
    return []


def _glob_problem(root: Path, glob: str) -> str | None:
    if glob.startswith("/") or ".." in glob.split("/"):
        return f"glob {glob!r} is not relative to the project"
    if glob.count("[") != glob.count("]"):
        return f"glob {glob!r} has an unbalanced ["
    if not any(root.glob(glob)):
        return f"glob {glob!r} matches no file"
    return None


def f8_copilot_path_instructions(root: Path) -> list[str]:
    findings = []
    for path in copilot_path_instructions(root):
        data, where = front_matter(path), rel(root, path)
        apply_to = data.get("applyTo")
        if not isinstance(apply_to, str):
            findings.append(f"{where}: applyTo is missing or not a string")
            continue
        findings += [
            f"{where}: {problem}"
            for glob in _globs(apply_to)
            if glob != "**" and (problem := _glob_problem(root, glob))
        ]
        if "excludeAgent" in data and data["excludeAgent"] not in {"code-review", "coding-agent"}:
            findings.append(f"{where}: excludeAgent {data['excludeAgent']!r} is not documented")
    return findings


def f9_cursor_rules(root: Path) -> list[str]:
    findings = []
    for path in cursor_rules(root):
        where = rel(root, path)
        if path.suffix != ".mdc":
            findings.append(f"{where}: Cursor ignores rules that are not .mdc files")
            continue
        data = front_matter(path)
        if unknown := set(data) - {"description", "globs", "alwaysApply"}:
            findings.append(f"{where}: unknown keys {sorted(unknown)}")
        always = data.get("alwaysApply", False)
        if not isinstance(always, bool):
            findings.append(f"{where}: alwaysApply {always!r} is not a YAML boolean")
        if always is not True and not (data.get("description") or data.get("globs")):
            findings.append(f"{where}: a rule not always applied needs a description or globs")
        findings += [
            f"{where}: {problem}"
            for glob in _globs(data.get("globs"))
            if (problem := _glob_problem(root, glob))
        ]
    return findings


def f10_claude_rules(root: Path) -> list[str]:
    findings = []
    for path in claude_rules(root):
        if not path.read_text().startswith("---\n"):
            continue
        paths = front_matter(path).get("paths")
        if paths is None:
            continue
        where = rel(root, path)
        if not isinstance(paths, list):
            findings.append(f"{where}: paths is not a list of globs")
            continue
        findings += [
            f"{where}: {problem}" for glob in paths if (problem := _glob_problem(root, str(glob)))
        ]
    return findings


# --- R: references and paths -----------------------------------------------------------------

ROLE_SUFFIXES = "engineer|designer|architect|reviewer|manager|trainer|analyst|agent"
AGENT_MENTIONS = (
    re.compile(rf"`([a-z0-9]+(?:-[a-z0-9]+)*-(?:{ROLE_SUFFIXES}))`"),
    re.compile(r"→\s*`?([a-z0-9]+(?:-[a-z0-9]+)+)"),
    re.compile(r"subagent_type=[\"']([\w-]+)"),
    re.compile(r"\bAgent\(([\w-]+)\)"),
    re.compile(r"ring-[\w-]+:([\w-]+)"),
)


def agent_family(root: Path) -> set[str]:
    names = {str(front_matter(path).get("name", path.stem)) for path in claude_agents(root)}
    return names | {path.name.removesuffix(".agent.md") for path in copilot_agents(root)}


def r1_sibling_agents_exist(root: Path) -> list[str]:
    family = agent_family(root)
    findings = []
    for path in [*claude_agents(root), *copilot_agents(root), root / "CLAUDE.md"]:
        if not path.exists():
            continue
        text = path.read_text()
        named = {name for pattern in AGENT_MENTIONS for name in pattern.findall(text)}
        findings += [
            f"{rel(root, path)}: names agent {name!r}, not in the family"
            for name in sorted(named - family)
        ]
    return findings


def r2_cited_paths_exist(root: Path) -> list[str]:
    findings = []
    package = package_root(root)
    for path in instruction_files(root):
        text = path.read_text()
        missing = [cited for cited in cited_paths(text) if not exists(cited, root, package)]
        missing += [target for target in links(text) if not exists(target, path.parent)]
        findings += [
            f"{rel(root, path)}: cites {target!r}, which does not exist" for target in missing
        ]
    return findings


AT_IMPORT = re.compile(r"(?<![\w`])@([\w./~-]+)")


def _at_imports(path: Path) -> list[str]:
    return AT_IMPORT.findall(CODE_SPAN.sub("", prose(path.read_text())))


def r3_at_imports_resolve(root: Path) -> list[str]:
    findings = []
    memory_files = [root / "CLAUDE.md", root / "AGENTS.md", *claude_rules(root)]

    def walk(path: Path, trail: tuple[Path, ...]) -> Iterator[str]:
        for target in _at_imports(path):
            imported = (path.parent / target).resolve()
            where = rel(root, path)
            if not imported.exists():
                yield f"{where}: @{target} does not resolve"
            elif imported in trail:
                yield f"{where}: @{target} imports in a cycle"
            elif len(trail) >= 4:
                yield f"{where}: @{target} nests deeper than four imports"
            else:
                yield from walk(imported, (*trail, imported))

    for path in memory_files:
        if path.exists():
            findings += walk(path, (path.resolve(),))
    for path in [*claude_agents(root), *copilot_agents(root), *cursor_rules(root)]:
        findings += [
            f"{rel(root, path)}: @{target}: @ imports work only in memory files"
            for target in _at_imports(path)
        ]
    return sorted(set(findings))


def r4_standards_anchors_exist(root: Path) -> list[str]:
    standards = root / "docs" / "STANDARDS.md"
    known = anchors(standards) if standards.exists() else set()
    findings = []
    for path in instruction_files(root):
        text = path.read_text()
        for target in [*cited_paths(text), *links(text)]:
            file_part, _, anchor = target.partition("#")
            if not anchor:
                continue
            if file_part.endswith("STANDARDS.md") and anchor not in known:
                findings.append(f"{rel(root, path)}: {target} names no heading of STANDARDS.md")
            if not file_part and anchor not in anchors(path):
                findings.append(f"{rel(root, path)}: #{anchor} names no heading of its own file")
    return findings


# The distribution that installs each executable the instruction files run through `uv run`.
EXECUTABLE_PROVIDERS = {
    "pytest": "pytest",
    "ruff": "ruff",
    "mypy": "mypy",
    "lint-imports": "import-linter",
    "alembic": "alembic",
    "cfn-lint": "cfn-lint",
    "uvicorn": "uvicorn",
    "pre-commit": "pre-commit",
    "moto_server": "moto",
    "fastapi": "fastapi",
}
UV_RUN = re.compile(r"\buv run ([\w.-]+)")


def _declared_distributions(project: dict[str, Any]) -> set[str]:
    requirements = [
        *project["project"].get("dependencies", []),
        *itertools.chain.from_iterable(
            project["project"].get("optional-dependencies", {}).values()
        ),
        *itertools.chain.from_iterable(project.get("dependency-groups", {}).values()),
    ]
    return {re.split(r"[\s\[<>=!~;]", str(requirement))[0].lower() for requirement in requirements}


def r5_commands_resolve(root: Path) -> list[str]:
    agents_md = root / "AGENTS.md"
    if not agents_md.exists():
        return []
    project = pyproject(root)
    declared = _declared_distributions(project)
    scripts = set(project["project"].get("scripts", {}))
    findings = []
    for command in UV_RUN.findall(agents_md.read_text()):
        provider = EXECUTABLE_PROVIDERS.get(command)
        if command == "python" or command in scripts or (provider and provider in declared):
            continue
        findings.append(f"AGENTS.md: `uv run {command}`: no declared dependency provides it")
    return findings


# --- S: consistency and one source of truth --------------------------------------------------


def _shingles(text: str, size: int = 8) -> set[tuple[str, ...]]:
    # A link reads as its text, and a code span as one word, however many dots and slashes it has.
    readable = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", prose(text))
    readable = CODE_SPAN.sub(lambda span: re.sub(r"\W", "", span.group(1)), readable)
    words = re.findall(r"[a-z0-9_]+", readable.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def s1_always_on_files_do_not_repeat(root: Path) -> list[str]:
    findings = []
    claude_md = root / "CLAUDE.md"
    if claude_md.exists():
        lines = claude_md.read_text().splitlines()
        if "@AGENTS.md" not in lines:
            findings.append("CLAUDE.md: does not import @AGENTS.md")
        if len(lines) > 25:
            findings.append(f"CLAUDE.md: {len(lines)} lines (over 25)")
    copilot = root / ".github" / "copilot-instructions.md"
    if copilot.exists() and len(copilot.read_text()) > 4000:
        findings.append(f"{rel(root, copilot)}: over 4,000 characters")
    # Always-on files, and the Cursor rules that load beside AGENTS.md, share no sentence.
    unscoped_rules = [path for path in claude_rules(root) if "paths" not in front_matter(path)]
    files = [root / name for name in ALWAYS_ON if (root / name).exists()]
    if claude_md.exists():  # what CLAUDE.md imports is always on too
        imported = [root / target for target in _at_imports(claude_md)]
        files += [path for path in imported if path.exists() and path not in files]
    files += [*unscoped_rules, *cursor_rules(root)]
    texts = {path: _shingles(body(path)) for path in files}
    for one, other in itertools.combinations(files, 2):
        if shared := texts[one] & texts[other]:
            example = " ".join(sorted(shared)[0])
            findings.append(f"{rel(root, one)} and {rel(root, other)} repeat: {example!r}")
    return findings


def s2_no_agent_or_rule_loaded_twice(root: Path) -> list[str]:
    claude_names = {str(front_matter(path).get("name")) for path in claude_agents(root)}
    findings = [
        f"{rel(root, path)}: also in .claude/agents, without target: github-copilot"
        for path in copilot_agents(root)
        if path.name.removesuffix(".agent.md") in claude_names
        and front_matter(path).get("target") != "github-copilot"
    ]
    claude_globs = {
        glob for path in claude_rules(root) for glob in _globs(front_matter(path).get("paths"))
    }
    for path in copilot_path_instructions(root):
        if shared := claude_globs & set(_globs(front_matter(path).get("applyTo"))):
            findings.append(
                f"{rel(root, path)}: .claude/rules covers the same globs {sorted(shared)}"
            )
    return findings


COVERAGE = re.compile(r"(\d+)%")
PYTHON_VERSION = re.compile(r"\bPython (\d+\.\d+)")
OTHER_PACKAGE_MANAGERS = re.compile(r"\bpip install\b|\bpoetry\b|\bpipenv\b|\bconda install\b")


def s3_numbers_and_tools_agree(root: Path) -> list[str]:
    project = pyproject(root)
    threshold = project["tool"]["coverage"]["report"]["fail_under"]
    lowest = project["project"]["requires-python"].removeprefix(">=")
    findings = []
    for path in instruction_files(root):
        where = rel(root, path)
        for line in path.read_text().splitlines():
            if "coverage" in line.lower():
                findings += [
                    f"{where}: states coverage {number}%, pyproject.toml enforces {threshold}%"
                    for number in COVERAGE.findall(line)
                    if int(number) != threshold
                ]
            findings += [
                f"{where}: states Python {version}, requires-python is >={lowest}"
                for version in PYTHON_VERSION.findall(line)
                if version != lowest
            ]
            if match := OTHER_PACKAGE_MANAGERS.search(line):
                findings.append(f"{where}: mentions {match.group()!r}; this project uses uv")
    return findings


# Words that belong to a methodology, and may appear only when it is on.
METHODOLOGY_WORDS = {
    "tdd": re.compile(r"\bTDD\b|test[- ]first|test-driven", re.IGNORECASE),
    "ddd": re.compile(
        r"bounded context|\baggregate|domain event|anti-corruption|domain-driven", re.IGNORECASE
    ),
    "serverless": re.compile(r"\bLambda\b|DynamoDB|Mangum|Powertools|\bSAM\b"),
}


def s4_methodologies_follow_the_answers(root: Path) -> list[str]:
    given = answers(root)
    enabled = {
        "tdd": bool(given.get("tdd")),
        "ddd": given.get("profile") == "ddd",
        "serverless": given.get("profile") == "serverless",
    }
    findings = []
    for path in instruction_files(root):
        text = path.read_text()
        for methodology, pattern in METHODOLOGY_WORDS.items():
            if not enabled[methodology] and (match := pattern.search(text)):
                findings.append(f"{rel(root, path)}: {match.group()!r} but {methodology} is off")
    return findings


UNRENDERED = re.compile(r"\{\{|\{%|<project_name>|\bTODO\b|\bTBD\b")


def s5_nothing_unrendered(root: Path) -> list[str]:
    return [
        f"{rel(root, path)}: {match.group()!r} left in the text"
        for path in instruction_files(root)
        if (match := UNRENDERED.search(path.read_text()))
    ]


# --- C: Claude Code's project settings ------------------------------------------------------

CLAUDE_SETTINGS = Path(".claude") / "settings.json"
# The keys of Claude Code's settings page a project's shared settings may set (its "Available
# settings" and "Permission settings" tables, and the hook configuration of the hooks reference).
SETTINGS_KEYS = {
    "$schema", "permissions", "hooks", "env", "model", "includeGitInstructions",
    "cleanupPeriodDays", "attribution", "respectGitignore", "disableAllHooks",
    "enableAllProjectMcpServers", "enabledMcpjsonServers", "disabledMcpjsonServers", "outputStyle",
    "statusLine",
}  # fmt: skip
PERMISSION_KEYS = {
    "allow", "ask", "deny", "additionalDirectories", "defaultMode", "disableBypassPermissionsMode",
}  # fmt: skip
HOOK_EVENTS = {
    "Setup", "SessionStart", "UserPromptSubmit", "UserPromptExpansion", "PreToolUse",
    "PermissionRequest", "PermissionDenied", "PostToolUse", "PostToolUseFailure", "PostToolBatch",
    "Notification", "MessageDisplay", "SubagentStart", "SubagentStop", "TaskCreated",
    "TaskCompleted", "Stop", "StopFailure", "TeammateIdle", "InstructionsLoaded", "ConfigChange",
    "CwdChanged", "FileChanged", "WorktreeCreate", "WorktreeRemove", "PreCompact", "PostCompact",
    "SessionEnd",
}  # fmt: skip
# Events whose matcher names a tool.
TOOL_EVENTS = {
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionRequest",
    "PermissionDenied",
}
COMMAND_HOOK_KEYS = {
    "type", "if", "timeout", "statusMessage", "once", "command", "args", "async", "asyncRewake",
    "shell",
}  # fmt: skip
PERMISSION_RULE = re.compile(r"(?P<tool>[A-Za-z]+)(\((?P<specifier>[^()]+)\))?")
PROJECT_DIR = "${CLAUDE_PROJECT_DIR}"
# The files that hold the project's secrets: no assistant reads or edits them.
SECRET_FILES = (".env",)


def claude_settings(root: Path) -> dict[str, Any] | None:
    path = root / CLAUDE_SETTINGS
    return json.loads(path.read_text()) if path.exists() else None


def hook_handlers(settings: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every hook handler of the settings, with its event and its group's matcher."""
    for event, groups in settings.get("hooks", {}).items():
        for group in groups:
            for handler in group.get("hooks", []):
                yield event, str(group.get("matcher", "")), handler


def c1_claude_settings_use_documented_keys(root: Path) -> list[str]:
    try:
        settings = claude_settings(root)
    except json.JSONDecodeError as error:
        return [f"{CLAUDE_SETTINGS}: not JSON: {error}"]
    if settings is None:
        return []
    where = str(CLAUDE_SETTINGS)
    findings = [
        f"{where}: undocumented key {key!r}" for key in sorted(settings.keys() - SETTINGS_KEYS)
    ]
    permissions = settings.get("permissions", {})
    findings += [
        f"{where}: undocumented permissions key {key!r}"
        for key in sorted(permissions.keys() - PERMISSION_KEYS)
    ]
    for kind in ("allow", "ask", "deny"):
        for rule in permissions.get(kind, []):
            match = PERMISSION_RULE.fullmatch(rule)
            if match is None or match["tool"] not in CLAUDE_TOOLS:
                findings.append(f"{where}: {kind} rule {rule!r} is not Tool or Tool(specifier)")
    for event, groups in settings.get("hooks", {}).items():
        if event not in HOOK_EVENTS:
            findings.append(f"{where}: no hook event is called {event!r}")
        for group in groups:
            findings += [
                f"{where}: {event} group has undocumented key {key!r}"
                for key in sorted(group.keys() - {"matcher", "hooks"})
            ]
            if event in TOOL_EVENTS:
                unknown = set(re.split(r"[|,]\s*", group.get("matcher", ""))) - CLAUDE_TOOLS
                findings += [f"{where}: {event} matcher names no tool {name!r}" for name in unknown]
    for event, _, handler in hook_handlers(settings):
        if handler.get("type") != "command" or not isinstance(handler.get("command"), str):
            findings.append(f"{where}: {event} hook is not a command hook with a command")
        findings += [
            f"{where}: {event} hook has undocumented key {key!r}"
            for key in sorted(handler.keys() - COMMAND_HOOK_KEYS)
        ]
    return findings


def listed_commands(root: Path) -> list[str]:
    """The commands AGENTS.md's Commands block lists, without their comments."""
    text = (root / "AGENTS.md").read_text() if (root / "AGENTS.md").exists() else ""
    block = re.search(r"## Commands\s+```sh\n(.*?)```", text, re.DOTALL)
    lines = block.group(1).splitlines() if block else []
    return [line.split("#")[0].strip() for line in lines if line.strip()]


SKILL_COMMAND = re.compile(r"`((?:uv|git) [^`]+)`")


def skill_commands(root: Path) -> list[str]:
    """The commands Claude's skills tell it to run: code spans that start with `uv` or `git`."""
    return sorted(
        {command for skill in claude_skills(root) for command in SKILL_COMMAND.findall(body(skill))}
    )


def allows(rules: list[str], command: str) -> bool:
    """Whether a `Bash(...)` rule allows `command`: the same words, or its prefix then ` *`."""
    for rule in rules:
        match = PERMISSION_RULE.fullmatch(rule)
        if match is None or match["tool"] != "Bash":
            continue
        specifier = match["specifier"] or ""
        prefix = specifier.removesuffix(" *")
        if command == prefix or (specifier.endswith(" *") and command.startswith(prefix + " ")):
            return True
    return False


def c2_claude_settings_true_of_the_tree(root: Path) -> list[str]:
    settings = claude_settings(root)
    if settings is None:
        return []
    where = str(CLAUDE_SETTINGS)
    listed = listed_commands(root) + skill_commands(root)
    findings = []
    for rule in settings.get("permissions", {}).get("allow", []):
        match = PERMISSION_RULE.fullmatch(rule)
        if match is None or match["tool"] != "Bash":
            continue
        prefix = (match["specifier"] or "").removesuffix(" *")
        if not any(command == prefix or command.startswith(prefix + " ") for command in listed):
            findings.append(f"{where}: allows {rule!r}, which no AGENTS.md command is")
    for event, _, handler in hook_handlers(settings):
        words = [str(handler.get("command", "")), *map(str, handler.get("args", []))]
        for word in words:
            if word.startswith(PROJECT_DIR + "/") and not (root / word.split("/", 1)[1]).exists():
                findings.append(f"{where}: {event} hook runs {word}, which does not exist")
    ignored = (root / ".gitignore").read_text().splitlines()
    if ".claude/settings.local.json" not in ignored:
        findings.append(".gitignore: does not ignore the personal .claude/settings.local.json")
    return findings


def c4_claude_may_run_what_the_skills_run(root: Path) -> list[str]:
    settings = claude_settings(root)
    if settings is None:
        return []
    rules = settings.get("permissions", {}).get("allow", [])
    return [
        f"{CLAUDE_SETTINGS}: allows no Bash rule for {command!r}, which a skill runs"
        for command in skill_commands(root)
        if not allows(rules, command)
    ]


def denied(rules: list[str], tool: str, path: str) -> bool:
    """Whether a deny rule of `tool` matches `path` (relative to the project), read as Claude Code
    reads Read and Edit rules: gitignore patterns, `./` anchored at the project."""
    for rule in rules:
        match = PERMISSION_RULE.fullmatch(rule)
        if match is None or match["tool"] != tool:
            continue
        specifier = match["specifier"]
        if specifier is None:
            return True
        pattern = "/" + specifier.removeprefix("./") if specifier.startswith("./") else specifier
        if pathspec.PathSpec.from_lines("gitignore", [pattern]).match_file(path):
            return True
    return False


def c3_secrets_are_denied(root: Path) -> list[str]:
    settings = claude_settings(root)
    if settings is None:
        return []
    deny = settings.get("permissions", {}).get("deny", [])
    return [
        f"{CLAUDE_SETTINGS}: does not deny {tool} of {secret}"
        for secret in SECRET_FILES
        for tool in ("Read", "Edit")
        if not denied(deny, tool, secret)
    ]


# --- H: content hygiene ----------------------------------------------------------------------

SECRETS = re.compile(
    r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bsk-[A-Za-z0-9]{20,}"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}|\bxox[abp]-[A-Za-z0-9-]{10,}"
)
# Zero-width and bidirectional controls: text a reader cannot see but a model reads.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def h1_no_secrets_or_hidden_text(root: Path) -> list[str]:
    findings = []
    for path in instruction_files(root):
        text, where = path.read_text(), rel(root, path)
        if match := SECRETS.search(text):
            findings.append(f"{where}: looks like a secret: {match.group()[:8]}...")
        if match := INVISIBLE.search(text):
            findings.append(f"{where}: invisible character U+{ord(match.group()):04X}")
        if "<!--" in prose(text):
            findings.append(f"{where}: HTML comment (hidden from readers, read by models)")
    return findings


def determinism(first: Path, second: Path) -> list[str]:
    """H3: two renders with the same answers give byte-identical instruction files."""
    one = {rel(first, path): path.read_bytes() for path in instruction_files(first)}
    two = {rel(second, path): path.read_bytes() for path in instruction_files(second)}
    return [
        f"{name}: differs between two renders"
        for name in sorted(one.keys() | two.keys())
        if one.get(name) != two.get(name)
    ]


CHECKS: dict[str, Callable[[Path], list[str]]] = {
    "F1": f1_front_matter_parses,
    "F2": f2_claude_agent_identity,
    "F3": f3_claude_agent_keys,
    "F4": f4_claude_agent_values,
    "F5": f5_claude_agent_tools,
    "F6": f6_claude_agent_descriptions,
    "F7": f7_copilot_agents,
    "F8": f8_copilot_path_instructions,
    "F9": f9_cursor_rules,
    "F10": f10_claude_rules,
    "F11": f11_claude_skills,
    "F12": f12_copilot_skills,
    "R1": r1_sibling_agents_exist,
    "R2": r2_cited_paths_exist,
    "R3": r3_at_imports_resolve,
    "R4": r4_standards_anchors_exist,
    "R5": r5_commands_resolve,
    "S1": s1_always_on_files_do_not_repeat,
    "S2": s2_no_agent_or_rule_loaded_twice,
    "S3": s3_numbers_and_tools_agree,
    "S4": s4_methodologies_follow_the_answers,
    "S5": s5_nothing_unrendered,
    "C1": c1_claude_settings_use_documented_keys,
    "C2": c2_claude_settings_true_of_the_tree,
    "C3": c3_secrets_are_denied,
    "C4": c4_claude_may_run_what_the_skills_run,
    "H1": h1_no_secrets_or_hidden_text,
}


def run_all(root: Path) -> dict[str, list[str]]:
    """Every check's findings, for the checks that found something."""
    return {check: findings for check, run in CHECKS.items() if (findings := run(root))}
