"""A page compressed once around its holes is the same page, filled, once decompressed."""

import gzip
import zlib
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emporium.core.gzip_holes import MAX_RANDOM_BYTES, HoledGzip, _deflated_once

HOLE = b"<hole>"
texts = st.lists(st.binary(max_size=300) | st.just(HOLE), max_size=8).map(b"".join)


@given(text=texts, filling=st.binary(min_size=7, max_size=7))
def test_the_gzip_is_the_text_with_the_filling_in_every_hole(text, filling):
    holed = HoledGzip.compress(text, hole=HOLE, filling_length=7)

    filled = text.replace(HOLE, filling)
    assert gzip.decompress(holed.gzip(filling)) == filled  # checks the CRC and the length too
    assert holed.text(filling) == filled
    assert holed.has_holes == (HOLE in text)


def test_a_page_with_a_token_in_two_forms():
    page = b"<html>" + b"<p>Heart-shaped tin</p>" * 2000 + b'<input value="' + HOLE + b'">' * 2 + b"</html>"
    holed = HoledGzip.compress(page, hole=HOLE, filling_length=64)
    token = b"T" * 32 + b"0123456789abcdef" * 2

    assert gzip.decompress(holed.gzip(token)) == page.replace(HOLE, token)
    assert len(holed) < len(page) // 20  # the compressed pieces are what is kept


def test_each_response_has_a_name_of_random_length_like_djangos_middleware():
    holed = HoledGzip.compress(b"x" * 1000, hole=HOLE, filling_length=0)

    sizes = {len(holed.gzip()) for _ in range(200)}

    assert len(sizes) > 20
    assert max(sizes) - min(sizes) < MAX_RANDOM_BYTES


def test_the_filling_is_not_compressed_with_the_page():
    """A stored block: the token's bytes appear as they are, whatever the page holds."""
    token = b"secret-token-0123456789"
    holed = HoledGzip.compress(b"secret-token-" * 100 + HOLE, hole=HOLE, filling_length=len(token))

    assert token in holed.gzip(token)


def test_a_filling_of_another_length_is_refused_by_the_gzip_not_the_text():
    holed = HoledGzip.compress(b"a" + HOLE + b"b", hole=HOLE, filling_length=4)

    assert not holed.fits(b"12345")
    with pytest.raises(ValueError, match="4 bytes"):
        holed.gzip(b"12345")
    assert holed.text(b"12345") == b"a12345b"
    assert HoledGzip.compress(b"no holes", hole=HOLE, filling_length=4).fits(b"")


def test_a_gzip_any_client_reads():
    holed = HoledGzip.compress(b"abc" + HOLE + b"def", hole=HOLE, filling_length=2)

    assert zlib.decompress(holed.gzip(b"XY"), wbits=31) == b"abcXYdef"


@given(
    before=texts,
    after=texts,
    shared=st.binary(min_size=1, max_size=300).filter(lambda shared: HOLE not in shared),
    filling=st.binary(min_size=7, max_size=7),
)
def test_a_shared_text_compressed_once_gives_the_same_page(before, after, shared, filling):
    text = before + shared + after

    holed = HoledGzip.compress(text, hole=HOLE, filling_length=7, shared=shared)

    filled = text.replace(HOLE, filling)
    assert gzip.decompress(holed.gzip(filling)) == filled
    assert holed.text(filling) == filled


def test_the_shared_text_is_not_compressed_again_for_each_page():
    stylesheet = bytes(range(256)) * 40  # what zlib cannot shrink, to time
    pages = [b"<p>page %d</p>" % n + stylesheet + b"<form>" + HOLE + b"</form>" for n in range(3)]

    _deflated_once.cache_clear()
    with patch("emporium.core.gzip_holes.zlib.compressobj", wraps=zlib.compressobj) as compressors:
        for page in pages:
            holed = HoledGzip.compress(page, hole=HOLE, filling_length=2, shared=stylesheet)
            assert gzip.decompress(holed.gzip(b"OK")) == page.replace(HOLE, b"OK")
    levels = [call.args[0] for call in compressors.call_args_list]

    # Per page: the text before it, the text after it, and the piece after the hole; the
    # stylesheet once for all three (at zlib's best, level 9).
    assert len(levels) == 3 * 3 + 1
    assert levels.count(zlib.Z_BEST_COMPRESSION) == 1


def test_the_storefront_page_cache_compresses_the_stylesheet_once():
    from emporium.core.templatetags.assets import inlined_storefront_css, storefront_assets

    css = inlined_storefront_css()

    assert css
    assert css is inlined_storefront_css()  # the same object: its hash is computed once
    assert css.decode() in storefront_assets()  # what the page holds, word for word
