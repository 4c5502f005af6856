from django.db import models


class TimeStampedModel(models.Model):
    """Rows that remember when they were made and last changed (always timezone-aware)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
