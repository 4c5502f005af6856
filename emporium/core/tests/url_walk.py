"""Every route of the URL configuration, as templates with placeholders, for tests that must
cover each URL the day it is added (hostile input, open redirects, access by rule)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

NUL = "%00"
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<[^>]+>[^)]*\)")


def _route_templates(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        part = _as_template(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _route_templates(pattern.url_patterns, prefix + part)
        else:
            yield prefix + part


def _named_routes(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        part = _as_template(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace or "")))
            yield from _named_routes(pattern.url_patterns, prefix + part, inner)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name or ""
            yield prefix + part, name


def _as_template(pattern: object) -> str:
    """``<int:id>`` and regex groups become ``{int}`` / ``{text}`` placeholders."""
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return _CONVERTER.sub(lambda m: "{int}" if m["converter"] == "int" else "{text}", text)
    return _REGEX_GROUP.sub("{text}", text).lstrip("^").rstrip("$").replace("\\", "")


def paths_for(template: str) -> list[str]:
    """The route with plausible values, and (where it takes text) with a NUL in it."""
    plain = template.replace("{int}", "1").replace("{text}", "EMP-1")
    paths = ["/" + plain]
    if "{text}" in template:
        paths.append("/" + template.replace("{int}", "1").replace("{text}", f"EMP{NUL}1"))
    return paths


ROUTES = sorted(set(_route_templates(get_resolver().url_patterns)))

# Each route's template with its name (namespaced, as ``reverse`` takes it); "" when unnamed.
NAMED_ROUTES = sorted(set(_named_routes(get_resolver().url_patterns)))
