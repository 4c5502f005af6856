"""The static files app, configured (INSTALLED_APPS names this class, not the app)."""

from django.contrib.staticfiles import apps as staticfiles_apps


class StaticFilesConfig(staticfiles_apps.StaticFilesConfig):
    """``django.contrib.staticfiles`` without the parts of swagger-ui-dist nothing serves.

    The API docs page loads ``swagger-ui-bundle.js``, ``swagger-ui-standalone-preset.js`` and
    ``swagger-ui.css`` (drf-spectacular's template); the npm package also ships the same UI as
    ES modules and an unbundled build, with their source maps: 7.7 of its 12 MB. Collecting,
    hashing and compressing them twice cost ``collectstatic`` (every image build, and the
    suite's production-like static tree) about half its time, for files no page asks for.
    """

    ignore_patterns = [
        *staticfiles_apps.StaticFilesConfig.ignore_patterns,
        "swagger-ui-es-bundle*",
        "swagger-ui.js",
        "swagger-ui.js.map",
        "swagger-initializer.js",
        "log.*.swagger-ui.txt",
    ]
