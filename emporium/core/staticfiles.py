"""Where static files are found: the project's own directories, less what nothing serves."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.staticfiles import finders
from django.core.files.storage import Storage

# The API docs page loads swagger-ui-bundle.js, swagger-ui-standalone-preset.js and
# swagger-ui.css (drf-spectacular's template). The npm package also ships the same UI as ES
# modules and an unbundled build, with their source maps: 7.7 of its 12 MB. Collecting, hashing
# and compressing them twice cost collectstatic (every image build, and the suite's
# production-like static tree) about half its time, for files no page asks for.
UNSERVED_FILES = [
    "swagger-ui-es-bundle*",
    "swagger-ui.js",
    "swagger-ui.js.map",
    "swagger-initializer.js",
    "log.*.swagger-ui.txt",
]


class FileSystemFinder(finders.FileSystemFinder):
    """``STATICFILES_DIRS`` as Django finds them, without ``UNSERVED_FILES`` in what it lists
    (what ``collectstatic`` copies). A finder rather than a configured staticfiles app, so
    INSTALLED_APPS keeps naming ``django.contrib.staticfiles``, which tools look for by name
    (pytest-django's live server serves static files only then)."""

    def list(self, ignore_patterns: Iterable[str] | None) -> Iterable[tuple[str, Storage]]:
        return super().list([*(ignore_patterns or []), *UNSERVED_FILES])
