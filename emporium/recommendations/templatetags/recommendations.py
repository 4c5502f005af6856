"""``{% recommendations "home" %}``: one line per page puts the right widgets on it.

Pages: ``home`` and ``account`` ("buy it again" and "recommended for you" for a signed-in
customer, popular products otherwise), ``product`` ("customers also bought" for the
``product`` in the context; also records the product view), ``cart`` ("complete your order").
Each widget costs at most two queries and is left out when it has nothing to show.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from emporium.recommendations.widgets import Widget, widgets_for_page

register = template.Library()


@register.inclusion_tag("recommendations/_widgets.html", takes_context=True)
def recommendations(context: template.Context, page: str) -> dict[str, Any]:
    request: HttpRequest | None = context.get("request")
    if request is None:
        return {"widgets": []}
    widgets: list[Widget] = widgets_for_page(request=request, page=page, product=context.get("product"))
    return {"widgets": widgets}
