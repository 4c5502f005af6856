"""gunicorn settings for containers: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

Every value can be overridden by its ``GUNICORN_*`` variable (or gunicorn's own
``GUNICORN_CMD_ARGS``), so one image fits a laptop, a compose host and a Kubernetes pod.
"""

import multiprocessing
import os


def _cpu_count() -> int:
    # A container limited to some CPUs still sees every core of the host in cpu_count();
    # sched_getaffinity respects cpusets, and the CFS quota (cgroup v2) respects CPU limits.
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = multiprocessing.cpu_count()
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()  # noqa: SIM115
        if quota != "max":
            available = min(available, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, available)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Django is CPU-bound per request: (2 x cores) + 1 sync workers keeps the cores busy while some
# workers wait on PostgreSQL or Redis, without the memory of threads in every worker.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * _cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is stuck (the slowest page renders in well under a
# second); the worker is killed and replaced rather than holding a slot forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM workers stop accepting, finish the requests they hold for up to this long, then
# exit. Kubernetes' terminationGracePeriodSeconds (40) and compose's stop_grace_period (40s)
# leave room for it.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Behind a proxy that keeps connections open (nginx, Caddy, a cloud load balancer).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak in a library never takes a pod down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Import Django once in the master: workers fork with the code already loaded (less memory,
# faster start). Database connections are opened per worker after the fork, never shared.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Containers log to stdout/stderr; the collector adds the pod and the time.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = (
    '{"remote": "%(h)s", "request": "%(r)s", "status": %(s)s, "bytes": "%(B)s", '
    '"duration_ms": %(M)s, "request_id": "%({x-request-id}o)s", "user_agent": "%(a)s"}'
)
# /tmp in many images is on disk; the heartbeat files belong in memory.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)  # nosec B108
# The proxy in front (nginx, Caddy, an ingress) sets X-Forwarded-*; trust it from anywhere
# inside the pod network, since only the proxy can reach the container.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")


def child_exit(server: object, worker: object) -> None:
    """Drop a finished worker's live gauges from the shared Prometheus files; counters stay."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


# gunicorn's control socket (for gunicornc) lives under $HOME, which is read-only in the pod,
# and two servers on one machine would share it; signals (TERM, HUP, TTIN) do the same job.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "0") != "1"
