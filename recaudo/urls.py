from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from recaudo.portfolio.admin_views import import_portfolio

admin.site.site_header = _("Recaudo administration")
admin.site.site_title = "Recaudo"
admin.site.index_title = _("Collections portfolio")

urlpatterns = [
    path("admin/portfolio/import/", import_portfolio, name="portfolio_import"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("recaudo.api.urls")),
    path("hooks/", include("recaudo.channels.urls")),
    path("", include("recaudo.conversations.urls")),
    path("", include("recaudo.payments.urls")),
    path("", include("recaudo.selfservice.urls")),
]
