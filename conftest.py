"""Project-wide test set-up: the same settings module as production, tuned only for speed."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from config.celery import app as celery_app

# Fixtures shared by several apps' tests.
pytest_plugins = [
    "emporium.core.tests.mail",
    "emporium.core.tests.broker",
    "emporium.core.tests.collection",
    "emporium.core.tests.flush",
    "emporium.core.tests.private_redis",
    "emporium.core.tests.staff",
    "emporium.core.tests.static",
]

# Property tests check arithmetic, not speed: Hypothesis' default 200 ms deadline per example
# fails them on a busy CI machine for reasons that have nothing to do with the code.
hypothesis_settings.register_profile("emporium", deadline=None, print_blob=True)
# On CI the examples are drawn from a fixed seed, so a red run is the code's doing and reruns the
# same; on a developer's machine every run explores new examples (and a failure prints its blob).
hypothesis_settings.register_profile(
    "ci", parent=hypothesis_settings.get_profile("emporium"), derandomize=True
)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "emporium")


def _redis_url_of_this_worker(url: str, worker: str | None) -> str:
    """The Redis database this test process may flush: its own, when pytest-xdist runs several.

    Every test empties the cache (``cache.clear()`` is FLUSHDB on Redis), so two workers on one
    database would empty each other's caches mid-test. Worker gwN counts down from the database
    named in REDIS_URL (15, 14, ... for the documented /15), never into the low numbers a
    developer's own shop uses, unless the URL names one of those.
    """
    if not url or not worker:
        return url
    index = int(worker.removeprefix("gw"))
    head, _, database = url.rpartition("/")
    base = int(database) if database.isdigit() else 0
    return f"{head}/{base - index if base >= index else base + index}"


_EMPTY_STATIC_ROOT = Path(tempfile.mkdtemp(prefix="emporium-tests-static-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_EMPTY_STATIC_ROOT, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    redis_url = _redis_url_of_this_worker(
        os.environ.get("REDIS_URL", ""), os.environ.get("PYTEST_XDIST_WORKER")
    )
    if redis_url and redis_url != os.environ["REDIS_URL"]:
        shared = os.environ["REDIS_URL"]
        os.environ["REDIS_URL"] = redis_url  # for the servers and workers that tests start
        settings.REDIS_URL = redis_url  # tests that talk to Redis directly stay on their own too
        settings.CACHES["default"]["LOCATION"] = redis_url
        for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            if getattr(settings, name) == shared:  # not when a broker of its own is named
                setattr(settings, name, redis_url)
        celery_app.conf.update(
            broker_url=settings.CELERY_BROKER_URL, result_backend=settings.CELERY_RESULT_BACKEND
        )
    # Hashing with Argon2 on every factory-made user would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    # The manifest storage needs `collectstatic` first; tests and the live server read the
    # finders instead (test_static_files checks the manifest build on its own).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # WhiteNoise reads every file under STATIC_ROOT (and stats its compressed copies) each time
    # a test client builds the middleware: after `make run` or `make serve` has collected the
    # static files into ./staticfiles, that was a tenth of the suite's time. Tests get an empty
    # root, as on a clean checkout; the tests of the collected tree bring their own
    # (emporium/core/tests/static.py).
    settings.STATIC_ROOT = _EMPTY_STATIC_ROOT
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tasks run inline so a test sees their effect; tests of the worker path start a real
    # worker on the Redis broker and switch this off for their duration.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (and event buffer), so no test reads another's."""
    from django.core.cache import cache

    from emporium.catalog.tests.caches import empty_caches
    from emporium.recommendations.events import discard_buffered_events

    empty_caches()  # the shared cache, and the pages and version this process remembers
    discard_buffered_events()  # product views buffered by another test name its deleted rows
    yield
    cache.clear()


@pytest.fixture
def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
