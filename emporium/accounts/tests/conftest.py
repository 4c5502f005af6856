import pytest
from django.conf import settings


@pytest.fixture
def session_queries() -> int:
    """Queries a logged-in request spends on its session: none once Redis caches it (service mode)."""
    return 0 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db" else 1
