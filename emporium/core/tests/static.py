"""Static files as production collects them, made once per test process.

``collectstatic`` with DEBUG off hashes every file and compresses it twice (gzip and Brotli):
about half a minute of one core. Four tests need such a tree (the manifest check, start-up,
a gunicorn with an unreachable database, the image's web command); each collecting its own
cost two minutes of the suite. They share this one instead and only read it.
"""

from __future__ import annotations

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
    root = tmp_path_factory.mktemp("collected-static")
    env = {**os.environ, "DEBUG": "0", "STATIC_ROOT": str(root)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return root
