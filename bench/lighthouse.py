"""`make bench BENCH=lighthouse`: Lighthouse's mobile audit of the storefront's page types.

The shop runs as in production (gunicorn, DEBUG off, collected static files; bench/server.py),
and Lighthouse (npm devDependency, no browser download) drives the system Chromium with its
default mobile preset: a mid-range phone's screen, 4x CPU slowdown and a slow 4G network.
Its performance score varies from run to run on a busy machine, so every page is audited a
few times and the median of each score is kept, with the runs beside it.

Cart and checkout need a cart: one is filled over HTTP first and its session cookie handed to
Lighthouse. They carry `noindex` on purpose (no search engine should list a cart), which
Lighthouse's SEO category counts against them; the 95+ target is for home, category and product.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.server import ROOT, gunicorn_server

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Pages whose scores must reach 95 in every category; the others are held to CLS only.
SCORED_PAGES = ("home", "category", "product")


def _fill_a_cart(base_url: str, product_path: str) -> str:
    """Add the product to a new cart as a browser would; return the Cookie header that holds it."""
    with httpx.Client(base_url=base_url, follow_redirects=True, timeout=30) as client:
        page = client.get(product_path).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        variant = re.search(r'name="variant" value="(\d+)"', page)
        if token is None or variant is None:
            raise SystemExit(f"cannot add {product_path} to a cart: no add-to-cart form on the page")
        response = client.post(
            "/cart/add/",
            data={"csrfmiddlewaretoken": token[1], "variant": variant[1], "quantity": "1"},
            headers={"Referer": base_url + product_path},
        )
        response.raise_for_status()
        if "Go to checkout" not in client.get("/cart/").text:
            raise SystemExit(f"adding {product_path} to a cart left the cart empty")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _audit(url: str, *, cookie: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as profile:
        command = [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir={profile}",
        ]
        if cookie:
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        result = subprocess.run(
            command,
            env={**os.environ, "CHROME_PATH": CHROME_PATH},
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    if error := report.get("runtimeError"):
        raise RuntimeError(f"lighthouse could not audit {url}: {error}")
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    audits = report["audits"]
    return {
        **scores,
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 4),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
    }


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def measure_lighthouse(*, pages: dict[str, str], runs: int) -> dict[str, Any]:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: run `npm ci` (it is a devDependency)")
    if not Path(CHROME_PATH).exists():
        raise SystemExit(f"no Chromium at {CHROME_PATH}: install Debian's package (apt-get install chromium)")
    results: dict[str, Any] = {}
    with gunicorn_server(workers=2) as url:
        cookie = _fill_a_cart(url, pages["product"])
        for path in pages.values():  # warm the page caches, as a shop in use would have them
            httpx.get(
                url + path, timeout=30, headers={"Cookie": cookie} if path in ("/cart/", "/checkout/") else {}
            )
        print(
            f"\nLighthouse {_version()} (mobile preset), median of {runs} runs per page, Chromium {CHROME_PATH}"
        )
        print(
            f"  {'page':<10} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'CLS':>7} {'LCP ms':>7} {'TBT ms':>7}"
        )
        for name, path in pages.items():
            needs_cart = name in ("cart", "checkout")
            audits = [_audit(url + path, cookie=cookie if needs_cart else None) for _ in range(runs)]
            median = _median(audits)
            results[name] = {"path": path, "median": median, "runs": audits}
            print(
                f"  {name:<10} {median['performance']:>5.0f} {median['accessibility']:>5.0f} "
                f"{median['best-practices']:>5.0f} {median['seo']:>5.0f} {median['cls']:>7.3f} "
                f"{median['lcp_ms']:>7.0f} {median['tbt_ms']:>7.0f}"
            )
    return {
        "preset": "mobile (Lighthouse defaults: Moto G Power screen, 4x CPU slowdown, slow 4G)",
        "runs_per_page": runs,
        "targets": {"scored_pages": list(SCORED_PAGES), "min_score": 95, "max_cls": 0.05},
        "pages": results,
    }


def _version() -> str:
    return subprocess.run(
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
