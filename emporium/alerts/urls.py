from django.urls import path

from emporium.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.ask_for_alert_view, name="ask"),
    path("confirm/<str:token>/", views.confirm_alert_view, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
