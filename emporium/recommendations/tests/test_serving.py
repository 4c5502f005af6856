"""Serving: what the widgets and the API show, never unpublished, sold-out or in-cart products."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Product
from emporium.catalog.selectors import ProductCard, cards_queryset
from emporium.catalog.tests.factories import ProductFactory, ProductImageFactory
from emporium.recommendations.events import flush_events
from emporium.recommendations.models import (
    CustomerList,
    CustomerListKind,
    Event,
    EventKind,
    ModelVersion,
)
from emporium.recommendations.selectors import (
    list_cart_product_ids,
    list_complete_your_order,
    list_customers_also_bought,
    list_popular_products,
    list_recommendations_for_customer,
)
from emporium.recommendations.tests.factories import (
    CustomerRecommendationFactory,
    ModelVersionFactory,
    PopularProductFactory,
    ProductNeighbourFactory,
)
from emporium.recommendations.widgets import widgets_for_page

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0"}


def sold_out(product: Product) -> Product:
    Product.objects.filter(pk=product.pk).update(is_in_stock=False)
    return product


@pytest.fixture
def version():
    return ModelVersionFactory.create()


@pytest.mark.django_db
def test_products_are_in_stock_when_made_by_the_factory():
    assert Product.objects.get(pk=ProductFactory.create().pk).is_in_stock


@pytest.mark.django_db
def test_also_bought_never_shows_unpublished_or_sold_out_products(version):
    product = ProductFactory.create()
    hidden = ProductFactory.create(is_published=False)
    gone = sold_out(ProductFactory.create())
    shown = ProductFactory.create()
    for rank, neighbour in enumerate((hidden, gone, shown), start=1):
        ProductNeighbourFactory.create(version=version, product=product, neighbour=neighbour, rank=rank)

    cards = list_customers_also_bought(product_id=product.pk)

    assert [card.id for card in cards] == [shown.pk]


@pytest.mark.django_db
def test_only_the_active_version_is_served(version):
    product, old, new = ProductFactory.create(), ProductFactory.create(), ProductFactory.create()
    ProductNeighbourFactory.create(
        version=ModelVersionFactory.create(is_active=False), product=product, neighbour=old
    )
    ProductNeighbourFactory.create(version=version, product=product, neighbour=new)

    assert [card.id for card in list_customers_also_bought(product_id=product.pk)] == [new.pk]


@pytest.mark.django_db
def test_products_in_the_cart_are_never_recommended(version):
    customer = UserFactory.create()
    in_cart, other = ProductFactory.create(), ProductFactory.create()
    CartLineFactory.create(
        cart=CartFactory.create(customer=customer, token=None), variant=in_cart.variants.first()
    )
    for rank, product in enumerate((in_cart, other), start=1):
        CustomerRecommendationFactory.create(version=version, customer=customer, product=product, rank=rank)

    cards = list_recommendations_for_customer(
        customer_id=customer.pk,
        kind=CustomerListKind.FOR_YOU,
        exclude_product_ids=list_cart_product_ids(customer_id=customer.pk, cart_token=None),
    )

    assert [card.id for card in cards] == [other.pk]


@pytest.mark.django_db
def test_complete_your_order_lists_each_neighbour_of_the_cart_once(version):
    cart = CartFactory.create()
    tea, cups, milk = ProductFactory.create(), ProductFactory.create(), ProductFactory.create()
    CartLineFactory.create(cart=cart, variant=tea.variants.first())
    CartLineFactory.create(cart=cart, variant=cups.variants.first())
    ProductNeighbourFactory.create(version=version, product=tea, neighbour=cups, rank=1)
    ProductNeighbourFactory.create(version=version, product=tea, neighbour=milk, rank=2)
    ProductNeighbourFactory.create(version=version, product=cups, neighbour=milk, rank=1)

    cards = list_complete_your_order(
        cart_product_ids=list_cart_product_ids(customer_id=None, cart_token=str(cart.token))
    )

    assert [card.id for card in cards] == [milk.pk]


@pytest.mark.django_db
def test_each_widget_costs_one_query(version, django_assert_num_queries):
    product = ProductFactory.create()
    for rank in range(1, 9):
        ProductNeighbourFactory.create(version=version, product=product, rank=rank)
        PopularProductFactory.create(version=version, rank=rank)

    with django_assert_num_queries(1):
        assert len(list_customers_also_bought(product_id=product.pk, limit=8)) == 8
    with django_assert_num_queries(1):
        assert len(list_popular_products(limit=8)) == 8


@pytest.mark.django_db
def test_on_postgresql_a_widgets_statement_is_prepared_once_and_reused(version):
    """PostgreSQL plans the lists' joins once per connection (emporium.core.postgresql)."""
    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements")
    products = ProductFactory.create_batch(3)
    for product in products:
        for rank in range(1, 5):
            ProductNeighbourFactory.create(version=version, product=product, rank=rank)

    def runs() -> list[int]:  # the connection lives on from test to test: compare, not count
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
            return [count for statement, count in cursor.fetchall() if "neighbour" in statement]

    assert len(list_customers_also_bought(product_id=products[0].pk, limit=4)) == 4
    before = runs()
    for product in products:
        assert len(list_customers_also_bought(product_id=product.pk, limit=4)) == 4

    assert len(before) == 1
    assert runs() == [before[0] + 3]


@pytest.mark.django_db
def test_a_customers_home_widgets_cost_one_query_together_whatever_their_size(
    version, django_assert_num_queries
):
    customer = UserFactory.create()
    for kind in (CustomerListKind.BUY_AGAIN, CustomerListKind.FOR_YOU):
        for rank in range(1, 7):
            CustomerRecommendationFactory.create(version=version, customer=customer, kind=kind, rank=rank)
    request = RequestFactory().get("/")
    request.user = customer
    request.session = SessionStore()

    with django_assert_num_queries(1):
        widgets = widgets_for_page(request=request, page="home")

    assert [(widget.name, len(widget.cards)) for widget in widgets] == [("buy_again", 4), ("for_you", 4)]
    assert [card.id for card in widgets[0].cards] == (
        CustomerList.objects.get(kind=CustomerListKind.BUY_AGAIN).product_ids[:4]
    )


@pytest.mark.django_db
def test_a_known_customer_with_empty_lists_gets_popular_products_in_the_same_query(
    version, django_assert_num_queries
):
    customer = UserFactory.create()
    CustomerRecommendationFactory.create(  # the customer's only suggestion cannot be shown
        version=version, customer=customer, product=sold_out(ProductFactory.create()), rank=1
    )
    popular = [PopularProductFactory.create(version=version, rank=rank).product for rank in range(1, 7)]
    request = RequestFactory().get("/")
    request.user = customer
    request.session = SessionStore()

    with django_assert_num_queries(1):
        widgets = widgets_for_page(request=request, page="home")

    assert [(widget.name, [card.id for card in widget.cards]) for widget in widgets] == [
        ("popular", [product.pk for product in popular[:4]])
    ]


@pytest.mark.django_db
def test_the_apis_customer_list_falls_back_to_popular_products(version):
    customer = UserFactory.create()
    popular = PopularProductFactory.create(version=version).product
    client = APIClient()
    client.force_authenticate(customer)

    response = client.get("/api/v1/recommendations/me/", {"kind": "buy_again"})

    assert [card["id"] for card in response.json()] == [popular.pk]
    assert client.get("/api/v1/recommendations/me/", {"kind": "popular"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("product_id", [2**63, 10**40])
def test_also_bought_of_an_id_no_database_integer_holds_is_empty_not_an_error(version, product_id):
    response = APIClient().get(f"/api/v1/recommendations/products/{product_id}/also-bought/")

    assert (response.status_code, response.json()) == (200, [])
    assert list_customers_also_bought(product_id=-(2**63) - 1) == []


@pytest.mark.django_db
def test_home_page_shows_popular_products_to_visitors(client, version):
    popular = PopularProductFactory.create(version=version).product

    response = client.get(reverse("home"), **BROWSER)

    assert b'data-testid="recommendations-popular"' in response.content
    assert popular.name.encode() in response.content


@pytest.mark.django_db
def test_home_page_shows_buy_it_again_to_a_known_customer(client, version):
    customer = UserFactory.create()
    again = CustomerRecommendationFactory.create(
        version=version, customer=customer, kind=CustomerListKind.BUY_AGAIN
    )
    client.force_login(customer)

    response = client.get(reverse("home"), **BROWSER)

    assert b'data-testid="recommendations-buy_again"' in response.content
    assert again.product.name.encode() in response.content
    assert b'data-testid="recommendations-popular"' not in response.content


@pytest.mark.django_db
def test_an_empty_widget_is_hidden(client):
    response = client.get(reverse("home"), **BROWSER)

    assert b'data-testid="recommendations-' not in response.content


@pytest.mark.django_db
def test_a_product_page_shows_customers_also_bought_and_counts_the_view(client, version):
    link = ProductNeighbourFactory.create(version=version)

    response = client.get(link.product.get_absolute_url(), **BROWSER)
    flush_events()

    assert b'data-testid="recommendations-also_bought"' in response.content
    assert Event.objects.filter(kind=EventKind.VIEW, product=link.product).count() == 1


@pytest.mark.django_db
def test_views_of_a_product_deleted_before_the_flush_are_dropped_not_an_error(client, version):
    kept, deleted = ProductFactory.create(), ProductFactory.create()
    client.get(kept.get_absolute_url(), **BROWSER)
    client.get(deleted.get_absolute_url(), **BROWSER)
    deleted.delete()

    written = flush_events()

    assert written == 1
    assert list(Event.objects.values_list("product_id", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_bots_and_staff_views_are_not_counted(client, version):
    product = ProductFactory.create()
    client.get(product.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    client.force_login(StaffUserFactory.create())
    client.get(product.get_absolute_url(), **BROWSER)
    flush_events()

    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_click_is_recorded_with_its_widget_and_position_and_leads_to_the_product(client):
    product = ProductFactory.create()
    url = reverse("recommendations:click") + f"?widget=also_bought&position=3&product={product.pk}"

    response = client.get(url, **BROWSER)

    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    assert Event.objects.filter(
        kind=EventKind.CLICK, widget="also_bought", position=3, product=product
    ).exists()


@pytest.mark.django_db
def test_a_bad_click_link_goes_home_without_an_error(client):
    response = client.get(reverse("recommendations:click") + "?widget=nope&position=x&product=1", **BROWSER)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_the_api_lists_a_customers_recommendations(client, version):
    customer = UserFactory.create()
    recommendation = CustomerRecommendationFactory.create(version=version, customer=customer)
    client.force_login(customer)

    response = client.get(reverse("recommendations-api:for-me"), {"kind": "for_you"})

    assert response.status_code == 200
    assert [card["id"] for card in response.json()] == [recommendation.product_id]


@pytest.mark.django_db
def test_the_api_refuses_a_bad_limit_with_a_problem(client):
    response = client.get(reverse("recommendations-api:popular"), {"limit": "lots"})

    assert response.status_code == 400


@pytest.mark.django_db
def test_the_api_answers_also_bought_for_an_unknown_product_with_an_empty_list(client):
    assert ModelVersion.objects.count() == 0
    response = client.get(reverse("recommendations-api:also-bought", kwargs={"product_id": 999999}))

    assert response.json() == []


@pytest.mark.django_db
def test_a_served_card_is_the_card_the_catalog_draws(version, settings, tmp_path):
    """Serving reads a card's columns in SQL: it must say what ``ProductCard.from_product`` says."""
    settings.MEDIA_ROOT = tmp_path
    product = ProductFactory.create()
    neighbour = ProductFactory.create(rating_average=Decimal("4.50"), rating_count=2)
    ProductImageFactory.create(product=neighbour, position=2, alt_text="Second")
    ProductImageFactory.create(product=neighbour, position=1, alt_text="")
    plain = ProductFactory.create()  # no picture
    ProductNeighbourFactory.create(version=version, product=product, neighbour=neighbour, rank=1)
    ProductNeighbourFactory.create(version=version, product=product, neighbour=plain, rank=2)

    served = list_customers_also_bought(product_id=product.pk)

    drawn = [ProductCard.from_product(cards_queryset().get(pk=pk)) for pk in (neighbour.pk, plain.pk)]
    assert served == drawn
    assert served[0].picture is not None
    assert served[0].picture.alt_text == neighbour.name  # the first by position has no text of its own
    assert served[0].price is not None
    assert isinstance(served[0].price.amount, Decimal)


@pytest.mark.django_db
def test_each_list_shows_its_first_servable_products_past_hidden_ones(version):
    customer = UserFactory.create()
    products = [ProductFactory.create() for _ in range(8)]
    sold_out(products[0])
    Product.objects.filter(pk=products[2].pk).update(is_published=False)
    for rank, product in enumerate(products, start=1):
        CustomerRecommendationFactory.create(
            version=version, customer=customer, kind=CustomerListKind.FOR_YOU, product=product, rank=rank
        )

    cards = list_recommendations_for_customer(
        customer_id=customer.pk, kind=CustomerListKind.FOR_YOU, exclude_product_ids=[products[3].pk], limit=3
    )

    assert [card.id for card in cards] == [products[1].pk, products[4].pk, products[5].pk]
