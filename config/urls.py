from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularSwaggerSplitView

from emporium.accounts import urls as account_urls
from emporium.accounts.api import urls as account_api_urls
from emporium.catalog.views import (
    home_view,
    robots_txt_view,
    sitemap_index_view,
    sitemap_section_view,
)
from emporium.core.api.errors import api_endpoint_not_found_view
from emporium.core.api.schema_view import SchemaView
from emporium.core.health import ReadinessView, liveness_view
from emporium.core.metrics import metrics_view
from emporium.core.security_headers import csp_report_view
from emporium.giftcards import account_urls as gift_card_urls
from emporium.giftcards.api import account_urls as gift_card_api_urls
from emporium.orders import account_urls as order_history_urls
from emporium.orders.api import account_urls as order_history_api_urls

admin.site.site_header = f"{settings.SITE_NAME} staff"
admin.site.site_title = f"{settings.SITE_NAME} staff"
# Staff log in through the storefront's login, so rate limits and two-factor codes apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# The customer's account is one section, /account/ with "accounts:" names, served by three apps:
# accounts' own pages, the order history (orders) and the gift cards (giftcards); accounts sits below both and
# does not import them (the apps contract in pyproject.toml). A namespace is one include, so the
# lists are joined here; the same for the API under /api/v1/account/ ("accounts-api:").
ACCOUNT_PAGES = (
    account_urls.urlpatterns + order_history_urls.urlpatterns + gift_card_urls.urlpatterns,
    account_urls.app_name,
)
ACCOUNT_API = (
    account_api_urls.urlpatterns + order_history_api_urls.urlpatterns + gift_card_api_urls.urlpatterns,
    account_api_urls.app_name,
)

# The API, under one prefix tried first: a request for it skips the storefront's patterns (a
# checkout's four requests are all API requests), and a page meets one failed prefix.
API: list[URLPattern | URLResolver] = [
    path("v1/recommendations/", include("emporium.recommendations.api.urls")),
    path("v1/payments/", include("emporium.payments.api.urls")),
    path("v1/", include(ACCOUNT_API)),
    path("v1/", include("emporium.core.api.urls")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so no inline script is needed;
    # Swagger UI itself comes from our static files (SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"]).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Keep last: any other URL under /api/ is a problem+json 404, never an HTML page (DEBUG or not).
    re_path(r"^(?P<path>.*)$", api_endpoint_not_found_view, name="api-not-found"),
]

urlpatterns = [
    path("api/", include(API)),
    path("", home_view, name="home"),
    path("", include("emporium.catalog.urls")),
    path("robots.txt", robots_txt_view, name="robots-txt"),
    path("sitemap.xml", sitemap_index_view, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section_view, name="sitemap-section"),
    path("healthz", liveness_view, name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("emporium.analytics.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include(ACCOUNT_PAGES)),
    path("cart/", include("emporium.cart.urls")),
    path("checkout/", include("emporium.checkout.urls")),
    path("payments/", include("emporium.payments.urls")),
    path("recommendations/", include("emporium.recommendations.urls")),
    path("reviews/", include("emporium.reviews.urls")),
    path("wishlist/", include("emporium.wishlist.urls")),
    path("alerts/", include("emporium.alerts.urls")),
    path("returns/", include("emporium.returns.urls")),
    path("csp-report/", csp_report_view, name="csp-report"),
]

# Product photos staff upload. A real deployment serves MEDIA_ROOT from its web server or
# object storage; the embedded shop (and DEBUG) has nothing in front of Django, so Django does.
if settings.DEBUG or settings.IS_EMBEDDED:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
    ]

# Outside DEBUG, errors Django answers itself; under /api/ they are problem+json too.
handler400 = "emporium.core.api.errors.bad_request"
handler403 = "emporium.core.api.errors.permission_denied"
handler404 = "emporium.core.api.errors.page_not_found"
handler500 = "emporium.core.api.errors.server_error"
