from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateSyntaxError
from django.test import override_settings

from emporium.core.startup import ensure_static_files_collected, warm_up

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
