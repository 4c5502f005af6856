"""Celery callers of the catalog services; they take ids, never rows."""

from __future__ import annotations

from celery import shared_task

from emporium.catalog.services import make_missing_thumbnails, make_thumbnails


@shared_task
def make_thumbnails_task(*, image_id: int) -> bool:
    return make_thumbnails(image_id=image_id)


@shared_task
def make_missing_thumbnails_task() -> int:
    return make_missing_thumbnails()
