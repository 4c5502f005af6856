import os

from django.core.asgi import get_asgi_application

from config.observability import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

configure_tracing(service_name="emporium-web")
application = get_asgi_application()

# After setup (the settings are loaded): fail at start-up rather than with a 500 on every page.
from emporium.core.startup import ensure_static_files_collected  # noqa: E402

ensure_static_files_collected()
