from django.urls import path

from recaudo.payments import views

urlpatterns = [
    path("pay/sandbox/<slug:public_id>/", views.sandbox_checkout, name="payments_sandbox"),
    path("pay/return/<slug:public_id>/", views.checkout_return, name="payments_return"),
    path("payments/hooks/<slug:kind>/", views.webhook, name="payments_webhook"),
]
