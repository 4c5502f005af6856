"""Tags for the staff admin's front page."""

from __future__ import annotations

from django import template

from emporium.checkout.selectors import list_checkout_setup_problems

register = template.Library()


@register.simple_tag
def checkout_setup_problems() -> list[str]:
    return list_checkout_setup_problems()
