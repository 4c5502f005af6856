"""`{% storefront_assets 'entry.ts' %}`: a Vite entry's CSS inlined into the page, its script deferred.

A stylesheet linked from <head> blocks the first paint until it has downloaded: on a phone
network that is a round trip or more before anything shows. The storefront's whole CSS is
small (about 5 kB compressed), so it goes into the page itself and the first response can
paint. Only styles are inlined: the script stays an external module (deferred by nature),
so a Content-Security-Policy without 'unsafe-inline' for scripts keeps working.

With VITE_DEV_MODE the dev server injects the CSS itself (hot reload), as django-vite does.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_vite.core.asset_loader import DjangoViteAssetLoader

register = template.Library()


def _vite_settings() -> dict[str, object]:
    vite: dict[str, object] = settings.DJANGO_VITE["default"]
    return vite


@functools.cache
def _read_stylesheets(manifest_path: Path, entry: str, manifest_mtime_ns: int) -> str:
    """The CSS files the build lists for ``entry``, joined; cached per build (mtime in the key)."""
    manifest = json.loads(manifest_path.read_text())
    dist = manifest_path.parent
    return "\n".join((dist / css).read_text() for css in manifest[entry].get("css", []))


def inline_css_for(entry: str) -> str:
    manifest_path = Path(str(_vite_settings()["manifest_path"]))
    return _read_stylesheets(manifest_path, entry, manifest_path.stat().st_mtime_ns)


@register.simple_tag
def storefront_assets(entry: str) -> SafeString:
    loader = DjangoViteAssetLoader.instance()
    if _vite_settings().get("dev_mode"):
        return mark_safe(loader.generate_vite_asset(entry))  # nosec B308 B703 # noqa: S308 (django-vite's own tags)
    # "</style" cannot occur in CSS that Vite minified from our sources; guard anyway.
    css = inline_css_for(entry).replace("</style", "<\\/style")
    return format_html(
        '<style>{}</style>\n  <script type="module" crossorigin src="{}"></script>',
        mark_safe(css),  # nosec B308 B703 # noqa: S308 (our own built CSS, not user input)
        loader.generate_vite_asset_url(entry),
    )
