from django.conf import settings
from django.contrib import admin
from django.urls import path

from emporium.core.health import ReadinessView, liveness_view
from emporium.core.views import home_view

admin.site.site_header = f"{settings.SITE_NAME} staff"
admin.site.site_title = f"{settings.SITE_NAME} staff"

urlpatterns = [
    path("", home_view, name="home"),
    path("healthz", liveness_view, name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
    path("admin/", admin.site.urls),
]
