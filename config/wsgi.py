import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# After setup (the settings are loaded): fail at start-up rather than with a 500 on every page.
from emporium.core.startup import ensure_static_files_collected  # noqa: E402

ensure_static_files_collected()
