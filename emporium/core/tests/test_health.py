import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_database_and_cache_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_with_unreachable_database(collected_static: Path) -> Iterator[str]:
    """A real gunicorn process whose DATABASE_URL points at a port nobody listens on."""
    closed_port, http_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port}/emporium",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONNECT_TIMEOUT": "2",
        # DEBUG is off outside embedded mode: the process refuses to start before collectstatic.
        "STATIC_ROOT": str(collected_static),
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{http_port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http_port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(server_with_unreachable_database):
    url = server_with_unreachable_database

    alive = httpx.get(f"{url}/healthz", timeout=5)
    ready = httpx.get(f"{url}/readyz", timeout=10)

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/json"
    assert ready.json()["failed"] == ["database"]
    assert ready.json()["checks"]["cache"]["status"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_by_pod_ip_are_answered_although_the_ip_is_not_an_allowed_host(client, settings, path):
    settings.ALLOWED_HOSTS = ["shop.example"]

    assert client.get(path, HTTP_HOST="10.1.2.3:8000").status_code == 200


@pytest.mark.django_db
def test_other_pages_still_refuse_an_unknown_host(client, settings):
    settings.ALLOWED_HOSTS = ["shop.example"]

    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400
