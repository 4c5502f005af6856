from django.urls import path

from emporium.recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("click/", views.click_view, name="click"),
]
