"""Says, at the end of a `copier update`, what the update did and what the team does next.

Copier runs this script in the project as the update's last step (stage "after"). It prints:

- the files left in conflict (unmerged in git's index, or with a `.rej` beside them);
- what changed for this project since its last update: the entries of `docs/template-changes.md`
  (the template's record of its changes, rendered for this project's answers) that the project's
  last commit does not have. A project made before the record existed has no copy to compare
  with: its entries are those dated on or after the day of the template commit it came from;
- the commands to run next, in order: `uv sync` when the dependencies changed, the migrations when
  a revision arrived, each one-off step an entry asks for (its `Run:` lines), the project's checks,
  and the commit.

It writes nothing, and it fails nothing: an update that has finished is never undone by its report.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

RECORD = "docs/template-changes.md"
SECTION = re.compile(r"^## (\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)
RUN = re.compile(r"^\s*Run: `([^`]+)`", re.MULTILINE)


@dataclass(frozen=True)
class Entry:
    date: str
    text: str

    @property
    def title(self) -> str:
        """The entry's bold lead, or its first line."""
        lead = re.match(r"- \*\*(.+?)\*\*", self.text)
        return lead.group(1).rstrip(".") if lead else self.text.splitlines()[0].removeprefix("- ")

    @property
    def steps(self) -> list[str]:
        return RUN.findall(self.text)


def entries(record: str) -> list[Entry]:
    """A record's entries, newest section first, in the order written."""
    found = []
    parts = SECTION.split(record)
    for date, body in zip(parts[1::2], parts[2::2], strict=True):
        for item in re.split(r"^(?=- )", body, flags=re.MULTILINE):
            if item.startswith("- "):
                found.append(Entry(date, item.rstrip()))
    return found


def git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=False)


def conflicts(project: Path) -> list[str]:
    unmerged = git(project, "diff", "--name-only", "--diff-filter=U").stdout.split()
    rejected = [
        path.relative_to(project).as_posix().removesuffix(".rej")
        for path in project.rglob("*.rej")
        if ".git" not in path.parts
    ]
    return sorted(set(unmerged) | set(rejected))


def commit_date(template: Path, commit: str) -> str | None:
    shown = git(template, "log", "-1", "--format=%cs", commit, "--")
    if shown.returncode != 0 or not shown.stdout.strip():
        return None
    return shown.stdout.strip()


def new_entries(project: Path, template: Path, old_commit: str) -> tuple[list[Entry], str]:
    """The record's entries this project has not had, and how they were chosen."""
    path = project / RECORD
    if not path.is_file():
        return [], "this project keeps no record of the template's changes"
    now = entries(path.read_text(encoding="utf-8"))
    before = git(project, "show", f"HEAD:{RECORD}")
    if before.returncode == 0:
        had = {entry.text for entry in entries(before.stdout)}
        return [entry for entry in now if entry.text not in had], "new in docs/template-changes.md"
    since = commit_date(template, old_commit)
    if since is None:
        return now, f"all of them: the template's commit {old_commit} was not found"
    return [entry for entry in now if entry.date >= since], f"since {since}"


def changed(project: Path, path: str) -> bool:
    tracked = git(project, "diff", "--quiet", "HEAD", "--", path).returncode != 0
    untracked = git(project, "ls-files", "--others", "--exclude-standard", "--", path).stdout
    return tracked or bool(untracked.strip())


def next_commands(project: Path, news: list[Entry], checks: list[str]) -> list[str]:
    commands = []
    if changed(project, "pyproject.toml"):
        commands.append("uv sync")
    if (project / "migrations").is_dir() and changed(project, "migrations"):
        commands.append("uv run alembic upgrade heads")
    for entry in news:
        commands += [step for step in entry.steps if step not in commands]
    commands += [check for check in checks if check not in commands]
    commands.append('git add -A && git commit -m "Update from the template"')
    return commands


def report(project: Path, template: Path, old: str, new: str, checks: list[str]) -> str:
    lines = [f"Updated from the template's {old} to {new}.", ""]
    conflicted = conflicts(project)
    if conflicted:
        lines.append(
            f"{len(conflicted)} file(s) in conflict: in each, keep what both sides need between "
            "the <<<<<<< and >>>>>>> markers, delete the markers, then `git add` it:"
        )
        lines += [f"  {name}" for name in conflicted]
    else:
        lines.append("No file in conflict.")
    news, chosen = new_entries(project, template, old)
    lines += ["", f"What changed for this project ({chosen}; {RECORD} has every entry):"]
    lines += [f"  {entry.date}  {entry.title}" for entry in news] or ["  nothing listed"]
    lines += ["", "Next, in this order:"]
    lines += [f"  {command}" for command in next_commands(project, news, checks)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, required=True)
    parser.add_argument("--from", dest="old", required=True)
    parser.add_argument("--to", dest="new", required=True)
    parser.add_argument("--checks", default="", help="the project's check commands, one a line")
    arguments = parser.parse_args(argv)
    checks = [line.strip() for line in arguments.checks.splitlines() if line.strip()]
    try:
        text = report(Path.cwd(), arguments.template, arguments.old, arguments.new, checks)
    except (OSError, subprocess.SubprocessError) as error:
        text = f"The update finished, but its report could not be written: {error}"
    print(f"\n{text}\n", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
