from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Recaudo administration")
admin.site.site_title = "Recaudo"
admin.site.index_title = _("Collections portfolio")

urlpatterns = [
    path("admin/", admin.site.urls),
]
