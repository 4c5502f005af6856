"""The customer's own pages under /account/. Every view needs a login, and every object is
looked up through a selector scoped to request.user.

The order history pages under /account/orders/ are the orders app's (emporium.orders.views):
accounts sits below orders and does not import it."""

from __future__ import annotations

import json
from typing import cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from emporium.accounts.forms import AddressForm, DeleteAccountForm, ProfileForm
from emporium.accounts.identity import authenticated_user
from emporium.accounts.selectors import (
    get_address_for_customer,
    get_personal_data,
    has_totp_authenticator,
    list_addresses_for_customer,
)
from emporium.accounts.services import (
    AddressFields,
    create_address,
    delete_account,
    delete_address,
    update_address,
    update_profile,
)


@login_required
def overview_view(request: HttpRequest) -> HttpResponse:
    customer = authenticated_user(request)
    # The recent orders are drawn by orders' own template tag ({% recent_orders %}).
    context = {
        "has_totp": has_totp_authenticator(user=customer),
        "default_address": list_addresses_for_customer(customer=customer).first(),
    }
    return render(request, "accounts/overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    customer = authenticated_user(request)
    form = ProfileForm(request.POST or None, initial={"full_name": customer.full_name})
    if request.method == "POST" and form.is_valid():
        update_profile(user=customer, full_name=form.cleaned_data["full_name"])
        messages.success(request, "Your details are saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def address_list_view(request: HttpRequest) -> HttpResponse:
    addresses = list_addresses_for_customer(customer=authenticated_user(request))
    return render(request, "accounts/address_list.html", {"addresses": addresses})


@login_required
@require_http_methods(["GET", "POST"])
def address_create_view(request: HttpRequest) -> HttpResponse:
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        create_address(customer=authenticated_user(request), fields=cast(AddressFields, form.cleaned_data))
        messages.success(request, "Address added.")
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def address_update_view(request: HttpRequest, address_id: int) -> HttpResponse:
    address = get_address_for_customer(customer=authenticated_user(request), address_id=address_id)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        update_address(address=address, fields=cast(AddressFields, form.cleaned_data))
        messages.success(request, "Address saved.")
        return redirect("accounts:addresses")
    context = {"form": form, "address": address}
    return render(request, "accounts/address_form.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def address_delete_view(request: HttpRequest, address_id: int) -> HttpResponse:
    address = get_address_for_customer(customer=authenticated_user(request), address_id=address_id)
    if request.method == "POST":
        delete_address(address=address)
        messages.success(request, "Address deleted.")
        return redirect("accounts:addresses")
    return render(request, "accounts/address_confirm_delete.html", {"address": address})


@login_required
def privacy_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html")


@never_cache
@login_required
def personal_data_download_view(request: HttpRequest) -> HttpResponse:
    data = get_personal_data(user=authenticated_user(request))
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"emporium-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account_view(request: HttpRequest) -> HttpResponse:
    customer = authenticated_user(request)
    form = DeleteAccountForm(request.POST or None, user=customer)
    if request.method == "POST" and form.is_valid():
        delete_account(user=customer)
        logout(request)
        messages.success(request, "Your account is closed and your personal details are erased. Goodbye.")
        return redirect("home")
    return render(request, "accounts/delete_account.html", {"form": form}, status=422 if form.errors else 200)
