"""Claude Code's own reading of a generated project's settings: a second opinion on ours.

`claude doctor`, from the Claude Code CLI that npm installs, validates the project's
`.claude/settings.json` against Claude Code's schema and lists what it refuses under "Invalid
settings". Our own checks (docs/ai-files.md) were written from the documentation; this one is the
program that reads the file. It runs where npm is present, as on the machines CI runs on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pexpect
import pytest
from support import PROFILES, fresh_copy, rendered

# The CLI as npm publishes it, pinned so that a new release cannot change the verdict unseen.
CLAUDE_CODE = "@anthropic-ai/claude-code@2.1.197"

# The doctor draws a terminal screen: words are placed by cursor moves, not spaces.
TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?>]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r")


@pytest.fixture(scope="session")
def claude(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: Claude Code's CLI comes from npm")
    prefix = tmp_path_factory.mktemp("claude-code")
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", prefix, CLAUDE_CODE],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return prefix / "node_modules" / ".bin" / "claude"


def screen_text(output: str) -> str:
    return " ".join(TERMINAL_CODES.sub(" ", output).split())


def doctor(claude: Path, project: Path, home: Path) -> str:
    """What `claude doctor` shows for the project, as text, once it offers to close."""
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "TERM": "xterm-256color"}
    child = pexpect.spawn(
        str(claude), ["doctor"], cwd=str(project), env=env, encoding="utf-8", dimensions=(60, 200)
    )
    output = ""
    deadline = time.monotonic() + 180  # a generous bound: the doctor also asks npm for updates
    try:
        while "Enter to close" not in screen_text(output) and time.monotonic() < deadline:
            try:
                output += child.read_nonblocking(65536, timeout=5)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                break
    finally:
        child.terminate(force=True)
    text = screen_text(output)
    assert "Diagnostics" in text, f"claude doctor did not run its checks:\n{text}"
    return text


@pytest.mark.parametrize("profile", PROFILES)
def test_claude_code_accepts_the_generated_settings(
    claude: Path, profile: str, tmp_path: Path
) -> None:
    project = rendered(profile=profile, assistants=["claude"])

    report = doctor(claude, project, tmp_path / "home")

    assert "Invalid settings" not in report, report


def test_claude_code_refuses_settings_that_break_its_schema(claude: Path, tmp_path: Path) -> None:
    project = fresh_copy(tmp_path / "project", profile=PROFILES[0], assistants=["claude"])
    settings_file = project / ".claude" / "settings.json"
    settings = json.loads(settings_file.read_text())
    settings["permissions"]["allow"] = " ".join(settings["permissions"]["allow"])
    settings_file.write_text(json.dumps(settings))

    report = doctor(claude, project, tmp_path / "home")

    assert "Invalid settings" in report, report
    assert "permissions.allow" in report, report
