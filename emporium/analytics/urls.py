from django.urls import path, re_path

from emporium.analytics.views import dashboard_view

app_name = "analytics"

urlpatterns = [
    path("", dashboard_view, name="dashboard"),
    # The Vue router's own pages (/dashboard/orders/EM-1 ...): reloading one serves the shell.
    re_path(r"^(?P<path>[A-Za-z0-9/_-]+)$", dashboard_view, name="dashboard-page"),
]
