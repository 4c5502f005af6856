"""Several shop servers behind nginx on this machine, sharing one PostgreSQL and one Redis,
plus a Celery worker: what a scaled-out deployment is, in miniature.

Used by the scale-out test (e2e/test_scale_out.py) and ``make bench BENCH=scaleout``. Every
process is started here and stopped on exit, whatever happens; nothing listens beyond 127.0.0.1.
nginx is Debian's package (``apt-get install nginx``; .ci/run installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.server import ROOT, _free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream shop {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://shop;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # A server that refuses the connection (stopping, or gone) sends the request to the
            # next one. nginx resends a POST only when the first server never received it,
            # so an order is never placed twice.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    proxy_url: str
    server_urls: list[str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def stop_server(self, index: int, *, timeout: float = 40) -> int:
        """SIGTERM one gunicorn, as an orchestrator does, and wait until it has exited."""
        process = self.processes[f"web{index}"]
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)


def _wait_until_up(url: str, *, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {seconds:.0f} s")


def _stop(process: subprocess.Popen[bytes], *, timeout: float = 40) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _stop_all(cluster: Cluster) -> None:
    for process in cluster.processes.values():
        _stop(process)


@contextmanager
def scale_out_cluster(
    *,
    servers: int,
    workers_per_server: int,
    env: dict[str, str],
    celery_worker: bool = True,
    static_root: Path | None = None,
) -> Iterator[Cluster]:
    """Start `servers` gunicorns (same settings as the image's web role) behind one nginx.

    Static files are collected into a temporary folder first, unless `static_root` names one
    already collected (the tests share one per run: collecting with Brotli takes 20 s).
    """
    if NGINX is None:
        raise RuntimeError("nginx is not installed: apt-get install nginx")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="emporium-cluster-")))
        tmp.chmod(0o755)
        collect = static_root is None
        static_root = static_root or tmp / "static"
        base_env = {
            **os.environ,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "0",
            "STATIC_ROOT": str(static_root),
            "GUNICORN_WORKERS": str(workers_per_server),
            "GUNICORN_ACCESSLOG": "",  # thousands of lines would only slow the run down
            "GUNICORN_LOGLEVEL": "warning",
            **env,
        }
        base_env.pop("GUNICORN_CMD_ARGS", None)
        if collect:
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=base_env,
                check=True,
                timeout=300,
            )
        cluster = Cluster(proxy_url="", server_urls=[])
        stack.callback(_stop_all, cluster)
        bin_dir = Path(sys.executable).parent
        for index in range(servers):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            multiproc = tmp / f"prometheus-{index}"
            multiproc.mkdir()
            process = subprocess.Popen(
                [str(bin_dir / "gunicorn"), "--config", "config/gunicorn.conf.py", "config.wsgi",
                 "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env={**base_env, "PROMETHEUS_MULTIPROC_DIR": str(multiproc)},
            )  # fmt: skip
            cluster.processes[f"web{index}"] = process
            cluster.server_urls.append(url)
        if celery_worker:
            cluster.processes["worker"] = subprocess.Popen(
                [str(bin_dir / "celery"), "--app", "config", "worker", "--pool", "solo",
                 "--loglevel", "WARNING", "--without-mingle", "--without-gossip"],
                cwd=ROOT,
                env=base_env,
            )  # fmt: skip
        for index, url in enumerate(cluster.server_urls):
            _wait_until_up(url, process=cluster.processes[f"web{index}"])
        port = _free_port()
        for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / folder).mkdir(mode=0o777)
        upstreams = "\n".join(f"        server {url.removeprefix('http://')};" for url in cluster.server_urls)
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, servers=upstreams, port=port))
        cluster.processes["nginx"] = subprocess.Popen([NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)])
        cluster.proxy_url = f"http://127.0.0.1:{port}"
        _wait_until_up(cluster.proxy_url, process=cluster.processes["nginx"], seconds=20)
        yield cluster
