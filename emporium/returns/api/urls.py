from django.urls import path

from emporium.returns.api import views

app_name = "returns-api"

urlpatterns = [
    path("returns/", views.ReturnListApi.as_view(), name="return-list"),
    path("returns/<int:return_id>/", views.ReturnDetailApi.as_view(), name="return-detail"),
    path("returns/<int:return_id>/approve/", views.StaffReturnApproveApi.as_view(), name="return-approve"),
    path("returns/<int:return_id>/refuse/", views.StaffReturnRefuseApi.as_view(), name="return-refuse"),
    path("returns/<int:return_id>/receive/", views.StaffReturnReceiveApi.as_view(), name="return-receive"),
    path("returns/<int:return_id>/refund/", views.StaffReturnRefundApi.as_view(), name="return-refund"),
]
