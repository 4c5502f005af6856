from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase


def clear_expired_sessions() -> None:
    """Delete sessions past their expiry date.

    Sessions live in the database in both modes (Redis only caches them), so they pile up
    unless something removes them; Celery beat runs this nightly.
    """
    engine = import_module(settings.SESSION_ENGINE)
    session_store: type[SessionBase] = engine.SessionStore
    session_store.clear_expired()
