"""The wishlist page and the "Save" button. Plain forms and redirects without JavaScript; with
htmx the button swaps itself, showing its new state."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from emporium.accounts.identity import signed_in_user
from emporium.catalog.models import Product
from emporium.wishlist.exceptions import ProductNotFound, WishlistFull
from emporium.wishlist.selectors import list_saved_product_ids, list_wishlist_entries
from emporium.wishlist.services import toggle_saved
from emporium.wishlist.templatetags.wishlist import button_context


class SaveForm(forms.Form):
    saved = forms.TypedChoiceField(
        choices=[("1", "save"), ("0", "remove")], coerce=lambda value: value == "1"
    )
    next = forms.CharField(required=False, max_length=2000)


@require_safe
def wishlist_view(request: HttpRequest) -> HttpResponse:
    entries = list_wishlist_entries(customer=signed_in_user(request), session=request.session)
    return render(request, "wishlist/detail.html", {"entries": entries})


@require_http_methods(["GET", "POST"])
def save_product_view(request: HttpRequest, product_id: int) -> HttpResponse:
    """GET: a page with the button (where a cached catalog page could carry no form); POST: save or remove."""
    product = Product.objects.published().filter(pk=product_id).only("pk", "name", "slug").first()
    if product is None:
        raise Http404("No such product.")
    customer = signed_in_user(request)
    if request.method == "GET":
        saved = product_id in list_saved_product_ids(customer=customer, session=request.session)
        return render(
            request, "wishlist/save.html", {"product": product, **button_context(product, saved=saved)}
        )
    form = SaveForm(request.POST)
    if not form.is_valid():
        return render(request, "wishlist/save.html", {"product": product, "form": form}, status=422)
    error = ""
    try:
        saved = toggle_saved(
            product_id=product_id,
            customer=customer,
            session=request.session,
            saved=form.cleaned_data["saved"],
        )
    except (ProductNotFound, WishlistFull) as refused:
        saved, error = not form.cleaned_data["saved"], refused.message
    if getattr(request, "htmx", None):
        context = {**button_context(product, saved=saved), "error": error}
        return render(request, "wishlist/_save_button.html", context, status=409 if error else 200)
    target = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "wishlist:detail"
    return redirect(target)
