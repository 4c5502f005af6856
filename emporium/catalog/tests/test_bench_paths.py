"""The page benchmarks' URLs (bench/catalog_urls.py) are real pages of the catalog, and the
floor (bench/floor.py) is a bare view: a benchmark of 404s or of a mis-built floor would
report numbers that mean nothing."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.catalog_urls import _misspelt, catalog_size, draw_paths
from emporium.catalog.tests.factories import ONLINE_RETAIL_NAMES, CategoryFactory, ProductFactory
from emporium.core.tests.serving import serving

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def catalog() -> None:
    home, garden = CategoryFactory.create(name="Home"), CategoryFactory.create(name="Garden")
    lights = CategoryFactory.create(name="Lights", parent=home)
    for index in range(60):
        ProductFactory.create(
            category=(home, garden, lights)[index % 3],
            name=f"{ONLINE_RETAIL_NAMES[index % len(ONLINE_RETAIL_NAMES)]} {index}",
            slug=f"bench-product-{index}",
        )
    ProductFactory.create(category=garden, name="HIDDEN DRAFT", slug="draft", is_published=False)


def test_every_drawn_path_is_a_page_that_answers(catalog, client, settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    paths = draw_paths(per_kind=12, search_count=12)

    assert set(paths) == {
        "category",
        "category_filtered",
        "product",
        "search",
        "api_products",
        "api_products_filtered",
    }
    for kind, listed in paths.items():
        assert listed, kind
        for path in listed:
            assert client.get(path).status_code == 200, path
    assert "/p/draft/" not in paths["product"]
    # Several categories, pages, sorts and searches: varied URLs, not one.
    assert len({path.split("?")[0] for path in paths["category"]}) == 3
    assert len(set(paths["category_filtered"])) > 3
    assert len(set(paths["search"])) == len(paths["search"])  # each asked once before any again
    # Every query as typed first, then refined (in stock only, further pages): more new URLs
    # than words, so a fast run does not come round to pages the cache answers.
    typed = [path for path in paths["search"] if "&" not in path]
    assert paths["search"][: len(typed)] == typed
    assert len(paths["search"]) == 5 * len(typed)
    assert any("in_stock=on" in path and "page=2" in path for path in paths["search"])


def test_the_same_catalog_and_seed_draw_the_same_paths(catalog) -> None:
    assert draw_paths(per_kind=20, search_count=10) == draw_paths(per_kind=20, search_count=10)
    assert draw_paths(per_kind=20, search_count=10) != draw_paths(seed=2, per_kind=20, search_count=10)


def test_catalog_size_counts_published_products(catalog) -> None:
    assert catalog_size() == {"products": 60, "categories": 3}


@pytest.mark.parametrize("seed", range(20))
def test_a_misspelling_is_one_typo_away(seed: int) -> None:
    word = "lantern"
    typo = _misspelt(word, random.Random(seed))

    assert typo != word or word.count(word[1]) > 1  # a doubled or swapped pair of equal letters
    assert typo[0] == word[0]
    assert abs(len(typo) - len(word)) <= 1
    assert sorted(typo) == sorted(word) or len(typo) != len(word)


def test_the_floor_is_a_bare_view_outside_the_shop() -> None:
    script = (
        "from bench.floor import application\n"
        "from django.conf import settings\n"
        "seen = []\n"
        "body = b''.join(application({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/', 'SERVER_NAME': '127.0.0.1',"
        " 'SERVER_PORT': '80', 'wsgi.input': __import__('io').BytesIO(), 'wsgi.url_scheme': 'http'},"
        " lambda status, headers: seen.append(status)))\n"
        "print(seen[0], body.decode(), len(settings.MIDDLEWARE), len(settings.INSTALLED_APPS))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.split() == ["200", "OK", "hello", "0", "0"]


def test_a_varied_run_that_came_round_to_its_paths_again_says_so() -> None:
    from bench.loadgen import LoadResult
    from bench.pages import wraps

    def run(requests: int) -> LoadResult:
        return LoadResult(
            url="http://127.0.0.1/", tool="wrk", connections=32, seconds=10, requests=requests,
            errors=0, requests_per_second=requests / 10, p50_ms=1.0, p99_ms=2.0,
        )  # fmt: skip

    assert wraps(run(2726), paths=900)
    assert not wraps(run(756), paths=900)
    assert not wraps(run(50_000), paths=1)  # one URL repeated is meant to repeat


@pytest.mark.parametrize("tool", ["wrk", "asyncio"])
@pytest.mark.parametrize("varied", [False, True])
def test_the_load_asks_for_compressed_pages_as_browsers_do(tool, varied, monkeypatch) -> None:
    """A page's cost includes compressing it; a load that asked for nothing would skip that."""
    import http.server

    from bench import loadgen

    if tool == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk); the asyncio client is tested")
    if tool == "asyncio":
        monkeypatch.setattr(loadgen.shutil, "which", lambda name: None)
    seen: list[str | None] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append(self.headers.get("Accept-Encoding"))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(server):
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = loadgen.run_load(
            url=url + "/a", connections=2, seconds=1, paths=["/a", "/b"] if varied else None
        )

    assert result.requests > 0
    assert seen
    assert set(seen) == {loadgen.BROWSER_ACCEPT_ENCODING}
    assert result.as_dict()["accept_encoding"] == loadgen.BROWSER_ACCEPT_ENCODING
