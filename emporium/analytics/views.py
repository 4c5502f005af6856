"""The staff dashboard's shell: one HTML page that loads the Vue app, for every /dashboard/ URL.

The app reads everything through the API with the session cookie (same origin, CSRF token in
a header), so this view only decides who may have the page: staff who may read every order,
as the analytics API asks (CanViewAnalytics). Staff without an authenticator app never get
here where two factors are required (StaffMFAMiddleware sends them to set one up first).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from emporium.accounts.api.permissions import CanViewAnalytics


@never_cache
@ensure_csrf_cookie
def dashboard_view(request: HttpRequest, path: str = "") -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (request.user.is_staff and request.user.has_perms(CanViewAnalytics.required["GET"])):
        raise PermissionDenied("The dashboard is for staff who may read the shop's orders.")
    return render(request, "analytics/dashboard.html")
