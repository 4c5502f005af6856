"""Back-in-stock pages: the product page's form, and the e-mails' confirm and unsubscribe links.

The links open a page with a button (a POST) rather than acting on GET, so a mail scanner that
follows every link neither confirms an alert nobody asked for nor unsubscribes anybody.
"""

from __future__ import annotations

from allauth.core.ratelimit import consume
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from emporium.accounts.identity import signed_in_user
from emporium.alerts.exceptions import InvalidAlertLink, TooManyAlerts
from emporium.alerts.forms import StockAlertForm
from emporium.alerts.links import read_confirmation_token, read_unsubscribe_token
from emporium.alerts.models import AlertStatus
from emporium.alerts.services import ask_for_stock_alert, confirm_stock_alert, unsubscribe_from_stock_alert


@require_POST
def ask_for_alert_view(request: HttpRequest) -> HttpResponse:
    form = StockAlertForm(request.POST)
    alert = None
    status = 200
    if form.is_valid():
        email = form.cleaned_data["email"]
        if consume(request, action="stock_alert", key=email.lower()):
            alert = ask_for_stock_alert(
                variant=form.cleaned_data["variant"], email=email, customer=signed_in_user(request)
            )
        else:
            form.add_error(None, TooManyAlerts.default_message)
            status = TooManyAlerts.status
    else:
        status = 422
    template = "alerts/_ask_result.html" if getattr(request, "htmx", None) else "alerts/asked.html"
    return render(request, template, {"form": form, "alert": alert, "statuses": AlertStatus}, status=status)


def _link_page(request: HttpRequest, *, token: str, read: object, act: object, template: str) -> HttpResponse:
    try:
        read(token)  # type: ignore[operator]
    except InvalidAlertLink:
        return render(request, "alerts/invalid_link.html", status=404)
    alert = act(token=token) if request.method == "POST" else None  # type: ignore[operator]
    return render(request, template, {"token": token, "alert": alert, "done": alert is not None})


@require_http_methods(["GET", "POST"])
def confirm_alert_view(request: HttpRequest, token: str) -> HttpResponse:
    return _link_page(
        request,
        token=token,
        read=read_confirmation_token,
        act=confirm_stock_alert,
        template="alerts/confirm.html",
    )


@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    return _link_page(
        request,
        token=token,
        read=read_unsubscribe_token,
        act=unsubscribe_from_stock_alert,
        template="alerts/unsubscribe.html",
    )
