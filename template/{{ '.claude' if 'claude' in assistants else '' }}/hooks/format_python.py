"""Claude Code's hook after an edit (.claude/settings.json): the edited Python file is lint-fixed
and formatted with the project's own ruff, so an agent's change leaves the tree as the checks want.

The hook never removes what the agent just wrote: an import added one edit before its use, or a
variable whose reader comes next, is reported (F401, F841), never deleted.

Claude Code gives the hook its event as JSON on standard input. What ruff cannot fix goes back to
Claude on standard error with exit status 2, which Claude Code shows it next to the edit.
"""

import json
import subprocess
import sys
from pathlib import Path

PYTHON_SUFFIXES = frozenset({".py", ".pyi"})
# Unused imports and variables: often work in progress, so ruff reports them and fixes nothing.
NEVER_FIXED = "F401,F841"
# Exit status 2 of a PostToolUse hook: Claude Code passes standard error on to Claude.
TELL_CLAUDE = 2


def edited_file(event: dict[str, object]) -> Path | None:
    """The Python file the tool call wrote, if it wrote one."""
    tool_input = event.get("tool_input")
    file_path = tool_input.get("file_path") if isinstance(tool_input, dict) else None
    if not isinstance(file_path, str):
        return None
    path = Path(file_path)
    return path if path.suffix in PYTHON_SUFFIXES and path.is_file() else None


def ruff(*arguments: str) -> subprocess.CompletedProcess[str]:
    # The interpreter `uv run` started, so the ruff pinned in pyproject.toml, never another one.
    command = [sys.executable, "-m", "ruff", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


def main() -> int:
    path = edited_file(json.load(sys.stdin))
    if path is None:
        return 0
    # Fixes first (imports sorted, say), then the formatter has the last word on layout; what is
    # left is what only a person, or Claude, can fix.
    ruff("check", "--fix", "--unfixable", NEVER_FIXED, "--quiet", str(path))
    ruff("format", "--quiet", str(path))
    lint = ruff("check", "--quiet", str(path))
    if lint.returncode != 0:
        sys.stderr.write(f"ruff could not fix everything in {path}:\n{lint.stdout}{lint.stderr}")
        return TELL_CLAUDE
    return 0


if __name__ == "__main__":
    sys.exit(main())
