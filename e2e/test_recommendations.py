"""Recommendation widgets in a real browser: shown on a product page, and a click is counted."""

from playwright.sync_api import Page, expect

from emporium.catalog.tests.factories import ProductFactory
from emporium.recommendations.models import Event, EventKind
from emporium.recommendations.tests.factories import ProductNeighbourFactory


def test_customers_also_bought_shows_and_a_click_on_it_is_recorded(page: Page, live_server):
    teapot = ProductFactory.create(name="Regency teapot")
    cups = ProductFactory.create(name="Regency tea cups")
    ProductNeighbourFactory.create(product=teapot, neighbour=cups, rank=1)

    page.goto(live_server.url + teapot.get_absolute_url())
    widget = page.get_by_role("region", name="Customers also bought")
    expect(widget).to_be_visible()
    widget.get_by_role("link", name="Regency tea cups").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Regency tea cups")
    click = Event.objects.get(kind=EventKind.CLICK)
    assert (click.product_id, click.widget, click.position) == (cups.pk, "also_bought", 1)
