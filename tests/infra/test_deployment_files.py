"""infra/ checked offline: hadolint on the image, the compose file against the Compose
Specification's JSON schema, the Kubernetes manifests against Kubernetes' own schemas,
plus the rules of our layout that no schema knows (probes, one scheduler, no secrets).

No container runtime is needed (or present on CI): nothing here builds or runs an image.

The compose schema is vendored in tests/infra/schemas/ (taken from the `check-jsonschema`
package's vendored copy of the compose-spec project's schema, Apache-2.0). The Kubernetes
schemas come with the `kubernetes-validate` package.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tukiverkko.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
SCHEMAS = Path(__file__).parent / "schemas"
BIN = Path(sys.executable).parent
SETTING_NAMES = {f"TUKIVERKKO_{f.name.upper()}" for f in fields(Settings)}
# The oldest Kubernetes minor we promise to run on, and the newest the package knows.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|ACCESS_KEY)")


# -- the image ---------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(INFRA / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runtime_stage_is_lean_and_non_root() -> None:
    text = (INFRA / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2, "a builder stage and a runtime stage"
    builder, runtime = stages
    assert " AS builder" in builder.splitlines()[0]
    assert "python -m build --wheel" in builder
    # The runtime installs wheels only, from the builder, fetching nothing and compiling nothing.
    assert "--no-index" in runtime and "from=builder" in runtime
    for tool in ("build-essential", "gcc", "apt-get install", "python -m build"):
        assert tool not in runtime
    assert re.search(r"^COPY (?!infra/gunicorn.conf.py)", runtime, flags=re.M) is None, (
        "the runtime stage copies nothing from the context but the gunicorn config"
    )
    assert re.search(r"^USER 10001:10001$", runtime, flags=re.M)
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
    assert not SECRET_NAME.search(" ".join(re.findall(r"^(?:ENV|ARG) .*$", text, flags=re.M)))


# -- compose -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((INFRA / "compose.yaml").read_text())


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(compose), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_the_compose_schema_check_catches_mistakes(compose: dict[str, Any]) -> None:
    # The check above is only worth something if it fails on a broken file.
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    broken = json.loads(json.dumps(compose))
    broken["services"]["web"]["restrat"] = "always"
    broken["services"]["worker"]["depends_on"]["migrate"]["condition"] = "service_done"
    wrong = {error.json_path for error in validator.iter_errors(broken)}
    assert wrong == {"$.services.web", "$.services.worker.depends_on", "$.services.worker"}


def test_compose_stack_has_every_part_in_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "minio", "migrate", "web", "worker", "scheduler"} <= set(services)
    assert services["migrate"]["command"] == ["tukiverkko", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"] == ["tukiverkko", "worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "replicas" not in services["scheduler"].get("deploy", {})
    for name in ("web", "worker", "scheduler"):
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}, name
        assert needs["postgres"]["condition"] == "service_healthy", name
        assert needs["redis"]["condition"] == "service_healthy", name
    web = services["web"]
    assert "command" not in web  # the image's CMD: gunicorn with infra/gunicorn.conf.py
    assert web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert web["stop_grace_period"] == "30s"


def test_compose_keeps_secrets_out_of_the_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                pytest.fail(f"{name}: {key}={value!r} belongs in secrets.env")
            if key.startswith("TUKIVERKKO_"):
                assert key in SETTING_NAMES, f"{name}: {key} is no setting"
    app_services = ("migrate", "web", "worker", "scheduler")
    for name in app_services:
        assert compose["services"][name]["env_file"] == [
            {"path": "./secrets.env", "required": True}
        ]
    example = (INFRA / "secrets.env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and line[0].isalpha()}
    assert {"TUKIVERKKO_SECRET_KEY", "TUKIVERKKO_DATABASE_URL"} <= names
    assert all(n in SETTING_NAMES for n in names if n.startswith("TUKIVERKKO_"))
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "infra/secrets.env" in ignored


# -- Kubernetes --------------------------------------------------------------------------


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((INFRA / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.append((path.name, doc))
    return found


MANIFESTS = _manifests()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    "manifest",
    [doc for _, doc in MANIFESTS],
    ids=[f"{name}:{doc['kind']}" for name, doc in MANIFESTS],
)
def test_manifest_matches_the_kubernetes_schema(manifest: dict[str, Any], version: str) -> None:
    # strict: unknown fields (a typo such as `readinesProbe`) fail too.
    kubernetes_validate.validate(manifest, version, strict=True)


def test_the_kubernetes_check_catches_mistakes() -> None:
    web = next(doc for name, doc in MANIFESTS if name == "web-deployment.yaml")
    broken = json.loads(json.dumps(web))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in MANIFESTS if doc["kind"] == kind}


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    return containers


def test_web_has_probes_autoscaling_and_a_service() -> None:
    web = _by_kind("Deployment")["tukiverkko-web"]
    (container,) = _containers(web)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    hpa = _by_kind("HorizontalPodAutoscaler")["tukiverkko-web"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "tukiverkko-web",
    }
    assert hpa["spec"]["minReplicas"] >= 2
    assert container["resources"]["requests"]["cpu"], "CPU autoscaling needs a CPU request"
    service = _by_kind("Service")["tukiverkko-web"]
    pod_labels = web["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    grace = web["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert grace > int(env["GUNICORN_GRACEFUL_TIMEOUT"]) + 5, "preStop pause + graceful timeout"


def test_one_scheduler_that_never_overlaps_and_workers_that_scale() -> None:
    deployments = _by_kind("Deployment")
    scheduler = deployments["tukiverkko-scheduler"]
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}
    worker = deployments["tukiverkko-worker"]
    assert worker["spec"]["replicas"] >= 2
    for name in ("tukiverkko-worker", "tukiverkko-scheduler"):
        (container,) = _containers(deployments[name])
        assert container["args"] == ["tukiverkko", "worker"]
    job = _by_kind("Job")["tukiverkko-migrate"]
    (migrate,) = _containers(job)
    assert migrate["args"] == ["tukiverkko", "db", "upgrade"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_config_and_secrets_are_referenced_never_included() -> None:
    assert not _by_kind("Secret"), "secret values never live in the repository"
    config = _by_kind("ConfigMap")["tukiverkko-config"]
    for key in config["data"]:
        assert key in SETTING_NAMES, f"{key} is no setting"
        assert not SECRET_NAME.search(key), f"{key} belongs in a Secret"
    workloads = [*_by_kind("Deployment").values(), *_by_kind("Job").values()]
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            refs = {next(iter(source.values()))["name"] for source in container.get("envFrom", [])}
            assert refs == {"tukiverkko-config", "tukiverkko-secrets"}, workload["metadata"]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            for var in container.get("env", []):
                assert "value" not in var or not SECRET_NAME.search(var["name"]), var
    # Only the migration Job gets the table owner's URL.
    holders = [
        workload["metadata"]["name"]
        for workload in workloads
        for container in _containers(workload)
        for var in container.get("env", [])
        if var["name"] == "TUKIVERKKO_DATABASE_MIGRATION_URL"
    ]
    assert holders == ["tukiverkko-migrate"]
