"""A small shop shaped like the imported Online Retail catalogue, shared by the storefront tests."""

from __future__ import annotations

import pytest

from emporium.catalog.tests.factories import CategoryFactory, Shop


@pytest.fixture
def shop(db: None) -> Shop:
    bags = CategoryFactory.create(name="Bags", slug="bags")
    home = CategoryFactory.create(name="Home", slug="home")
    candles = CategoryFactory.create(
        name="Candles & Lanterns",
        slug="candles-lanterns",
        parent=home,
        description="Light for long evenings.",
    )
    clocks = CategoryFactory.create(name="Clocks", slug="clocks", parent=home)
    home.refresh_from_db()
    return Shop(home=home, candles=candles, clocks=clocks, bags=bags)
