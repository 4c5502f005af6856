import json
import re
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


def test_the_api_docs_page_finds_every_file_it_links_and_the_unused_swagger_builds_are_left_out(
    collected_static: Path, client, settings
):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    page = client.get("/api/docs/").content.decode()
    linked = re.findall(rf'(?:src|href)="{settings.STATIC_URL}([^"]+)"', page)

    assert {"swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css"} <= set(linked)
    assert all(path in manifest for path in linked), "every file the page asks for is served"
    assert not [
        path for path in manifest if "swagger-ui-es-bundle" in path or path.endswith("/swagger-ui.js")
    ]
