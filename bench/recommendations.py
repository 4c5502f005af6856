"""What the recommendation widgets add to a page: median milliseconds and SQL queries.

    DATABASE_URL=postgres://... python -m bench.recommendations

Measures the widget code itself (``widgets_for_page``: selectors, cards), which is all a page
adds, on a different product or customer each time, with the shared cache bypassed (a
customer's or a visitor-with-cart's path: the costly one). Uses the active model version; if
there is none, makes one with random lists over the shop's products (marked "synthetic").
Writes bench/results/recommendations-serving-<database>.json.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from pathlib import Path

import django

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLES = 300


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.db import connection
    from django.test.client import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from emporium.accounts.models import User
    from emporium.recommendations.models import ModelVersion
    from emporium.recommendations.widgets import widgets_for_page

    if not ModelVersion.objects.filter(is_active=True).exists():
        _make_synthetic_version()
    version = ModelVersion.objects.get(is_active=True)
    synthetic = bool(version.summary.get("synthetic"))
    from emporium.recommendations.models import CustomerList, NeighbourList

    product_ids = list(
        NeighbourList.objects.filter(version=version).values_list("product_id", flat=True)[:5000]
    )
    customer_ids = list(
        CustomerList.objects.filter(version=version, customer__isnull=False)
        .values_list("customer_id", flat=True)
        .distinct()[:5000]
    )
    rng = random.Random(1)
    factory = RequestFactory()

    class Page:  # what the product template passes: only the id is read
        def __init__(self, pk: int) -> None:
            self.id = pk

    def measure(page: str, make) -> dict:
        times, queries, shown = [], [], 0
        for _ in range(SAMPLES):
            request, product = make()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                widgets = widgets_for_page(request=request, page=page, product=product)
                times.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured))
            shown += bool(widgets)
        return {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(sorted(times)[int(0.95 * len(times))], 2),
            "max_queries": max(queries),
            "share_with_widgets": round(shown / SAMPLES, 3),
        }

    def product_request():
        request = factory.get("/p/x/", HTTP_USER_AGENT="bench")  # no User-Agent match: counted view
        request.user = _anonymous()
        request.session = SessionStore()
        request.session["cart_token"] = "00000000-0000-0000-0000-000000000000"  # not the shared path
        return request, Page(rng.choice(product_ids))

    def home_request():
        request = factory.get("/")
        request.user = User(pk=rng.choice(customer_ids))
        request.session = SessionStore()
        return request, None

    results = {
        "database": connection.vendor,
        "synthetic_model": synthetic,
        "samples": SAMPLES,
        # Milliseconds stretch with whatever else runs on the machine: say how busy it was.
        "load_average_1m_before": round(os.getloadavg()[0], 2),
        "product_page_also_bought": measure("product", product_request) if product_ids else None,
        "home_page_customer": measure("home", home_request) if customer_ids else None,
    }
    results["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"recommendations-serving-{connection.vendor}.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _make_synthetic_version() -> None:
    import numpy as np

    from emporium.accounts.models import User
    from emporium.catalog.models import Product
    from emporium.recommendations.models import CustomerList, ModelVersion, NeighbourList

    rng = np.random.default_rng(1)
    products = np.array(Product.objects.filter(is_published=True).values_list("pk", flat=True)[:20000])
    customers = np.array(User.objects.values_list("pk", flat=True)[:2000])
    version = ModelVersion.objects.create(status="ready", summary={"synthetic": True})
    NeighbourList.objects.bulk_create(
        [
            NeighbourList(
                version=version,
                product_id=int(p),
                neighbour_ids=rng.choice(products, 20, replace=False).tolist(),
                scores=[1.0 / r for r in range(1, 21)],
            )
            for p in products[:2000]
        ],
        batch_size=5000,
    )
    CustomerList.objects.bulk_create(
        [
            CustomerList(
                version=version,
                customer_id=int(c),
                kind=kind,
                product_ids=rng.choice(products, 20, replace=False).tolist(),
            )
            for c in customers
            for kind in ("buy_again", "for_you")
        ],
        batch_size=5000,
    )
    CustomerList.objects.create(version=version, kind="popular", product_ids=products[:200].tolist())
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)


if __name__ == "__main__":
    main()
