"""The Kubernetes manifests (`deploy: kubernetes`): valid against the Kubernetes schemas once
assembled as kustomize assembles them, and true of the image and the app they run.

No cluster runs here. `build` assembles the overlay in Python, for exactly the kustomization fields
the template uses, and refuses any other; where kubectl is installed, its own kustomize is checked
to assemble the same manifests.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from deployment import (
    dockerfile_line,
    exposed_port,
    grace_seconds,
    image_commands,
    probe_paths,
    unread_by_the_service,
    worker_command,
    worker_grace_seconds,
    worker_liveness_command,
)
from support import SQL_JOBS_PROFILES, SQL_PROFILES, rendered

OVERLAY = Path("deploy/kubernetes/overlays/production")
KUBERNETES_VERSION = kubernetes_validate.latest_version()
# The kustomization fields `build` knows how to apply.
KUSTOMIZE_FIELDS = {"apiVersion", "kind", "resources", "namespace", "labels", "images"}
KUBECTL = shutil.which("kubectl")

Manifest = dict[str, Any]
WORKER = "my-service-worker"


def kubernetes_project(
    profile: str = "model-first", *, jobs: bool = False, telemetry: bool = False
) -> Path:
    """The profile rendered for Kubernetes, with jobs or without, with telemetry or without:
    shared by the tests, which only read it."""
    return rendered(
        profile=profile,
        database="postgresql",
        auth="jwt",
        deploy="kubernetes",
        **({"jobs": True} if jobs else {}),
        **({"telemetry": "opentelemetry"} if telemetry else {}),
    )


def build(directory: Path) -> list[Manifest]:
    """What `kustomize build directory` outputs, for the fields in KUSTOMIZE_FIELDS."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZE_FIELDS
    assert not unknown, f"build() does not apply {unknown}"
    manifests: list[Manifest] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            manifests += build(path)
        else:
            manifests += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for manifest in manifests:
        for label in kustomization.get("labels", []):
            _label(manifest, label["pairs"], selectors=label.get("includeSelectors", False))
        if "namespace" in kustomization:
            manifest["metadata"]["namespace"] = kustomization["namespace"]
        for image in kustomization.get("images", []):
            for container in containers(manifest):
                if container["image"].split(":")[0] == image["name"]:
                    container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    return manifests


def _label(manifest: Manifest, pairs: dict[str, str], *, selectors: bool) -> None:
    manifest["metadata"].setdefault("labels", {}).update(pairs)
    if not selectors:
        return
    spec = manifest.get("spec", {})
    if "template" in spec:
        spec["template"].setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
    if manifest["kind"] == "Service":
        spec.setdefault("selector", {}).update(pairs)
    elif "matchLabels" in spec.get("podSelector", {}):  # a NetworkPolicy's
        spec["podSelector"]["matchLabels"].update(pairs)
    elif "matchLabels" in spec.get("selector", {}):
        spec["selector"]["matchLabels"].update(pairs)


def containers(manifest: Manifest) -> list[dict[str, Any]]:
    pod: dict[str, Any] = manifest.get("spec", {}).get("template", {}).get("spec", {})
    return pod.get("containers", [])


def of_kind(manifests: list[Manifest], kind: str) -> Manifest:
    [manifest] = [manifest for manifest in manifests if manifest["kind"] == kind]
    return manifest


@pytest.mark.parametrize("profile", SQL_PROFILES)
def test_the_production_overlay_is_valid_kubernetes(profile: str) -> None:
    manifests = build(kubernetes_project(profile) / OVERLAY)

    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    assert {manifest["kind"] for manifest in manifests} == {
        "ConfigMap", "Job", "Deployment", "Service", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "NetworkPolicy",
    }  # fmt: skip
    assert {manifest["metadata"]["namespace"] for manifest in manifests} == {"my-service"}


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (with its kustomize) is not installed")
@pytest.mark.parametrize(
    ("profile", "jobs"),
    [(profile, False) for profile in SQL_PROFILES]
    + [(profile, True) for profile in SQL_JOBS_PROFILES],
)
def test_kustomize_itself_assembles_what_build_does(profile: str, jobs: bool) -> None:
    overlay = kubernetes_project(profile, jobs=jobs) / OVERLAY
    assert KUBECTL is not None

    kustomized = subprocess.run(
        [KUBECTL, "kustomize", str(overlay)], capture_output=True, text=True, timeout=120
    )

    assert kustomized.returncode == 0, kustomized.stderr
    by_kustomize = [doc for doc in yaml.safe_load_all(kustomized.stdout) if doc]
    assert sorted(by_kustomize, key=identity) == sorted(build(overlay), key=identity)


def identity(manifest: Manifest) -> tuple[str, str]:
    return manifest["kind"], manifest["metadata"]["name"]


def test_every_manifest_file_is_in_the_kustomization() -> None:
    base = kubernetes_project() / OVERLAY / "../../base"
    listed = yaml.safe_load((base / "kustomization.yaml").read_text())["resources"]

    assert sorted(listed) == sorted(
        path.name for path in base.glob("*.yaml") if path.name != "kustomization.yaml"
    )


def test_the_secret_is_referenced_and_never_written() -> None:
    project = kubernetes_project()
    manifests = build(project / OVERLAY)
    readme = (project / "README.md").read_text()

    assert "Secret" not in {manifest["kind"] for manifest in manifests}
    for manifest in (of_kind(manifests, "Deployment"), of_kind(manifests, "Job")):
        [container] = containers(manifest)
        assert {"secretRef": {"name": "my-service"}} in container["envFrom"]
    assert "kubectl create secret generic my-service" in readme


def test_the_pods_run_the_images_commands_on_its_port_as_its_user() -> None:
    project = kubernetes_project()
    manifests = build(project / OVERLAY)
    migration, server = image_commands(project)
    user = int(dockerfile_line(project, r"^USER (\d+)$"))

    deployment, job = of_kind(manifests, "Deployment"), of_kind(manifests, "Job")
    [api], [migrate] = containers(deployment), containers(job)
    assert api["command"] == server
    assert migrate["command"] == migration
    assert [port["containerPort"] for port in api["ports"]] == [exposed_port(project)]
    for manifest, container in ((deployment, api), (job, migrate)):
        pod = manifest["spec"]["template"]["spec"]["securityContext"]
        assert pod["runAsNonRoot"] is True
        assert pod["runAsUser"] == user
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert set(container["resources"]["requests"]) == {"cpu", "memory"}
        assert container["image"] == "my-service:0.1.0"


def test_the_probes_ask_the_apps_own_endpoints() -> None:
    project = kubernetes_project()
    [api] = containers(of_kind(build(project / OVERLAY), "Deployment"))

    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    assert api["startupProbe"]["httpGet"]["path"] == "/health"
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert {"/health", "/ready"} <= probe_paths(project)
    port_names = {port["name"] for port in api["ports"]}
    for probe in ("livenessProbe", "startupProbe", "readinessProbe"):
        assert api[probe]["httpGet"]["port"] in port_names


def test_a_stopping_pod_has_time_for_the_pause_and_the_servers_grace_period() -> None:
    project = kubernetes_project()
    deployment = of_kind(build(project / OVERLAY), "Deployment")
    [api] = containers(deployment)

    pause = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    allowed = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert allowed > pause + grace_seconds(project)


def test_the_service_autoscaler_and_budget_select_the_api_pods_and_not_the_job() -> None:
    manifests = build(kubernetes_project() / OVERLAY)
    deployment, job = of_kind(manifests, "Deployment"), of_kind(manifests, "Job")
    api_labels = deployment["spec"]["template"]["metadata"]["labels"]
    job_labels = job["spec"]["template"]["metadata"].get("labels", {})

    service = of_kind(manifests, "Service")["spec"]["selector"]
    budget = of_kind(manifests, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    for selector in (service, budget, deployment["spec"]["selector"]["matchLabels"]):
        assert selector.items() <= api_labels.items()
        assert not selector.items() <= job_labels.items()
    target = of_kind(manifests, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert of_kind(manifests, "Service")["spec"]["ports"][0]["targetPort"] == "http"


def test_every_setting_the_config_map_gives_is_one_the_service_reads() -> None:
    project = kubernetes_project()
    config_map = of_kind(build(project / OVERLAY), "ConfigMap")

    assert unread_by_the_service(set(config_map["data"]), project) == set()


def test_kubernetes_is_asked_only_where_replicas_share_a_database() -> None:
    project = rendered(database="sqlite")

    assert not (project / "deploy").exists()
    assert "deploy" not in yaml.safe_load((project / ".copier-answers.yml").read_text())


# --- The job worker (jobs) ----------------------------------------------------------------------


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    [manifest] = [m for m in manifests if (m["kind"], m["metadata"]["name"]) == (kind, name)]
    return manifest


def selects(selector: dict[str, str], manifest: Manifest) -> bool:
    """Whether the selector picks the pods of the workload."""
    labels: dict[str, str] = manifest["spec"]["template"]["metadata"]["labels"]
    return selector.items() <= labels.items()


@pytest.mark.parametrize("profile", SQL_JOBS_PROFILES)
@pytest.mark.parametrize("jobs", [True, False], ids=["jobs", "no-jobs"])
def test_the_overlay_runs_a_worker_exactly_where_the_project_has_jobs(
    profile: str, jobs: bool
) -> None:
    manifests = build(kubernetes_project(profile, jobs=jobs) / OVERLAY)

    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    workers = {m["kind"] for m in manifests if m["metadata"]["name"] == WORKER}
    assert workers == ({"Deployment", "NetworkPolicy"} if jobs else set())


@pytest.mark.parametrize("profile", SQL_JOBS_PROFILES)
def test_every_manifest_file_of_a_project_with_jobs_is_in_the_kustomization(profile: str) -> None:
    base = kubernetes_project(profile, jobs=True) / OVERLAY / "../../base"
    listed = yaml.safe_load((base / "kustomization.yaml").read_text())["resources"]

    assert sorted(listed) == sorted(
        path.name for path in base.glob("*.yaml") if path.name != "kustomization.yaml"
    )


@pytest.fixture(params=SQL_JOBS_PROFILES)
def worker_project(request: pytest.FixtureRequest) -> Path:
    """A Kubernetes project with jobs (shared, read only)."""
    return kubernetes_project(request.param, jobs=True)


def test_the_worker_pods_run_the_images_worker_as_the_api_pods_run(worker_project: Path) -> None:
    manifests = build(worker_project / OVERLAY)
    api = named(manifests, "Deployment", "my-service")
    worker = named(manifests, "Deployment", WORKER)
    [api_container], [container] = containers(api), containers(worker)

    assert container["command"] == worker_command(worker_project)
    assert "ports" not in container
    assert worker["spec"]["replicas"] >= 2
    # The same image, settings, secrets, user and limits as the api's: only the command differs.
    for field in ("image", "envFrom", "securityContext", "resources", "volumeMounts"):
        assert container[field] == api_container[field], field
    pods = [manifest["spec"]["template"]["spec"] for manifest in (api, worker)]
    assert pods[0]["securityContext"] == pods[1]["securityContext"]


def test_the_worker_is_probed_by_its_liveness_check(worker_project: Path) -> None:
    [container] = containers(named(build(worker_project / OVERLAY), "Deployment", WORKER))

    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["exec"]["command"] == worker_liveness_command(worker_project)
        # The check starts a Python process: more than the kubelet's default second.
        assert container[probe]["timeoutSeconds"] >= 2


def test_a_stopping_worker_has_time_for_its_jobs_grace_period(worker_project: Path) -> None:
    manifests = build(worker_project / OVERLAY)
    worker = named(manifests, "Deployment", WORKER)
    config_map = of_kind(manifests, "ConfigMap")["data"]

    allowed = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    # The grace the ConfigMap gives the worker, and the settings' default should it lose it.
    assert allowed > float(config_map["WORKER_SHUTDOWN_GRACE_SECONDS"])
    assert allowed > worker_grace_seconds(worker_project)
    assert unread_by_the_service(set(config_map), worker_project) == set()


def test_no_service_autoscaler_or_budget_takes_the_worker_for_the_api(worker_project: Path) -> None:
    manifests = build(worker_project / OVERLAY)
    worker = named(manifests, "Deployment", WORKER)

    service = of_kind(manifests, "Service")["spec"]["selector"]
    budget = of_kind(manifests, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    api_policy = named(manifests, "NetworkPolicy", "my-service")["spec"]["podSelector"]
    for selector in (service, budget, api_policy["matchLabels"]):
        assert not selects(selector, worker)
    target = of_kind(manifests, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert target["name"] != WORKER


def test_the_worker_reaches_dns_the_database_and_webhooks_only_and_nothing_reaches_it(
    worker_project: Path,
) -> None:
    manifests = build(worker_project / OVERLAY)
    worker = named(manifests, "Deployment", WORKER)
    policy = named(manifests, "NetworkPolicy", WORKER)["spec"]

    assert selects(policy["podSelector"]["matchLabels"], worker)
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    assert policy.get("ingress", []) == []
    reached = {
        (port["protocol"], port["port"]) for rule in policy["egress"] for port in rule["ports"]
    }
    assert reached == {("UDP", 53), ("TCP", 53), ("TCP", 5432), ("TCP", 443)}


@pytest.mark.parametrize("profile", SQL_JOBS_PROFILES)
def test_with_telemetry_the_worker_also_reaches_the_collector(profile: str) -> None:
    project = kubernetes_project(profile, jobs=True, telemetry=True)
    policy = named(build(project / OVERLAY), "NetworkPolicy", WORKER)["spec"]

    reached = {
        (port["protocol"], port["port"]) for rule in policy["egress"] for port in rule["ports"]
    }
    assert ("TCP", 4318) in reached
