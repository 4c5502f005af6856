"""Shared pages answered before the rest of the middleware stack.

A page-cache hit (``catalog.cache.cache_page_for_visitors``) needs none of what the stack
below this middleware prepares: no session (the visitor has none), no user, no messages, no
cart, no view. Running all of it anyway cost about as much as reading the page from Redis.
So a GET from a visitor without a session, to a URL whose view is page-cached, is looked up
here; a current copy is answered at once, with what those middlewares would have added to it
(the visitor's CSRF token and cookie, ``X-Frame-Options``, ``Content-Length``). Anything else,
a miss included, goes down the stack as before, and the view does not look again.

Sits after GZipMiddleware, so a copy is compressed like any page, and after the security,
CSP, CORS and request-id middlewares, so it carries their headers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, resolve

from emporium.catalog.cache import can_use_shared_page, look_up_page, response_from_stored_page


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Only their request and response hooks are used: the cookie the CSRF token goes
        # with, and the frame header.
        self.csrf = CsrfViewMiddleware(get_response)
        self.xframe = XFrameOptionsMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not can_use_shared_page(request) or not _serves_page_cache(request):
            return self.get_response(request)
        looked = look_up_page(request)
        if looked.stored is None:
            request._page_cache_lookup = looked  # type: ignore[attr-defined]
            return self.get_response(request)
        self.csrf.process_request(request)  # reads the visitor's CSRF cookie, if any
        response = response_from_stored_page(request, looked.stored)
        # Both set headers on the response they are given and hand back the same one.
        self.csrf.process_response(request, response)
        self.xframe.process_response(request, response)
        response.headers["Content-Length"] = str(len(response.content))
        return response


def _serves_page_cache(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "serves_page_cache", False)
