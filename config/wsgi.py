import gc
import os

from django.core.wsgi import get_wsgi_application

from config.observability import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Before the application loads its middleware: the Django instrumentation adds its own.
configure_tracing(service_name="emporium-web")
application = get_wsgi_application()

# After setup (the settings are loaded): fail at start-up rather than with a 500 on every page.
from django.conf import settings  # noqa: E402

from emporium.core.startup import ensure_static_files_collected, warm_up  # noqa: E402

ensure_static_files_collected()
if settings.WARM_UP and not settings.DEBUG:
    # Before gunicorn forks its workers (preload_app), so they inherit compiled templates. Not
    # with DEBUG, where runserver's autoreloader would pay for it again after every edit.
    warm_up()
    # Everything loaded so far lives as long as the process: out of the collector's sight, a
    # worker's first collections no longer write to (and so copy) every page it shares with
    # the master. Measured by `make bench BENCH=warmup` (README).
    gc.collect()
    gc.freeze()
