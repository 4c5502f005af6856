"""What a web process checks before it serves its first page."""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django_vite.core.asset_loader import DjangoViteAssetLoader

from emporium.core.templatetags.assets import STOREFRONT_ENTRY


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


def warm_up() -> list[str]:
    """Do in the web process, before it forks its workers, what each worker's first requests
    would otherwise do one by one: compile the project's templates (Django's and the Jinja2
    fragments) and build the URL resolver.

    gunicorn loads the app before forking (``preload_app``), so the compiled templates (Django's
    cached template loader keeps them per process) and the resolver are inherited by every
    worker instead of being built during its first page, which then took several times as
    long as the next one. Only the project's own templates (``templates/`` and each
    ``emporium`` app's): they are what pages render. A template that does not compile stops the
    start, as a missing static file does, rather than failing one page at a time. Touches no
    database and no cache: nothing opened here may be shared by forked workers. Returns the
    names of the templates compiled.
    """
    from pathlib import Path

    from django.conf import settings
    from django.template import engines
    from django.template.backends.django import DjangoTemplates
    from django.template.backends.jinja2 import Jinja2
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver

    ours = [Path(settings.BASE_DIR, "templates").resolve(), Path(settings.BASE_DIR, "emporium").resolve()]
    compiled = []
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            folder = "templates"
        elif isinstance(engine, Jinja2):
            folder = "jinja2"  # the hot fragments (docs/decisions/0017); Jinja2 keeps them compiled too
        else:
            continue
        directories = [Path(str(directory)) for directory in (*engine.dirs, *get_app_template_dirs(folder))]
        for directory in directories:
            if not any(directory.resolve().is_relative_to(root) for root in ours):
                continue  # Django's and third parties' templates: the few that pages use load on use
            for path in sorted(directory.rglob("*")):
                if path.is_file() and path.suffix in (".html", ".txt"):
                    name = path.relative_to(directory).as_posix()
                    engine.get_template(name)
                    compiled.append(name)
    get_resolver().reverse_dict  # noqa: B018 (reading it builds the resolver's lookup tables)
    return compiled
