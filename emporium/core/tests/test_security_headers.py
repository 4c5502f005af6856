"""Every kind of page leaves with a strict Content-Security-Policy and a Permissions-Policy,
and holds no inline script the policy would not run (issue 15, finding 2)."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from emporium.accounts.roles import ANALYST
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

_SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _script_src(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    return directive.split()[1:]


def _assert_strict(response, url: str) -> None:
    assert response.status_code < 500, url
    assert "Permissions-Policy" in response, url
    assert "camera=()" in response["Permissions-Policy"]
    sources = _script_src(response)
    assert "'unsafe-inline'" not in sources, url
    assert "'unsafe-eval'" not in sources, url
    assert "report-uri /csp-report/" in response["Content-Security-Policy"]
    if not response["Content-Type"].startswith("text/html"):
        return
    html = response.content.decode()
    nonces = {
        source.removeprefix("'nonce-").removesuffix("'") for source in sources if source.startswith("'nonce-")
    }
    for match in _SCRIPT.finditer(html):
        attributes = match["attributes"]
        if "src=" in attributes or "application/ld+json" in attributes:
            continue  # a file from an allowed origin, or data the browser never runs
        nonce = re.search(r'nonce="([^"]+)"', attributes)
        assert nonce is not None, f"{url}: inline script without a nonce"
        assert nonce[1] in nonces, f"{url}: inline script with another response's nonce"
    assert not _EVENT_HANDLER.search(html), f"{url}: inline event handler attribute"


def test_storefront_account_and_api_pages_carry_a_strict_policy(client):
    variant = VariantFactory.create(product__name="Lantern")
    product = variant.product
    customer = UserFactory.create()
    order = OrderFactory.create(customer=customer, email=customer.email)
    anonymous_pages = [
        "/", product.category.get_absolute_url(), product.get_absolute_url(), "/search/?q=lantern",
        "/cart/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
        "/no-such-page/", "/api/v1/products/", "/api/docs/", "/readyz",
    ]  # fmt: skip
    for url in anonymous_pages:
        _assert_strict(client.get(url), url)

    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    _assert_strict(client.get("/checkout/"), "/checkout/")
    client.force_login(customer)
    for url in [
        "/account/",
        "/account/addresses/",
        f"/account/orders/{order.number}/",
        f"/account/orders/{order.number}/invoice/",
        "/account/privacy/",
    ]:
        _assert_strict(client.get(url), url)


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/orders/EM-000001"])
def test_the_staff_dashboard_carries_a_strict_policy(client, settings, path):
    settings.STAFF_MFA_REQUIRED = False
    analyst = StaffUserFactory.create()
    analyst.groups.add(Group.objects.get(name=ANALYST.name))
    client.force_login(analyst)

    response = client.get(path)

    assert response.status_code == 200
    assert b'id="dashboard"' in response.content  # the Vue app's shell, not a refusal page
    _assert_strict(response, path)


def test_the_invoice_print_button_works_without_an_inline_handler(client):
    customer = UserFactory.create()
    order = OrderFactory.create(customer=customer, email=customer.email)
    client.force_login(customer)

    response = client.get(f"/account/orders/{order.number}/invoice/")

    html = response.content.decode()
    assert "onclick" not in html
    assert "data-print" in html


def test_the_staff_admin_carries_the_policy_too(admin_client):
    response = admin_client.get("/admin/login/")

    assert "'unsafe-inline'" not in _script_src(response)
    assert "Permissions-Policy" in response


def test_a_violation_report_is_logged(caplog):
    report = {"csp-report": {"document-uri": "https://shop.example/p/x/", "violated-directive": "script-src-elem",
                             "blocked-uri": "inline", "script-sample": "alert(1)"}}  # fmt: skip

    response = Client().post("/csp-report/", json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    (record,) = [record for record in caplog.records if record.name == "emporium.csp"]
    assert "script-src-elem" in record.getMessage()
    assert "alert(1)" not in record.getMessage()  # samples are not logged: they may hold personal data


def test_a_garbage_report_is_a_400_not_an_error():
    response = Client().post("/csp-report/", "[" * 5000, content_type="application/csp-report")

    assert response.status_code == 400


# ContentSecurityPolicyMiddleware: the settings' policy built once, django-csp for the rest.


def _policy_for(view):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from emporium.core.security_headers import ContentSecurityPolicyMiddleware

    def get_response(request):
        return view(request) if view else HttpResponse("page")

    middleware = ContentSecurityPolicyMiddleware(get_response)
    return middleware(RequestFactory().get("/somewhere/"))


def test_a_plain_response_gets_django_csp_s_own_policy():
    from csp.utils import build_policy

    response = _policy_for(None)

    assert response["Content-Security-Policy"] == build_policy()
    assert "'nonce-" not in response["Content-Security-Policy"]


def test_a_response_that_used_a_nonce_carries_it():
    from django.http import HttpResponse

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    response = _policy_for(view)

    found = re.search(rb"nonce='([^']+)'", response.content)
    assert found is not None
    nonce = found.group(1).decode()
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_a_view_s_own_policy_change_still_applies():
    from csp.decorators import csp_update
    from django.http import HttpResponse

    @csp_update({"img-src": ["https://images.example"]})
    def view(request):
        return HttpResponse("page")

    response = _policy_for(view)

    assert "https://images.example" in response["Content-Security-Policy"]


def test_a_changed_setting_changes_the_policy(settings):
    _policy_for(None)  # built and kept under the old settings
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://cdn.example"]}
    }

    response = _policy_for(None)

    directives = set(response["Content-Security-Policy"].split("; "))
    assert directives == {"default-src 'self'", "img-src https://cdn.example"}


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    from csp.exceptions import CSPNonceError
    from django.http import HttpResponse
    from django.test import RequestFactory

    from emporium.core.security_headers import ContentSecurityPolicyMiddleware

    request = RequestFactory().get("/")
    ContentSecurityPolicyMiddleware(lambda request: HttpResponse("page"))(request)

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)  # type: ignore[attr-defined]
