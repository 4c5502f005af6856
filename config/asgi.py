import os

from django.core.asgi import get_asgi_application

from config.observability import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

configure_tracing(service_name="emporium-web")
application = get_asgi_application()
