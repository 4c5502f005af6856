import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateSyntaxError
from django.test import override_settings

from emporium.core.startup import ensure_static_files_collected, warm_up

ROOT = Path(__file__).resolve().parents[3]
MANIFEST_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def test_a_production_like_process_refuses_to_start_before_collectstatic(tmp_path, settings):
    storages = {**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    with (
        override_settings(STATIC_ROOT=tmp_path, STORAGES=storages),
        pytest.raises(ImproperlyConfigured, match="collectstatic"),
    ):
        ensure_static_files_collected()


def test_it_starts_once_the_static_files_are_collected(collected_static: Path, settings):
    with override_settings(
        STATIC_ROOT=collected_static, STORAGES={**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    ):
        ensure_static_files_collected()  # no error


def test_debug_serves_static_files_from_their_sources_without_collecting(tmp_path, settings):
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES={**settings.STORAGES, "staticfiles": plain}):
        ensure_static_files_collected()  # no error


def test_the_warm_up_compiles_every_template_of_the_project_and_none_of_the_libraries():
    compiled = warm_up()

    assert {"base.html", "catalog/product_detail.html", "checkout/checkout.html"} <= set(compiled)
    assert {"catalog/product_cards.html", "catalog/picture.html"} <= set(compiled)  # the Jinja2 ones
    assert "admin/base.html" not in compiled
    assert (
        "django/forms/widgets/input.html" not in compiled
    )  # Django's own Jinja2 templates  # Django's own: loaded when a page first uses it
    assert len(compiled) == len(set(compiled))


def test_a_template_that_does_not_compile_stops_the_start(tmp_path, settings):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "broken.html").write_text("{% if %}")
    engine = {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}
    settings.BASE_DIR = tmp_path  # a project whose only template is the broken one
    with override_settings(TEMPLATES=[engine]), pytest.raises(TemplateSyntaxError):
        warm_up()


# What a web process loads only when a page or a job needs it: pandas and NumPy for training and
# RFM scoring, fpdf2 for the PDF invoice, the Stripe SDK when the shop offers Stripe. Together
# they cost about 4.5 s of start-up on a 2-core machine and 50 MB per process, in every web
# worker and every `manage.py` command.
LOADED_ON_DEMAND = ("pandas", "numpy", "scipy", "implicit", "fpdf", "stripe")
LOAD_THE_WEB_APP = """
import sys
import config.wsgi
from django.urls import get_resolver
from emporium.core.startup import warm_up
get_resolver().url_patterns  # every app's views, serializers and admin, as the first request does
warm_up()
print(" ".join(name for name in sys.argv[1:] if name in sys.modules))
"""


def _modules_loaded_by_the_web_app(**env: str) -> list[str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_ALLOW", "STRIPE_", "PAYMENT_GATEWAYS"))
    }
    return subprocess.run(
        [sys.executable, "-c", LOAD_THE_WEB_APP, *LOADED_ON_DEMAND],
        cwd=ROOT,
        env={**inherited, "DEBUG": "1", **env},  # DEBUG: no collectstatic; warm_up is called by hand
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()


def test_the_web_app_starts_without_loading_the_data_science_pdf_or_stripe_libraries():
    assert _modules_loaded_by_the_web_app() == []


def test_a_shop_that_offers_stripe_loads_its_sdk_at_start_up_not_on_the_first_payment():
    loaded = _modules_loaded_by_the_web_app(PAYMENT_GATEWAYS="stripe,offline", STRIPE_SECRET_KEY="sk_test_x")

    assert loaded == ["stripe"]
