"""Writes the demo shop: the committed Online Retail subset, into an empty shop only."""

from __future__ import annotations

from pathlib import Path

from emporium.catalog.models import Product
from emporium.checkout.demo import set_up_demo_checkout
from emporium.datasets.demo import DEMO_DATA_PATH
from emporium.datasets.progress import ProgressFactory, silent_progress
from emporium.datasets.services.online_retail_import import ImportReport, import_online_retail
from emporium.datasets.services.variant_families import group_variant_families
from emporium.promotions.demo import set_up_demo_promotions


def load_demo_data(
    *, path: Path = DEMO_DATA_PATH, progress: ProgressFactory = silent_progress
) -> ImportReport | None:
    """Import the demo subset if the shop has no products yet; otherwise load nothing (None).

    "No products" is the test because the catalog is what a demo needs and what a real shop
    never lacks: a shop with its own products must never get demo orders mixed into its data.
    The demo also gets what checkout needs to take an order (shipping methods, VAT, vouchers:
    emporium.checkout.demo), or a newcomer could fill a cart and never buy it, and a few
    promotions to see (emporium.promotions.demo). Products sold
    in several colours under one stem (90200A..E) become one product with a colour picker
    (emporium.datasets.variant_families).
    """
    if Product.objects.exists():
        return None
    report = import_online_retail(path=path, progress=progress)
    group_variant_families()
    set_up_demo_checkout()
    set_up_demo_promotions()
    return report
