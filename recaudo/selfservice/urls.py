from django.urls import path

from recaudo.selfservice import views

app_name = "selfservice"

urlpatterns = [
    path("s/<str:token>", views.self_service_entry, name="link"),
    path("p/<str:token>", views.payment_link_entry, name="payment_link"),
    path("portal/verify/", views.verify, name="verify"),
    path("portal/", views.home, name="home"),
    path("portal/accounts/<int:account_id>/", views.account, name="account"),
    path("portal/accounts/<int:account_id>/pay/", views.pay, name="pay"),
    path("portal/accounts/<int:account_id>/plan/", views.plan, name="plan"),
    path("portal/accounts/<int:account_id>/plan/pay/", views.plan_pay, name="plan_pay"),
    path("portal/statement/", views.statement, name="statement"),
    path("portal/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("portal/preferences/", views.preferences, name="preferences"),
    path("portal/logout/", views.log_out, name="logout"),
    path("portal/language/", views.language, name="language"),
]
