"""Payment settings fail fast in production, each checked in a fresh interpreter."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# Everything the settings read that could leak in from the test run's own environment.
CLEARED = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMPORIUM_ENV", "DEBUG")


def _settings_in_production(**stripe: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CLEARED and not key.startswith("STRIPE_")
    }
    env.update(
        EMPORIUM_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example",
        DJANGO_SETTINGS_MODULE="config.settings",
        **stripe,
    )
    code = "from django.conf import settings; print(settings.PAYMENT_GATEWAYS)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_stripe_in_production_without_its_publishable_key_refuses_to_start():
    result = _settings_in_production(STRIPE_SECRET_KEY="sk_live_x", STRIPE_WEBHOOK_SECRET="whsec_x")

    assert result.returncode != 0
    assert "STRIPE_PUBLISHABLE_KEY" in result.stderr


def test_stripe_in_production_with_all_three_keys_starts():
    result = _settings_in_production(
        STRIPE_SECRET_KEY="sk_live_x", STRIPE_PUBLISHABLE_KEY="pk_live_x", STRIPE_WEBHOOK_SECRET="whsec_x"
    )

    assert result.returncode == 0, result.stderr
    assert "stripe" in result.stdout
