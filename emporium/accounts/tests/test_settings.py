"""Account settings that follow the environment, each read in a fresh interpreter."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "staff_mfa_required": settings.STAFF_MFA_REQUIRED,
    "providers": settings.SOCIALACCOUNT_PROVIDERS,
    "trusted_proxies": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
}))
"""
CONFIG_KEYS = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMPORIUM_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "STAFF_MFA_REQUIRED",
)


def _settings(**variables: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CONFIG_KEYS and not key.startswith(("GOOGLE_", "GITHUB_", "OIDC_"))
    }
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_staff_two_factor_is_off_only_in_embedded_debug_mode():
    production = {
        "EMPORIUM_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "shop.example",
    }

    assert _settings()["staff_mfa_required"] is False
    assert _settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/shop")["staff_mfa_required"] is True
    assert _settings(**production)["staff_mfa_required"] is True
    assert _settings(STAFF_MFA_REQUIRED="true")["staff_mfa_required"] is True


def test_no_social_login_is_offered_without_credentials():
    assert _settings()["providers"] == {}


def test_each_social_login_is_configured_from_its_variables():
    providers = _settings(
        GOOGLE_CLIENT_ID="google-id",
        GOOGLE_CLIENT_SECRET="google-secret",
        GITHUB_CLIENT_ID="github-id",
        GITHUB_CLIENT_SECRET="github-secret",
        OIDC_SERVER_URL="https://id.example.com/realms/shop",
        OIDC_CLIENT_ID="shop",
        OIDC_CLIENT_SECRET="oidc-secret",
        OIDC_PROVIDER_NAME="Example ID",
    )["providers"]

    assert providers["google"]["APPS"] == [{"client_id": "google-id", "secret": "google-secret"}]
    assert providers["github"]["APPS"] == [{"client_id": "github-id", "secret": "github-secret"}]
    (oidc,) = providers["openid_connect"]["APPS"]
    assert oidc == {
        "provider_id": "sso",
        "name": "Example ID",
        "client_id": "shop",
        "secret": "oidc-secret",
        "settings": {"server_url": "https://id.example.com/realms/shop"},
    }


def test_production_trusts_the_load_balancer_for_client_addresses():
    production = {
        "EMPORIUM_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "shop.example",
    }

    assert _settings()["trusted_proxies"] == 0
    assert _settings(**production)["trusted_proxies"] == 1
    assert _settings(**production, TRUSTED_PROXY_COUNT="2")["trusted_proxies"] == 2
