from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from emporium.core.startup import ensure_static_files_collected

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
