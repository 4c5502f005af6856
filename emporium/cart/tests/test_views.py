from decimal import Decimal

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.models import Cart
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_adding_from_the_product_page_redirects_to_the_cart(client):
    variant = VariantFactory.create(stock_on_hand=3)

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})

    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    page = client.get("/cart/").content.decode()
    assert variant.product.name in page
    assert 'Cart <span class="mini-cart__count">(2' in page


def test_adding_more_than_is_in_stock_answers_422_with_the_error_next_to_quantity(client):
    variant = VariantFactory.create(stock_on_hand=1)

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})

    assert response.status_code == 422
    assert "Only 1 left in stock" in response.content.decode()


def test_adding_an_item_priced_in_another_currency_answers_422_with_the_reason(client):
    variant = VariantFactory.create(stock_on_hand=3, currency="EUR")

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    assert response.status_code == 422
    assert "priced in another currency" in response.content.decode()
    assert not Cart.objects.filter(lines__variant=variant).exists()


def test_htmx_add_updates_the_mini_cart_out_of_band(client):
    variant = VariantFactory.create(stock_on_hand=3)

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="mini-cart"' in html
    assert 'hx-swap-oob="true"' in html


def test_product_page_form_posts_to_the_add_view(client):
    variant = VariantFactory.create()

    html = client.get(variant.product.get_absolute_url()).content.decode()

    assert 'action="/cart/add/"' in html
    assert 'name="variant"' in html


def test_quantity_can_be_changed_and_a_line_removed_without_javascript(client):
    variant = VariantFactory.create(stock_on_hand=5)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    line = Cart.objects.get().lines.get()

    client.post(f"/cart/lines/{line.pk}/", {"quantity": 4})
    assert Cart.objects.get().lines.get().quantity == 4
    client.post(f"/cart/lines/{line.pk}/remove/")
    assert not Cart.objects.get().lines.exists()


def test_changing_quantity_beyond_stock_shows_the_error_on_the_line_and_keeps_what_was_typed(client):
    variant = VariantFactory.create(stock_on_hand=2)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    line = Cart.objects.get().lines.get()

    response = client.post(f"/cart/lines/{line.pk}/", {"quantity": 5})

    html = response.content.decode()
    assert response.status_code == 422
    assert "Only 2 left in stock" in html
    assert f'id="quantity-{line.pk}" class="input" type="number" name="quantity" min="0" value="5"' in html
    assert Cart.objects.get().lines.get().quantity == 1


def test_a_quantity_that_is_not_a_number_is_refused_on_the_line_as_typed(client):
    variant = VariantFactory.create(stock_on_hand=2)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    line = Cart.objects.get().lines.get()

    response = client.post(f"/cart/lines/{line.pk}/", {"quantity": "two"})

    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter a whole number." in html
    assert 'value="two"' in html


def test_htmx_quantity_change_beyond_stock_swaps_the_cart_with_the_error_and_what_was_typed(client):
    variant = VariantFactory.create(stock_on_hand=2)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    line = Cart.objects.get().lines.get()

    response = client.post(f"/cart/lines/{line.pk}/", {"quantity": 5}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 422  # swapped all the same (see base.html's htmx-config)
    assert html.startswith('\n<div id="cart-contents">')  # the contents only, not a whole page
    assert "Only 2 left in stock" in html
    assert 'value="5"' in html


def test_htmx_quantity_change_swaps_the_cart_and_updates_the_mini_cart(client):
    variant = VariantFactory.create(stock_on_hand=5, price_amount=Decimal("2.50"))
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    line = Cart.objects.get().lines.get()

    response = client.post(f"/cart/lines/{line.pk}/", {"quantity": 3}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "£7.50" in html
    assert 'id="mini-cart"' in html
    assert 'hx-swap-oob="true"' in html
    assert "(3" in html


def test_nobody_changes_a_line_of_another_cart(client):
    line = CartLineFactory.create(quantity=1)

    client.post(f"/cart/lines/{line.pk}/", {"quantity": 3})

    line.refresh_from_db()
    assert line.quantity == 1


def test_visitor_cart_joins_the_customer_cart_at_login(client):
    variant = VariantFactory.create(stock_on_hand=5)
    customer = UserFactory.create()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})

    client.post("/accounts/login/", {"login": customer.email, "password": "correct-horse-battery"})

    cart = Cart.objects.get(customer=customer)
    assert list(cart.lines.values_list("quantity", flat=True)) == [2]
    assert "(2" in client.get("/cart/").content.decode()


def test_cart_page_shows_a_price_change(client):
    variant = VariantFactory.create(price_amount=Decimal("3.00"))
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    variant.price_amount = Decimal("3.50")
    variant.save()

    html = client.get("/cart/").content.decode()

    assert "Some prices have changed" in html


@pytest.mark.parametrize("lines", [1, 15])
def test_cart_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, lines):
    from django.conf import settings

    customer = UserFactory.create()
    cart = CartFactory.create(customer=customer, token=None)
    CartLineFactory.create_batch(lines, cart=cart)
    client.force_login(customer)
    client.get("/cart/")  # warms the cached header navigation

    # session (unless Redis caches it), user, cart, lines with their variants and products,
    # and "complete your order" (one query; a second for pictures when it has products to show)
    session_query = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    with django_assert_num_queries(4 + session_query):
        client.get("/cart/")
