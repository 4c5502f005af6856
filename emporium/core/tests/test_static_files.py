import json

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.mark.django_db
def test_collectstatic_writes_hashed_compressed_files_for_whitenoise(tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    vite_entry = json.loads((settings.BASE_DIR / "frontend/dist/manifest.json").read_text())[
        "frontend/storefront/main.ts"
    ]
    hashed_css = manifest[vite_entry["css"][0]]
    assert hashed_css != vite_entry["css"][0]
    assert (tmp_path / hashed_css).exists()
    assert (tmp_path / f"{hashed_css}.gz").exists()
