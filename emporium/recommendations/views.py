from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from emporium.catalog.models import Product
from emporium.recommendations.events import record_event_for_request
from emporium.recommendations.models import EventKind
from emporium.recommendations.widgets import WIDGET_TITLES


class ClickForm(forms.Form):
    widget = forms.ChoiceField(choices=[(name, name) for name in WIDGET_TITLES])
    position = forms.IntegerField(min_value=1, max_value=100)
    product = forms.IntegerField(min_value=1)


@require_GET
def click_view(request: HttpRequest) -> HttpResponse:
    """Count a click on a recommendation, then send the shopper to the product.

    A plain link through this view works without JavaScript and cannot be an open redirect:
    it only ever sends to a published product's own page (or home).
    """
    form = ClickForm(request.GET)
    if not form.is_valid():
        return redirect("home")
    product = Product.objects.published().filter(pk=form.cleaned_data["product"]).only("slug").first()
    if product is None:
        return redirect("home")
    record_event_for_request(
        request=request,
        kind=EventKind.CLICK,
        product_id=product.pk,
        widget=form.cleaned_data["widget"],
        position=form.cleaned_data["position"],
    )
    return HttpResponseRedirect(product.get_absolute_url())
