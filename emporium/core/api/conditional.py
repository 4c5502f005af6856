"""Catalog reads: answered from a cache of their JSON, with an ETag made of the catalog version.

Every change to the catalog bumps the version (emporium.catalog.cache), so the version is a
valid ETag for any catalog response: a client sending it back in If-None-Match gets a 304
and nothing is built. The rendered body is kept under the version too, like the storefront's
page cache: a warm request costs one cache round trip (version and body together), no query
and no serialisation. The key is the full URL, so every filter, sort and page has its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags, quote_etag
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from emporium.catalog.cache import PAGE_TIMEOUT, VERSION_KEY, get_catalog_version

# Bump when the shape of a catalog response changes, so neither clients nor the cache keep an old body.
REPRESENTATION_VERSION = 1


def catalog_response(request: Request, *, build: Callable[[], Any]) -> HttpResponse:
    """The JSON of ``build()`` for this URL under the current catalog version, with its ETag.

    ``build`` validates the request and may raise (404, 400): errors are never cached.
    """
    url = request.build_absolute_uri()
    key = f"catalog:api:{REPRESENTATION_VERSION}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or get_catalog_version()
    etag = quote_etag(f"catalog-{REPRESENTATION_VERSION}-{version}")
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    stored = found.get(key)
    if stored is not None and stored[0] == version:
        content = stored[1]
    else:
        content = JSONRenderer().render(build())
        cache.set(key, (version, content), PAGE_TIMEOUT)
    response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    return response
