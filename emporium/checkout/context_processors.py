from typing import Any

from django.http import HttpRequest

from emporium.checkout.selectors import shop_charges_vat


def vat(request: HttpRequest) -> dict[str, Any]:
    """``shop_charges_vat`` for the cart's and checkout's price notes. The function, not its
    answer: a template calls it only where it is used, so other pages never ask."""
    return {"shop_charges_vat": shop_charges_vat}
