"""Uploaded pictures are checked and re-encoded, from the admin and the staff API alike (issue 15)."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory
from emporium.catalog.images import FORMATS, MAX_IMAGE_PIXELS
from emporium.catalog.models import ProductImage
from emporium.catalog.tests.factories import ProductFactory
from emporium.core.tests.api_clients import bearer_client

pytestmark = pytest.mark.django_db

GPS_LATITUDE_REF, GPS_LATITUDE, ORIENTATION, GPS_IFD = 1, 2, 0x0112, 0x8825
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _photo(
    *, format: str = "JPEG", size: tuple[int, int] = (40, 20), trailer: bytes = b"", orientation: int = 6
) -> bytes:
    """A photo as a phone writes it: EXIF with where it was taken, turned by the orientation tag
    (6: shown turned 90° clockwise; 1: as stored)."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE_REF] = "N"
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (51.0, 27.0, 12.0)
    buffer = BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=format, exif=exif.tobytes())
    return buffer.getvalue() + trailer


def _png_header_only(*, width: int, height: int) -> bytes:
    """A PNG that declares its size and holds almost no data: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _bomb() -> bytes:
    """Just over our limit and under Pillow's own, so it is our check that refuses it."""
    buffer = BytesIO()
    Image.new("1", (8_000, MAX_IMAGE_PIXELS // 8_000 + 1)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STAFF_MFA_REQUIRED = False


@pytest.fixture
def manager():
    user = StaffUserFactory.create()
    user.groups.add(Group.objects.get(name=CATALOG_MANAGER.name))
    return user


def _upload(client, product, content: bytes, name: str = "photo.jpg"):
    return client.post(
        f"/api/v1/staff/products/{product.pk}/images/",
        {"image": SimpleUploadedFile(name, content), "alt_text": "A lamp"},
        format="multipart",
    )


def _admin_upload(client, product, content: bytes, name: str = "photo.jpg"):
    return client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {
            "name": product.name,
            "slug": product.slug,
            "category": product.category_id,
            "description": "",
            "attributes": "{}",
            "seo_title": "",
            "seo_description": "",
            "variants-TOTAL_FORMS": "0",
            "variants-INITIAL_FORMS": "0",
            "images-TOTAL_FORMS": "1",
            "images-INITIAL_FORMS": "0",
            "images-0-image": SimpleUploadedFile(name, content),
            "images-0-alt_text": "A lamp",
            "images-0-position": "0",
        },
    )


def _stored(image: ProductImage) -> Image.Image:
    with image.image.open("rb") as stored:
        picture = Image.open(BytesIO(stored.read()))
        picture.load()
    return picture


def test_api_stores_a_photo_upright_without_its_location(manager):
    product = ProductFactory.create()

    response = _upload(bearer_client(manager), product, _photo())

    assert response.status_code == 201, response.content
    image = ProductImage.objects.get(product=product)
    stored = _stored(image)
    assert stored.format == "JPEG"
    assert stored.size == (20, 40)  # the orientation was applied to the pixels
    assert (image.width, image.height) == (20, 40)
    assert dict(stored.getexif()) == {}  # no GPS, no orientation left to apply twice
    assert response.json()["url"].endswith(".jpg")


@pytest.mark.parametrize("orientation", [6, 1], ids=["turned", "upright"])
@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_api_keeps_the_format_and_drops_exif_turned_or_not(manager, format, orientation):
    product = ProductFactory.create()
    content = _photo(format=format, orientation=orientation)

    response = _upload(bearer_client(manager), product, content, name="photo.jpg")

    assert response.status_code == 201, response.content
    stored = _stored(ProductImage.objects.get(product=product))
    assert (stored.format, dict(stored.getexif())) == (format, {})
    assert response.json()["url"].endswith(f".{FORMATS[format][0]}")  # named for what it is


def test_api_refuses_an_html_page_named_jpg_with_a_problem(manager):
    product = ProductFactory.create()

    response = _upload(bearer_client(manager), product, HTML)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "image" in str(response.json())
    assert not ProductImage.objects.exists()


def test_a_polyglot_keeps_its_pixels_and_loses_the_script(manager):
    product = ProductFactory.create()

    response = _upload(bearer_client(manager), product, _photo(trailer=HTML))

    assert response.status_code == 201, response.content
    with ProductImage.objects.get(product=product).image.open("rb") as stored:
        assert b"<script" not in stored.read()


def test_api_refuses_a_gif_as_an_unsupported_format(manager):
    buffer = BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="GIF")

    response = _upload(bearer_client(manager), ProductFactory.create(), buffer.getvalue(), name="a.gif")

    assert response.status_code == 400
    assert "JPEG, PNG or WebP" in str(response.json())


def test_api_refuses_a_decompression_bomb(manager):
    response = _upload(bearer_client(manager), ProductFactory.create(), _bomb(), name="bomb.png")

    assert response.status_code == 400
    assert "million pixels" in str(response.json())
    assert not ProductImage.objects.exists()


def test_api_refuses_a_bomb_beyond_pillows_own_limit(manager):
    content = _png_header_only(width=100_000, height=100_000)

    response = _upload(bearer_client(manager), ProductFactory.create(), content, name="bomb.png")

    assert response.status_code == 400  # Pillow raises DecompressionBombError: refused, not a 500
    assert not ProductImage.objects.exists()


def test_api_refuses_an_analyst(manager):
    analyst = StaffUserFactory.create()
    analyst.groups.add(Group.objects.get(name=ANALYST.name))

    response = _upload(bearer_client(analyst), ProductFactory.create(), _photo())

    assert response.status_code == 403


def test_admin_stores_a_photo_upright_without_its_location(client, manager):
    product = ProductFactory.create()
    client.force_login(manager)

    response = _admin_upload(client, product, _photo())

    assert response.status_code == 302, response.content
    stored = _stored(ProductImage.objects.get(product=product))
    assert (stored.format, stored.size, dict(stored.getexif())) == ("JPEG", (20, 40), {})


@pytest.mark.parametrize(
    ("content", "message"),
    [(HTML, "not an image"), (_png_header_only(width=9_000, height=9_000), "million pixels")],
    ids=["html-named-jpg", "bomb"],
)
def test_admin_form_says_what_is_wrong_with_the_file(client, manager, content, message):
    product = ProductFactory.create()
    client.force_login(manager)

    response = _admin_upload(client, product, content)

    assert response.status_code == 200  # the form again, with the error next to the field
    assert message in response.content.decode()
    assert not ProductImage.objects.exists()
