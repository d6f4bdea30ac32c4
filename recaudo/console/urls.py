from django.urls import URLPattern, URLResolver

from recaudo.console.views import auth, compliance, customers, dashboards, inbox, strategy

app_name = "console"

urlpatterns: list[URLPattern | URLResolver] = [
    *auth.urlpatterns,
    *inbox.urlpatterns,
    *customers.urlpatterns,
    *strategy.urlpatterns,
    *dashboards.urlpatterns,
    *compliance.urlpatterns,
]
