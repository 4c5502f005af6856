import json
from pathlib import Path


def test_collectstatic_writes_hashed_compressed_files_for_whitenoise(collected_static: Path, settings):
    # collected_static is `manage.py collectstatic` with DEBUG off, as the image runs it.
    manifest = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    vite_entry = json.loads((settings.BASE_DIR / "frontend/dist/manifest.json").read_text())[
        "frontend/storefront/main.ts"
    ]
    hashed_css = manifest[vite_entry["css"][0]]
    assert hashed_css != vite_entry["css"][0]
    assert (collected_static / hashed_css).exists()
    assert (collected_static / f"{hashed_css}.gz").exists()
