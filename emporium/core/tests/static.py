"""Static files as production collects them, made once per test run.

``collectstatic`` with DEBUG off hashes every file and compresses it (gzip, and Brotli where the
package is installed). Four tests need such a tree (the manifest check, start-up,
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
# `manage.py collectstatic` with WhiteNoise told Brotli is not installed (it then writes gzip only).
COLLECT_WITHOUT_BROTLI = """
import os
import whitenoise.compress
whitenoise.compress.brotli_installed = False
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "collectstatic", "--noinput", "-v0"])
"""


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A STATIC_ROOT filled by ``manage.py collectstatic`` in a production-like process.

    A separate process with DEBUG off, so the storage is the one production uses
    (WhiteNoise's compressed manifest storage), whatever this process's test settings say.
    It leaves out the Brotli copies: Brotli at its highest quality is seven eighths of the
    command's time (30 s of CPU against 4 s without), and no test reads a ``.br`` file; the
    hashed names, the manifest and the gzip copies are the image's.
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
                [sys.executable, "-c", COLLECT_WITHOUT_BROTLI],
                cwd=ROOT,
                env=env,
                check=True,
            )
    return root
