"""Post-copy task: record a template source that `copier update` can find again, make the new
project a git repository and install it, where possible.

Each step skips, with a one-line reason, when it cannot run; the project is valid either way.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Copier's own dependency: the task runs with Copier's interpreter.
import yaml

ANSWERS_FILE = ".copier-answers.yml"
# A source Copier can reach from anywhere: a URL, `gh:`/`gl:` shorthands, `git@host:path`.
REMOTE_SOURCE = re.compile(r"^([a-z][a-z0-9+.-]*://|gh:|gl:|[\w.-]+@[\w.-]+:)", re.IGNORECASE)


def say(message: str) -> None:
    print(f"archetype: {message}", file=sys.stderr)


def record_absolute_source(project: Path, template_clone: Path) -> None:
    """`copier copy . ../service` records `_src_path: .`, which `copier update` would later read as
    the project itself. Record the template's absolute path instead, which Copier cloned from."""
    answers = project / ANSWERS_FILE
    source = str(yaml.safe_load(answers.read_text()).get("_src_path", ""))
    if not source or REMOTE_SOURCE.match(source):
        return
    if Path(source).expanduser().is_absolute():
        say_local_source(source)
        return
    origin = subprocess.run(
        ["git", "-C", str(template_clone), "config", "--get", "remote.origin.url"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not (origin and Path(origin).is_absolute() and (Path(origin) / "copier.yml").is_file()):
        say(f"the template source {source!r} is relative, and `copier update` will not find it;")
        say(f"set `_src_path` in {ANSWERS_FILE} to the template's URL or absolute path")
        say("(the one line of that file to edit by hand).")
        return
    absolute = os.path.normpath(origin)
    text = answers.read_text()
    recorded = re.sub(r"(?m)^_src_path:.*$", f"_src_path: {json.dumps(absolute)}", text, count=1)
    answers.write_text(recorded)
    say(f"recorded the template source as {absolute} (not {source!r}), for `copier update`.")
    say_local_source(absolute)


def say_local_source(source: str) -> None:
    say(f"CI runners cannot reach {source}: for the weekly update check, `_src_path` in")
    say(f"{ANSWERS_FILE} must be the template repository's URL (its one line to edit by hand).")


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
    record_absolute_source(project, template_clone=Path(__file__).resolve().parents[1])
    init_git(project)
    sync_dependencies(project)


if __name__ == "__main__":
    main()
