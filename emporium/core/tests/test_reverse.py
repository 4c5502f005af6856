"""reverse_one gives what Django's reverse gives, for any value, prefix and URL."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from hypothesis import example, given
from hypothesis import strategies as st

from emporium.core.reverse import reverse_one

# A slug URL, an int URL and a str URL of the shop, each with its one keyword.
URLS = [
    ("catalog:product-detail", "slug"),
    ("wishlist:save", "product_id"),
    ("checkout:order-status", "number"),
]
values = st.one_of(
    st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True),
    st.integers(min_value=0, max_value=10**12),
    st.text(max_size=20),  # spaces, slashes, accents, percent signs: what only reverse knows
)


def _both(viewname: str, kwarg: str, value: str | int) -> tuple[str, str]:
    try:
        expected = reverse(viewname, kwargs={kwarg: value})
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            reverse_one(viewname, kwarg=kwarg, value=value)
        return "refused", "refused"
    return expected, reverse_one(viewname, kwarg=kwarg, value=value)


@given(value=values)
@example(value="lantern-2")
@example(value="007")
@example(value="a b")
@example(value="caf\u00e9")
@example(value="x/y")
@example(value="")
@pytest.mark.parametrize(("viewname", "kwarg"), URLS)
def test_any_value_gives_the_url_or_the_refusal_reverse_gives(
    viewname: str, kwarg: str, value: str | int
) -> None:
    expected, got = _both(viewname, kwarg, value)
    assert got == expected


def test_the_int_url_refuses_a_word_as_reverse_does() -> None:
    with pytest.raises(NoReverseMatch):
        reverse_one("wishlist:save", kwarg="product_id", value="lantern")
    assert reverse_one("wishlist:save", kwarg="product_id", value=42) == reverse("wishlist:save", args=[42])


def test_a_script_prefix_is_honoured_after_urls_were_made_without_one() -> None:
    plain = reverse_one("catalog:product-detail", kwarg="slug", value="lantern")
    set_script_prefix("/shop/")
    try:
        assert reverse_one("catalog:product-detail", kwarg="slug", value="lantern") == "/shop" + plain
        assert reverse_one("catalog:product-detail", kwarg="slug", value="lantern") == reverse(
            "catalog:product-detail", kwargs={"slug": "lantern"}
        )
    finally:
        set_script_prefix("/")
    assert reverse_one("catalog:product-detail", kwarg="slug", value="lantern") == plain


def test_an_unknown_name_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            reverse_one("catalog:no-such-page", kwarg="slug", value="lantern")
