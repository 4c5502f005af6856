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

STOREFRONT_ENTRY = "frontend/storefront/main.ts"


def _vite_settings() -> dict[str, object]:
    vite: dict[str, object] = settings.DJANGO_VITE["default"]
    return vite


@functools.cache
def _read_stylesheets(manifest_path: Path, entry: str, manifest_mtime_ns: int) -> tuple[str, bytes]:
    """The CSS files the build lists for ``entry``, joined as the page holds them, and encoded;
    cached per build (mtime in the key)."""
    manifest = json.loads(manifest_path.read_text())
    dist = manifest_path.parent
    css = "\n".join((dist / css).read_text() for css in manifest[entry].get("css", []))
    # "</style" cannot occur in CSS that Vite minified from our sources; guard anyway.
    css = css.replace("</style", "<\\/style")
    return css, css.encode()


def _inlined(entry: str) -> tuple[str, bytes]:
    """What a page holds between <style> and </style> for ``entry``, as text and as bytes."""
    manifest_path = Path(str(_vite_settings()["manifest_path"]))
    return _read_stylesheets(manifest_path, entry, manifest_path.stat().st_mtime_ns)


def inlined_storefront_css() -> bytes:
    """The storefront's stylesheet as every page holds it, the same bytes object for each call
    while the build stays (what the page cache compresses once: emporium.core.gzip_holes);
    empty when the Vite dev server serves it."""
    if _vite_settings().get("dev_mode"):
        return b""
    return _inlined(STOREFRONT_ENTRY)[1]


@register.simple_tag
def storefront_assets(entry: str = STOREFRONT_ENTRY) -> SafeString:
    loader = DjangoViteAssetLoader.instance()
    if _vite_settings().get("dev_mode"):
        return mark_safe(loader.generate_vite_asset(entry))  # nosec B308 B703 # noqa: S308 (django-vite's own tags)
    css, _ = _inlined(entry)
    return format_html(
        '<style>{}</style>\n  <script type="module" crossorigin src="{}"></script>',
        mark_safe(css),  # nosec B308 B703 # noqa: S308 (our own built CSS, not user input)
        loader.generate_vite_asset_url(entry),
    )
