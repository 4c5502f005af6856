"""Uploaded pictures: opened, checked and written out again before anything stores them.

An upload is whatever bytes someone sent under a name ending in ``.jpg``. Stored as sent, an
HTML page or a JPEG with a script appended (a polyglot) would be served from our media domain,
a photo's EXIF would publish where it was taken, and a few kilobytes that declare 100,000 x
100,000 pixels (a decompression bomb) would take gigabytes to thumbnail (issue 15). So every
upload, from the admin's form or the staff API's serializer, goes through
:func:`reencode_uploaded_image`: Pillow must recognise it as a JPEG, PNG or WebP of at most
``MAX_IMAGE_PIXELS`` pixels, and only the decoded pixels are kept: the EXIF orientation is
applied, then the image is encoded afresh in its own format with no EXIF, XMP, text chunks or
trailing bytes. The ICC colour profile stays, since dropping it would change the colours.

Errors are Django ``ValidationError``s with stable codes, which a form shows next to the field
and DRF turns into a 400 problem naming the field.
"""

from __future__ import annotations

import warnings
from io import BytesIO
from pathlib import PurePosixPath
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import get_valid_filename
from PIL import Image, ImageOps, UnidentifiedImageError

# 40 megapixels: a 7,700 x 5,200 camera picture passes; its decoded RGBA is 160 MB at most.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_BYTES = 20 * 1024 * 1024
# What browsers show and thumbnails are made from; the extension the re-encoded file gets.
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
_MODES = {"JPEG": ("L", "RGB"), "PNG": ("1", "L", "LA", "P", "RGB", "RGBA"), "WEBP": ("RGB", "RGBA")}


def reencode_uploaded_image(upload: IO[bytes], *, name: str) -> SimpleUploadedFile:
    """The upload's pixels in a fresh file of the same format, or a ValidationError saying why not."""
    data = _read_limited(upload)
    image = _open_checked(data)
    try:
        with warnings.catch_warnings():
            # Pillow warns on images over its own limit and refuses those over twice it; ours is
            # checked above, but a format that reveals its size only while decoding lands here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            format_name = image.format or ""
            icc_profile = image.info.get("icc_profile")
            image = ImageOps.exif_transpose(image)  # loads the pixels; the EXIF is not copied
            if image.mode not in _MODES[format_name]:  # CMYK, 16-bit, palette with alpha...
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha and format_name != "JPEG" else "RGB")
                icc_profile = None  # it described the old mode's colours
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except (OSError, ValueError, SyntaxError) as error:  # truncated or corrupt pixel data
        raise ValidationError("The picture's data is damaged.", code="invalid_image") from error
    output = BytesIO()
    options: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
    if format_name == "JPEG":
        options.update(quality=90, optimize=True)
    elif format_name == "WEBP":
        options.update(quality=90)
    image.save(output, format=format_name, **options)
    extension, content_type = FORMATS[format_name]
    stem = get_valid_filename(PurePosixPath(name).stem)[:80] or "image"
    return SimpleUploadedFile(f"{stem}.{extension}", output.getvalue(), content_type=content_type)


def _read_limited(upload: IO[bytes]) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(
            "The picture is larger than %(limit)d MB.",
            code="image_too_large",
            params={"limit": MAX_IMAGE_BYTES // (1024 * 1024)},
        )
    return data


def _open_checked(data: bytes) -> Image.Image:
    """The image with only its header read: format and size are known, no pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only these formats' header parsers ever see the bytes: a GIF, TIFF or EPS (whose
            # decoding would run Ghostscript) is refused as "not a picture we take".
            image = Image.open(BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ValidationError(
            "Upload a JPEG, PNG or WebP picture; this file is not one.", code="invalid_image"
        ) from error
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels()
    return image


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        "The picture has more than %(limit)d million pixels.",
        code="image_too_many_pixels",
        params={"limit": MAX_IMAGE_PIXELS // 1_000_000},
    )
