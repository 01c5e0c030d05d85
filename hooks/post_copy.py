"""Post-copy task: make the new project a git repository and install it, where possible.

Each step skips, with a one-line reason, when it cannot run; the project is valid either way.
"""

import shutil
import subprocess
import sys
from pathlib import Path


def say(message: str) -> None:
    print(f"archetype: {message}", file=sys.stderr)


def init_git(project: Path) -> None:
    if shutil.which("git") is None:
        say("git not found; skipped `git init`.")
        return
    inside = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if inside.returncode == 0:
        say("already inside a git repository; skipped `git init`.")
        return
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    say("initialised a git repository.")


def sync_dependencies(project: Path) -> None:
    if shutil.which("uv") is None:
        say("uv not found; skipped `uv sync` (install uv, then run it in the project).")
        return
    result = subprocess.run(["uv", "sync", "--quiet"], cwd=project, check=False)
    if result.returncode != 0:
        say("`uv sync` failed (see above); the project is written, run it again when fixed.")
        return
    say("installed the project and its dev tools with `uv sync`.")


def main() -> None:
    project = Path.cwd()
    init_git(project)
    sync_dependencies(project)


if __name__ == "__main__":
    main()
