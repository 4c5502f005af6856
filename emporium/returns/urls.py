from django.urls import path

from emporium.returns import views

app_name = "returns"

urlpatterns = [
    path("", views.return_list_view, name="list"),
    path("orders/<str:number>/", views.create_return_view, name="create"),
]
