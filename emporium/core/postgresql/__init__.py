"""Django's PostgreSQL backend, with a health check that costs no round trip and timestamptz
columns read by psycopg's compiled loader (``base.py``).

``settings.DATABASES`` names it (``ENGINE = "emporium.core.postgresql"``, or
``"emporium.core.postgresql.with_metrics"`` when Prometheus counts the queries) instead of
``django.db.backends.postgresql``; everything else is Django's.
"""
