"""django-prometheus's PostgreSQL backend (queries counted), with the socket health check and
the compiled timestamptz loader."""
