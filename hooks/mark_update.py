"""Marks a `copier update` in progress, so that a tree it left half-done cannot be committed.

Copier runs this script in the project on every update: `begin` before the update writes to the
project, `end` after it has finished. In between, Copier renders the new release over the project's
files before it merges the team's changes back in: an update stopped there (Ctrl-C, a closed
laptop, a CI timeout) leaves files without the team's work and nothing to say so. The mark says so.
While it is there the project's pre-commit hook and its test suite refuse to run, and print it.
"""

from __future__ import annotations

import sys
from pathlib import Path

MESSAGE = """\
A `copier update` of this project started and did not finish: the working tree may be missing your
team's changes, so do not commit it. Abandon the update, back to your last commit, with
    git reset --hard && git clean -fd
then run the update again (README.md, "Updating from the template").
"""


def main(stage: str, mark_name: str) -> int:
    mark = Path.cwd() / mark_name
    if stage == "begin":
        mark.write_text(MESSAGE, encoding="utf-8")
    elif stage == "end":
        mark.unlink(missing_ok=True)
    else:
        print(f"mark_update.py: unknown stage {stage!r}; use 'begin' or 'end'.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
