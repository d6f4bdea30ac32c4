from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from recaudo.console.views.auth import ConsoleLoginView
from recaudo.portfolio.admin_views import import_portfolio

admin.site.site_header = _("Recaudo administration")
admin.site.site_title = "Recaudo"
admin.site.index_title = _("Collections portfolio")

urlpatterns = [
    path("admin/portfolio/import/", import_portfolio, name="portfolio_import"),
    # One login for the console and the admin, so the lockout and the audit cover both.
    path("admin/login/", ConsoleLoginView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    path("console/", include("recaudo.console.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("recaudo.api.urls")),
    path("hooks/", include("recaudo.channels.urls")),
    path("", include("recaudo.conversations.urls")),
    path("", include("recaudo.payments.urls")),
    path("", include("recaudo.selfservice.urls")),
]
