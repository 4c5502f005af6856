"""Analytics API latency, p50 and p95, per endpoint, for a one-year range, under gunicorn.

Each endpoint is asked ``REQUESTS`` times one after another by an analyst with a real JWT:

- **cold**: every request a different one-year range (the start moves a day each time), so
  no answer comes from the report cache: the roll-up queries run every time;
- **warm**: the same URL every time: the answer is read from the cache (Redis in service mode).

Sequential requests measure what one member of staff waits for; the dashboard fires a page's
few requests at once, which two gunicorn workers serve side by side. The roll-ups must exist
(``manage.py rebuild_analytics``); the benchmark does not build them, because on the
benchmark-size shop that takes minutes and is not what a request pays.
"""

from __future__ import annotations

import logging
import statistics
import time
from datetime import date, timedelta
from typing import Any

import httpx

from bench.server import gunicorn_server

REQUESTS = 20
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the table
ENDPOINTS = {
    "sales_day": ("/api/v1/analytics/sales/", {"granularity": "day"}),
    "sales_month": ("/api/v1/analytics/sales/", {"granularity": "month"}),
    "countries": ("/api/v1/analytics/countries/", {}),
    "categories": ("/api/v1/analytics/categories/", {}),
    "products_top": ("/api/v1/analytics/products/", {"ranking": "top"}),
    "products_rising": ("/api/v1/analytics/products/", {"ranking": "rising"}),
    "customers": ("/api/v1/analytics/customers/", {"granularity": "week"}),
    "cohorts": ("/api/v1/analytics/cohorts/", {}),
    "segments": ("/api/v1/analytics/segments/", {}),
    "segment_customers": ("/api/v1/analytics/segments/champions/customers/", {}),
    "funnel": ("/api/v1/analytics/funnel/", {}),
    "recommendations": ("/api/v1/analytics/recommendations/", {}),
    "sales_csv": ("/api/v1/analytics/sales/", {"format": "csv"}),
}
# Throttling off (one client on 127.0.0.1 is what it exists to stop); the bench analyst has no
# authenticator app, so two factors are off for this server only.
SERVER_ENV = {"API_THROTTLE_ANON": "", "API_THROTTLE_USER": "", "STAFF_MFA_REQUIRED": "0"}


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _last_order_day() -> date:
    from django.utils import timezone

    from emporium.orders.models import Order

    last = Order.objects.order_by("-placed_at").values_list("placed_at", flat=True).first()
    return timezone.localdate(last) if last else timezone.localdate()


def _analyst_token() -> tuple[str, int]:
    from django.contrib.auth.models import Group
    from rest_framework_simplejwt.tokens import AccessToken

    from emporium.accounts.models import User
    from emporium.accounts.roles import ANALYST

    user, _ = User.objects.get_or_create(email="bench-analyst@emporium.invalid", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=ANALYST.name))
    return str(AccessToken.for_user(user)), user.pk


def _time(client: httpx.Client, url: str, params: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = client.get(url, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: {response.status_code} {response.text[:300]}")
    return elapsed


def measure_analytics(*, requests: int = REQUESTS) -> dict[str, object]:
    from django.db.models import F

    from emporium.accounts.models import User
    from emporium.analytics.models import DailySales, RollupState

    if not DailySales.objects.exists():
        raise SystemExit("No analytics roll-ups: run `manage.py rebuild_analytics` first.")
    # A new roll-up version: nothing an earlier run cached is read back as "cold".
    RollupState.objects.filter(pk=1).update(version=F("version") + 1)
    _, user_id = _analyst_token()
    end = _last_order_day()
    results: dict[str, object] = {}
    try:
        with (
            gunicorn_server(workers=2, extra_env=SERVER_ENV) as base,
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            print(f"\nAnalytics API, one-year ranges ending {end}, {requests} sequential requests each")
            for name, (path, extra) in ENDPOINTS.items():
                # A fresh access token per endpoint: they last five minutes.
                client.headers["Authorization"] = f"Bearer {_analyst_token()[0]}"
                cold = []
                for shift in range(requests):
                    last = end - timedelta(days=shift)
                    period = {"start": (last - timedelta(days=364)).isoformat(), "end": last.isoformat()}
                    cold.append(_time(client, path, {**period, **extra}))
                fixed = {
                    "start": (end - timedelta(days=364)).isoformat(),
                    "end": end.isoformat(),
                    **extra,
                }
                _time(client, path, fixed)  # fills the cache
                warm = [_time(client, path, fixed) for _ in range(requests)]
                row = {
                    "path": path,
                    "params": extra,
                    "cold_p50_ms": round(statistics.median(cold), 1),
                    "cold_p95_ms": round(_percentile(cold, 0.95), 1),
                    "warm_p50_ms": round(statistics.median(warm), 1),
                    "warm_p95_ms": round(_percentile(warm, 0.95), 1),
                }
                results[name] = row
                print(
                    f"  {name:<20} cold p50 {row['cold_p50_ms']:>7.1f} ms  p95 {row['cold_p95_ms']:>7.1f} ms"
                    f"   warm p50 {row['warm_p50_ms']:>6.1f} ms  p95 {row['warm_p95_ms']:>6.1f} ms"
                )
    finally:
        User.objects.filter(pk=user_id).delete()
    return {
        "requests_per_endpoint": requests,
        "period_days": 365,
        "period_end": end.isoformat(),
        "endpoints": results,
    }
