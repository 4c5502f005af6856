from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

# Where staff work on the whole shop's data: a stolen password alone must not open them.
STAFF_AREAS = ("/admin/", "/dashboard/")


class StaffMFAMiddleware:
    """Send a member of staff without an authenticator app to set one up before they can
    use the admin or the dashboard (``STAFF_MFA_REQUIRED``).

    Customers are never stopped: two-factor authentication is their choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_enrol(request):
            messages.warning(
                request,
                "Staff accounts need two-factor authentication. Set up an authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_enrol(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            settings.STAFF_MFA_REQUIRED
            and request.path_info.startswith(STAFF_AREAS)
            and user.is_authenticated
            and user.is_staff
            and not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        )
