import os

from django.core.wsgi import get_wsgi_application

from config.observability import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Before the application loads its middleware: the Django instrumentation adds its own.
configure_tracing(service_name="emporium-web")
application = get_wsgi_application()

# After setup (the settings are loaded): fail at start-up rather than with a 500 on every page.
from emporium.core.startup import ensure_static_files_collected  # noqa: E402

ensure_static_files_collected()
