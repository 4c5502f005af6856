"""The floor of the page benchmarks: a bare Django view, outside the shop.

``startproject``'s smallest view: no middleware, no database, no templates, no sessions,
"hello" in plain text, served by the same gunicorn as the shop (``bench.floor:application``).
A page's throughput divided by this one's, measured in the same run, says what the page costs
beyond Django and gunicorn themselves, whatever the machine. (The shop's own ``/healthz`` goes
through every middleware of the shop, so it is no floor.)
"""

from __future__ import annotations

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-floor-not-a-secret",  # nosec B106: signs nothing
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("", hello), path("healthz", hello)]
application = get_wsgi_application()
