"""The security scanners teams already run, on each profile's fullest variant: checkov (the built
Kubernetes overlay, the SAM template, the Dockerfile and the GitHub workflows, in one run), zizmor
(the workflows and Dependabot's configuration, with its default policy) and bandit (`src/`) find
nothing that is neither fixed nor waived beside the resource with a reason; the generated README
names every waiver. Each check is shown failing on a broken copy.

checkov runs from an environment of its own (`uvx`): it pins `packaging<24`, which pytest 9 refuses,
so it cannot join the dev dependency group that zizmor and bandit are in.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import (
    PROFILE_TRAITS,
    PROFILES,
    REPO,
    describe,
    jobs_offered,
    render,
    run,
    sh_block_after,
)
from test_kubernetes import OVERLAY, build

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scanners")]

# The versions the generated README tells the team to run, from the same include.
TOOLS = (REPO / "includes" / "tools.jinja").read_text(encoding="utf-8")
CHECKOV = re.search(r"checkov_requirement = '(checkov==[^']+)'", TOOLS)[1]  # type: ignore[index]
CHECKOV_FRAMEWORKS = ["kubernetes", "cloudformation", "dockerfile", "github_actions"]
# What checkov records for a skip written without a reason.
NO_REASON = {"", "No comment provided"}
ASSISTANTS = {"assistants": ["claude", "agents", "copilot"], "copilot_agents": True}


def fullest(profile: str) -> dict[str, Any]:
    """Every answer that adds files a scanner reads, on, for the profile."""
    answers: dict[str, Any] = {"profile": profile, "auth": "jwt", **ASSISTANTS}
    if PROFILE_TRAITS[profile]["sql"]:
        answers |= {
            "database": "postgresql",
            "docker": True,
            "deploy": "kubernetes",
            "telemetry": "opentelemetry",
        }
    if jobs_offered(profile):  # the worker's Deployment and network policy
        answers["jobs"] = True
    if PROFILE_TRAITS[profile]["on_lambda"]:
        answers |= {"tracer": True, "jobs": True}
    return answers


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


# -- checkov -----------------------------------------------------------------------------------


def scanned_files(project: Path, scratch: Path) -> list[Path]:
    """What checkov reads: the Kubernetes overlay as kustomize builds it (written to a file), the
    SAM template, the Dockerfile and the workflows, whichever the project has."""
    files = [project / name for name in ("Dockerfile", "template.yaml")]
    files += sorted((project / ".github" / "workflows").glob("*.yml"))
    if (project / OVERLAY).is_dir():
        overlay = scratch / "kubernetes-overlay.yaml"
        overlay.write_text(yaml.safe_dump_all(build(project / OVERLAY), sort_keys=False))
        files.append(overlay)
    return [path for path in files if path.is_file()]


def checkov(files: list[Path], cwd: Path) -> list[dict[str, Any]]:
    """checkov's report on the files, one entry per framework it ran."""
    command = ["uvx", "--from", CHECKOV, "checkov", "--compact", "--skip-download"]
    command += ["--output", "json", "--framework", *CHECKOV_FRAMEWORKS]
    for path in files:
        command += ["--file", str(path)]
    result = run(command, cwd, timeout=900)
    # 0: nothing failed, 1: something did; anything else is checkov itself failing.
    assert result.returncode in {0, 1}, describe(result)
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def unexplained(report: list[dict[str, Any]]) -> list[str]:
    """Every finding neither fixed nor waived with a reason: failed checks, and skips whose reason
    is missing."""
    problems = []
    for framework in report:
        results = framework.get("results", {})
        for check in results.get("failed_checks", []):
            problems.append(f"failed {check['check_id']} on {check['resource']}")
        for check in results.get("skipped_checks", []):
            reason = (check["check_result"].get("suppress_comment") or "").strip()
            if reason in NO_REASON:
                where = f"{check['check_id']} on {check['resource']}"
                problems.append(f"skipped {where} without reason")
    return problems


def waived(report: list[dict[str, Any]]) -> set[str]:
    return {
        check["check_id"]
        for framework in report
        for check in framework.get("results", {}).get("skipped_checks", [])
    }


def scanners_section(project: Path) -> str:
    readme = (project / "README.md").read_text(encoding="utf-8")
    return readme.split("\n### Security scanners\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each profile's fullest variant, rendered once for the module."""
    root = tmp_path_factory.mktemp("scanners")
    return {profile: render(root / profile, **fullest(profile)) for profile in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_checkov_finds_nothing_unexplained_and_the_readme_names_every_waiver(
    projects: dict[str, Path], tmp_path: Path, profile: str
) -> None:
    project = projects[profile]
    files = scanned_files(project, tmp_path)

    report = checkov(files, project)

    assert unexplained(report) == []
    ran = {framework["check_type"] for framework in report}
    expected = {"github_actions"}
    expected |= {"kubernetes", "dockerfile"} if (project / "Dockerfile").exists() else set()
    expected |= {"cloudformation"} if (project / "template.yaml").exists() else set()
    assert expected <= ran
    assert all(framework["summary"]["passed"] > 0 for framework in report)
    section = scanners_section(project)
    assert {check for check in waived(report) if check not in section} == set()
    assert set(re.findall(r"`(CKV2?_\w+)`", section)) == waived(report)


def test_checkov_fails_a_broken_deployment_and_workflow(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    """The network policy gone, a Kubernetes waiver without its reason, a workflow without its
    permissions and a Dockerfile run as root: each is reported."""
    # A SQL profile: its fullest variant has a Dockerfile and Kubernetes manifests.
    profile = next(name for name in PROFILES if PROFILE_TRAITS[name]["sql"])
    project = shutil.copytree(projects[profile], tmp_path / "broken")
    base = project / OVERLAY / "../../base"
    kustomization = base / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("  - network-policy.yaml\n", ""))
    deployment = base / "deployment.yaml"
    deployment.write_text(re.sub(r'"CKV_K8S_11=[^"]*"', '"CKV_K8S_11"', deployment.read_text()))
    workflow = project / ".github" / "workflows" / "copilot-setup-steps.yml"
    permissions = r"\n *permissions:(\s*\{\}|\n +contents: read)"
    workflow.write_text(re.sub(permissions, "", workflow.read_text()))
    dockerfile = project / "Dockerfile"
    dockerfile.write_text(re.sub(r"(?m)^USER .*\n", "", dockerfile.read_text()))

    problems = unexplained(checkov(scanned_files(project, tmp_path), project))

    assert any(problem.startswith("failed CKV2_K8S_6 ") for problem in problems), problems
    assert any(re.match(r"skipped CKV_K8S_11 on .* without reason", p) for p in problems)
    assert any(problem.startswith("failed CKV2_GHA_1 ") for problem in problems), problems
    assert any(problem.startswith("failed CKV_DOCKER_3 ") for problem in problems), problems


def test_checkov_fails_a_broken_sam_template(projects: dict[str, Path], tmp_path: Path) -> None:
    """A table with data but no point-in-time recovery, an API without its access log, a function
    without reserved concurrency and a waiver without its reason: each is reported."""
    [profile] = [name for name in PROFILES if PROFILE_TRAITS[name]["on_lambda"]]
    project = shutil.copytree(projects[profile], tmp_path / "broken")
    template = project / "template.yaml"
    text = template.read_text()
    text = text.replace(
        "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: true\n", "", 1
    )
    text = re.sub(r"      AccessLogSettings:\n(        .*\n)+", "", text)
    text = re.sub(r"(?m)^      ReservedConcurrentExecutions: .*\n", "", text)
    text = re.sub(r"(- id: CKV_AWS_149)\n +comment: .*\n", r"\1\n", text)
    template.write_text(text)

    problems = unexplained(checkov([template], project))

    assert any(re.match(r"failed CKV_AWS_28 on .*ItemsTable", p) for p in problems), problems
    assert any(problem.startswith("failed CKV_AWS_95 ") for problem in problems), problems
    assert any(problem.startswith("failed CKV_AWS_115 ") for problem in problems), problems
    assert any(re.match(r"skipped CKV_AWS_149 on .* without reason", p) for p in problems)


@pytest.mark.parametrize("broken", [False, True], ids=["as-generated", "broken"])
def test_the_readme_scanner_commands_pass_as_written_and_fail_on_a_broken_copy(
    projects: dict[str, Path], tmp_path: Path, broken: bool
) -> None:
    """On the variant whose commands need nothing but uv (no kubectl to build the overlay)."""
    [profile] = [name for name in PROFILES if PROFILE_TRAITS[name]["on_lambda"]]
    project = shutil.copytree(projects[profile], tmp_path / "project")
    commands = sh_block_after((project / "README.md").read_text(), "### Security scanners")
    assert "kubectl" not in commands
    if broken:
        template = project / "template.yaml"
        template.write_text(
            template.read_text().replace(
                "PointInTimeRecoveryEnabled: true", "PointInTimeRecoveryEnabled: false"
            )
        )

    result = run(["bash", "-e", "-c", commands], project, timeout=900)

    assert (result.returncode != 0) is broken, describe(result)
    if broken:
        assert "CKV_AWS_28" in result.stdout


# -- zizmor --------------------------------------------------------------------------------------


def zizmor(project: Path) -> list[str]:
    """zizmor's findings on the project's workflows and Dependabot configuration, by its default
    policy: no configuration file, and no ignore comment honoured."""
    result = run(
        [_tool("zizmor"), "--offline", "--no-config", "--no-ignores", "--format", "json-v1",
         "--collect=workflows,dependabot", str(project / ".github")],
        project,
    )  # fmt: skip
    # 0: no finding; 10-14: findings, by their highest severity; anything else is zizmor failing.
    assert result.returncode in {0, *range(10, 15)}, describe(result)
    findings = json.loads(result.stdout)
    return [
        f"{found['ident']} in {found['locations'][0]['symbolic']['key']['Local']['verbatim_path']}"
        for found in findings
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_zizmor_finds_nothing_in_the_workflows(projects: dict[str, Path], profile: str) -> None:
    project = projects[profile]

    assert {path.name for path in (project / ".github" / "workflows").iterdir()} == {
        "ci.yml",
        "copilot-setup-steps.yml",
    }
    assert (project / ".github" / "dependabot.yml").is_file()
    assert zizmor(project) == []


BROKEN_WORKFLOWS = {
    "artipacked": lambda text: text.replace(
        "        with:\n          persist-credentials: false\n", "", 1
    ),
    "unpinned-uses": lambda text: re.sub(r"(actions/checkout)@[0-9a-f]{40}", r"\1@v4", text),
    "excessive-permissions": lambda text: text.replace(
        "    permissions:\n      contents: read\n", "    permissions: write-all\n", 1
    ),
}


@pytest.mark.parametrize("audit", BROKEN_WORKFLOWS)
def test_zizmor_fails_a_broken_workflow(
    projects: dict[str, Path], tmp_path: Path, audit: str
) -> None:
    project = shutil.copytree(projects[PROFILES[0]], tmp_path / "broken")
    workflow = project / ".github" / "workflows" / "ci.yml"
    workflow.write_text(BROKEN_WORKFLOWS[audit](workflow.read_text()))

    assert any(finding.startswith(f"{audit} in ") for finding in zizmor(project))


def test_zizmor_fails_a_dependabot_configuration_without_a_cooldown(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    project = shutil.copytree(projects[PROFILES[0]], tmp_path / "broken")
    dependabot = project / ".github" / "dependabot.yml"
    dependabot.write_text(re.sub(r"\n +cooldown:\n +default-days: \d+", "", dependabot.read_text()))

    assert any(finding.startswith("dependabot-cooldown in ") for finding in zizmor(project))


USES = re.compile(r"^\s*-?\s*uses: (?P<action>\S+)@(?P<ref>\S+)(?P<comment>.*)$", re.MULTILINE)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_action_is_pinned_to_a_commit_with_its_release_tag_beside_it(
    projects: dict[str, Path], profile: str
) -> None:
    """What Dependabot moves, and what a reader checks the commit against."""
    workflows = sorted((projects[profile] / ".github" / "workflows").glob("*.yml"))
    pins = [match for path in workflows for match in USES.finditer(path.read_text())]

    assert pins
    for pin in pins:
        assert re.fullmatch(r"[0-9a-f]{40}", pin["ref"]), pin[0]
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", pin["comment"]), pin[0]


def test_dependabot_moves_every_pin_the_project_has(projects: dict[str, Path]) -> None:
    """The actions the workflows pin and the Python packages: both ecosystems are watched."""
    config = yaml.safe_load((projects[PROFILES[0]] / ".github" / "dependabot.yml").read_text())

    assert {update["package-ecosystem"] for update in config["updates"]} == {
        "github-actions",
        "uv",
    }


# -- bandit --------------------------------------------------------------------------------------


def bandit(project: Path) -> dict[str, Any]:
    result = run([_tool("bandit"), "--recursive", "--format", "json", "--quiet", "src"], project)
    # 0: no issue, 1: issues; anything else is bandit failing.
    assert result.returncode in {0, 1}, describe(result)
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["errors"] == []
    return report


@pytest.mark.parametrize("profile", PROFILES)
def test_bandit_finds_nothing_in_the_source(projects: dict[str, Path], profile: str) -> None:
    report = bandit(projects[profile])

    assert [f"{issue['test_id']} {issue['filename']}" for issue in report["results"]] == []
    # Nothing hidden from it either: no `# nosec` in the source.
    assert report["metrics"]["_totals"]["nosec"] == 0
    assert report["metrics"]["_totals"]["skipped_tests"] == 0


def test_bandit_fails_insecure_source(projects: dict[str, Path], tmp_path: Path) -> None:
    project = shutil.copytree(projects[PROFILES[0]], tmp_path / "broken")
    [package] = [path for path in (project / "src").iterdir() if path.is_dir()]
    (package / "insecure.py").write_text(
        "import subprocess\n\n\ndef run(command: str) -> None:\n"
        "    subprocess.run(command, shell=True, check=True)\n"
    )

    report = bandit(project)

    assert "B602" in {issue["test_id"] for issue in report["results"]}


def test_the_readme_names_the_scanner_versions_the_dev_group_pins() -> None:
    dev = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    for tool in ("zizmor", "bandit"):
        pinned = re.search(rf"{tool}_requirement = '({tool}==[^']+)'", TOOLS)
        assert pinned is not None
        assert pinned[1] in dev["dev"]
