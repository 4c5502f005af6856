from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """What every storefront page needs to know about the shop itself."""
    return {"site_name": settings.SITE_NAME}
