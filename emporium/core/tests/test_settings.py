"""The three modes, each checked in a fresh interpreter with only the variables it names."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONFIG_KEYS = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "EMPORIUM_ENV",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests for their own process
    "LOG_FORMAT",
    "METRICS_ENABLED",
    "METRICS_TOKEN",
    "SENTRY_DSN",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "AWS_STORAGE_BUCKET_NAME",
    "PROMETHEUS_MULTIPROC_DIR",
    "DB_CONN_MAX_AGE",
    "DB_PREPARED_STATEMENTS",
)

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "sessions": settings.SESSION_ENGINE,
}))
"""


def _run(args: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_KEYS}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _settings(**variables: str) -> dict[str, object]:
    result = _run(["-c", PRINT_SETTINGS], **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_mode_needs_no_configuration():
    assert _settings() == {
        "engine": "django.db.backends.sqlite3",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "eager": True,
        "broker": "memory://",
        "email": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
        "sessions": "django.contrib.sessions.backends.db",
    }


def test_service_mode_reads_the_urls():
    assert _settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/shop",
        REDIS_URL="redis://127.0.0.1:6379/2",
        EMAIL_URL="smtp://mailer:secret@smtp.example:587",
    ) == {
        "engine": "emporium.core.postgresql",  # Django's, health-checked from the socket
        "cache": "emporium.core.cache.ResilientRedisCache",
        "eager": False,
        "broker": "redis://127.0.0.1:6379/2",
        "email": "django.core.mail.backends.smtp.EmailBackend",
        "debug": False,
        "sessions": "django.contrib.sessions.backends.cached_db",
    }


def test_with_metrics_postgresql_is_the_counting_backend_with_the_socket_health_check():
    assert (
        _settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/shop", METRICS_ENABLED="1")["engine"]
        == "emporium.core.postgresql.with_metrics"
    )


def test_postgresql_prepares_the_hot_reads_only_with_persistent_connections_unless_told():
    def prepares(**variables: str) -> object:
        script = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('prepared_statements'))"
        result = _run(["-c", script], DATABASE_URL="postgres://postgres@127.0.0.1:5432/shop", **variables)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert prepares() == "True"
    assert prepares(DB_CONN_MAX_AGE="0") == "False"  # a connection a request: prepared for one run
    assert prepares(DB_PREPARED_STATEMENTS="0") == "False"  # a pooler that cannot keep them
    assert prepares(DB_CONN_MAX_AGE="0", DB_PREPARED_STATEMENTS="1") == "True"  # PgBouncer 1.21+


def test_mariadb_url_selects_the_mysql_backend():
    assert _settings(DATABASE_URL="mysql://root@127.0.0.1:3306/shop")["engine"] == "django.db.backends.mysql"


def test_production_check_deploy_prints_no_warning():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        EMPORIUM_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["manage.py", "check"], EMPORIUM_ENV="production", ALLOWED_HOSTS="shop.example")

    assert result.returncode != 0
    assert "EMPORIUM_ENV=production needs a real SECRET_KEY" in result.stderr


def test_production_refuses_a_placeholder_secret_key():
    result = _run(
        ["manage.py", "check"], EMPORIUM_ENV="production", ALLOWED_HOSTS="shop.example", SECRET_KEY="changeme"
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["manage.py", "check"], EMPORIUM_ENV="production", SECRET_KEY=secrets.token_urlsafe(64))

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_every_emporium_app_runs_its_own_app_config():
    # Django falls back to a bare AppConfig, silently, when an apps.py holds two configs and
    # neither is marked default: the app's ready() (core's Redis-outage wiring) would never run.
    import importlib
    import inspect

    from django.apps import AppConfig, apps
    from django.conf import settings

    for config in apps.get_app_configs():
        if not config.name.startswith("emporium."):
            continue
        module = importlib.import_module(f"{config.name}.apps")
        own = [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, AppConfig) and cls.__module__ == module.__name__
        ]
        assert [type(config)] == own, config.name
    # By that name, not a config class: pytest-django's live server serves static files only then.
    assert "django.contrib.staticfiles" in settings.INSTALLED_APPS
