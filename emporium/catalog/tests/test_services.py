from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from emporium.catalog.models import Product, ProductImage
from emporium.catalog.services import refresh_product_summaries
from emporium.catalog.tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_product_summary_follows_its_cheapest_variant():
    product = ProductFactory.create(variant=None)
    VariantFactory.create(product=product, price_amount=Decimal("7.50"))
    VariantFactory.create(product=product, price_amount=Decimal("2.10"))

    product.refresh_from_db()

    assert product.price_amount == Decimal("2.10")


def test_product_is_out_of_stock_when_every_unit_is_allocated():
    product = ProductFactory.create(variant=None)
    variant = VariantFactory.create(product=product, stock_on_hand=3)
    variant.stock_allocated = 3
    variant.save()

    product.refresh_from_db()

    assert product.is_in_stock is False


def test_product_without_variants_has_no_price_and_no_stock():
    product = ProductFactory.create(variant=None)

    refresh_product_summaries(product_ids=[product.pk])
    product.refresh_from_db()

    assert product.price_amount is None
    assert product.is_in_stock is False


def test_refresh_without_ids_repairs_rows_written_in_bulk():
    product = ProductFactory.create()
    Product.objects.filter(pk=product.pk).update(price_amount=None, is_in_stock=False)

    refresh_product_summaries()
    product.refresh_from_db()

    assert product.price_amount == Decimal("4.95")
    assert product.is_in_stock is True


def _png(width: int, height: int) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("lantern.png", buffer.getvalue(), content_type="image/png")


def test_uploaded_image_gets_a_thumbnail_per_size_without_enlarging(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    product = ProductFactory.create()

    with django_capture_on_commit_callbacks(execute=True):  # the thumbnail task, inline
        image = ProductImage.objects.create(product=product, image=_png(1200, 800), alt_text="A teal lantern")
    image.refresh_from_db()

    card = Image.open(tmp_path / image.thumbnail_name("card"))
    zoom = Image.open(tmp_path / image.thumbnail_name("zoom"))
    assert card.format == "WEBP"
    assert card.size == (400, 267)
    assert zoom.size == (1200, 800)  # never larger than the original
    assert image.card_url.endswith("-400.webp")
