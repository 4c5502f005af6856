"""The pagination tag writes each link as Django's {% querystring %} would, for any URL."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from hypothesis import example, given
from hypothesis import strategies as st

from emporium.catalog.selectors import ResultsPage
from emporium.catalog.templatetags.storefront import pagination

params = st.lists(
    st.tuples(st.sampled_from(["page", "sort", "q", "colour", "in_stock", "a&b"]), st.text(max_size=6)),
    max_size=5,
)


def _querystring(request: HttpRequest, **changes: object) -> str:
    rendered = Template("{% querystring page=page %}").render(RequestContext(request, changes))
    return f"{request.path}{rendered}".replace("&amp;", "&")


@given(
    query=params,
    number=st.integers(min_value=1, max_value=9),
    num_pages=st.integers(min_value=1, max_value=9),
)
@example(query=[], number=1, num_pages=3)
@example(query=[("page", "2")], number=2, num_pages=3)
@example(query=[("sort", "name"), ("page", "4"), ("q", "red"), ("page", "5")], number=4, num_pages=9)
def test_every_link_is_the_url_querystring_writes(query: list[tuple[str, str]], number: int, num_pages: int):
    number = min(number, num_pages)
    request = RequestFactory().get("/c/lanterns/?" + urlencode(query))
    results = ResultsPage(cards=(), number=number, num_pages=num_pages, count=num_pages * 24, per_page=24)

    pages = pagination(Context({"request": request}), results)

    def expected(page: int) -> str:
        return _querystring(request, page=None if page == 1 else page)

    assert [link.url for link in pages.links if link.number] == [
        expected(n) for n in results.page_links() if n
    ]
    assert [link.number for link in pages.links if link.is_current] == [number]
    assert pages.previous_url == (expected(number - 1) if number > 1 else "")
    assert pages.next_url == (expected(number + 1) if number < num_pages else "")
