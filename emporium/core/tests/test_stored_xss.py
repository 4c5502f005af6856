"""Stored-XSS payloads in what shop staff and customers type (product names and descriptions,
addresses, customer names) come out escaped on every page that shows them (issue 15)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from emporium.accounts.roles import CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import AddressFactory, StaffUserFactory, UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
NAME = f"Lamp {PAYLOADS[0]}"
DESCRIPTION = f'Bright {PAYLOADS[1]} <a href="javascript:alert(1)">more</a>'
ADDRESS = {"full_name": f"Ann {PAYLOADS[1]}", "line1": f"1 {PAYLOADS[0]} Road", "city": "Bristol"}


def _assert_escaped(response, url: str) -> None:
    assert response.status_code == 200, url
    html = response.content.decode()
    for payload in PAYLOADS:
        assert payload not in html, f"{url}: {payload} unescaped"
    assert 'href="javascript:' not in html, f"{url}: a javascript: link"
    # The page does show the stored text, escaped (so the test cannot pass on a page without it).
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&quot;&gt;&lt;img" in html, url


@pytest.fixture
def shop():
    variant = VariantFactory.create(product__name=NAME, product__description=DESCRIPTION)
    customer = UserFactory.create(full_name=f"Ann {PAYLOADS[0]}")
    AddressFactory.create(customer=customer, full_name=ADDRESS["full_name"], line1=ADDRESS["line1"])
    order = OrderFactory.create(customer=customer, email=customer.email, shipping_address=ADDRESS)
    OrderLineFactory.create(order=order, variant=variant, product_name=NAME)
    return variant, customer, order


def test_storefront_account_and_order_pages_escape_stored_payloads(client, shop):
    variant, customer, order = shop
    product = variant.product
    for url in [product.get_absolute_url(), product.category.get_absolute_url(), "/search/?q=Lamp"]:
        _assert_escaped(client.get(url), url)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    for url in ["/cart/", "/checkout/"]:
        _assert_escaped(client.get(url), url)
    client.force_login(customer)
    for url in [
        "/account/",
        "/account/addresses/",
        f"/account/orders/{order.number}/",
        f"/account/orders/{order.number}/invoice/",
    ]:
        _assert_escaped(client.get(url), url)


def test_the_admin_change_lists_escape_stored_payloads(client, settings, shop):
    settings.STAFF_MFA_REQUIRED = False
    staff = StaffUserFactory.create()
    staff.groups.add(Group.objects.get(name=CATALOG_MANAGER.name), Group.objects.get(name=ORDER_MANAGER.name))
    client.force_login(staff)
    # The order change list shows numbers and e-mail addresses only; the order's page the rest.
    for url in ["/admin/catalog/product/", f"/admin/orders/order/{shop[2].pk}/change/"]:
        _assert_escaped(client.get(url), url)
