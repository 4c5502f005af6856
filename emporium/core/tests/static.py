"""Static files as production collects them, made once per test run.

``collectstatic`` with DEBUG off hashes every file and compresses it twice (gzip and Brotli):
about half a minute of one core. Four tests need such a tree (the manifest check, start-up,
a gunicorn with an unreachable database, the image's web command); each collecting its own
cost two minutes of the suite. They share this one instead and only read it; under
pytest-xdist the workers share it too (the first to need it collects, under a file lock, while
the others wait), as the four tests land on different workers.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A STATIC_ROOT filled by ``manage.py collectstatic`` in a production-like process.

    A separate process with DEBUG off, so the storage is the one production uses
    (WhiteNoise's compressed manifest storage), whatever this process's test settings say.
    """
    # The run's own temporary directory: one per run, shared by its xdist workers (each
    # worker's basetemp is a folder in it).
    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent
    root = run_dir / "collected-static"
    with (run_dir / "collected-static.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "staticfiles.json").exists():
            env = {**os.environ, "DEBUG": "0", "STATIC_ROOT": str(root)}
            env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
    return root
