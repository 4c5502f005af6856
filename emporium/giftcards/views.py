"""The customer's gift cards, a page of the account section (/account/gift-cards/).

Mounted by config/urls.py in the account section ("accounts:gift-cards"), like the order
history: accounts sits below giftcards and must not import it. Only the signed-in customer's
own cards are listed (``list_gift_cards_for_customer``), with their codes masked.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from emporium.accounts.identity import authenticated_user
from emporium.giftcards.selectors import list_gift_cards_for_customer


@login_required
def gift_card_list_view(request: HttpRequest) -> HttpResponse:
    cards = list_gift_cards_for_customer(customer=authenticated_user(request))
    return render(request, "giftcards/gift_card_list.html", {"cards": cards})
