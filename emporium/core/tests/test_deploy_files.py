"""The container and cluster files: the Kubernetes manifests pass the API schemas, compose names
every role with a health check, and the image's entrypoint starts each role the files use.

No Docker engine or cluster runs here; the image itself is built on GitHub Actions (ci.yml).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import ValidationError

from emporium.core.tests.kustomize import build

ROOT = Path(__file__).resolve().parents[3]
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = [KUBERNETES / "base", KUBERNETES / "overlays" / "production"]
# The oldest Kubernetes we support: the preStop "sleep" action needs 1.30.
KUBERNETES_VERSION = "1.30"
# Custom resources of the CloudNativePG operator: not in the core schemas, checked by hand below.
OPERATOR_API_GROUPS = ("postgresql.cnpg.io/",)
ENTRYPOINT_ROLES = {"web", "worker", "beat", "migrate"}


def _objects(overlay: Path) -> list[dict[str, Any]]:
    return build(overlay)


def _by_kind_and_name(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]


# --- Kubernetes -----------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda path: path.name)
def test_every_kubernetes_object_passes_the_api_schema_strictly(overlay):
    for obj in _objects(overlay):
        if obj["apiVersion"].startswith(OPERATOR_API_GROUPS):
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_refuses_a_misspelt_field():
    deployment = _by_kind_and_name(_objects(KUBERNETES / "base"))[("Deployment", "emporium-web")]
    broken = copy.deepcopy(deployment)
    broken["spec"]["replica"] = 3  # the field is "replicas"
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_secret_example_passes_the_schema_and_is_never_applied():
    secret = yaml.safe_load((KUBERNETES / "base" / "secret.example.yaml").read_text())
    kubernetes_validate.validate(secret, KUBERNETES_VERSION, strict=True)
    assert ("Secret", "emporium") not in _by_kind_and_name(_objects(KUBERNETES / "overlays" / "production"))


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda path: path.name)
def test_the_test_builder_builds_what_kubectl_kustomize_builds(overlay):
    result = subprocess.run(
        ["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=60, check=True
    )
    from_kubectl = list(yaml.safe_load_all(result.stdout))

    def canonical(objects: list[dict[str, Any]]) -> list[str]:
        return sorted(json.dumps(obj, sort_keys=True) for obj in objects)

    assert canonical(_objects(overlay)) == canonical(from_kubectl)


def test_production_overlay_pins_the_image_and_its_namespace():
    objects = _objects(KUBERNETES / "overlays" / "production")
    assert {obj["metadata"].get("namespace") for obj in objects} == {"emporium"}
    images = {
        container["image"]
        for obj in objects
        if obj["kind"] in {"Deployment", "Job"}
        for container in _pod_spec(obj)["containers"]
    }
    assert images == {"ghcr.io/example/emporium:1.0.0"}


def test_web_is_probed_on_readyz_and_healthz_and_every_container_has_resources():
    objects = _by_kind_and_name(_objects(KUBERNETES / "overlays" / "production"))
    web = _pod_spec(objects[("Deployment", "emporium-web")])["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    worker = _pod_spec(objects[("Deployment", "emporium-worker")])["containers"][0]
    assert "readinessProbe" in worker
    assert "livenessProbe" in worker
    for obj in objects.values():
        if obj["kind"] in {"Deployment", "Job"}:
            for container in _pod_spec(obj)["containers"]:
                assert container["resources"]["requests"], obj["metadata"]["name"]
                assert container["resources"]["limits"]["memory"], obj["metadata"]["name"]


def test_web_gets_time_to_finish_its_requests_on_shutdown():
    web = _by_kind_and_name(_objects(KUBERNETES / "base"))[("Deployment", "emporium-web")]
    pod = _pod_spec(web)
    prestop_seconds = pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > prestop_seconds + _gunicorn_settings()["graceful_timeout"]


def test_beat_runs_one_replica_and_never_two_during_a_rollout():
    beat = _by_kind_and_name(_objects(KUBERNETES / "overlays" / "production"))[
        ("Deployment", "emporium-beat")
    ]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_autoscaler_budget_service_and_ingress_point_at_the_web_pods():
    objects = _by_kind_and_name(_objects(KUBERNETES / "overlays" / "production"))
    web = objects[("Deployment", "emporium-web")]
    pod_labels = web["spec"]["template"]["metadata"]["labels"]
    hpa = objects[("HorizontalPodAutoscaler", "emporium-web")]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "emporium-web",
    }
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = objects[("PodDisruptionBudget", "emporium-web")]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    service = objects[("Service", "emporium-web")]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    ingress = objects[("Ingress", "emporium")]
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "emporium-web"
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}


def test_migrations_run_as_a_job_that_does_not_restart_forever():
    job = _by_kind_and_name(_objects(KUBERNETES / "base"))[("Job", "emporium-migrate")]
    assert _pod_spec(job)["containers"][0]["args"] == ["migrate"]
    assert _pod_spec(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] <= 3


def test_cloudnativepg_example_names_the_service_the_secret_example_uses():
    objects = _by_kind_and_name(_objects(KUBERNETES / "overlays" / "production"))
    cluster = objects[("Cluster", "emporium-db")]
    assert cluster["spec"]["instances"] >= 2
    assert cluster["spec"]["storage"]["size"]
    assert objects[("ScheduledBackup", "emporium-db-nightly")]["spec"]["cluster"]["name"] == "emporium-db"
    secret = yaml.safe_load((KUBERNETES / "base" / "secret.example.yaml").read_text())
    assert "@emporium-db-rw:5432/" in secret["stringData"]["DATABASE_URL"]


def test_every_workload_runs_an_entrypoint_role_as_a_non_root_user():
    for obj in _objects(KUBERNETES / "base"):
        if obj["kind"] in {"Deployment", "Job"}:
            pod = _pod_spec(obj)
            assert pod["securityContext"]["runAsNonRoot"] is True
            for container in pod["containers"]:
                assert container["args"][0] in ENTRYPOINT_ROLES


# --- compose --------------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_names_every_service_and_each_long_running_one_has_a_health_check():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat", "proxy"}
    for name, service in services.items():
        if name == "migrate":  # a one-shot job: done when it exits 0
            assert service["restart"] == "no"
            continue
        assert service["healthcheck"]["test"], name


def test_compose_starts_web_and_workers_only_after_migrations_and_healthy_services():
    services = _compose()["services"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends_on["redis"] == {"condition": "service_healthy"}, name
    assert services["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_compose_runs_one_image_with_entrypoint_roles_and_keeps_data_in_volumes():
    compose = _compose()
    services = compose["services"]
    shop = {name: services[name] for name in ("migrate", "web", "worker", "beat")}
    assert {service["image"] for service in shop.values()} == {"${EMPORIUM_IMAGE:-emporium:latest}"}
    assert {name: service["command"][0] for name, service in shop.items()} == {name: name for name in shop}
    assert "media:/app/media" in services["web"]["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert {"postgres-data", "media"} <= set(compose["volumes"])
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])


# --- The image ------------------------------------------------------------------------------


def _entrypoint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ROOT / "deploy" / "entrypoint.sh"), "--dry-run", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={"PATH": os.environ["PATH"]},
    )


@pytest.mark.parametrize(
    ("role", "command"),
    [
        ("web", "gunicorn --config config/gunicorn.conf.py config.wsgi"),
        ("worker", "celery --app config worker --loglevel INFO --queues celery --concurrency 2"),
        ("beat", "celery --app config beat --loglevel INFO --schedule /tmp/celerybeat-schedule"),
        ("migrate", "python manage.py migrate --noinput"),
        ("manage", "python manage.py"),
    ],
)
def test_entrypoint_starts_each_role_with_its_command(role, command):
    assert _entrypoint(role).stdout.strip() == command


def test_entrypoint_passes_extra_arguments_and_runs_other_commands_as_given():
    assert _entrypoint("manage", "createsuperuser").stdout.strip() == "python manage.py createsuperuser"
    assert _entrypoint("sh", "-c", "true").stdout.strip() == "sh -c true"


def test_web_role_command_loads_the_app_with_the_gunicorn_config(collected_static: Path):
    # What the web role execs, run for real: gunicorn reads the config file and imports the app.
    # Outside embedded mode DEBUG is off and the app refuses to load before collectstatic, as
    # the image runs it at build time.
    env = {**os.environ, "GUNICORN_WORKERS": "1", "STATIC_ROOT": str(collected_static)}
    command = _entrypoint("web").stdout.split()
    executable = Path(sys.executable).parent / command[0]
    result = subprocess.run(
        [str(executable), *command[1:], "--check-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr


def _gunicorn_settings() -> dict[str, Any]:
    import runpy

    return runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))


def test_gunicorn_config_derives_workers_from_cpus_and_logs_to_stdout():
    settings = _gunicorn_settings()
    assert settings["workers"] == 2 * settings["_cpu_count"]() + 1
    assert settings["accesslog"] == "-"
    assert settings["graceful_timeout"] <= settings["timeout"]
    assert settings["preload_app"] is True


def test_dockerfile_builds_front_end_and_python_stages_and_runs_as_a_plain_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM node:20" in dockerfile
    assert "npm ci" in dockerfile
    assert "npm run build" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "collectstatic" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "/app/deploy/entrypoint.sh"]' in dockerfile
    user_lines = [line for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user_lines
    assert user_lines[-1] != "USER root"
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                if not source.startswith("--"):
                    assert (ROOT / source).exists(), source


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "node_modules", "db.sqlite3", ".env", "media", "staticfiles"} <= ignored
