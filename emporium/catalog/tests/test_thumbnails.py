"""Thumbnails are made by a background task after the commit; until then pages show the original."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu.exceptions import OperationalError

from emporium.catalog import tasks
from emporium.catalog.models import ProductImage
from emporium.catalog.services import make_missing_thumbnails, make_thumbnails, queue_thumbnails
from emporium.catalog.tests.factories import ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _main_picture(client, product) -> str:
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    image = re.search(r"<img [^>]*>", response.content.decode().split('class="product__picture"')[1])
    assert image is not None
    return image.group(0)


def test_a_new_picture_is_shown_as_uploaded_until_its_thumbnails_exist(
    client, media, django_capture_on_commit_callbacks
):
    product = ProductFactory.create()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        image = ProductImageFactory.create(product=product)

    assert len(queued) >= 1  # the thumbnail task waits for the commit, never runs in the save
    assert not (media / image.thumbnail_name("detail")).exists()
    before = _main_picture(client, product)
    assert f'src="/media/{image.image.name}"' in before
    assert "srcset" not in before  # no sizes to offer yet

    with django_capture_on_commit_callbacks(execute=True):
        assert make_thumbnails(image_id=image.pk)

    after = _main_picture(client, product)  # the catalog version moved: no stale cached page
    assert "-960.webp" in after
    assert "-400.webp 400w" in after
    assert (media / image.thumbnail_name("detail")).exists()


def test_saving_a_picture_makes_its_thumbnails_after_the_commit(media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # embedded mode: the task runs inline
        image = ProductImageFactory.create()

    image.refresh_from_db()
    assert image.thumbnails_ready
    assert all((media / image.thumbnail_name(size)).exists() for size in ("card", "detail", "zoom"))
    assert image.card_url.endswith("-400.webp")


def test_a_replaced_file_gets_new_thumbnails_and_the_old_ones_are_not_shown(
    media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = ProductImageFactory.create()
    image = ProductImage.objects.get(pk=image.pk)
    old_thumbnail = image.thumbnail_name("card")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        image.image = SimpleUploadedFile("other.png", (media / image.image.name).read_bytes(), "image/png")
        image.save()
    assert queued
    assert not ProductImage.objects.get(pk=image.pk).thumbnails_ready  # the old thumbnails show another file

    for callback in queued:
        callback()
    image = ProductImage.objects.get(pk=image.pk)
    assert image.thumbnails_ready
    assert image.thumbnail_name("card") != old_thumbnail
    assert (media / image.thumbnail_name("card")).exists()


def test_editing_the_text_of_a_ready_picture_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = ProductImageFactory.create()
    image = ProductImage.objects.get(pk=image.pk)

    with django_capture_on_commit_callbacks(execute=False):
        image.alt_text = "A lantern, lit"
        image.save()

    assert ProductImage.objects.get(pk=image.pk).thumbnails_ready


def test_when_the_broker_is_down_the_picture_is_saved_and_the_sweep_makes_its_thumbnails(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(**kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.make_thumbnails_task, "delay", broker_down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        image = ProductImageFactory.create()
        queue_thumbnails(image_id=image.pk)

    assert "the sweep will make them" in caplog.text
    assert not ProductImage.objects.get(pk=image.pk).thumbnails_ready

    with django_capture_on_commit_callbacks(execute=True):
        assert make_missing_thumbnails() == 1

    assert ProductImage.objects.get(pk=image.pk).thumbnails_ready
    assert make_missing_thumbnails() == 0
