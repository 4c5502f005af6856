from django.urls import path

from emporium.payments import views

app_name = "payments"

urlpatterns = [
    path("orders/<str:number>/", views.pay_view, name="pay"),
    path("orders/<str:number>/card/", views.test_card_view, name="test-card"),
    path("orders/<str:number>/<int:payment_id>/", views.payment_view, name="payment"),
    path("orders/<str:number>/<int:payment_id>/confirm/", views.authenticate_view, name="authenticate"),
    path("orders/<str:number>/<int:payment_id>/return/", views.stripe_return_view, name="stripe-return"),
]
