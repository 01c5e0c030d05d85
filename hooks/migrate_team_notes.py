"""Migration to 0.2.0: the team's notes move from AGENTS.md to docs/team-notes.md.

Up to 0.1.0, AGENTS.md ended with a "Team notes" section whose placeholder line invited the team to
write below it. From 0.2.0 the notes live in docs/team-notes.md, a file template updates never
touch. Copier runs this script in the project before it updates (stage "before"): it moves what
the team wrote below the placeholder into docs/team-notes.md, leaves the section as 0.1.0 rendered
it so the update replaces it without a conflict, and stages both files, because Copier takes the
project's state from the git index.

It changes nothing when there is nothing to move: no AGENTS.md, no notes, notes already moved, or a
section the team rewrote (the update then merges it as any other edit, conflict markers included).
Running it twice is the same as running it once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SECTION_AS_RENDERED = "## Team notes\n\nAdd your team's own notes below this line."
TEAM_NOTES_HEADER = """\
# Team notes

What this team has decided beyond [STANDARDS.md](STANDARDS.md): conventions, decisions with their
reasons, known gotchas. Where the two disagree, these notes win.

This file belongs to the team: `copier update` creates it when it is missing and never changes it
afterwards.
"""


def move_team_notes(project: Path) -> bool:
    """Move the notes; True when files changed."""
    agents = project / "AGENTS.md"
    if not agents.is_file():
        return False
    head, section, notes = agents.read_text(encoding="utf-8").partition(SECTION_AS_RENDERED)
    if not section or not notes.strip():
        return False
    # The notes are written to their new home before they leave AGENTS.md: a failure in between
    # leaves them in both places, never in neither.
    team_notes = project / "docs" / "team-notes.md"
    text = team_notes.read_text(encoding="utf-8") if team_notes.is_file() else TEAM_NOTES_HEADER
    if notes.strip() not in text:
        team_notes.parent.mkdir(parents=True, exist_ok=True)
        team_notes.write_text(f"{text.rstrip()}\n\n{notes.strip()}\n", encoding="utf-8")
    agents.write_text(f"{head}{section}\n", encoding="utf-8")
    return True


def main() -> int:
    project = Path.cwd()
    if move_team_notes(project):
        subprocess.run(
            ["git", "add", "--", "AGENTS.md", "docs/team-notes.md"], cwd=project, check=True
        )
        print("Moved the team notes from AGENTS.md to docs/team-notes.md.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
