"""What a web process checks before it serves its first page."""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django_vite.core.asset_loader import DjangoViteAssetLoader

STOREFRONT_ENTRY = "frontend/storefront/main.ts"


def ensure_static_files_collected() -> None:
    """Refuse to start when pages would link static files that collectstatic never wrote.

    With DEBUG off, the manifest storage names every file by the hash that collectstatic
    recorded in staticfiles.json. Without that file (or with one older than the last Vite
    build) every page fails with a 500 ("Missing staticfiles manifest entry"). One clear
    message at start-up says what to do instead of a 500 per page. Run from config/wsgi.py
    and config/asgi.py, so it covers gunicorn and runserver, and not management commands:
    collectstatic itself must run while nothing is collected yet.
    """
    if not isinstance(storages["staticfiles"], ManifestFilesMixin):
        return  # DEBUG: files are served from their sources, nothing to collect
    try:
        DjangoViteAssetLoader.instance().generate_vite_asset_url(STOREFRONT_ENTRY)
    except ValueError as error:  # the manifest storage's "Missing staticfiles manifest entry"
        raise ImproperlyConfigured(
            "Static files are not collected, so every page would fail: run "
            "`python manage.py collectstatic --noinput` after each front-end build "
            f"(with DEBUG off), or serve with `make serve`, which does it. ({error})"
        ) from error
