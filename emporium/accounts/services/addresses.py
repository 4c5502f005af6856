from __future__ import annotations

from typing import TypedDict

from django.db import transaction

from emporium.accounts.models import Address, User


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
