from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from django.db import transaction

from emporium.accounts.models import ADDRESS_FIELDS, Address, User


class AddressFields(TypedDict):
    full_name: str
    company: str
    line1: str
    line2: str
    city: str
    region: str
    postcode: str
    country: str
    phone: str
    is_default_shipping: bool
    is_default_billing: bool


@transaction.atomic
def create_address(*, customer: User, fields: AddressFields) -> Address:
    """Add an address to the customer's book; their first one becomes both defaults,
    since a customer with one address ships and bills there."""
    address = Address(customer=customer, **fields)
    if not _lock_addresses(customer_id=customer.pk):
        address.is_default_shipping = address.is_default_billing = True
    return _save(address)


@transaction.atomic
def update_address(*, address: Address, fields: AddressFields) -> Address:
    for name, value in fields.items():
        setattr(address, name, value)
    _lock_addresses(customer_id=address.customer_id)
    return _save(address)


def add_address_from_checkout(*, customer: User, address: Mapping[str, str]) -> Address:
    """Keep an address typed at checkout in the customer's book, once: the same address typed
    again is found, not added a second time."""
    values = {name: str(address.get(name) or "") for name in ADDRESS_FIELDS}
    values["country"] = values["country"].upper()
    if existing := Address.objects.filter(customer=customer, **values).order_by("pk").first():
        return existing
    fields = AddressFields(
        full_name=values["full_name"],
        company=values["company"],
        line1=values["line1"],
        line2=values["line2"],
        city=values["city"],
        region=values["region"],
        postcode=values["postcode"],
        country=values["country"],
        phone=values["phone"],
        is_default_shipping=False,
        is_default_billing=False,
    )
    return create_address(customer=customer, fields=fields)


def delete_address(*, address: Address) -> None:
    address.delete()


def _lock_addresses(*, customer_id: int) -> list[int]:
    """Lock the customer's addresses in primary-key order.

    Two tabs making different addresses the default then queue instead of one of them
    failing on the one-default constraint, and no two writers can deadlock.
    """
    return list(
        Address.objects.select_for_update()
        .filter(customer_id=customer_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _save(address: Address) -> Address:
    # The partial unique constraints are checked by the database after the old default
    # has been cleared, not by full_clean before it.
    address.full_clean(validate_constraints=False)
    others = Address.objects.filter(customer_id=address.customer_id).exclude(pk=address.pk)
    if address.is_default_shipping:
        others.filter(is_default_shipping=True).update(is_default_shipping=False)
    if address.is_default_billing:
        others.filter(is_default_billing=True).update(is_default_billing=False)
    address.save()
    return address
