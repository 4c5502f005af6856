import os

from django.core.wsgi import get_wsgi_application

from config.observability import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Before the application loads its middleware: the Django instrumentation adds its own.
configure_tracing(service_name="emporium-web")
application = get_wsgi_application()
