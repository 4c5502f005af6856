"""Catalog reads: answered from a cache of their JSON, with an ETag made of the catalog version.

Every change to the catalog bumps the version (emporium.catalog.cache), so the version is a
valid ETag for any catalog response. The rendered body is kept under the version too, like the
storefront's page cache: a warm request costs one cache round trip (version and body
together), no query and no serialisation. The key is the full URL, so every filter, sort and
page has its own.

A 304 is only ever the answer to a request that would have been a 200: an unknown slug or a
bad parameter is a 404 or 400 even with the current ETag. So the request is validated (its
body built) first, unless its body is already stored under the current version, which proves
the very same URL was a 200 in this version of the catalog, and so still is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags, quote_etag
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from emporium.catalog.cache import PAGE_TIMEOUT, VERSION_KEY, get_catalog_version

# Bump when the shape of a catalog response changes, so neither clients nor the cache keep an old body.
REPRESENTATION_VERSION = 1


def stored_body_key(url: str) -> str:
    return f"catalog:api:{REPRESENTATION_VERSION}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def catalog_response(request: Request, *, build: Callable[[], Any]) -> HttpResponse:
    """The JSON of ``build()`` for this URL under the current catalog version, with its ETag;
    a 304 when the client's If-None-Match holds it.

    ``build`` validates the request and may raise (404, 400): errors are never cached, and are
    raised whatever If-None-Match says.
    """
    keep_bodies = settings.API_CATALOG_BODY_CACHE
    key = stored_body_key(request.build_absolute_uri())
    found = cache.get_many([VERSION_KEY, key] if keep_bodies else [VERSION_KEY])
    version = found.get(VERSION_KEY) or get_catalog_version()
    etag = quote_etag(f"catalog-{REPRESENTATION_VERSION}-{version}")
    stored = found.get(key)
    if stored is not None and stored[0] == version:
        content = stored[1]
    else:
        content = JSONRenderer().render(build())
        if keep_bodies:
            cache.set(key, (version, content), PAGE_TIMEOUT)
    # If-None-Match compares weakly (RFC 9110 13.1.2): GZipMiddleware turns our ETag into
    # W/"..." on compressed answers, and a client sending that back still has the same body.
    sent = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    if etag in sent or "*" in sent:
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    return response
